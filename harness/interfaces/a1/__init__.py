"""The A1 interface binding (harness/interfaces/base.py): A1-P over HTTP(S)."""

from harness.interfaces.a1.binding import BINDING, A1Binding

__all__ = ["BINDING", "A1Binding"]
