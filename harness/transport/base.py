"""The transport interface shared by the runner and the simulators.

A transport moves whole messages (an SCTP message, an HTTP body) with their
metadata, and says when the peer has gone. It never looks inside a payload.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import MutableSequence
from dataclasses import dataclass

from harness.core.errors import LabError

E2AP_PPID = 70        # SCTP payload protocol identifier for E2AP (IANA)
# Largest message an SCTP transport sends or reassembles. E2AP messages are kilobytes; a hostile
# peer's tens of MB must still arrive whole (so the codec can judge them), but not without limit.
MAX_MESSAGE_SIZE = 64 * 1024 * 1024


class TransportError(LabError):
    """The transport itself failed (a lab or harness problem)."""


class PeerClosed(TransportError):
    """The peer closed or aborted the association."""


class MessageTooLarge(TransportError):
    """An incoming message exceeded the transport's ``max_message_size``; its remainder is discarded."""


class AcceptTimeout(TransportError):
    """No association arrived at a listener in time."""


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


@dataclass(frozen=True)
class AssociationEvent:
    """Something that happened to the association itself (not a message).

    kind: 'up' | 'down' | 'restart' | 'abort' | 'shutdown' | 'peer-address-change'
    """

    kind: str
    time: float
    association: str = ""
    detail: str = ""


class Transport(ABC):
    """Send and receive whole messages.

    Implementations append every `AssociationEvent` to ``events`` as it happens
    (evidence), and make ``recv`` raise `PeerClosed` once the association is
    down, aborted or shut down by the peer.
    """

    name: str = ""
    events: MutableSequence     # of AssociationEvent (a bounded deque in some transports)
    # True when Packet.time is when the message arrived (not when recv read it): only then can
    # the runner tell a message that came after an expect timer from one it noticed late.
    arrival_stamps: bool = False

    def event(self, kind: str, detail: str = "") -> AssociationEvent:
        """Record an association event (for implementations)."""
        if "events" not in self.__dict__:
            self.events = []
        ev = AssociationEvent(kind, now(), self.name, detail)
        self.events.append(ev)
        return ev

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
