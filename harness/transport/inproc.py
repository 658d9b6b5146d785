"""Two endpoints joined in-process: the 'sim' mode link (no sockets).

Messages are still bytes, so both sides run the real codec; only the wire is
missing. Thread-safe: a simulator runs in its own thread.
"""

from __future__ import annotations

import queue

from harness.transport.base import E2AP_PPID, Packet, PeerClosed, Transport, now

_CLOSED = object()


class InprocEnd(Transport):
    arrival_stamps = True          # stamped when the peer put it in our queue

    def __init__(self, name: str) -> None:
        self.name = name
        self._inbox: queue.Queue = queue.Queue()
        self.peer: InprocEnd | None = None
        self.closed = False
        self.events = []

    def send(self, data: bytes, *, stream: int = 0, ppid: int = E2AP_PPID) -> Packet:
        if self.closed or self.peer is None or self.peer.closed:
            raise PeerClosed(f"{self.name}: the peer has closed the link")
        stamp = now()
        self.peer._inbox.put(Packet(bytes(data), "received", stamp, stream, ppid, self.name,
                                    self.name, self.peer.name))
        return Packet(bytes(data), "sent", stamp, stream, ppid, self.name, self.name, self.peer.name)

    def recv(self, timeout: float) -> Packet | None:
        try:
            item = self._inbox.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
        if item is _CLOSED:
            self._inbox.put(_CLOSED)          # stay closed for later readers
            if not any(e.kind == "shutdown" for e in self.events):
                self.event("shutdown", "the peer closed the link")
            raise PeerClosed(f"{self.name}: the peer closed the link")
        return item

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self.peer is not None:
                self.peer._inbox.put(_CLOSED)


def pair(a: str = "harness", b: str = "dut") -> tuple[InprocEnd, InprocEnd]:
    """Two joined ends."""
    end_a, end_b = InprocEnd(a), InprocEnd(b)
    end_a.peer, end_b.peer = end_b, end_a
    end_a.event("up", f"in-process link to {b}")
    end_b.event("up", f"in-process link to {a}")
    return end_a, end_b


class InprocListener:
    """An in-process listening point, so a side can go down and come back (a restart) in sim mode.

    `connect` gives the dialler its end of a fresh pair (None while the listener is closed: a
    refused connection), `accept` hands the listener's side the other end.
    """

    def __init__(self, name: str, *, is_open: bool = True) -> None:
        self.name = name
        self.is_open = is_open
        self._backlog: queue.Queue = queue.Queue()

    def open(self) -> None:
        self.is_open = True

    def close(self) -> None:
        """Stop listening; connections nobody accepted are closed (their diallers see the loss)."""
        self.is_open = False
        while True:
            try:
                self._backlog.get_nowait().close()
            except queue.Empty:
                return

    def connect(self, who: str) -> InprocEnd | None:
        if not self.is_open:
            return None
        mine, theirs = pair(self.name, who)
        self._backlog.put(mine)
        return theirs

    def accept(self, timeout: float) -> InprocEnd | None:
        try:
            return self._backlog.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None
