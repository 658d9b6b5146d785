"""The E2 interface binding (harness/interfaces/base.py): E2AP over SCTP."""

from harness.interfaces.e2.binding import BINDING, E2Binding, session_codec

__all__ = ["BINDING", "E2Binding", "session_codec"]
