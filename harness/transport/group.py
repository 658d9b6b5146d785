"""Several SCTP associations as one E2 interface: the TNL associations of E2AP v03.01 8.3.6.

An E2 node and a Near-RT RIC may hold more than one TNL association: E2 Setup makes the first, and
an E2 Connection Update adds others (the E2 node dials each address the RIC offers and names itself
on it with an E2 Node Configuration Update carrying its Global E2 Node ID, 8.3.5). The E2 interface
outlives any one of them: losing an association that is not the last one leaves E2 up.

`TnlGroup` is that interface seen as one `Transport`, so every step, the recovery checks and the
simulators read and send through it unchanged:

* ``recv`` returns the next message of any member; a member the peer closed or aborted is taken
  out and noted in ``lost`` (its label, when, why), and `PeerClosed` comes only once none is left;
* ``send`` answers on the association the last message came in on (an answer goes back where its
  request came from), falling back to the first member still up; ``send_on`` picks one.

Members are labelled 'TNL 1', 'TNL 2', ... in the order they joined, the labels the findings use.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from harness.transport.base import E2AP_PPID, Packet, PeerClosed, Transport, TransportError, now

POLL = 0.005          # longest wait on one member while another may have a message, s


@dataclass(frozen=True)
class Lost:
    """A member association that ended while the group carried on."""

    label: str
    at: float           # wall clock
    why: str
    link: str | None


@dataclass
class Member:
    label: str
    transport: Transport
    link: str | None = None       # the lab link the association runs through, when the lab names one


class TnlGroup(Transport):
    """The E2 interface over one or more TNL associations; see the module docstring."""

    def __init__(self, first: Transport, *, link: str | None = None, name: str = "") -> None:
        self.name = name or getattr(first, "name", "") or "e2"
        self.events = []
        self.members: list[Member] = [Member("TNL 1", first, link)]
        self.lost: list[Lost] = []
        self.joined = 1
        self._last: Member | None = None
        self.via: Member | None = None     # the member the last message went or came through (evidence)
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def of(cls, transport: Transport, *, link: str | None = None) -> TnlGroup:
        """``transport`` itself when it is a group already, else a group of one."""
        return transport if isinstance(transport, TnlGroup) else cls(transport, link=link)

    @property
    def arrival_stamps(self) -> bool:  # type: ignore[override]
        return all(m.transport.arrival_stamps for m in self.members)

    def add(self, transport: Transport, *, link: str | None = None) -> str:
        """A new member association; its label."""
        with self._lock:
            self.joined += 1
            member = Member(f"TNL {self.joined}", transport, link)
            self.members.append(member)
        self.event("up", f"{member.label} joined ({getattr(transport, 'peer_address', '') or transport.name})")
        return member.label

    @property
    def alive(self) -> list[str]:
        return [m.label for m in self.members]

    @property
    def newest(self) -> str | None:
        """The member that joined last and is still up (None when none is)."""
        return self.members[-1].label if self.members else None

    def member(self, label: str) -> Member | None:
        return next((m for m in self.members if m.label == label), None)

    # ------------------------------------------------------------------ Transport
    def send(self, data: bytes, *, stream: int = 0, ppid: int = E2AP_PPID) -> Packet:
        target = self._last if self._last in self.members else None
        while True:
            if target is None:
                if not self.members:
                    raise PeerClosed(self._all_gone())
                target = self.members[0]
            try:
                packet = target.transport.send(data, stream=stream, ppid=ppid)
                self.via = target
                return packet
            except PeerClosed as err:
                self._drop(target, str(err) or "the peer closed it")
                target = None

    def send_on(self, label: str, data: bytes, *, stream: int = 0, ppid: int = E2AP_PPID,
                fallback: bool = False) -> Packet:
        """Send on one member; with ``fallback``, on the group's choice once that member has gone.

        Raises:
            PeerClosed: that member has gone (it is taken out of the group), and no ``fallback``.
        """
        m = self.member(label)
        if m is None and fallback:
            return self.send(data, stream=stream, ppid=ppid)
        if m is None:
            raise PeerClosed(f"{label} is not up")
        try:
            packet = m.transport.send(data, stream=stream, ppid=ppid)
        except PeerClosed as err:
            self._drop(m, str(err) or "the peer closed it")
            if fallback:
                return self.send(data, stream=stream, ppid=ppid)
            raise
        self.via = m
        return packet

    def recv(self, timeout: float) -> Packet | None:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            if not self.members:
                raise PeerClosed(self._all_gone())
            for m in list(self.members):
                if (packet := self._recv_one(m, 0.0)) is not None:
                    return packet
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self.members:
                first = self.members[0]
                if (packet := self._recv_one(first, left if len(self.members) == 1 else min(left, POLL))) is not None:
                    return packet

    def _recv_one(self, m: Member, wait: float) -> Packet | None:
        if m not in self.members:
            return None
        try:
            packet = m.transport.recv(wait)
        except PeerClosed as err:
            self._drop(m, str(err) or "the peer closed it")
            return None
        if packet is not None:
            self._last = self.via = m
        return packet

    def _drop(self, m: Member, why: str) -> None:
        with self._lock:
            if m not in self.members:
                return
            self.members.remove(m)
            self.lost.append(Lost(m.label, now(), why, m.link))
        self.event("down", f"{m.label} lost: {why}")
        try:
            m.transport.close()
        except TransportError:
            pass

    def _all_gone(self) -> str:
        if not self.lost:
            return "every TNL association has closed"
        return "every TNL association is lost: " + "; ".join(f"{x.label}: {x.why}" for x in self.lost)

    def drop(self, label: str, why: str) -> None:
        """Close one member on purpose (it is noted in ``lost``)."""
        m = self.member(label)
        if m is not None:
            self._drop(m, why)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for m in list(self.members):
            try:
                m.transport.close()
            except TransportError:
                continue

