"""SCTP in captures: chunks of a packet, associations, and DATA reassembly (RFC 9260).

Theory of operation: each SCTP packet's chunks are walked one by one (a packet may
bundle many).  DATA chunks with both B and E flags are whole messages and are emitted
at once (the fast path).  Fragments wait in a per (association, direction, stream)
table keyed by TSN; since the fragments of one message carry consecutive TSNs, a
message is complete when a B fragment, an E fragment and every TSN between them are
present.  A TSN already delivered (a retransmission) is dropped and counted.
Fragments that never complete (the capture began mid-message, or lost a packet) are
reported as `CaptureIssue` when they grow stale, when the table overflows, or at the
end of the file, so memory stays bounded.

Expiry costs O(expired), not O(flows): a direction with fragments waiting has one
entry in a heap keyed by a lower bound of the time its oldest run goes stale
(`_Dir.due`); `expire` pops only entries that are due, flushes what is stale and
pushes the direction back with its next due time.  Fragments and octets waiting are
also capped over the whole capture; past a cap the direction due first is flushed.

Associations are keyed by their address/port 4-tuple; an INIT on a 4-tuple starts a
new association (fragment tables and TSN history reset).  The association key is
``'ip:port-ip:port'`` with the lower endpoint first, followed by ``#tagA:tagB`` (the
verification tags chosen by the lower and by the higher endpoint, hex) once the
INIT / INIT-ACK exchange has been seen.  I-DATA (RFC 8260) is reassembled the same
way (its fragments also carry consecutive TSNs).  Other chunks are ignored.
"""

from __future__ import annotations

import heapq
import ipaddress
import itertools
import struct

from harness.capture.fastmodel import new_message
from harness.capture.issues import CappedIssues
from harness.capture.model import CaptureIssue

_DATA, _INIT, _INIT_ACK, _IDATA = 0, 1, 2, 64
_CHUNK_NAMES = {0: "DATA", 1: "INIT", 2: "INIT-ACK", 3: "SACK", 4: "HEARTBEAT", 5: "HEARTBEAT-ACK",
                6: "ABORT", 7: "SHUTDOWN", 8: "SHUTDOWN-ACK", 9: "ERROR", 10: "COOKIE-ECHO",
                11: "COOKIE-ACK", 14: "SHUTDOWN-COMPLETE", 64: "I-DATA"}

MAX_PENDING_FRAGMENTS = 4096      # per direction
MAX_PENDING_OCTETS = 16 << 20     # per direction
MAX_FRAGMENT_AGE = 60.0           # seconds of capture time
MAX_FLOWS = 65536
MAX_TOTAL_FRAGMENTS = 16384       # over all directions
MAX_TOTAL_OCTETS = 32 << 20       # over all directions
_SEEN_TSNS = 4096                 # retransmission window remembered per direction
_NONE: frozenset = frozenset()


def endpoint_text(ip: bytes, port: int) -> str:
    addr = ipaddress.ip_address(ip)
    return f"[{addr}]:{port}" if addr.version == 6 else f"{addr}:{port}"


class _Assoc:
    __slots__ = ("base", "key", "low_first", "tags")

    def __init__(self, base: str, low_first: bool) -> None:
        self.base = base
        self.key = base
        self.low_first = low_first   # True when the direction that created it is low -> high
        self.tags: list[int | None] = [None, None]   # [tag chosen by low endpoint, tag chosen by high endpoint]

    def set_tag(self, sender_is_low: bool, tag: int) -> None:
        self.tags[0 if sender_is_low else 1] = tag
        low, high = self.tags
        if low is not None and high is not None:
            self.key = f"{self.base}#{low:08x}:{high:08x}"


class _Dir:
    """One direction of one association."""

    __slots__ = ("src", "dst", "assoc", "is_low", "seen", "old", "frags", "octets", "count", "due")

    def __init__(self, src: str, dst: str, assoc: _Assoc, is_low: bool) -> None:
        self.src, self.dst, self.assoc, self.is_low = src, dst, assoc, is_low
        self.due: float | None = None      # set while the direction has an entry in the expiry heap
        self.reset()

    def reset(self) -> None:
        self.seen: set = set()     # TSNs delivered recently (two generations, bounded)
        self.old: set | frozenset = _NONE     # shared until the first rotation: 131k idle directions stay small
        self.frags: dict = {}      # stream -> {tsn: (flags, ppid, data, packets, time)}
        self.octets = 0
        self.count = 0


class SctpTracker:
    """Turns SCTP packets into `CapturedMessage`s appended to *out*."""

    def __init__(self, out: list, issues: list | CappedIssues, stats) -> None:
        self.out = out
        self.issues = issues
        self.stats = stats
        self.flows: dict = {}
        self.count = 0             # fragments waiting, all directions
        self.octets = 0
        self._heap: list = []      # (due, tie, _Dir): at most one entry per direction
        self._tie = itertools.count()

    # -- flows ---------------------------------------------------------------

    def _flow(self, key: tuple, src: bytes, dst: bytes, sport: int, dport: int) -> _Dir:
        a, b = endpoint_text(src, sport), endpoint_text(dst, dport)
        is_low = (src, sport) <= (dst, dport)
        assoc = _Assoc(f"{a}-{b}" if is_low else f"{b}-{a}", is_low)
        if len(self.flows) >= MAX_FLOWS:
            self._drop_flow(next(iter(self.flows)))
        fwd = self.flows[key] = _Dir(a, b, assoc, is_low)
        rkey = (dst, src, dport, sport, key[4])
        old = self.flows.get(rkey)
        if old is not None:
            self._flush_dir(old, "the association was forgotten")
        self.flows[rkey] = _Dir(b, a, assoc, not is_low)
        return fwd

    def _drop_flow(self, key: tuple) -> None:
        d = self.flows.pop(key)
        self._flush_dir(d, "the association was forgotten (too many associations)")

    def _new_association(self, d: _Dir, key: tuple) -> None:
        rkey = (key[1], key[0], key[3], key[2], key[4])
        back = self.flows[rkey]
        self._flush_dir(d, "a new association (INIT) started on the same addresses")
        self._flush_dir(back, "a new association (INIT) started on the same addresses")
        assoc = _Assoc(d.assoc.base, d.is_low)
        d.assoc = back.assoc = assoc
        d.reset()
        back.reset()

    # -- packets -------------------------------------------------------------

    def packet(self, src: bytes, dst: bytes, seg: bytes, packets: tuple, time: float,
               transport: str) -> None:
        n = len(seg)
        if n < 12:
            self.issues.append(CaptureIssue(packets[0], f"SCTP common header cut short ({n} of 12 octets)"))
            return
        sport, dport, vtag = struct.unpack_from("!HHI", seg)
        key = (src, dst, sport, dport, transport)
        d = self.flows.get(key)
        if d is None:
            d = self._flow(key, src, dst, sport, dport)
        if n >= 29 and seg[12] == 0 and seg[13] & 3 == 3:    # n first: a bare 12-octet header has no chunk
            # Fast path: one whole DATA chunk filling the packet (the common case).
            clen = (seg[14] << 8) | seg[15]
            if 16 < clen and 12 + clen <= n < 16 + clen:
                tsn, stream, _ssn, ppid = struct.unpack_from("!IHHI", seg, 16)
                self._data(d, 3, tsn, stream, ppid, seg[28:12 + clen], packets, time, transport)
                return
        pos = 12
        index = 0
        unpack = struct.unpack_from
        while pos + 4 <= n:
            index += 1
            ctype, cflags, clen = unpack("!BBH", seg, pos)
            if clen < 4 or pos + clen > n:
                name = _CHUNK_NAMES.get(ctype, f"type {ctype}")
                self.issues.append(CaptureIssue(
                    packets[0], f"SCTP chunk {index} ({name}) has a bogus length {clen} "
                                f"({n - pos} octets left in the packet); the rest of the packet is skipped"))
                return
            if ctype == _DATA or ctype == _IDATA:
                hdr = 16 if ctype == _DATA else 20
                if clen <= hdr:
                    name = _CHUNK_NAMES[ctype]
                    self.issues.append(CaptureIssue(packets[0], f"SCTP chunk {index} ({name}) of length "
                                                                f"{clen} carries no user data; skipped"))
                else:
                    if ctype == _DATA:
                        tsn, stream, _ssn, ppid = unpack("!IHHI", seg, pos + 4)
                    else:
                        tsn, stream, _res, _mid, ppid = unpack("!IHHII", seg, pos + 4)
                        if not cflags & 2:
                            ppid = None       # I-DATA: FSN, not PPID, in later fragments
                    self._data(d, cflags, tsn, stream, ppid, seg[pos + hdr:pos + clen], packets, time,
                               transport)
            elif ctype == _INIT:
                if clen >= 8:
                    if vtag == 0 and (d.seen or d.frags or self.flows[(dst, src, dport, sport, transport)].seen):
                        self._new_association(d, key)
                    d.assoc.set_tag(d.is_low, unpack("!I", seg, pos + 4)[0])
            elif ctype == _INIT_ACK:
                if clen >= 8:
                    d.assoc.set_tag(d.is_low, unpack("!I", seg, pos + 4)[0])
            pos += (clen + 3) & ~3

    def _data(self, d: _Dir, flags: int, tsn: int, stream: int, ppid, data: bytes, packets: tuple,
              time: float, transport: str) -> None:
        seen = d.seen
        if tsn in seen or tsn in d.old:
            self.stats.duplicates += 1
            return
        if flags & 3 == 3:
            seen.add(tsn)
            if len(seen) > _SEEN_TSNS:
                d.old, d.seen = seen, set()
            self.out.append(new_message(packets, time, transport, d.src, d.dst, d.assoc.key,
                                        stream, ppid, data))
            return
        table = d.frags.get(stream)
        if table is None:
            table = d.frags[stream] = {}
        if tsn in table:
            self.stats.duplicates += 1
            return
        table[tsn] = (flags, ppid, data, packets, time)
        d.octets += len(data)
        d.count += 1
        self.octets += len(data)
        self.count += 1
        if d.due is None:
            d.due = time + MAX_FRAGMENT_AGE
            heapq.heappush(self._heap, (d.due, next(self._tie), d))
            if len(self._heap) > 4 * MAX_FLOWS:
                self._prune()
        # Walk back to a B fragment and forward to an E fragment.
        first: int | None = tsn
        while first is not None and not table[first][0] & 2:
            prev = (first - 1) & 0xFFFFFFFF
            if prev not in table:
                first = None
                break
            first = prev
        if first is not None:
            last: int | None = tsn
            while last is not None and not table[last][0] & 1:
                nxt = (last + 1) & 0xFFFFFFFF
                if nxt not in table:
                    last = None
                    break
                last = nxt
            if last is not None:
                self._complete(d, table, stream, first, last, transport)
                if not table:
                    del d.frags[stream]
                return
        if d.count > MAX_PENDING_FRAGMENTS or d.octets > MAX_PENDING_OCTETS:
            self._flush_dir(d, "too many fragments waiting")
        while (self.count > MAX_TOTAL_FRAGMENTS or self.octets > MAX_TOTAL_OCTETS) and self._heap:
            _, _, old = heapq.heappop(self._heap)
            old.due = None
            if old.frags:
                self._flush_dir(old, "too many fragments waiting in the capture")

    def _complete(self, d: _Dir, table: dict, stream: int, first: int, last: int,
                  transport: str) -> None:
        parts, pkts, tsn = [], set(), first
        time = 0.0
        ppid = table[first][1]
        while True:
            flags, _p, data, packets, t = table.pop(tsn)
            d.octets -= len(data)
            d.count -= 1
            self.octets -= len(data)
            self.count -= 1
            parts.append(data)
            pkts.update(packets)
            time = max(time, t)
            d.seen.add(tsn)
            if tsn == last:
                break
            tsn = (tsn + 1) & 0xFFFFFFFF
        if len(d.seen) > _SEEN_TSNS:
            d.old, d.seen = d.seen, set()
        self.out.append(new_message(tuple(sorted(pkts)), time, transport, d.src, d.dst,
                                        d.assoc.key, stream, ppid or 0, b"".join(parts)))

    # -- leftovers -------------------------------------------------------------

    def _report(self, d: _Dir, stream: int, table: dict, tsns: list, why: str) -> None:
        """Report one run of consecutive leftover TSNs and drop them."""
        entries = [table.pop(t) for t in tsns]
        octets = sum(len(e[2]) for e in entries)
        d.octets -= octets
        d.count -= len(entries)
        self.octets -= octets
        self.count -= len(entries)
        packet = min(min(e[3]) for e in entries)
        if not entries[0][0] & 2:
            what = "lack their first fragment (the capture starts mid-message or lost a packet)"
        else:
            what = "lack their last fragment"
        span = f"TSN {tsns[0]}" if len(tsns) == 1 else f"TSNs {tsns[0]}-{tsns[-1]}"
        self.issues.append(CaptureIssue(packet, f"SCTP DATA {span} on stream {stream} from {d.src} to "
                                                f"{d.dst} {what}; {why}; {octets} octets dropped"))

    def _runs(self, table: dict) -> list:
        runs: list = []
        for tsn in sorted(table):
            if runs and runs[-1][-1] + 1 == tsn and not table[tsn][0] & 2:
                runs[-1].append(tsn)
            else:
                runs.append([tsn])
        return runs

    def _flush_dir(self, d: _Dir, why: str, older_than: float | None = None) -> None:
        for stream in list(d.frags):
            table = d.frags[stream]
            for run in self._runs(table):
                if older_than is not None and max(table[t][4] for t in run) >= older_than:
                    continue
                self._report(d, stream, table, run, why)
            if not table:
                del d.frags[stream]

    def _prune(self) -> None:
        """Drop heap entries of directions with nothing waiting (forgotten flows, time running back)."""
        keep = []
        for entry in self._heap:
            if entry[2].frags:
                keep.append(entry)
            else:
                entry[2].due = None
        heapq.heapify(keep)
        self._heap = keep

    def expire(self, now: float) -> None:
        limit = now - MAX_FRAGMENT_AGE
        heap = self._heap
        while heap and heap[0][0] < now:
            _, _, d = heapq.heappop(heap)
            d.due = None
            if not d.frags:
                continue
            self._flush_dir(d, f"no rest within {MAX_FRAGMENT_AGE:g} s", older_than=limit)
            if d.frags:      # next due: when the run with the oldest last fragment goes stale
                d.due = min(max(table[t][4] for t in run) for table in d.frags.values()
                            for run in self._runs(table)) + MAX_FRAGMENT_AGE
                heapq.heappush(heap, (d.due, next(self._tie), d))

    def flush(self) -> None:
        for d in self.flows.values():
            if d.frags:
                self._flush_dir(d, "the capture ends")
