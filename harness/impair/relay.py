"""The userspace impairment relay: a real socket relay in the path, for hosts without tc netem.

`UdpRelay` relays datagrams (SCTP over UDP, RFC 6951: usrsctp's 'udp' mode) between the
side that sends to its `listen` address ('a') and its `upstream` ('b'), one upstream
socket per 'a' address, as a NAT would. `TcpRelay` relays byte streams (A1 over HTTP,
NETCONF over SSH), one upstream connection per accepted one. Both apply an `Impairment`
per direction through a `Lane` (harness/impair/lanes.py) and send from one scheduler
thread that pops a heap ordered by release time, so a delayed datagram never blocks the
receive path. Memory is bounded: a direction with `queue_packets` waiting drops (counted).

A byte stream cannot lose, reorder or duplicate bytes without breaking the protocol above
it, so a TCP relay refuses those fields; a partition or blackhole holds the stream (as a
real outage does: TCP retransmits after it) up to a cap, then stops reading.

`apply(impairment)` and `clear()` take effect at once; every change goes to `timeline`
(monotonic and wall time) for the evidence and the report.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.core.errors import LabError
from harness.impair.lanes import REORDER_DEADLINE_S, Held, Lane
from harness.impair.model import DIRECTIONS, NONE, Impairment, ImpairmentError

log = logging.getLogger(__name__)

SOCKET_BUFFER = 4 << 20
MAX_CLIENTS = 64                 # 'a' addresses a UDP relay keeps an upstream socket for
STREAM_HOLD_BYTES = 8 << 20      # per TCP direction, held during a partition before reading stops


class RelayError(LabError):
    """The relay cannot run (its address is taken, its upstream unreachable)."""


@dataclass(frozen=True)
class TimelineEntry:
    """One change of a link's impairment: when (monotonic and wall clock), what, and why."""

    monotonic: float
    wall: float
    link: str
    action: str                  # 'apply' | 'clear'
    impairment: dict
    note: str = ""

    def as_dict(self) -> dict:
        return {"monotonic": self.monotonic, "wall": self.wall, "link": self.link, "action": self.action,
                "impairment": self.impairment, "note": self.note}


class Scheduler:
    """One thread sending what lanes scheduled, in release-time order (heap)."""

    def __init__(self, name: str) -> None:
        self._heap: list = []
        self._seq = itertools.count()
        self.cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"impair-{name}")
        self._thread.start()

    def push(self, at: float, lane: Lane, send: Callable[[Any], Any], data: Any) -> None:
        """Called with ``cond`` held; wakes the thread only when this item is now the earliest."""
        lane.queued += 1
        seq = next(self._seq)
        heapq.heappush(self._heap, (at, seq, lane, send, data))
        if self._heap[0][1] == seq:
            self.cond.notify()

    def _run(self) -> None:
        heap = self._heap
        while True:
            due: list = []
            with self.cond:
                while not self._closed:
                    now = time.monotonic()
                    if heap and heap[0][0] <= now:
                        while heap and heap[0][0] <= now and len(due) < 256:
                            item = heapq.heappop(heap)
                            item[2].queued -= 1
                            due.append(item)
                        break
                    self.cond.wait(heap[0][0] - now if heap else 0.5)
                if self._closed:
                    return
            for _at, _seq, lane, send, data in due:
                try:
                    send(data)
                    lane.counters.forwarded += 1
                except OSError as err:            # the far side went away: count it as a drop
                    lane.counters.dropped += 1
                    log.debug("relay send failed: %s", err)

    def close(self) -> None:
        with self.cond:
            self._closed = True
            self.cond.notify_all()
        self._thread.join(2.0)


class _Relay:
    """What both relays share: lanes, apply/clear, counters, timeline."""

    kind = ""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lanes = {d: Lane(d, i) for i, d in enumerate(DIRECTIONS)}
        self.timeline: list[TimelineEntry] = []
        self.impairment: Impairment = NONE
        self.scheduler = Scheduler(name)
        self._closed = threading.Event()

    def check(self, imp: Impairment) -> None:
        """Raise ImpairmentError when this relay cannot apply ``imp`` (the TCP relay's datagram-only fields)."""

    def apply(self, imp: Impairment, note: str = "") -> None:
        """Impair both directions from now on (replacing the previous impairment)."""
        self.check(imp)
        with self.scheduler.cond:
            for lane in self.lanes.values():
                lane.set(imp)
            self.impairment = imp
            self._record("apply" if imp != NONE else "clear", imp, note)
        self._changed()

    def clear(self, note: str = "") -> None:
        self.apply(NONE, note)

    def _record(self, action: str, imp: Impairment, note: str) -> None:
        self.timeline.append(TimelineEntry(time.monotonic(), time.time(), self.name, action,
                                           imp.as_dict() if imp != NONE else {}, note))

    def _changed(self) -> None:
        """A TCP relay re-sends what a partition held."""

    def counters(self) -> dict[str, dict]:
        return {d: lane.counters.as_dict() for d, lane in self.lanes.items()}

    def _schedule(self, lane: Lane, payload: bytes, send: Callable[[Any], Any], now: float) -> None:
        """One datagram through ``lane`` (``cond`` held): dropped, held, duplicated or scheduled."""
        c = lane.counters
        c.received += 1
        c.bytes += len(payload)
        if lane.dropped():
            c.dropped += 1
            return
        if lane.queued >= lane.imp.queue_packets:
            c.dropped += 1
            c.overflow += 1
            return
        sched = self.scheduler
        if lane.held or lane.imp.reorder:
            if lane.holds():
                held = Held(lane.imp.reorder_gap, payload)
                lane.held.append(held)
                c.reordered += 1
                sched.push(lane.release(now, len(payload)) + REORDER_DEADLINE_S, lane,
                           _held_sender(send, held), None)
                return
        at = lane.release(now, len(payload))
        sched.push(at, lane, send, payload)
        if lane.duplicates():
            c.duplicated += 1
            sched.push(at, lane, send, payload)
        if lane.held:
            still = []
            for held in lane.held:
                held.gap -= 1
                if held.gap <= 0 and not held.sent:
                    sched.push(at, lane, _held_sender(send, held), None)
                elif not held.sent:
                    still.append(held)
            lane.held = still

    @property
    def closed(self) -> bool:
        return self._closed.is_set()


def _held_sender(send: Callable[[Any], Any], held: Held) -> Callable[[Any], None]:
    def go(_data: Any) -> None:
        if not held.sent:
            held.sent = True
            send(held.payload)
    return go


def _bind(kind: int, address: tuple[str, int], what: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, kind)
    try:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        else:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
        sock.bind(address)
    except OSError as err:
        sock.close()
        raise RelayError(f"{what}: cannot listen on {address[0]}:{address[1]}: {err.strerror or err}") from None
    return sock


SCTP_INIT = 1            # RFC 9260 3.3.2: chunk type of INIT (opens an association)
SCTP_HEADER = 12         # RFC 9260 3.1: the common header before the first chunk
MAX_INITS = 1000


def sctp_init(payload: bytes) -> bool:
    """Whether a datagram is an SCTP packet (RFC 6951: SCTP over UDP) whose first chunk is INIT."""
    return len(payload) > SCTP_HEADER and payload[SCTP_HEADER] == SCTP_INIT


class UdpRelay(_Relay):
    """A datagram relay: 'a' sends to ``listen``; each 'a' address gets its own socket to ``upstream``.

    It notes when an SCTP INIT (SCTP over UDP, RFC 6951) enters it in either direction, dropped or
    not (``inits``: wall-clock time, direction): across a partition that is when a peer gave its
    association up and started a new one, the only sign of its failure detection on the path.
    """

    kind = "udp"

    def __init__(self, name: str, listen: tuple[str, int], upstream: tuple[str, int]) -> None:
        self.front = _bind(socket.SOCK_DGRAM, listen, f"link {name}")
        super().__init__(name)
        self.listen = self.front.getsockname()[:2]
        self.upstream = upstream
        self._clients: dict[Any, socket.socket] = {}
        self.inits: list[tuple[float, str]] = []
        self._threads = [threading.Thread(target=self._from_a, daemon=True, name=f"impair-{name}-a")]
        self._threads[0].start()

    def _from_a(self) -> None:
        lane, front, cond = self.lanes["a->b"], self.front, self.scheduler.cond
        front.settimeout(0.2)
        while not self.closed:
            try:
                payload, addr = front.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self._note_init(payload, "a->b")
            up = self._clients.get(addr) or self._client(addr)
            if up is None:
                continue
            with cond:
                self._schedule(lane, payload, up.send, time.monotonic())

    def _note_init(self, payload: bytes, direction: str) -> None:
        if sctp_init(payload) and len(self.inits) < MAX_INITS:
            self.inits.append((time.time(), direction))

    def _client(self, addr: Any) -> socket.socket | None:
        if len(self._clients) >= MAX_CLIENTS:
            self.lanes["a->b"].counters.dropped += 1
            return None
        up = socket.socket(self.front.family, socket.SOCK_DGRAM)
        up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
        up.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
        up.connect(self.upstream)
        self._clients[addr] = up
        t = threading.Thread(target=self._from_b, args=(up, addr), daemon=True, name=f"impair-{self.name}-b")
        self._threads.append(t)
        t.start()
        return up

    def _from_b(self, up: socket.socket, addr: Any) -> None:
        lane, cond, front = self.lanes["b->a"], self.scheduler.cond, self.front

        def send(payload: bytes) -> None:
            front.sendto(payload, addr)
        up.settimeout(0.2)
        while not self.closed:
            try:
                payload = up.recv(65535)
            except TimeoutError:
                continue
            except ConnectionRefusedError:        # ICMP port unreachable from upstream: not there yet
                continue
            except OSError:
                return
            self._note_init(payload, "b->a")
            with cond:
                self._schedule(lane, payload, send, time.monotonic())

    def close(self) -> None:
        self._closed.set()
        self.scheduler.close()
        for t in self._threads:
            t.join(1.0)
        self.front.close()
        for up in self._clients.values():
            up.close()

    def __enter__(self) -> UdpRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TcpRelay(_Relay):
    """A byte-stream relay: each connection accepted on ``listen`` gets its own to ``upstream``."""

    kind = "tcp"

    def __init__(self, name: str, listen: tuple[str, int], upstream: tuple[str, int],
                 connect_timeout: float = 5.0) -> None:
        self.server = _bind(socket.SOCK_STREAM, listen, f"link {name}")
        self.server.listen(16)
        super().__init__(name)
        self.listen = self.server.getsockname()[:2]
        self.upstream = upstream
        self.connect_timeout = connect_timeout
        self._pending: dict[str, list] = {d: [] for d in DIRECTIONS}     # (lane, send, chunk) held
        self._pending_bytes = dict.fromkeys(DIRECTIONS, 0)
        self._conns: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True, name=f"impair-{name}-accept")]
        self._threads[0].start()

    def check(self, imp: Impairment) -> None:
        bad = imp.datagram_only
        if bad:
            raise ImpairmentError(f"link {self.name} relays a TCP byte stream: {', '.join(bad)} apply to datagrams "
                                  "only (a stream cannot lose or reorder bytes); use delay, jitter, rate, partition "
                                  "or blackhole, or a netem link for segment loss")

    def _accept(self) -> None:
        self.server.settimeout(0.2)
        while not self.closed:
            try:
                a, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                b = socket.create_connection(self.upstream, timeout=self.connect_timeout)
            except OSError as err:
                log.warning("link %s: upstream %s:%s unreachable: %s", self.name, *self.upstream, err)
                a.close()
                continue
            for s in (a, b):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.settimeout(0.2)
            self._conns += [a, b]
            for src, dst, d in ((a, b, "a->b"), (b, a, "b->a")):
                t = threading.Thread(target=self._pump, args=(src, dst, d), daemon=True,
                                     name=f"impair-{self.name}-{d}")
                self._threads.append(t)
                t.start()

    def _pump(self, src: socket.socket, dst: socket.socket, direction: str) -> None:
        lane, cond = self.lanes[direction], self.scheduler.cond

        def send(chunk: bytes) -> None:
            if chunk:
                dst.sendall(chunk)
            else:
                dst.shutdown(socket.SHUT_WR)
        while not self.closed:
            if self._pending_bytes[direction] >= STREAM_HOLD_BYTES:
                time.sleep(0.05)                   # held too much: stop reading, TCP pushes back
                continue
            try:
                chunk = src.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                chunk = b""
            with cond:
                self._stream(lane, send, chunk)
            if not chunk:
                return

    def _stream(self, lane: Lane, send: Callable[[Any], None], chunk: bytes) -> None:
        """One chunk (b'' = end of stream) through ``lane``, in order (``cond`` held)."""
        c = lane.counters
        c.received += 1
        c.bytes += len(chunk)
        d = lane.direction
        if lane.imp.drops(d) or self._pending[d]:
            self._pending[d].append((send, chunk))
            self._pending_bytes[d] += len(chunk)
            return
        self.scheduler.push(lane.release(time.monotonic(), len(chunk), ordered=True), lane, send, chunk)

    def _changed(self) -> None:
        with self.scheduler.cond:
            for d, lane in self.lanes.items():
                if lane.imp.drops(d) or not self._pending[d]:
                    continue
                held, self._pending[d] = self._pending[d], []
                self._pending_bytes[d] = 0
                for send, chunk in held:
                    lane.counters.received -= 1            # counted when it arrived
                    lane.counters.bytes -= len(chunk)
                    self._stream(lane, send, chunk)

    def close(self) -> None:
        self._closed.set()
        self.scheduler.close()
        self.server.close()
        for s in self._conns:
            try:
                s.close()
            except OSError:
                pass
        for t in self._threads:
            t.join(1.0)

    def __enter__(self) -> TcpRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
