"""The transport interface shared by the runner and the simulators.

A transport moves whole messages (an SCTP message, an HTTP body) with their
metadata, and says when the peer has gone. It never looks inside a payload.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

E2AP_PPID = 70        # SCTP payload protocol identifier for E2AP (IANA)


class TransportError(Exception):
    """The transport itself failed (a lab or harness problem)."""


class PeerClosed(TransportError):
    """The peer closed or aborted the association."""


@dataclass(frozen=True)
class Packet:
    """One message on the wire and what the transport knows about it."""

    data: bytes
    direction: str                  # 'sent' | 'received'
    time: float
    stream: int = 0
    ppid: int = E2AP_PPID
    association: str = ""
    src: str = ""
    dst: str = ""


class Transport(ABC):
    """Send and receive whole messages."""

    name: str = ""

    @abstractmethod
    def send(self, data: bytes, *, stream: int = 0, ppid: int = E2AP_PPID) -> Packet:
        """Send one message; returns what was sent, time-stamped.

        Raises:
            PeerClosed: the peer has gone.
            TransportError: the transport failed.
        """

    @abstractmethod
    def recv(self, timeout: float) -> Packet | None:
        """The next message, or None when ``timeout`` seconds pass first.

        Raises:
            PeerClosed: the peer has gone and nothing is left to read.
        """

    @abstractmethod
    def close(self) -> None:
        """Close; the peer's recv raises PeerClosed once its queue is empty."""


def now() -> float:
    return time.time()
