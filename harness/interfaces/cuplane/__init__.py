"""The CU-plane interface binding (harness/interfaces/base.py): fronthaul capture checks."""

from harness.interfaces.cuplane.binding import BINDING, CuplaneBinding

__all__ = ["BINDING", "CuplaneBinding"]
