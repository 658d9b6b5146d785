"""A small pcapng writer for test-case evidence.

The harness records every message a test case sends and receives so that a
reviewer can open the exchange in Wireshark.  The messages travel over a real
SCTP socket, but capturing that needs root (or dumpcap); instead this module
*synthesises* the frames: Ethernet II / IPv4 or IPv6 / SCTP, one DATA chunk per
message (several, with B/E flags, when a message does not fit one IP
datagram), optionally framed by an INIT / INIT-ACK / COOKIE-ECHO / COOKIE-ACK
handshake and a SHUTDOWN / SHUTDOWN-ACK / SHUTDOWN-COMPLETE teardown, so that
Wireshark sees a whole, well-formed association.  Each packet carries an
``opt_comment`` naming the spec step that produced it.

Everything is written with the standard library only: no scapy, no dumpcap,
no root.  Each block is written with a single ``write`` call and flushed, so a
run killed with SIGKILL leaves a file readable up to the last whole packet.

Usage::

    with PcapngWriter("evidence/tc-001.pcapng", comment="TC 001") as pcap:
        flow = pcap.association(local=("10.0.0.1", 36421),
                                remote=("10.0.0.2", 37464),
                                vtags=(0x1234, 0x5678))
        flow.packet(request, direction="sent", time=t0,
                    comment="send E2setupRequest (specs/...yaml:11)")
        flow.packet(response, direction="received", time=t1)

Formats: pcapng is draft-ietf-opsawg-pcapng; SCTP is RFC 9260 (formerly
RFC 4960); CRC32c is RFC 3309 / RFC 3720 appendix B.4.
"""

from __future__ import annotations

import ipaddress
import math
import os
import struct
import threading
import time as _time
from typing import BinaryIO, Literal

from harness import __version__
from harness.transport.base import E2AP_PPID as PPID_E2AP  # the one definition (stdlib-only module)

__all__ = [
    "PcapngWriter",
    "Flow",
    "crc32c",
    "ipv4_checksum",
    "PPID_E2AP",
    "LINKTYPE_ETHERNET",
    "MAX_IP_DATAGRAM",
]

LINKTYPE_ETHERNET = 1
MAX_IP_DATAGRAM = 65535

# pcapng block types and option codes.
_BT_SHB = 0x0A0D0D0A
_BT_IDB = 0x00000001
_BT_EPB = 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_ENDOFOPT = 0
_OPT_COMMENT = 1
_SHB_USERAPPL = 4
_IF_NAME = 2
_IF_DESCRIPTION = 3
_IF_TSRESOL = 9
_EPB_FLAGS = 2
_EPB_FLAGS_INBOUND = 0b01
_EPB_FLAGS_OUTBOUND = 0b10

# SCTP chunk types (RFC 9260 section 3.2).
_DATA, _INIT, _INIT_ACK, _SHUTDOWN, _SHUTDOWN_ACK = 0, 1, 2, 7, 8
_COOKIE_ECHO, _COOKIE_ACK, _SHUTDOWN_COMPLETE = 10, 11, 14
_PARAM_STATE_COOKIE = 7
_DATA_FLAG_E, _DATA_FLAG_B = 0x01, 0x02

_ETHERTYPE_IPV4 = 0x0800
_ETHERTYPE_IPV6 = 0x86DD
_IPPROTO_SCTP = 132
_ETH_HDR, _IPV4_HDR, _IPV6_HDR = 14, 20, 40
_SCTP_COMMON_HDR, _DATA_CHUNK_HDR = 12, 16


# --------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------

def _make_crc32c_table() -> tuple[int, ...]:
    # Castagnoli polynomial 0x1EDC6F41, reflected: 0x82F63B78.
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return tuple(table)


_CRC32C_TABLE = _make_crc32c_table()


def crc32c(data: bytes, crc: int = 0) -> int:
    """CRC32c (Castagnoli) of *data*, table driven, one byte at a time.

    *crc* is a previous result, to continue a computation over several
    buffers: ``crc32c(b, crc32c(a)) == crc32c(a + b)``.
    """
    table = _CRC32C_TABLE
    c = crc ^ 0xFFFFFFFF
    for byte in data:
        c = table[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def ipv4_checksum(header: bytes) -> int:
    """The RFC 791 / RFC 1071 Internet checksum of *header*.

    Computed over the header as given; put zero in the checksum field first.
    Summing a header that already holds the right checksum gives 0.
    """
    if len(header) % 2:
        header += b"\x00"
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _pad4(n: int) -> int:
    return (4 - n % 4) % 4


# --------------------------------------------------------------------------
# pcapng blocks
# --------------------------------------------------------------------------

def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\x00" * _pad4(len(value))


def _options(opts: list[tuple[int, bytes]]) -> bytes:
    if not opts:
        return b""
    return b"".join(_option(c, v) for c, v in opts) + struct.pack("<HH", _OPT_ENDOFOPT, 0)


def _block(block_type: int, body: bytes) -> bytes:
    if len(body) % 4:
        raise ValueError(f"pcapng block body of {len(body)} octets is not padded to 32 bits")
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def section_header_block(*, userappl: str = "", comment: str = "") -> bytes:
    opts = []
    if comment:
        opts.append((_OPT_COMMENT, _utf8(comment)))
    if userappl:
        opts.append((_SHB_USERAPPL, _utf8(userappl)))
    # Byte-order magic, version 1.0, section length -1 (not specified).
    body = struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1) + _options(opts)
    return _block(_BT_SHB, body)


def interface_description_block(*, linktype: int = LINKTYPE_ETHERNET, snaplen: int = 0,
                                 tsresol: int = 9, name: str = "",
                                 description: str = "") -> bytes:
    opts = []
    if name:
        opts.append((_IF_NAME, _utf8(name)))
    if description:
        opts.append((_IF_DESCRIPTION, _utf8(description)))
    opts.append((_IF_TSRESOL, bytes([tsresol])))
    body = struct.pack("<HHI", linktype, 0, snaplen) + _options(opts)
    return _block(_BT_IDB, body)


def enhanced_packet_block(frame: bytes, *, ticks: int, interface_id: int = 0,
                          comment: str = "", flags: int | None = None) -> bytes:
    opts = []
    if comment:
        opts.append((_OPT_COMMENT, _utf8(comment)))
    if flags is not None:
        opts.append((_EPB_FLAGS, struct.pack("<I", flags)))
    body = (struct.pack("<IIIII", interface_id, ticks >> 32, ticks & 0xFFFFFFFF,
                        len(frame), len(frame))
            + frame + b"\x00" * _pad4(len(frame)) + _options(opts))
    return _block(_BT_EPB, body)


# --------------------------------------------------------------------------
# Ethernet / IP / SCTP
# --------------------------------------------------------------------------

def _default_mac(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bytes:
    # Locally administered, unicast (02:...), derived from the IP address so
    # that each endpoint has a stable, distinct-looking MAC.
    return b"\x02\x00" + ip.packed[-4:]


def _parse_mac(mac: str | bytes) -> bytes:
    if isinstance(mac, bytes):
        raw = mac
    else:
        raw = bytes(int(part, 16) for part in mac.replace("-", ":").split(":"))
    if len(raw) != 6:
        raise ValueError(f"bad MAC address {mac!r}")
    return raw


def sctp_chunk(chunk_type: int, flags: int, value: bytes) -> bytes:
    """A chunk with its header, padded to 4 octets (the length excludes padding)."""
    length = 4 + len(value)
    return struct.pack("!BBH", chunk_type, flags, length) + value + b"\x00" * _pad4(length)


def data_chunk(data: bytes, *, tsn: int, stream: int, ssn: int, ppid: int,
               begin: bool = True, end: bool = True, unordered: bool = False) -> bytes:
    flags = (_DATA_FLAG_B if begin else 0) | (_DATA_FLAG_E if end else 0) | (0x04 if unordered else 0)
    return sctp_chunk(_DATA, flags, struct.pack("!IHHI", tsn, stream, ssn, ppid) + data)


def sctp_packet(src_port: int, dst_port: int, vtag: int, chunks: bytes) -> bytes:
    """SCTP common header + *chunks*, with the CRC32c checksum filled in.

    The checksum is computed with the field zeroed and stored so that its
    least significant byte comes first on the wire (RFC 9260 appendix A; what
    Linux's ``cpu_to_le32(~crc)`` produces).
    """
    header = struct.pack("!HHII", src_port, dst_port, vtag, 0)
    crc = crc32c(header + chunks)
    return header[:8] + struct.pack("<I", crc) + chunks


def ipv4_header(src: bytes, dst: bytes, payload_len: int, *, ident: int = 0,
                ttl: int = 64, proto: int = _IPPROTO_SCTP) -> bytes:
    total = _IPV4_HDR + payload_len
    if total > MAX_IP_DATAGRAM:
        raise ValueError(f"IPv4 datagram of {total} octets exceeds {MAX_IP_DATAGRAM}")
    # Version 4, IHL 5; DSCP 0; Don't Fragment set (SCTP does its own PMTU).
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident & 0xFFFF, 0x4000, ttl,
                      proto, 0, src, dst)
    return hdr[:10] + struct.pack("!H", ipv4_checksum(hdr)) + hdr[12:]


def ipv6_header(src: bytes, dst: bytes, payload_len: int, *, hop_limit: int = 64,
                next_header: int = _IPPROTO_SCTP) -> bytes:
    if payload_len > MAX_IP_DATAGRAM:
        raise ValueError(f"IPv6 payload of {payload_len} octets exceeds {MAX_IP_DATAGRAM}")
    return struct.pack("!IHBB16s16s", 6 << 28, payload_len, next_header, hop_limit, src, dst)


class _Endpoint:
    """One side of an association, and the state of what it has sent."""

    def __init__(self, ip: str, port: int, mac: str | bytes | None, vtag: int, tsn: int):
        self.ip = ipaddress.ip_address(ip)
        if not 0 <= port <= 0xFFFF:
            raise ValueError(f"bad SCTP port {port}")
        self.port = port
        self.mac = _parse_mac(mac) if mac is not None else _default_mac(self.ip)
        self.vtag = vtag          # the tag this endpoint put in its INIT / INIT-ACK
        self.next_tsn = tsn
        self.ssn: dict[int, int] = {}
        self.ip_id = 0

    @property
    def last_tsn(self) -> int:
        return (self.next_tsn - 1) & 0xFFFFFFFF


Direction = Literal["sent", "received"]


class Flow:
    """One SCTP association between the harness (*local*) and the peer (*remote*).

    Obtain it from :meth:`PcapngWriter.association`.  ``direction="sent"``
    means local -> remote.
    """

    def __init__(self, writer: PcapngWriter, local: _Endpoint, remote: _Endpoint, *,
                 mtu: int | None, streams: int):
        self._writer = writer
        self.local = local
        self.remote = remote
        self._ipv6 = local.ip.version == 6
        self._streams = streams
        self._closed = False
        self._handshaken = False
        self.last_time: float | None = None
        ip_hdr = _IPV6_HDR if self._ipv6 else _IPV4_HDR
        limit = MAX_IP_DATAGRAM + (_IPV6_HDR if self._ipv6 else 0)  # IPv6 length excludes header
        if mtu is not None:
            limit = min(limit, mtu)
        # The largest user-data fragment whose padded DATA chunk still fits.
        room = limit - ip_hdr - _SCTP_COMMON_HDR
        self.max_fragment = (room - room % 4) - _DATA_CHUNK_HDR
        if self.max_fragment < 1:
            raise ValueError(f"mtu {mtu} leaves no room for a DATA chunk")

    # -- framing --------------------------------------------------------

    def _frame(self, src: _Endpoint, dst: _Endpoint, vtag: int, chunks: bytes) -> bytes:
        sctp = sctp_packet(src.port, dst.port, vtag, chunks)
        if self._ipv6:
            ip = ipv6_header(src.ip.packed, dst.ip.packed, len(sctp))
            ethertype = _ETHERTYPE_IPV6
        else:
            ip = ipv4_header(src.ip.packed, dst.ip.packed, len(sctp), ident=src.ip_id)
            src.ip_id = (src.ip_id + 1) & 0xFFFF
            ethertype = _ETHERTYPE_IPV4
        return dst.mac + src.mac + struct.pack("!H", ethertype) + ip + sctp

    def _ends(self, direction: Direction) -> tuple[_Endpoint, _Endpoint]:
        if direction == "sent":
            return self.local, self.remote
        if direction == "received":
            return self.remote, self.local
        raise ValueError(f"direction must be 'sent' or 'received', not {direction!r}")

    def _emit(self, direction: Direction, chunks: bytes, *, vtag: int | None = None,
              time: float, comment: str) -> None:
        src, dst = self._ends(direction)
        # A packet carries the tag the *receiver* chose.
        frame = self._frame(src, dst, dst.vtag if vtag is None else vtag, chunks)
        self._writer._write_packet(frame, time=time, comment=comment, direction=direction)
        self.last_time = time if self.last_time is None else max(self.last_time, time)

    # -- public ---------------------------------------------------------

    def packet(self, data: bytes, *, direction: Direction, time: float, stream: int = 0,
               ppid: int = PPID_E2AP, comment: str = "", unordered: bool = False) -> int:
        """Record one message (SCTP user message) and return the frames written.

        A message larger than one IP datagram (or than the association's
        *mtu*) is split into several DATA chunks, one per frame, with the B/E
        flags marking the first and last; all share one stream sequence
        number, each has its own TSN.  *comment* goes on every frame (with
        "[fragment i/n]" appended when split).
        """
        with self._writer._lock:
            return self._packet(data, direction=direction, time=time, stream=stream,
                                ppid=ppid, comment=comment, unordered=unordered)

    def _packet(self, data: bytes, *, direction: Direction, time: float, stream: int,
                ppid: int, comment: str, unordered: bool) -> int:
        if self._closed:
            raise ValueError("association already shut down")
        if not 0 <= stream <= 0xFFFF:
            raise ValueError(f"bad stream id {stream}")
        if not 0 <= ppid <= 0xFFFFFFFF:
            raise ValueError(f"bad PPID {ppid}")
        if not data:
            raise ValueError("SCTP DATA chunks cannot be empty")
        src, _ = self._ends(direction)
        ssn = src.ssn.get(stream, 0)
        if not unordered:
            src.ssn[stream] = (ssn + 1) & 0xFFFF
        pieces = [data[i:i + self.max_fragment] for i in range(0, len(data), self.max_fragment)]
        n = len(pieces)
        for i, piece in enumerate(pieces):
            chunk = data_chunk(piece, tsn=src.next_tsn, stream=stream,
                               ssn=0 if unordered else ssn, ppid=ppid,
                               begin=i == 0, end=i == n - 1, unordered=unordered)
            src.next_tsn = (src.next_tsn + 1) & 0xFFFFFFFF
            text = comment if n == 1 else f"{comment} [fragment {i + 1}/{n}]".lstrip()
            self._emit(direction, chunk, time=time, comment=text)
        return n

    def handshake(self, *, time: float, initiator: Literal["local", "remote"] = "local",
                  a_rwnd: int = 106496) -> None:
        """Write INIT, INIT-ACK, COOKIE-ECHO and COOKIE-ACK, all at *time*."""
        ends: tuple[Direction, Direction] = ("sent", "received") if initiator == "local" else ("received", "sent")
        a, b = ends
        ia, ib = self._ends(a)
        self._handshaken = True
        note = " (synthesised by oran-harness, not captured)"
        init = struct.pack("!IIHHI", ia.vtag, a_rwnd, self._streams, self._streams, ia.next_tsn)
        self._emit(a, sctp_chunk(_INIT, 0, init), vtag=0, time=time,
                   comment="SCTP INIT" + note)
        # A multiple of 4 octets long, so the chunk needs no padding.
        cookie = b"oran-harness-cookie\x00" + struct.pack("!II", ia.vtag, ib.vtag)
        cookie_param = struct.pack("!HH", _PARAM_STATE_COOKIE, 4 + len(cookie)) + cookie
        cookie_param += b"\x00" * _pad4(len(cookie_param))
        init_ack = struct.pack("!IIHHI", ib.vtag, a_rwnd, self._streams, self._streams,
                               ib.next_tsn) + cookie_param
        self._emit(b, sctp_chunk(_INIT_ACK, 0, init_ack), time=time,
                   comment="SCTP INIT-ACK" + note)
        self._emit(a, sctp_chunk(_COOKIE_ECHO, 0, cookie), time=time,
                   comment="SCTP COOKIE-ECHO" + note)
        self._emit(b, sctp_chunk(_COOKIE_ACK, 0, b""), time=time,
                   comment="SCTP COOKIE-ACK" + note)

    def close(self, *, time: float | None = None, shutdown: bool | None = None,
              initiator: Literal["local", "remote"] = "local") -> None:
        """End the association: SHUTDOWN, SHUTDOWN-ACK, SHUTDOWN-COMPLETE.

        *shutdown* defaults to whether the handshake was written.  *time*
        defaults to the time of the flow's last packet, so files stay
        deterministic.  Idempotent; no more packets may follow.
        """
        with self._writer._lock:
            if self._closed:
                return
            self._closed = True
            if shutdown is None:
                shutdown = self._handshaken
            if shutdown and not self._writer.closed:
                self._shutdown(time, initiator)

    def _shutdown(self, time: float | None, initiator: Literal["local", "remote"]) -> None:
        if time is None:
            time = self.last_time if self.last_time is not None else 0.0
        ends: tuple[Direction, Direction] = ("sent", "received") if initiator == "local" else ("received", "sent")
        a, b = ends
        _, peer = self._ends(a)
        note = " (synthesised by oran-harness, not captured)"
        self._emit(a, sctp_chunk(_SHUTDOWN, 0, struct.pack("!I", peer.last_tsn)), time=time,
                   comment="SCTP SHUTDOWN" + note)
        self._emit(b, sctp_chunk(_SHUTDOWN_ACK, 0, b""), time=time,
                   comment="SCTP SHUTDOWN-ACK" + note)
        self._emit(a, sctp_chunk(_SHUTDOWN_COMPLETE, 0, b""), time=time,
                   comment="SCTP SHUTDOWN-COMPLETE" + note)

    @property
    def closed(self) -> bool:
        return self._closed


# --------------------------------------------------------------------------
# The writer
# --------------------------------------------------------------------------

def _default_userappl() -> str:
    return f"oran-harness {__version__}"


class PcapngWriter:
    """Write a pcapng file: one section, one Ethernet interface, and packets.

    Use as a context manager; closing shuts down (SHUTDOWN chunks) every
    association not yet closed, then closes the file.  Every block is written
    in one ``write`` and flushed at once (``fsync=True`` also fsyncs), so a
    killed process leaves a file readable up to the last whole packet.
    Thread-safe: packets from several threads are serialised.
    """

    def __init__(self, path: str | os.PathLike[str] | BinaryIO, *, comment: str = "",
                 resolution: Literal["us", "ns"] = "ns", fsync: bool = False,
                 userappl: str | None = None, interface_name: str = "oran-harness",
                 interface_description: str = "synthesised SCTP frames of a test case"):
        if resolution not in ("us", "ns"):
            raise ValueError("resolution must be 'us' or 'ns'")
        self._exp = 6 if resolution == "us" else 9
        self._fsync = fsync
        self._lock = threading.RLock()
        self._flows: list[Flow] = []
        self.closed = False
        self.packets = 0
        part = None
        if hasattr(path, "write"):
            self._file: BinaryIO = path  # type: ignore[assignment]
            self._owns_file = False
        else:
            # The headers go to NAME.part, renamed into place once written: a process killed at any
            # moment leaves no empty NAME (which no reader takes for a capture), at worst a stray .part.
            target = os.fspath(path)
            part = f"{target}.part"
            self._file = open(part, "wb")
            self._owns_file = True
        self._write(section_header_block(
            userappl=_default_userappl() if userappl is None else userappl, comment=comment))
        self._write(interface_description_block(
            tsresol=self._exp, name=interface_name, description=interface_description))
        if part is not None:
            os.replace(part, target)          # the open file follows the rename

    # -- context manager ------------------------------------------------

    def __enter__(self) -> PcapngWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self.closed:
                return
            try:
                for flow in self._flows:
                    flow.close()
            finally:
                self.closed = True
                if self._owns_file:
                    self._file.close()
                else:
                    self._file.flush()

    # -- associations ---------------------------------------------------

    def association(self, local: tuple[str, int], remote: tuple[str, int], *,
                    vtags: tuple[int, int] | None = None,
                    initial_tsns: tuple[int, int] | None = None,
                    handshake: bool = True, time: float | None = None,
                    initiator: Literal["local", "remote"] = "local",
                    local_mac: str | bytes | None = None,
                    remote_mac: str | bytes | None = None,
                    mtu: int | None = None, streams: int = 16) -> Flow:
        """Start an association between *local* (the harness) and *remote*.

        *vtags* is ``(local_tag, remote_tag)``: the Initiate Tag each side
        chose, so packets sent carry *remote_tag* and packets received carry
        *local_tag*.  Default: random non-zero tags.  *initial_tsns* defaults
        to the tags (as many stacks do).  With *handshake* (the default) the
        four-way handshake is written now, at *time* (default: the current
        time).  *mtu* caps the IP datagram size (default 65535, the IP
        maximum); larger messages are fragmented into several DATA chunks.
        """
        if vtags is None:
            vtags = (_random_tag(), _random_tag())
        for tag in vtags:
            if not 1 <= tag <= 0xFFFFFFFF:
                raise ValueError(f"verification tags must be non-zero 32-bit values, not {tag}")
        if initial_tsns is None:
            initial_tsns = vtags
        loc = _Endpoint(local[0], local[1], local_mac, vtags[0], initial_tsns[0])
        rem = _Endpoint(remote[0], remote[1], remote_mac, vtags[1], initial_tsns[1])
        if loc.ip.version != rem.ip.version:
            raise ValueError("local and remote addresses must both be IPv4 or both IPv6")
        with self._lock:
            if self.closed:
                raise ValueError("writer is closed")
            flow = Flow(self, loc, rem, mtu=mtu, streams=streams)
            self._flows.append(flow)
            if handshake:
                flow.handshake(time=_time.time() if time is None else time, initiator=initiator)
        return flow

    # -- low level ------------------------------------------------------

    def _ticks(self, time: float) -> int:
        if not math.isfinite(time) or time < 0:
            raise ValueError(f"bad timestamp {time!r}")
        sec = math.floor(time)
        frac = time - sec          # exact for binary floats >= 1
        return sec * 10 ** self._exp + round(frac * 10 ** self._exp)

    def _write(self, block: bytes) -> None:
        self._file.write(block)
        self._file.flush()
        if self._fsync:
            try:
                os.fsync(self._file.fileno())
            except (AttributeError, OSError, ValueError):
                pass

    def _write_packet(self, frame: bytes, *, time: float, comment: str,
                      direction: Direction) -> None:
        self.write_frame(frame, time=time, comment=comment, direction=direction)

    def write_frame(self, frame: bytes, *, time: float, comment: str = "",
                    direction: Direction | None = None) -> None:
        """Write an arbitrary Ethernet frame (escape hatch; no SCTP state)."""
        flags = None if direction is None else (
            _EPB_FLAGS_OUTBOUND if direction == "sent" else _EPB_FLAGS_INBOUND)
        block = enhanced_packet_block(frame, ticks=self._ticks(time), comment=comment,
                                      flags=flags)
        with self._lock:
            if self.closed:
                raise ValueError("writer is closed")
            self._write(block)
            self.packets += 1


def _random_tag() -> int:
    return int.from_bytes(os.urandom(4), "big") or 1
