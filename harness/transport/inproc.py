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
