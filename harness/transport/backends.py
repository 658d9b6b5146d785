"""Which SCTP backend to use: the kernel's, or usrsctp in user space.

(This module shares its name with the stdlib ``select``; import it as
``harness.transport.backends`` — absolute imports keep the two apart.)
"""

from __future__ import annotations

import functools
import socket
import sys

from harness.transport.base import TransportError
from harness.transport.kernel_sctp import MODULE_HINT
from harness.transport.kernel_sctp_uapi import IPPROTO_SCTP

BACKENDS = ("kernel", "usrsctp")
PREFERENCES = ("auto",) + BACKENDS


@functools.cache
def _probe() -> str | None:
    """None when a kernel SCTP socket can be created, else why not."""
    if not sys.platform.startswith("linux"):
        return f"kernel SCTP backend supports Linux only (this is {sys.platform})"
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.socket(family, socket.SOCK_STREAM, IPPROTO_SCTP).close()
            return None
        except OSError as exc:
            reason = f"socket(SOCK_STREAM, IPPROTO_SCTP) failed: {exc}"
    return reason


def kernel_sctp_available() -> bool:
    """True when this host's kernel gives SCTP sockets (probed once, cached)."""
    return _probe() is None


def kernel_sctp_unavailable_reason() -> str:
    """Why the kernel backend cannot be used here ('' when it can)."""
    reason = _probe()
    return "" if reason is None else f"kernel SCTP is not available on this host ({reason})"


def choose_backend(preference: str = "auto") -> str:
    """'kernel' or 'usrsctp' for a preference of 'auto', 'kernel' or 'usrsctp'.

    Raises:
        TransportError: 'kernel' was asked for and the host has no kernel SCTP.
        ValueError: an unknown preference.
    """
    choice = (preference or "auto").strip().lower()
    if choice not in PREFERENCES:
        raise ValueError(f"unknown SCTP backend {preference!r}; choose one of "
                         f"{', '.join(PREFERENCES)}")
    if choice == "auto":
        return "kernel" if kernel_sctp_available() else "usrsctp"
    if choice == "kernel" and not kernel_sctp_available():
        raise TransportError(f"the 'kernel' SCTP backend was requested but "
                             f"{kernel_sctp_unavailable_reason()}; {MODULE_HINT} (or 'auto')")
    return choice
