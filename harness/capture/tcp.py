"""TCP in captures: per-connection, per-direction in-order byte runs.

Kept simple on purpose (HTTP / NETCONF parsers sit on top of it later): every time
in-order bytes become available in one direction -- a segment at the expected
sequence number, plus any buffered segments it unlocks -- one `CapturedMessage`
with transport ``'tcp'`` carries those bytes and the packets they came from.  A
message is therefore a *piece of the byte stream*, not an application message.
Retransmitted bytes are trimmed; out-of-order segments wait (bounded); a gap that
never fills is reported as a `CaptureIssue` and reading skips past it.  A capture
that starts mid-connection starts each direction at its first segment seen.

Two signals for the parsers above (harness/capture/http.py): `stream` counts the
gaps skipped so far in that direction (0 for an unbroken byte stream), so a
parser knows when bytes between two runs are missing; and an in-order FIN gives
a run with no data, the end of that direction (a body delimited by the close).
"""

from __future__ import annotations

import struct

from harness.capture.issues import CappedIssues
from harness.capture.model import CapturedMessage, CaptureIssue
from harness.capture.sctp import endpoint_text

MAX_WAITING_SEGMENTS = 256
MAX_WAITING_OCTETS = 4 << 20
MAX_GAP_AGE = 30.0
MAX_CONNECTIONS = 65536
MAX_TOTAL_WAITING_OCTETS = 64 << 20    # over all connections
_SYN, _FIN, _RST = 0x02, 0x01, 0x04


class _Dir:
    __slots__ = ("src", "dst", "assoc", "next", "waiting", "octets", "gaps", "fin")

    def __init__(self, src: str, dst: str, assoc: str) -> None:
        self.src, self.dst, self.assoc = src, dst, assoc
        self.next: int | None = None     # next expected sequence number (None before the first octets)
        self.waiting: dict = {}     # seq -> (data, packets, time)
        self.octets = 0
        self.gaps = 0               # gaps skipped so far (carried as CapturedMessage.stream)
        self.fin: tuple[int, tuple, float] | None = None    # (sequence number, packets, time) of a FIN not yet in order


class TcpTracker:
    def __init__(self, out: list, issues: list | CappedIssues) -> None:
        self.out = out
        self.issues = issues
        self.conns: dict = {}
        self.octets = 0                 # octets waiting, all connections
        self.gapped: dict = {}          # directions with segments waiting, in the order they began to wait

    def _dir(self, src: bytes, dst: bytes, sport: int, dport: int) -> _Dir:
        key = (src, dst, sport, dport)
        d = self.conns.get(key)
        if d is None:
            if len(self.conns) >= MAX_CONNECTIONS:
                self._gap(self.conns.pop(next(iter(self.conns))), "the connection was forgotten")
            a, b = endpoint_text(src, sport), endpoint_text(dst, dport)
            assoc = f"{a}-{b}" if (src, sport) <= (dst, dport) else f"{b}-{a}"
            d = self.conns[key] = _Dir(a, b, assoc)
        return d

    def segment(self, src: bytes, dst: bytes, seg: bytes, packets: tuple, time: float) -> None:
        if len(seg) < 20:
            self.issues.append(CaptureIssue(packets[0], f"TCP header cut short ({len(seg)} of 20 octets)"))
            return
        sport, dport, seq, _ack, off_flags = struct.unpack_from("!HHIIH", seg)
        hlen = (off_flags >> 12) * 4
        flags = off_flags & 0x3F
        if hlen < 20 or hlen > len(seg):
            self.issues.append(CaptureIssue(packets[0], f"TCP header length {hlen} is bogus"))
            return
        d = self._dir(src, dst, sport, dport)
        data = seg[hlen:]
        if flags & _SYN:
            self._gap(d, "a new connection (SYN) started")
            d.next = (seq + 1) & 0xFFFFFFFF
            seq = d.next
        if data:
            self._data(d, seq, data, packets, time)
        if flags & _FIN and not flags & _SYN:
            d.fin = ((seq + len(data)) & 0xFFFFFFFF, packets, time)
        self._check_fin(d)
        if flags & _RST:
            self._gap(d, "the connection was reset")
            self.conns.pop((src, dst, sport, dport), None)

    def _data(self, d: _Dir, seq: int, data: bytes, packets: tuple, time: float) -> None:
        if d.next is None:                 # the first octets seen in this direction
            d.next = seq
        ahead = (seq - d.next) & 0xFFFFFFFF
        if ahead >= 0x80000000:            # starts before what we have: trim the overlap
            behind = 0x100000000 - ahead
            if behind >= len(data):
                return
            data, seq, ahead = data[behind:], d.next, 0
        if ahead:
            if seq not in d.waiting:
                d.waiting[seq] = (data, packets, time)
                d.octets += len(data)
                self.octets += len(data)
                self.gapped[d] = None
            if len(d.waiting) > MAX_WAITING_SEGMENTS or d.octets > MAX_WAITING_OCTETS:
                self._skip(d, "too many segments waiting")
            while self.octets > MAX_TOTAL_WAITING_OCTETS and self.gapped:
                self._skip(next(iter(self.gapped)), "too many segments waiting in the capture")
            return
        parts, pkts = [data], list(packets)
        d.next = (seq + len(data)) & 0xFFFFFFFF
        last = self._drain(d, parts, pkts, time)
        self._emit(d, parts, pkts, last)

    def _drain(self, d: _Dir, parts: list, pkts: list, last: float) -> float:
        """Append the waiting segments that are now in order; return the latest time."""
        if d.next is None:                 # nothing is in order before the first octets
            return last
        while d.waiting:
            progressed = False
            for seq in list(d.waiting):
                ahead = (seq - d.next) & 0xFFFFFFFF
                data, packets, t = d.waiting[seq]
                if ahead >= 0x80000000:
                    behind = 0x100000000 - ahead
                    del d.waiting[seq]
                    d.octets -= len(data)
                    self.octets -= len(data)
                    if behind < len(data):
                        parts.append(data[behind:])
                        pkts.extend(packets)
                        last = max(last, t)
                        d.next = (d.next + len(data) - behind) & 0xFFFFFFFF
                    progressed = True
                elif ahead == 0:
                    del d.waiting[seq]
                    d.octets -= len(data)
                    self.octets -= len(data)
                    parts.append(data)
                    pkts.extend(packets)
                    last = max(last, t)
                    d.next = (d.next + len(data)) & 0xFFFFFFFF
                    progressed = True
            if not progressed:
                break
        if not d.waiting:
            self.gapped.pop(d, None)
        return last

    def _check_fin(self, d: _Dir) -> None:
        """An in-order FIN: a run with no data marks the end of this direction."""
        if d.fin is not None and d.next is not None and d.fin[0] == d.next and not d.waiting:
            _, packets, time = d.fin
            d.fin = None
            self.out.append(CapturedMessage(tuple(packets), time, "tcp", d.src, d.dst, d.assoc, d.gaps, 0, b""))

    def _emit(self, d: _Dir, parts: list, pkts: list, time: float) -> None:
        self.out.append(CapturedMessage(tuple(sorted(set(pkts))), time, "tcp", d.src, d.dst, d.assoc,
                                        d.gaps, 0, b"".join(parts)))

    def _skip(self, d: _Dir, why: str) -> None:
        """Give up on the missing bytes: jump to the earliest waiting segment."""
        expected = d.next
        if expected is None or not d.waiting:      # segments wait only behind a known sequence number
            return
        seq = min(d.waiting, key=lambda s: (s - expected) & 0xFFFFFFFF)
        missing = (seq - expected) & 0xFFFFFFFF
        first = min(min(p) for _, p, _ in d.waiting.values())
        self.issues.append(CaptureIssue(first, f"TCP {d.src} -> {d.dst}: {missing} octets missing "
                                               f"before sequence number {seq} ({why}); skipped past them"))
        d.next = seq
        d.gaps += 1
        parts: list = []
        pkts: list = []
        last = self._drain(d, parts, pkts, 0.0)
        if parts:
            self._emit(d, parts, pkts, last)
        self._check_fin(d)

    def _gap(self, d: _Dir, why: str) -> None:
        if d.waiting:
            first = min(min(p) for _, p, _ in d.waiting.values())
            self.issues.append(CaptureIssue(first, f"TCP {d.src} -> {d.dst}: {d.octets} octets after a "
                                                   f"gap never completed ({why}); dropped"))
            d.waiting.clear()
            self.octets -= d.octets
            d.octets = 0
            self.gapped.pop(d, None)

    def expire(self, now: float) -> None:
        # Only directions with a gap are looked at (not every connection); each is bounded.
        for d in list(self.gapped):
            if d.waiting and min(t for _, _, t in d.waiting.values()) < now - MAX_GAP_AGE:
                self._skip(d, f"not filled within {MAX_GAP_AGE:g} s")

    def flush(self) -> None:
        for d in self.conns.values():
            while d.waiting:
                self._skip(d, "the capture ends")
