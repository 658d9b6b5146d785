"""scapy layers for eCPRI and the O-RAN CUS C-plane and U-plane, made from `fields.LAYOUTS`.

Used to BUILD packets (the generator, tests) and as the reference reader in the
differential test; bulk captures are read by `harness.interfaces.cuplane.fastparse`.

Dispatch is by `bind_layers` only: EtherType 0xAEFE (also under 802.1Q) -> `ECPRI`;
eCPRI message type 0 -> `IQData` -> `UPlane`, type 2 -> `RTCData` -> `CPlane`.

U-plane sections cannot be delimited from the packet alone: whether each section
carries a udCompHdr, and the IQ width when it does not, are M-plane configuration
(CUS 8.3.3.13).  `uplane_class(fmt)` makes a `UPlane` layer for one `UPlaneFormat`;
the bound default is `DEFAULT_FORMAT`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from scapy.fields import BitField, ConditionalField, PacketListField, StrLenField
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Packet, bind_layers

from harness.interfaces.cuplane import fields as F

# udCompMeth values (CUS 8.3.3.13 / Annex A): 0 none, 1 block floating point,
# 2 block scaling, 3 mu-law, 4 modulation compression (no per-PRB parameter).
COMP_NONE, COMP_BFP, COMP_BSC, COMP_MULAW, COMP_MOD = 0, 1, 2, 3, 4
_PRB_PARAM_OCTETS = {COMP_NONE: 0, COMP_BFP: 1, COMP_BSC: 1, COMP_MULAW: 1, COMP_MOD: 0}


@dataclass(frozen=True)
class UPlaneFormat:
    """How U-plane sections are laid out, as the M-plane configured them.

    Attributes:
        comp_hdr: each section carries udCompHdr and a reserved octet.
        iq_width: bits per I or Q sample when there is no udCompHdr (1..16).
        comp_meth: udCompMeth when there is no udCompHdr.
    """

    comp_hdr: bool = False
    iq_width: int = 9
    comp_meth: int = COMP_BFP


DEFAULT_FORMAT = UPlaneFormat()


def prb_octets(iq_width: int, comp_meth: int) -> int | None:
    """Octets one PRB takes: 12 subcarriers x (I, Q) x width, plus its udCompParam.

    A udIqWidth of 0 means 16 bits.  None for a compression method we cannot size.
    """
    width = iq_width or 16
    param = _PRB_PARAM_OCTETS.get(comp_meth)
    if param is None:
        return None
    return param + 3 * width


class SignedBitField(BitField):
    """A two's-complement bit field (frequencyOffset)."""

    def i2m(self, pkt, x):
        x = 0 if x is None else x
        return x & ((1 << self.size) - 1)

    def m2i(self, pkt, x):
        return F._signed(x, self.size)


def _bit_fields(layout: F.Layout, defaults: dict | None = None, when=None) -> list:
    out = []
    for name, bits in layout.fields:
        cls = SignedBitField if name in F.SIGNED_FIELDS else BitField
        field = cls(name, (defaults or {}).get(name, 0), bits)
        out.append(ConditionalField(field, when) if when else field)
    return out


# --------------------------------------------------------------------------- eCPRI
class ECPRI(Packet):
    """eCPRI common header (eCPRI v2.0 3.1.3.1); payload_size is filled in when left None."""

    name = "eCPRI"
    fields_desc = _bit_fields(F.ECPRI_COMMON, {"revision": 1, "payload_size": None})

    def post_build(self, p: bytes, pay: bytes) -> bytes:
        if self.payload_size is None:
            p = p[:2] + len(pay).to_bytes(2, "big") + p[4:]
        return p + pay

    def extract_padding(self, s: bytes):
        return s[:self.payload_size], s[self.payload_size:]


class IQData(Packet):
    """eCPRI message type 0 header: PC_ID (the eAxC id) and SEQ_ID (eCPRI v2.0 3.2.4.1)."""

    name = "eCPRI IQ data"
    fields_desc = _bit_fields(F.ECPRI_IQ, {"e_bit": 1})


class RTCData(Packet):
    """eCPRI message type 2 header: RTC_ID (the eAxC id) and SEQ_ID (eCPRI v2.0 3.2.4.3)."""

    name = "eCPRI real-time control"
    fields_desc = _bit_fields(F.ECPRI_RTC, {"e_bit": 1})


# --------------------------------------------------------------------------- C-plane
class SectionExtension(Packet):
    """One section extension as a TLV (CUS 7.7): ef, extType, extLen in 32-bit words.

    extLen is filled in when left None and the contents zero-padded to whole words.
    """

    name = "section extension"
    fields_desc = [
        BitField("ef", 0, 1), BitField("extType", 1, 7),
        ConditionalField(BitField("extLen", None, 8), lambda p: p.extType not in F.LONG_EXTLEN_TYPES),
        ConditionalField(BitField("extLenLong", None, 16), lambda p: p.extType in F.LONG_EXTLEN_TYPES),
        StrLenField("contents", b"", length_from=lambda p: max(0, _ext_words(p) * 4 - _ext_head(p))),
    ]

    def post_build(self, p: bytes, pay: bytes) -> bytes:
        head = _ext_head(self)
        if _ext_words(self) is None:
            body = p[head:]
            body += b"\x00" * (-(head + len(body)) % 4)
            p = p[:1] + ((head + len(body)) // 4).to_bytes(head - 1, "big") + body
        return p + pay

    def extract_padding(self, s: bytes):
        return b"", s


def _ext_head(p) -> int:
    return 3 if p.extType in F.LONG_EXTLEN_TYPES else 2


def _ext_words(p):
    return p.extLenLong if p.extType in F.LONG_EXTLEN_TYPES else p.extLen


def _next_extension(pkt, lst, cur, remain):
    if not remain:
        return None
    # scapy passes the packet just read as *cur* before adding it to *lst*.
    if (cur.ef if cur is not None else pkt.ef):
        return SectionExtension
    return None


class CPlaneSection1(Packet):
    """A section of section type 1 (CUS 7.5.3), then its extensions when ef is set."""

    name = "C-plane section (type 1)"
    fields_desc = _bit_fields(F.CPLANE_SECTION, {"numSymbol": 14, "reMask": 0xFFF}) + [
        PacketListField("extensions", [], next_cls_cb=_next_extension)]

    def extract_padding(self, s: bytes):
        return b"", s


class CPlaneSection3(Packet):
    """A section of section type 3 (PRACH and mixed numerology; CUS 7.5.3)."""

    name = "C-plane section (type 3)"
    fields_desc = _bit_fields(F.CPLANE_SECTION, {"numSymbol": 1, "reMask": 0xFFF}) + \
        _bit_fields(F.CPLANE_T3_TAIL) + [PacketListField("extensions", [], next_cls_cb=_next_extension)]

    def extract_padding(self, s: bytes):
        return b"", s


_SECTION_CLASSES = {1: CPlaneSection1, 3: CPlaneSection3}
SECTION_LAYOUTS = {1: (F.CPLANE_SECTION,), 3: (F.CPLANE_SECTION, F.CPLANE_T3_TAIL)}


def _next_section(pkt, lst, cur, remain):
    if len(lst) + (cur is not None) >= (pkt.numberOfSections or 0) or not remain:
        return None
    return _SECTION_CLASSES.get(pkt.sectionType)


class CPlane(Packet):
    """C-plane message: common header, the section type's header fields, its sections.

    numberOfSections is filled in when left None.
    """

    name = "O-RAN C-plane"
    fields_desc = _bit_fields(F.CPLANE_COMMON, {"numberOfSections": None, "sectionType": 1,
                                                 "payloadVersion": 1}) + \
        _bit_fields(F.CPLANE_T3_HDR, when=lambda p: p.sectionType == 3) + \
        _bit_fields(F.CPLANE_UDCOMPHDR, when=lambda p: p.sectionType in (1, 3)) + \
        _bit_fields(F.CPLANE_T1_RESERVED, when=lambda p: p.sectionType == 1) + [
        PacketListField("sections", [], next_cls_cb=_next_section)]

    def post_build(self, p: bytes, pay: bytes) -> bytes:
        if self.numberOfSections is None:
            p = p[:4] + bytes([len(self.sections)]) + p[5:]
        return p + pay


# --------------------------------------------------------------------------- U-plane
def _iq_length(pkt) -> int:
    fmt = pkt.fmt
    if fmt.comp_hdr:
        size = prb_octets(pkt.udIqWidth, pkt.udCompMeth)
    else:
        size = prb_octets(fmt.iq_width, fmt.comp_meth)
    return (size or 0) * pkt.numPrbu


class _UPlaneSectionBase(Packet):
    fmt = DEFAULT_FORMAT

    def extract_padding(self, s: bytes):
        return b"", s


class _UPlaneBase(Packet):
    section_class: ClassVar[type[Packet]]       # set by uplane_class: the sections' layer for one format


@cache
def uplane_section_class(fmt: UPlaneFormat) -> type:
    """The U-plane section layer for one format (cached: one class per format)."""
    extra = _bit_fields(F.UPLANE_COMP_HDR, {"udIqWidth": 9, "udCompMeth": COMP_BFP}) if fmt.comp_hdr else []
    return type(f"UPlaneSection_{int(fmt.comp_hdr)}_{fmt.iq_width}_{fmt.comp_meth}", (_UPlaneSectionBase,), {
        "name": "U-plane section", "fmt": fmt,
        "fields_desc": _bit_fields(F.UPLANE_SECTION) + extra + [StrLenField("iq", b"", length_from=_iq_length)],
    })


def _next_usection(pkt, lst, cur, remain):
    return pkt.section_class if len(remain) >= F.UPLANE_SECTION.size else None


@cache
def uplane_class(fmt: UPlaneFormat) -> type[_UPlaneBase]:
    """The U-plane message layer whose sections are read with format *fmt*."""
    return type(f"UPlane_{int(fmt.comp_hdr)}_{fmt.iq_width}_{fmt.comp_meth}", (_UPlaneBase,), {
        "name": "O-RAN U-plane", "section_class": uplane_section_class(fmt),
        "fields_desc": _bit_fields(F.UPLANE_COMMON, {"payloadVersion": 1})
        + [PacketListField("sections", [], next_cls_cb=_next_usection)],
    })


UPlane = uplane_class(DEFAULT_FORMAT)

bind_layers(Ether, ECPRI, type=F.ETHERTYPE_ECPRI)
bind_layers(Dot1Q, ECPRI, type=F.ETHERTYPE_ECPRI)
bind_layers(ECPRI, IQData, message_type=0)
bind_layers(ECPRI, RTCData, message_type=2)
bind_layers(IQData, UPlane)
bind_layers(RTCData, CPlane)
