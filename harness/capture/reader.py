"""Read a pcap / pcapng capture as whole application messages (SCTP, SCTP over UDP, TCP).

Theory of operation (one pass, streaming, memory bounded):

    files.frames()        pcap / pcapng records -> (packet number, link type, time, frame)
    _LINK[linktype]       link layer -> (IP version, offset): Ethernet with 802.1Q / QinQ
                          tags, Linux SLL and SLL2, raw IP, BSD loopback
    _ipv4 / _ipv6         IP header, IPv6 extension headers; IP fragments reassembled
                          (`_IpFragments`, bounded, stale datagrams evicted with an issue)
    _transport            SCTP (protocol 132), SCTP over UDP (RFC 6951) on the UDP ports
                          given, TCP; everything else counted in `ReaderStats.skipped`
    harness.capture.sctp  every chunk of a packet (bundling); DATA reassembled per
                          association, direction and stream from B/E flags and TSN order
    harness.capture.tcp   per connection and direction, in-order byte runs

The invariant callers rely on: one `CapturedMessage` per application message, in the
order its last piece was captured, naming every packet its bytes came from.  Damage is
never an exception (except `CaptureError` for a file that is no capture): it becomes a
`CaptureIssue` and the rest of the file is still read.

Checksums (IPv4 header, SCTP CRC32c) are checked only when asked (``verify_checksums``):
captures taken on the sending host carry offloaded, unset checksums, and the CRC32c costs
a table look-up per octet in Python.  A wrong checksum is a `CaptureIssue` naming the
packet; the packet is still read, so the analysis can say what a receiver would have dropped.
"""

from __future__ import annotations

import ipaddress
import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from harness.capture import checksums, files
from harness.capture.dispatch import ETHERTYPE_IPV4 as _ETH_IPV4
from harness.capture.dispatch import ETHERTYPE_IPV6 as _ETH_IPV6
from harness.capture.dispatch import sctp_udp_ports
from harness.capture.issues import CappedIssues, capped
from harness.capture.model import CapturedMessage, CaptureError, CaptureIssue
from harness.capture.sctp import SctpTracker
from harness.capture.tcp import TcpTracker

__all__ = ["read_messages", "CaptureReader", "ReaderStats", "DEFAULT_UDP_PORTS"]

DEFAULT_UDP_PORTS = sctp_udp_ports()     # RFC 6951 SCTP-over-UDP (IANA sctp-tunneling), from the dispatch table

_VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
_PROTO_TCP, _PROTO_UDP, _PROTO_SCTP = 6, 17, 132
_IPV6_EXT = (0, 43, 60)          # hop-by-hop, routing, destination options
_IPV6_FRAG, _IPV6_AH, _IPV6_NONE = 44, 51, 59


@dataclass
class ReaderStats:
    """Counts gathered while reading (for progress and summaries)."""

    packets: int = 0          # frames read from the file
    skipped: int = 0          # frames carrying neither SCTP nor TCP (ARP, DNS, ...)
    messages: int = 0
    duplicates: int = 0       # SCTP DATA chunks seen again (retransmissions)
    ip_fragments: int = 0
    issues: int = 0


# --------------------------------------------------------------------------
# Link layers: frame -> (IP version 4/6 or 0, offset of the IP header)
# --------------------------------------------------------------------------

def _ethernet(frame: bytes) -> tuple[int, int]:
    if len(frame) < 14:
        return -1, 0
    etype = (frame[12] << 8) | frame[13]
    off = 14
    while etype in _VLAN_TAGS:
        if len(frame) < off + 4:
            return -1, 0
        etype = (frame[off + 2] << 8) | frame[off + 3]
        off += 4
    if etype == _ETH_IPV4:
        return 4, off
    if etype == _ETH_IPV6:
        return 6, off
    return 0, off


def _by_ethertype(etype: int, off: int) -> tuple[int, int]:
    if etype == _ETH_IPV4:
        return 4, off
    if etype == _ETH_IPV6:
        return 6, off
    return 0, off


def _sll(frame: bytes) -> tuple[int, int]:
    if len(frame) < 16:
        return -1, 0
    return _by_ethertype((frame[14] << 8) | frame[15], 16)


def _sll2(frame: bytes) -> tuple[int, int]:
    if len(frame) < 20:
        return -1, 0
    return _by_ethertype((frame[0] << 8) | frame[1], 20)


def _raw(frame: bytes) -> tuple[int, int]:
    if not frame:
        return -1, 0
    v = frame[0] >> 4
    return (v, 0) if v in (4, 6) else (0, 0)


def _raw4(frame: bytes) -> tuple[int, int]:
    return 4, 0


def _raw6(frame: bytes) -> tuple[int, int]:
    return 6, 0


def _null(frame: bytes) -> tuple[int, int]:
    if len(frame) < 4:
        return -1, 0
    family = struct.unpack_from("<I", frame)[0]
    if family > 0xFFFF:
        family = struct.unpack_from(">I", frame)[0]
    if family == 2:
        return 4, 4
    if family in (10, 24, 28, 30):
        return 6, 4
    return 0, 4


# The one registry of link types (pcap LINKTYPE_ values).
LINK_TYPES = {
    0: _null, 1: _ethernet, 12: _raw, 14: _raw, 101: _raw, 113: _sll, 276: _sll2,
    228: _raw4, 229: _raw6,
}


# --------------------------------------------------------------------------
# IP fragment reassembly
# --------------------------------------------------------------------------

class _IpFragments:
    """Reassemble IPv4 / IPv6 fragments; bounded in datagrams, fragments, octets and age.

    `pending` is kept in order of each datagram's first fragment, so expiry walks only
    the datagrams it expires (capture time that runs backwards at worst delays an
    expiry until the caps or the end of the file evict the datagram).
    """

    MAX_PENDING = 256
    MAX_AGE = 30.0          # seconds of capture time
    MAX_DATAGRAM = 65535    # no IP datagram is longer (jumbograms are not reassembled)
    MAX_PIECES = 512        # fragments held per datagram (a 64 KiB datagram at MTU 576 needs 120)
    MAX_OCTETS = 8 << 20    # octets held over all datagrams

    def __init__(self, issues: list | CappedIssues) -> None:
        self.pending: dict = {}    # key -> [first_time, total or None, {offset: bytes}, packets, proto, octets]
        self.issues = issues
        self.octets = 0

    def add(self, key, offset: int, more: bool, data: bytes, number: int, time: float,
            proto: int) -> tuple | None:
        entry = self.pending.get(key)
        if offset + len(data) > self.MAX_DATAGRAM:
            self.issues.append(CaptureIssue(number, f"IP fragment at offset {offset} with {len(data)} "
                                                    f"octets ends past {self.MAX_DATAGRAM}; skipped"))
            return None
        if entry is None:
            if len(self.pending) >= self.MAX_PENDING:
                self._evict(next(iter(self.pending)), "too many incomplete datagrams")
            entry = self.pending[key] = [time, None, {}, [], proto, 0]
        pieces = entry[2]
        old = pieces.get(offset)
        if old is not None:
            entry[5] -= len(old)
            self.octets -= len(old)
        elif len(pieces) >= self.MAX_PIECES:
            self._evict(key, f"has more than {self.MAX_PIECES} fragments")
            return None
        pieces[offset] = data
        entry[5] += len(data)
        self.octets += len(data)
        if len(entry[3]) < self.MAX_PIECES:
            entry[3].append(number)
        if not more:
            entry[1] = offset + len(data)
        while self.octets > self.MAX_OCTETS and self.pending:
            self._evict(next(iter(self.pending)), f"not completed while more than {self.MAX_OCTETS} "
                                                  "octets of incomplete datagrams waited")
        if entry[1] is None or key not in self.pending:
            return None
        got = 0
        for off in sorted(pieces):
            if off > got:
                return None
            got = max(got, off + len(pieces[off]))
        if got < entry[1]:
            return None
        del self.pending[key]
        self.octets -= entry[5]
        buf = bytearray(entry[1])
        for off in sorted(pieces):
            piece = pieces[off]
            buf[off:off + len(piece)] = piece
        return bytes(buf[:entry[1]]), tuple(sorted(set(entry[3]))), entry[4]

    def expire(self, now: float) -> None:
        pending = self.pending
        while pending:
            key = next(iter(pending))
            if now - pending[key][0] <= self.MAX_AGE:
                return
            self._evict(key, f"not completed within {self.MAX_AGE:g} s")

    def flush(self) -> None:
        for key in list(self.pending):
            self._evict(key, "not completed by the end of the capture")

    def _evict(self, key, why: str) -> None:
        entry = self.pending.pop(key)
        self.octets -= entry[5]
        src, dst, ident = key[0], key[1], key[-1]
        self.issues.append(CaptureIssue(min(entry[3]), f"IP fragments of datagram id {ident:#x} "
                                        f"from {_ip_text(src)} to {_ip_text(dst)} {why}; "
                                        f"{entry[5]} octets dropped"))


def _ip_text(raw: bytes) -> str:
    return str(ipaddress.ip_address(raw))


# --------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------

class CaptureReader:
    """Iterate over the messages of one capture file; see `read_messages`.

    Attributes:
        stats: counts, filled in as the file is read.
        offset: how far into the file reading has got (for a progress bar).
        size: the file's size in octets.
    """

    def __init__(self, path: str | os.PathLike, *, issues: list | None = None,
                 udp_ports: Iterable[int] = (), tcp_ports: Iterable[int] | None = None,
                 verify_checksums: bool = False) -> None:
        self.path = os.fspath(path)
        self.verify_checksums = verify_checksums
        self.issues = capped(issues)     # bounded: a file of junk cannot grow one issue per packet
        self.udp_ports = frozenset(DEFAULT_UDP_PORTS) | frozenset(udp_ports)
        self.tcp_ports = None if tcp_ports is None else frozenset(tcp_ports)
        self.stats = ReaderStats()
        self.offset = 0
        self.size = 0
        self._out: list = []
        self._frags = _IpFragments(self.issues)
        self._sctp = SctpTracker(self._out, self.issues, self.stats)
        self._tcp = TcpTracker(self._out, self.issues)
        self._sctp_packet = self._sctp.packet
        self._bad_links: set = set()

    def __iter__(self) -> Iterator[CapturedMessage]:
        try:
            f = open(self.path, "rb", buffering=1 << 20)
        except OSError as err:
            raise CaptureError(f"{self.path}: {err.strerror or err}") from None
        with f:
            self.size = os.fstat(f.fileno()).st_size
            if os.path.isdir(self.path):
                raise CaptureError(f"{self.path}: is a directory")
            out = self._out
            link_types = LINK_TYPES
            stats = self.stats
            ipv4 = self._ipv4
            count = 0
            for number, linktype, time, frame, cut in files.frames(f, self.path, self.issues):
                count += 1
                if linktype == 1 and frame[12:14] == b"\x08\x00":
                    ipv4(frame, 14, number, time, cut)       # fast path: untagged IPv4
                    if out:
                        yield from out
                        stats.messages += len(out)
                        out.clear()
                    if count & 0x3FF:
                        continue
                    self.offset = f.tell()
                    stats.packets = count
                    self._sctp.expire(time)
                    self._tcp.expire(time)
                    self._frags.expire(time)
                    continue
                link = link_types.get(linktype)
                if link is None:
                    self._unknown_link(number, linktype)
                    continue
                version, off = link(frame)
                if version == 4:
                    ipv4(frame, off, number, time, cut)
                elif version == 6:
                    self._ipv6(frame, off, number, time, cut)
                elif version == 0:
                    stats.skipped += 1
                else:
                    self.issues.append(CaptureIssue(number, f"frame of {len(frame)} octets too short "
                                                            "for its link-layer header"))
                if out:
                    yield from out
                    stats.messages += len(out)
                    out.clear()
                if not count & 0x3FF:
                    self.offset = f.tell()
                    stats.packets = count
                    self._sctp.expire(time)
                    self._tcp.expire(time)
                    self._frags.expire(time)
            stats.packets = count
            self._frags.flush()
            self._sctp.flush()
            self._tcp.flush()
            if out:
                yield from out
                stats.messages += len(out)
                out.clear()
            self.offset = self.size
            self.issues.summary()
            stats.issues = self.issues.total

    def _unknown_link(self, number: int, linktype: int) -> None:
        self.stats.skipped += 1
        if linktype not in self._bad_links:
            self._bad_links.add(linktype)
            self.issues.append(CaptureIssue(number, f"unknown link type {linktype}; packets with "
                                                    "it are skipped"))

    # -- IP ---------------------------------------------------------------

    def _ipv4(self, frame: bytes, off: int, number: int, time: float, cut: bool) -> None:
        avail = len(frame) - off
        if avail < 20:
            self.issues.append(CaptureIssue(number, f"IPv4 header cut short ({avail} of 20 octets)"))
            return
        vihl, _tos, total, ident, frag, _ttl, proto = struct.unpack_from("!BBHHHBB", frame, off)
        ihl = (vihl & 0x0F) * 4
        if vihl >> 4 != 4 or ihl < 20:
            self.issues.append(CaptureIssue(number, f"not an IPv4 header (version {vihl >> 4}, "
                                                    f"header length {ihl})"))
            return
        if self.verify_checksums and avail >= ihl:
            bad = checksums.ipv4_header_problem(frame[off:off + ihl])
            if bad:
                self.issues.append(CaptureIssue(number, bad))
        if total < ihl or total > avail:
            if total > avail and cut:
                self.issues.append(CaptureIssue(number, f"packet cut by the capture's snaplen "
                                                        f"({avail} of {total} IPv4 octets); skipped"))
            else:
                self.issues.append(CaptureIssue(number, f"IPv4 total length {total} is bogus "
                                                        f"({avail} octets captured, header {ihl})"))
            return
        src = frame[off + 12:off + 16]
        dst = frame[off + 16:off + 20]
        payload = frame[off + ihl:off + total]
        packets = (number,)
        if frag & 0x3FFF:
            self.stats.ip_fragments += 1
            done = self._frags.add((src, dst, proto, ident), (frag & 0x1FFF) * 8, bool(frag & 0x2000),
                                   payload, number, time, proto)
            if done is None:
                return
            payload, packets, _ = done
        if proto == _PROTO_SCTP:
            if self.verify_checksums:
                self._check_sctp(payload, packets[0])
            self._sctp_packet(src, dst, payload, packets, time, "sctp")
        else:
            self._transport(proto, src, dst, payload, packets, time)

    def _ipv6(self, frame: bytes, off: int, number: int, time: float, cut: bool) -> None:
        avail = len(frame) - off
        if avail < 40:
            self.issues.append(CaptureIssue(number, f"IPv6 header cut short ({avail} of 40 octets)"))
            return
        if frame[off] >> 4 != 6:
            self.issues.append(CaptureIssue(number, f"not an IPv6 header (version {frame[off] >> 4})"))
            return
        plen, nxt = struct.unpack_from("!HB", frame, off + 4)
        if plen == 0 or 40 + plen > avail:
            what = ("a jumbogram (payload length 0) is not supported" if plen == 0
                    else f"IPv6 payload length {plen} is bogus ({avail - 40} octets captured)")
            if plen and cut:
                what = f"packet cut by the capture's snaplen ({avail - 40} of {plen} IPv6 payload octets); skipped"
            self.issues.append(CaptureIssue(number, what))
            return
        src = frame[off + 8:off + 24]
        dst = frame[off + 24:off + 40]
        data = frame[off + 40:off + 40 + plen]
        pos = 0
        frag = None
        while nxt in _IPV6_EXT or nxt == _IPV6_FRAG or nxt == _IPV6_AH:
            if pos + 8 > len(data):
                self.issues.append(CaptureIssue(number, "IPv6 extension header overruns the packet"))
                return
            if nxt == _IPV6_FRAG:
                offm, ident = struct.unpack_from("!HI", data, pos + 2)
                frag = (offm & 0xFFF8, bool(offm & 1), ident)
                nxt, size = data[pos], 8
            elif nxt == _IPV6_AH:
                nxt, size = data[pos], (data[pos + 1] + 2) * 4
            else:
                nxt, size = data[pos], (data[pos + 1] + 1) * 8
            pos += size
            if pos > len(data):
                self.issues.append(CaptureIssue(number, "IPv6 extension header overruns the packet"))
                return
        payload = data[pos:]
        packets = (number,)
        if frag is not None and (frag[0] or frag[1]):
            self.stats.ip_fragments += 1
            done = self._frags.add((src, dst, frag[2]), frag[0], frag[1], payload, number, time, nxt)
            if done is None:
                return
            payload, packets, nxt = done
        self._transport(nxt, src, dst, payload, packets, time)

    # -- transports --------------------------------------------------------

    def _transport(self, proto: int, src: bytes, dst: bytes, payload: bytes, packets: tuple,
                   time: float) -> None:
        if proto == _PROTO_SCTP:
            if self.verify_checksums:
                self._check_sctp(payload, packets[0])
            self._sctp.packet(src, dst, payload, packets, time, "sctp")
        elif proto == _PROTO_UDP:
            if len(payload) < 8:
                self.issues.append(CaptureIssue(packets[0], "UDP header cut short"))
                return
            sport, dport, ulen = struct.unpack_from("!HHH", payload)
            if dport in self.udp_ports or sport in self.udp_ports:
                if ulen < 8 or ulen > len(payload):
                    self.issues.append(CaptureIssue(packets[0], f"UDP length {ulen} is bogus "
                                                                f"({len(payload)} octets)"))
                    return
                if self.verify_checksums:
                    self._check_sctp(payload[8:ulen], packets[0])
                self._sctp.packet(src, dst, payload[8:ulen], packets, time, "sctp-udp")
            else:
                self.stats.skipped += 1
        elif proto == _PROTO_TCP and self.tcp_ports != frozenset():
            if len(payload) >= 4 and self.tcp_ports is not None:
                sport, dport = struct.unpack_from("!HH", payload)
                if sport not in self.tcp_ports and dport not in self.tcp_ports:
                    self.stats.skipped += 1
                    return
            self._tcp.segment(src, dst, payload, packets, time)
        else:
            self.stats.skipped += 1


    def _check_sctp(self, seg: bytes, number: int) -> None:
        bad = checksums.sctp_problem(seg)
        if bad:
            self.issues.append(CaptureIssue(number, bad))


def read_messages(path: str | os.PathLike, *, issues: list | None = None,
                  udp_ports: Iterable[int] = (), tcp_ports: Iterable[int] | None = None,
                  stats: ReaderStats | None = None, verify_checksums: bool = False) -> Iterator[CapturedMessage]:
    """The application messages of a pcap / pcapng capture, in capture order.

    Args:
        path: the capture file.
        issues: a list that receives a `CaptureIssue` for every damaged or
            unusable packet (reading goes on after each); past the first
            `harness.capture.issues.MAX_ISSUES` only counted per kind, and one
            "N more issues of this kind" issue per kind is added at the end.
        udp_ports: UDP ports carrying SCTP (RFC 6951) besides 9899.
        tcp_ports: TCP ports to follow; None follows every TCP connection, an
            empty collection none.
        stats: a `ReaderStats` to fill in (packets read, skipped, ...).
        verify_checksums: check IPv4 header checksums and the SCTP CRC32c; a
            wrong one is an issue naming the packet (the packet is still read).

    Yields:
        `CapturedMessage`, one per SCTP user message (bundled chunks split,
        fragments joined) and one per contiguous run of in-order TCP bytes.

    Raises:
        CaptureError: the file cannot be opened or is not a pcap / pcapng file
            (raised on the first ``next()``).
    """
    reader = CaptureReader(path, issues=issues, udp_ports=udp_ports, tcp_ports=tcp_ports,
                           verify_checksums=verify_checksums)
    if stats is not None:
        reader.stats = stats
        reader._sctp.stats = stats
    return iter(reader)
