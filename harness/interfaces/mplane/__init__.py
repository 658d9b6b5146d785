"""The M-plane interface binding (harness/interfaces/base.py): NETCONF over SSH to an O-RU."""

from harness.interfaces.mplane.binding import BINDING, MplaneBinding

__all__ = ["BINDING", "MplaneBinding"]
