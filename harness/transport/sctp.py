"""SCTP for the harness, whichever stack the host has.

One facade over the two backends: the kernel's SCTP through the standard
library (lab hosts) and libusrsctp through ctypes (these CI machines, whose
kernel has none), in UDP-encapsulation (RFC 6951) or raw-IPv4 mode. The lab
profile chooses ('auto' picks the kernel when it has SCTP).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.transport import kernel_sctp, usrsctp
from harness.transport.backends import choose_backend
from harness.transport.base import AcceptTimeout, Transport, TransportError
from harness.transport.sctp_timers import SctpTimers

__all__ = ["SctpConfig", "SctpTimers", "backend_of", "connect", "listen", "parse_address"]


@dataclass(frozen=True)
class SctpConfig:
    """How to reach a peer over SCTP (from the lab profile's `transport:`).

    backend: 'auto' | 'kernel' | 'usrsctp'
    usrsctp_mode: 'udp' (RFC 6951 encapsulation) | 'raw' (IP protocol 132)
    udp_port: this side's UDP encapsulation port (usrsctp 'udp' mode)
    remote_udp_port: the peer's UDP encapsulation port
    timers: failure-detection timers set on every socket before connect/listen
        (None: the stack's defaults; docs/transport.md)
    """

    backend: str = "auto"
    usrsctp_mode: str = "udp"
    udp_port: int = 9899
    remote_udp_port: int = 9900
    timers: SctpTimers | None = None

    @classmethod
    def from_dict(cls, d: dict, where: str = "transport") -> SctpConfig:
        """Raises ValueError naming ``where``.timers.KEY for a bad ``timers:`` mapping."""
        raw = d.get("timers")
        timers = None if raw is None else SctpTimers.from_dict(raw, f"{where}.timers")
        return cls(str(d.get("backend", "auto")), str(d.get("usrsctp_mode", "udp")),
                   int(d.get("udp_port", 9899)), int(d.get("remote_udp_port", 9900)), timers)

    def swapped(self) -> SctpConfig:
        """The peer's view (its UDP ports are ours reversed; the same timers)."""
        return SctpConfig(self.backend, self.usrsctp_mode, self.remote_udp_port, self.udp_port,
                          self.timers)


def backend_of(cfg: SctpConfig) -> str:
    return choose_backend(cfg.backend)


def connect(host: str, port: int, cfg: SctpConfig, timeout: float = 5.0) -> Transport:
    """An association to host:port.

    Raises:
        TransportError: refused, unreachable or timed out (the text names host:port).
    """
    if backend_of(cfg) == "kernel":
        return kernel_sctp.connect(host, port, timeout=timeout, timers=cfg.timers)
    return usrsctp.connect(host, port, mode=cfg.usrsctp_mode, local_udp_port=cfg.udp_port,
                           remote_udp_port=cfg.remote_udp_port, timeout=timeout, timers=cfg.timers)


def listen(host: str, port: int, cfg: SctpConfig):
    """A listener with ``accept(timeout) -> Transport | None`` and ``close()``."""
    if backend_of(cfg) == "kernel":
        return kernel_sctp.KernelSctpListener(host, port, timers=cfg.timers)
    return _Listener(usrsctp.UsrsctpListener(host, port, mode=cfg.usrsctp_mode, local_udp_port=cfg.udp_port,
                                             timers=cfg.timers))


class _Listener:
    """One listener shape for both backends: accept(timeout) gives None on timeout."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def accept(self, timeout: float):
        try:
            return self.inner.accept(timeout)
        except AcceptTimeout:
            return None

    def close(self) -> None:
        self.inner.close()


def parse_address(text: str, default_port: int | None = None) -> tuple[str, int]:
    """'HOST:PORT' or '[V6]:PORT' -> (host, port).

    Raises:
        TransportError: not an address.
    """
    host, sep, port = text.rpartition(":")
    if not sep:
        if default_port is None:
            raise TransportError(f"'{text}' is not HOST:PORT")
        host, port = text, str(default_port)
    host = host.strip("[]")
    try:
        number = int(port)
    except ValueError:
        raise TransportError(f"'{text}': '{port}' is not a port number") from None
    if not host or not 0 < number < 65536:
        raise TransportError(f"'{text}' is not HOST:PORT")
    return host, number
