"""Capture file formats: classic pcap and pcapng, read as a stream of link-layer frames.

Theory of operation: `frames()` opens the file, recognises the format from its first
four octets and yields one `(number, linktype, time, frame, cut)` tuple per packet,
with Wireshark's 1-based packet numbers.  It reads with plain ``struct`` from a
buffered file, one record or block at a time, so memory stays flat however large
the file is.  Damage is reported as `CaptureIssue` and reading goes on where it
can: a bad packet inside a sound block is skipped; a bogus record or block length
leaves no reliable way to find the next one, so the rest of the file is skipped
with one issue saying so.  `CaptureError` only when the file is no capture at all.

Formats: classic pcap (both byte orders, microsecond and nanosecond magics) per
draft-ietf-opsawg-pcap; pcapng per draft-ietf-opsawg-pcapng (SHB, IDB with
if_tsresol / if_tsoffset, EPB, SPB, the obsolete Packet Block; other blocks skipped).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

from harness.capture.issues import CappedIssues
from harness.capture.model import CaptureError, CaptureIssue

__all__ = ["frames", "Frame", "MAX_FRAME"]

# (number, linktype, time, frame bytes, cut: captured length < original length)
Frame = tuple

MAX_FRAME = 1 << 20          # no link layer carries more; a larger length is bogus
MAX_BLOCK = 1 << 24          # pcapng block bound (a block can hold options and a frame)

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
_BT_IDB, _BT_PB, _BT_SPB, _BT_EPB = 1, 2, 3, 6
# Custom blocks (copyable and not) and systemd journal export blocks: no packet, but Wireshark
# gives each a frame number, so counting them keeps our packet numbers equal to tshark's.
_NUMBERED_NON_PACKETS = frozenset((0x00000BAD, 0x40000BAD, 0x00000009))
_IF_TSRESOL, _IF_TSOFFSET = 9, 14


def frames(f: BinaryIO, name: str, issues: list | CappedIssues) -> Iterator[Frame]:
    """Yield the frames of the capture open as *f* (positioned at its start).

    Raises:
        CaptureError: the file is not a pcap or pcapng file.
    """
    magic = f.read(4)
    if magic in _PCAP_MAGICS:
        return _pcap(f, name, magic, issues)
    if magic == _PCAPNG_SHB:
        return _pcapng(f, name, issues)
    if not magic:
        raise CaptureError(f"{name}: empty file, not a capture")
    raise CaptureError(f"{name}: not a pcap or pcapng file (starts with {magic.hex()})")


def _pcap(f: BinaryIO, name: str, magic: bytes, issues: list | CappedIssues) -> Iterator[Frame]:
    order, unit = _PCAP_MAGICS[magic]
    head = f.read(20)
    if len(head) < 20:
        raise CaptureError(f"{name}: pcap file header cut short ({len(head) + 4} of 24 octets)")
    _vmaj, _vmin, _zone, _sigfigs, snaplen, network = struct.unpack(order + "HHiIII", head)
    linktype = network & 0x0FFFFFFF   # the upper bits may carry the FCS length
    limit = max(MAX_FRAME, snaplen if snaplen < MAX_BLOCK else 0)
    rec = struct.Struct(order + "IIII")
    read = f.read
    number = 0
    while True:
        hdr = read(16)
        number += 1
        if len(hdr) < 16:
            if hdr:
                issues.append(CaptureIssue(number, f"file ends inside a record header "
                                                   f"({len(hdr)} of 16 octets)"))
            return
        sec, frac, incl, orig = rec.unpack(hdr)
        if incl > limit:
            issues.append(CaptureIssue(number, f"record length {incl} is bogus (snaplen {snaplen}); "
                                               "the rest of the file is skipped"))
            return
        data = read(incl)
        if len(data) < incl:
            issues.append(CaptureIssue(number, f"file ends inside the packet ({len(data)} of "
                                               f"{incl} octets)"))
            return
        yield number, linktype, sec + frac * unit, data, incl < orig


class _Interface:
    __slots__ = ("linktype", "snaplen", "unit", "offset")

    def __init__(self, linktype: int, snaplen: int, unit: float, offset: int) -> None:
        self.linktype, self.snaplen, self.unit, self.offset = linktype, snaplen, unit, offset


def _idb_options(body: bytes, order: str) -> tuple[float, int]:
    unit, offset, pos = 1e-6, 0, 8
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, pos)
        value = body[pos + 4:pos + 4 + length]
        if code == 0:
            break
        if code == _IF_TSRESOL and length >= 1:
            r = value[0]
            unit = 2.0 ** -(r & 0x7F) if r & 0x80 else 10.0 ** -r
        elif code == _IF_TSOFFSET and length >= 8:
            offset = struct.unpack(order + "q", value[:8])[0]
        pos += 4 + length + (-length % 4)
    return unit, offset


def _pcapng(f: BinaryIO, name: str, issues: list | CappedIssues) -> Iterator[Frame]:
    read = f.read
    number = 0          # packets yielded so far
    at = 0              # file offset of the current block
    order = "<"
    ifaces: list[_Interface] = []
    first = True
    pending_type: bytes | None = _PCAPNG_SHB
    epb = struct.Struct("<IIIII")
    while True:
        if pending_type is None:
            raw_type = read(4)
            if len(raw_type) < 4:
                if raw_type:
                    issues.append(CaptureIssue(number + 1, f"file ends inside a block header at "
                                                           f"offset {at}"))
                return
        else:
            raw_type, pending_type = pending_type, None
        if raw_type == _PCAPNG_SHB:
            rest = read(8)
            if len(rest) < 8:
                if first:
                    raise CaptureError(f"{name}: pcapng section header cut short")
                issues.append(CaptureIssue(number + 1, f"file ends inside a block header at offset {at}"))
                return
            bom = rest[4:8]
            if bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            elif first:
                raise CaptureError(f"{name}: not a pcapng file (bad byte-order magic {bom.hex()})")
            else:
                issues.append(CaptureIssue(number + 1, f"section header at offset {at} has a bad "
                                                       "byte-order magic; the rest of the file is skipped"))
                return
            epb = struct.Struct(order + "IIIII")
            length = struct.unpack(order + "I", rest[:4])[0]
            got = 12
            ifaces = []
        else:
            rest = read(4)
            if len(rest) < 4:
                issues.append(CaptureIssue(number + 1, f"file ends inside a block header at offset {at}"))
                return
            length = struct.unpack(order + "I", rest)[0]
            got = 8
        block_type = struct.unpack(order + "I", raw_type)[0]
        first = False
        if length < 12 or length % 4 or length > MAX_BLOCK:
            issues.append(CaptureIssue(number + 1, f"block at offset {at} has a bogus length {length}; "
                                                   "the rest of the file is skipped"))
            return
        body = read(length - got)
        if len(body) < length - got:
            what = "packet" if block_type in (_BT_EPB, _BT_SPB, _BT_PB) else "block"
            issues.append(CaptureIssue(number + 1, f"file ends inside a {what} block at offset {at} "
                                                   f"({len(body) + got} of {length} octets)"))
            return
        trailer = struct.unpack_from(order + "I", body, len(body) - 4)[0]
        if trailer != length:
            issues.append(CaptureIssue(number + 1, f"block at offset {at}: trailing length {trailer} "
                                                   f"differs from {length}; the rest of the file is skipped"))
            return
        at += length
        if block_type == _BT_EPB or block_type == _BT_PB:
            number += 1
            if len(body) < 24:
                issues.append(CaptureIssue(number, "packet block too short for its header"))
                continue
            if block_type == _BT_EPB:
                iface_id, hi, lo, caplen, orig = epb.unpack_from(body, 0)
            else:
                iface_id = struct.unpack_from(order + "H", body, 0)[0]
                hi, lo, caplen, orig = struct.unpack_from(order + "IIII", body, 4)
            if caplen > len(body) - 24:
                issues.append(CaptureIssue(number, f"captured length {caplen} overruns its block "
                                                   f"({len(body) - 24} octets)"))
                continue
            if iface_id >= len(ifaces):
                issues.append(CaptureIssue(number, f"interface {iface_id} is not described by any "
                                                   "interface block; packet skipped"))
                continue
            iface = ifaces[iface_id]
            yield (number, iface.linktype, ((hi << 32) | lo) * iface.unit + iface.offset,
                   body[20:20 + caplen], caplen < orig)
        elif block_type == _BT_SPB:
            number += 1
            if not ifaces:
                issues.append(CaptureIssue(number, "simple packet block before any interface block; skipped"))
                continue
            iface = ifaces[0]
            orig = struct.unpack_from(order + "I", body, 0)[0]
            room = max(0, len(body) - 8)
            caplen = min(orig, room, iface.snaplen or room)
            # An SPB has no timestamp; time 0 is what Wireshark shows too.
            yield number, iface.linktype, 0.0, body[4:4 + caplen], caplen < orig
        elif block_type == _BT_IDB:
            if len(body) < 12:
                issues.append(CaptureIssue(number + 1, f"interface block at offset {at - length} too short"))
                ifaces.append(_Interface(-1, 0, 1e-6, 0))
                continue
            linktype, _res, snaplen = struct.unpack_from(order + "HHI", body, 0)
            unit, offset = _idb_options(body[:-4], order)
            ifaces.append(_Interface(linktype, snaplen, unit, offset))
        elif block_type in _NUMBERED_NON_PACKETS:
            number += 1     # Wireshark numbers these as frames; so do we, to keep packet numbers equal
        # Other blocks (NRB, ISB, DSB, ...) carry no packets and no number: skipped.
