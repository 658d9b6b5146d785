"""Fast reader of eCPRI / O-RAN CUS frames, driven by the layouts of `harness.interfaces.cuplane.fields`.

Theory of operation: `parse_frame` finds the eCPRI header behind Ethernet (any number
of 802.1Q / QinQ tags) or Linux SLL / SLL2, then reads, with unpackers generated from
the declared layouts, the common header, the PC_ID / RTC_ID and SEQ_ID, and for
message types 0 and 2 the U-plane or C-plane header and every section (C-plane
section extensions as TLVs: each is skipped by its extLen, known or not).

It never raises for bad input: damage is reported in `Message.error` with the field
where reading stopped, and what was read before it is kept.  One frame may hold
several eCPRI messages (the C bit, eCPRI v2.0 3.1.3.1.3); each becomes a `Message`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from harness.interfaces.cuplane import fields as F
from harness.interfaces.cuplane.layers import DEFAULT_FORMAT, UPlaneFormat, prb_octets

_VLAN_TAGS = (0x8100, 0x88A8, 0x9100)
LINK_ETHERNET, LINK_SLL, LINK_SLL2 = 1, 113, 276

_ECPRI_SIZE, _ecpri = F.compile_unpacker(F.ECPRI_COMMON)
_ID_SIZE, _ids = F.compile_unpacker(F.ECPRI_IQ)          # same widths for RTC_ID
_U_SIZE, _uplane = F.compile_unpacker(F.UPLANE_COMMON)
_US_SIZE, _usection = F.compile_unpacker(F.UPLANE_SECTION)
_USC_SIZE, _usection_comp = F.compile_unpacker(F.UPLANE_SECTION, F.UPLANE_COMP_HDR)
_C_SIZE, _cplane = F.compile_unpacker(F.CPLANE_COMMON)
_CH = {t: F.compile_unpacker(*layouts) for t, layouts in F.CPLANE_HEADERS.items()}
_CS = {1: F.compile_unpacker(F.CPLANE_SECTION), 3: F.compile_unpacker(F.CPLANE_SECTION, F.CPLANE_T3_TAIL)}
_CS_NAMES = {1: F.CPLANE_SECTION.names(), 3: F.CPLANE_SECTION.names() + F.CPLANE_T3_TAIL.names()}
_CH_NAMES = {t: tuple(n for layout in layouts for n in layout.names()) for t, layouts in F.CPLANE_HEADERS.items()}
_EF_INDEX = F.CPLANE_SECTION.names().index("ef")
_SEC_EF_NAMES = ("extType", "extLen")


@dataclass(frozen=True)
class ParseConfig:
    """What the reader needs from the lab profile.

    Attributes:
        uplane: how uplink U-plane sections are laid out (M-plane configuration).
        uplane_dl: the same for downlink.
        cc_shift, cc_mask: where the CC id sits in the eAxC id (to find the carrier).
        carrier_prbs: CC id -> PRBs of the carrier (numPrbu 0 means all of them).
    """

    uplane: UPlaneFormat = DEFAULT_FORMAT
    uplane_dl: UPlaneFormat = DEFAULT_FORMAT
    cc_shift: int = 4
    cc_mask: int = 0xF
    carrier_prbs: dict = field(default_factory=dict)


class Message(NamedTuple):
    """One eCPRI message of a frame, as far as it could be read.

    ``radio`` holds the U-plane or C-plane common header values (plus the section
    type's header fields for the C-plane); ``sections`` one tuple per section in the
    order of `section_names`; ``extensions`` (section index, extType, extLen, ef) tuples.
    """

    offset: int                 # of the eCPRI header in the frame
    frame_length: int
    vlans: int                  # 802.1Q tags in front
    revision: int
    reserved: int
    c_bit: int
    message_type: int
    payload_size: int
    eaxc: int | None
    seq_id: int | None
    e_bit: int | None
    subseq_id: int | None
    radio: tuple | None
    sections: tuple
    extensions: tuple
    error: str | None           # why reading stopped early
    error_field: str | None     # the field it stopped at

    @property
    def section_type(self) -> int | None:
        if self.message_type == 2 and self.radio is not None:
            return self.radio[8]
        return None


def section_names(message_type: int, section_type: int | None, comp_hdr: bool) -> tuple:
    """Field names of the section tuples of a message."""
    if message_type == 0:
        return F.UPLANE_SECTION.names() + (("udIqWidth", "udCompMeth", "reserved") if comp_hdr else ())
    return _CS_NAMES.get(section_type, ()) if section_type is not None else ()


def radio_names(message_type: int, section_type: int | None) -> tuple:
    if message_type == 0:
        return F.UPLANE_COMMON.names()
    return F.CPLANE_COMMON.names() + (_CH_NAMES.get(section_type, ()) if section_type is not None else ())


def ecpri_offset(linktype: int, frame: bytes) -> tuple[int, int]:
    """(offset of the eCPRI header, number of VLAN tags), or (-1, 0) if not eCPRI."""
    if linktype == LINK_ETHERNET:
        if len(frame) < 14:
            return -1, 0
        etype = (frame[12] << 8) | frame[13]
        off, tags = 14, 0
        while etype in _VLAN_TAGS:
            if len(frame) < off + 4:
                return -1, 0
            etype = (frame[off + 2] << 8) | frame[off + 3]
            off += 4
            tags += 1
        return (off, tags) if etype == F.ETHERTYPE_ECPRI else (-1, 0)
    if linktype == LINK_SLL and len(frame) >= 16 and ((frame[14] << 8) | frame[15]) == F.ETHERTYPE_ECPRI:
        return 16, 0
    if linktype == LINK_SLL2 and len(frame) >= 20 and ((frame[0] << 8) | frame[1]) == F.ETHERTYPE_ECPRI:
        return 20, 0
    return -1, 0


def parse_frame(frame: bytes, off: int, vlans: int, config: ParseConfig) -> list[Message]:
    """Every eCPRI message of *frame*, the first at *off*."""
    out = []
    n = len(frame)
    while True:
        msg = _parse_message(frame, off, n, vlans, config)
        out.append(msg)
        if not msg.c_bit or msg.error is not None:
            return out
        nxt = off + 4 + msg.payload_size
        off = nxt + (-nxt % 4)          # concatenated messages start on a 4-octet boundary
        if off + _ECPRI_SIZE > n:
            return out


def _parse_message(frame: bytes, off: int, n: int, vlans: int, config: ParseConfig) -> Message:
    if off + _ECPRI_SIZE > n:
        return Message(off, n, vlans, 0, 0, 0, -1, 0, None, None, None, None, None, (), (),
                       f"eCPRI common header cut short ({n - off} of 4 octets)", "ecpri.header")
    revision, reserved, c_bit, mtype, psize = _ecpri(frame, off)
    head = (off, n, vlans, revision, reserved, c_bit, mtype, psize)
    if mtype not in (0, 2):
        return Message(*head, None, None, None, None, None, (), (), None, None)
    pos = off + 4
    end = min(pos + psize, n)
    if pos + _ID_SIZE > end:
        return Message(*head, None, None, None, None, None, (), (),
                       f"{'PC_ID' if mtype == 0 else 'RTC_ID'}/SEQ_ID cut short ({end - pos} of 4 octets)",
                       "ecpri.pc_id" if mtype == 0 else "ecpri.rtc_id")
    eaxc, seq, ebit, subseq = _ids(frame, pos)
    pos += _ID_SIZE
    ids = (eaxc, seq, ebit, subseq)
    if mtype == 0:
        return _uplane_message(frame, pos, end, head, ids, config)
    return _cplane_message(frame, pos, end, head, ids)


# (offset, frame_length, vlans, revision, reserved, c_bit, message_type, payload_size) and
# (eaxc, seq_id, e_bit, subseq_id): the first fields of every Message.
_Head = tuple[int, int, int, int, int, int, int, int]
_Ids = tuple[int, int, int, int]


def _uplane_message(frame: bytes, pos: int, end: int, head: _Head, ids: _Ids, config: ParseConfig) -> Message:
    if pos + _U_SIZE > end:
        return Message(*head, *ids, None, (), (), f"U-plane header cut short ({end - pos} of 4 octets)",
                       "uplane.header")
    radio = _uplane(frame, pos)
    pos += _U_SIZE
    fmt = config.uplane_dl if radio[0] else config.uplane
    sections: list[tuple] = []
    if fmt.comp_hdr:
        size, unpack = _USC_SIZE, _usection_comp
    else:
        size, unpack = _US_SIZE, _usection
        prb = prb_octets(fmt.iq_width, fmt.comp_meth)
    while pos < end:
        if pos + size > end:
            return Message(*head, *ids, radio, tuple(sections), (),
                           f"U-plane section {len(sections) + 1} header cut short ({end - pos} of {size} octets)",
                           f"sections[{len(sections)}]")
        sec = unpack(frame, pos)
        pos += size
        if fmt.comp_hdr:
            prb = prb_octets(sec[5], sec[6])
            if prb is None:
                sections.append(sec)
                return Message(*head, *ids, radio, tuple(sections), (),
                               f"U-plane section {len(sections)}: udCompMeth {sec[6]} cannot be sized",
                               f"sections[{len(sections) - 1}].udCompMeth")
        num = sec[4]
        if num == 0:      # all PRBs of the carrier
            num = config.carrier_prbs.get((ids[0] >> config.cc_shift) & config.cc_mask, 0)
        pos += prb * num
        sections.append(sec)
        if pos > end:
            return Message(*head, *ids, radio, tuple(sections), (),
                           f"U-plane section {len(sections)} (sectionId {sec[0]}): {num} PRBs of IQ data need "
                           f"{prb * num} octets, {end - pos + prb * num} left",
                           f"sections[{len(sections) - 1}].numPrbu")
    return Message(*head, *ids, radio, tuple(sections), (), None, None)


def _cplane_message(frame: bytes, pos: int, end: int, head: _Head, ids: _Ids) -> Message:
    if pos + _C_SIZE > end:
        return Message(*head, *ids, None, (), (), f"C-plane common header cut short ({end - pos} of "
                       f"{_C_SIZE} octets)", "cplane.header")
    radio = _cplane(frame, pos)
    pos += _C_SIZE
    stype, count = radio[8], radio[7]
    if stype not in _CH:
        return Message(*head, *ids, radio, (), (), None, None)     # not read further; the checks say so
    hsize, hunpack = _CH[stype]
    if pos + hsize > end:
        return Message(*head, *ids, radio, (), (), f"section type {stype} header cut short", "cplane.header")
    radio = radio + hunpack(frame, pos)
    pos += hsize
    ssize, sunpack = _CS[stype]
    sections: list[tuple] = []
    exts: list[tuple[int, int, int, int]] = []         # (section index, extType, extLen, ef)
    for i in range(count):
        if pos + ssize > end:
            return Message(*head, *ids, radio, tuple(sections), tuple(exts),
                           f"section {i + 1} of {count} cut short ({max(0, end - pos)} of {ssize} octets)",
                           f"sections[{i}]")
        sec = sunpack(frame, pos)
        pos += ssize
        sections.append(sec)
        more = sec[_EF_INDEX]
        while more:
            if pos + 2 > end:
                return Message(*head, *ids, radio, tuple(sections), tuple(exts),
                               f"section {i + 1} (sectionId {sec[0]}): extension header cut short",
                               f"sections[{i}].extensions[{sum(1 for e in exts if e[0] == i)}]")
            b0 = frame[pos]
            more, etype = b0 >> 7, b0 & 0x7F
            if etype in F.LONG_EXTLEN_TYPES:
                elen = (frame[pos + 1] << 8) | frame[pos + 2] if pos + 3 <= end else 0
            else:
                elen = frame[pos + 1]
            where = f"sections[{i}].extensions[{sum(1 for e in exts if e[0] == i)}]"
            exts.append((i, etype, elen, more))
            if elen == 0:
                return Message(*head, *ids, radio, tuple(sections), tuple(exts),
                               f"section {i + 1} (sectionId {sec[0]}): extension type {etype} has extLen 0, "
                               "so nothing after it can be found", f"{where}.extLen")
            pos += 4 * elen
            if pos > end:
                return Message(*head, *ids, radio, tuple(sections), tuple(exts),
                               f"section {i + 1} (sectionId {sec[0]}): extension type {etype} extLen {elen} "
                               f"({4 * elen} octets) runs past the end of the message", f"{where}.extLen")
    if pos < end:
        return Message(*head, *ids, radio, tuple(sections), tuple(exts),
                       f"{end - pos} octets left after the {count} sections numberOfSections announces",
                       "cplane.numberOfSections")
    return Message(*head, *ids, radio, tuple(sections), tuple(exts), None, None)


def header_spans(msg: Message, config: ParseConfig) -> tuple:
    """(start, end) of every byte range the parser read after the first 12 octets of *msg*.

    With the first 12 octets (eCPRI header, eAxC id, SEQ_ID, the timing octet carrying
    dataDirection and payloadVersion) these ranges decide everything the parser
    returns except the sequence and timing values; a frame equal to an earlier one on
    them parses alike.  The checker uses that to recognise repeated frame shapes
    (`harness.interfaces.cuplane.checks`).  Only meaningful for a message read without error.
    """
    radio, eaxc = msg.radio, msg.eaxc
    if radio is None or eaxc is None:        # read with an error: no spans to compare
        return ()
    pos = msg.offset + 4 + _ID_SIZE
    spans = []
    if msg.message_type == 0:
        fmt = config.uplane_dl if radio[0] else config.uplane
        pos += _U_SIZE
        size = _USC_SIZE if fmt.comp_hdr else _US_SIZE
        for sec in msg.sections:
            spans.append((pos, pos + size))
            prb = prb_octets(sec[5], sec[6]) if fmt.comp_hdr else prb_octets(fmt.iq_width, fmt.comp_meth)
            num = sec[4] or config.carrier_prbs.get((eaxc >> config.cc_shift) & config.cc_mask, 0)
            pos += size + prb * num
        return tuple(spans)
    stype = radio[8]
    head = pos + _C_SIZE - 2                  # numberOfSections and sectionType
    pos += _C_SIZE
    if stype not in _CH:
        return ((head, pos),)
    pos += _CH[stype][0]
    spans.append((head, pos))
    ssize = _CS[stype][0]
    exts = list(msg.extensions)
    for i in range(len(msg.sections)):
        spans.append((pos, pos + ssize))
        pos += ssize
        while exts and exts[0][0] == i:
            _i, etype, elen, _ef = exts.pop(0)
            spans.append((pos, pos + (3 if etype in F.LONG_EXTLEN_TYPES else 2)))
            pos += 4 * elen
    return tuple(spans)


def as_fields(msg: Message, config: ParseConfig) -> dict:
    """The message as field name -> value (for the differential test and the crosscheck)."""
    out: dict[str, Any] = {"revision": msg.revision, "reserved": msg.reserved, "c_bit": msg.c_bit,
           "message_type": msg.message_type, "payload_size": msg.payload_size}
    if msg.eaxc is not None:
        out.update({"pc_id" if msg.message_type == 0 else "rtc_id": msg.eaxc, "seq_id": msg.seq_id,
                    "e_bit": msg.e_bit, "subseq_id": msg.subseq_id})
    if msg.radio is not None:
        out.update(zip(radio_names(msg.message_type, msg.section_type), msg.radio, strict=False))
    fmt = config.uplane_dl if msg.radio and msg.radio[0] else config.uplane
    names = section_names(msg.message_type, msg.section_type, fmt.comp_hdr)
    out["sections"] = [dict(zip(names, s, strict=False)) for s in msg.sections]
    for i, etype, elen, ef in msg.extensions:
        out["sections"][i].setdefault("extensions", []).append({"ef": ef, "extType": etype, "extLen": elen})
    if msg.error:
        out["error"] = msg.error
    return out
