"""Wire formats of eCPRI and O-RAN CUS headers, declared once as (name, bits) lists.

Theory of operation: every header is a `Layout`, a tuple of (field name, width in
bits), most significant bit first, always a whole number of octets.  Two things are
made from each layout, so the widths live in one place only:

* `harness.interfaces.cuplane.layers` turns it into scapy ``fields_desc`` (to build packets);
* `compile_unpacker` below turns it into a small generated function that reads the
  header with one ``int.from_bytes`` and shifts (the fast path for bulk captures).

tests/fronthaul/test_differential.py shows the two read every field alike.

Sources (paraphrased): eCPRI Specification v2.0 clause 3.1.3.1 (common header),
3.2.4.1 (message type 0, IQ data) and 3.2.4.3 (type 2, real-time control);
O-RAN.WG4.CUS.0-v10.00 clause 5.1.3.1 (eCPRI fields as O-RAN uses them),
7.5 (C-plane headers and sections), 7.7 (section extensions), 8.3.3 (U-plane).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harness.capture.dispatch import ETHERTYPE_ECPRI  # noqa: F401  (re-exported: F.ETHERTYPE_ECPRI)


@dataclass(frozen=True)
class Layout:
    """A header as a list of (field name, bits); names are those of the specifications."""

    name: str
    fields: tuple

    @property
    def size(self) -> int:
        """Length in octets."""
        return sum(bits for _, bits in self.fields) // 8

    def names(self) -> tuple:
        return tuple(name for name, _ in self.fields)

    def __post_init__(self) -> None:
        total = sum(bits for _, bits in self.fields)
        if total % 8:
            raise ValueError(f"layout {self.name} is {total} bits, not whole octets")


# eCPRI v2.0 3.1.3.1: common header.  payloadSize counts the octets after these four.
ECPRI_COMMON = Layout("ecpri", (
    ("revision", 4), ("reserved", 3), ("c_bit", 1), ("message_type", 8), ("payload_size", 16)))

# eCPRI v2.0 3.2.4.1 / 3.2.4.3 with O-RAN's split of the 16-bit SEQ_ID
# (CUS 5.1.3.1.7): sequence id, E bit (last fragment), subsequence id.
ECPRI_IQ = Layout("ecpri_iq", (("pc_id", 16), ("seq_id", 8), ("e_bit", 1), ("subseq_id", 7)))
ECPRI_RTC = Layout("ecpri_rtc", (("rtc_id", 16), ("seq_id", 8), ("e_bit", 1), ("subseq_id", 7)))

# The timing fields both planes start with (CUS 7.5.2 / 8.3.3).
_RADIO_TIMING = (("dataDirection", 1), ("payloadVersion", 3), ("filterIndex", 4), ("frameId", 8),
                 ("subframeId", 4), ("slotId", 6))

UPLANE_COMMON = Layout("uplane", _RADIO_TIMING + (("symbolId", 6),))
UPLANE_SECTION = Layout("uplane_section", (
    ("sectionId", 12), ("rb", 1), ("symInc", 1), ("startPrbu", 10), ("numPrbu", 8)))
# Present in a U-plane section only when the M-plane configured it (CUS 8.3.3.13).
UPLANE_COMP_HDR = Layout("uplane_comp_hdr", (("udIqWidth", 4), ("udCompMeth", 4), ("reserved", 8)))

CPLANE_COMMON = Layout("cplane", _RADIO_TIMING + (
    ("startSymbolId", 6), ("numberOfSections", 8), ("sectionType", 8)))
# After the common header: type 1 has udCompHdr then a reserved octet; type 3 has
# timeOffset, frameStructure (FFT size, numerology mu) and cpLength, then udCompHdr.
CPLANE_UDCOMPHDR = Layout("cplane_udcomphdr", (("udIqWidth", 4), ("udCompMeth", 4)))
CPLANE_T1_RESERVED = Layout("cplane_t1_reserved", (("reserved", 8),))
CPLANE_T3_HDR = Layout("cplane_t3", (("timeOffset", 16), ("fftSize", 4), ("mu", 4), ("cpLength", 16)))
CPLANE_HEADERS = {1: (CPLANE_UDCOMPHDR, CPLANE_T1_RESERVED), 3: (CPLANE_T3_HDR, CPLANE_UDCOMPHDR)}
CPLANE_SECTION = Layout("cplane_section", (
    ("sectionId", 12), ("rb", 1), ("symInc", 1), ("startPrbc", 10), ("numPrbc", 8),
    ("reMask", 12), ("numSymbol", 4), ("ef", 1), ("beamId", 15)))
CPLANE_T3_TAIL = Layout("cplane_t3_tail", (("frequencyOffset", 24), ("reserved", 8)))

# CUS 7.7: every section extension starts with ef, extType and extLen (in 32-bit words,
# header included); a few types carry a 16-bit extLen.
SECTION_EXT = Layout("section_ext", (("ef", 1), ("extType", 7), ("extLen", 8)))
SECTION_EXT_LONG = Layout("section_ext_long", (("ef", 1), ("extType", 7), ("extLen", 16)))
LONG_EXTLEN_TYPES = frozenset({11})

SIGNED_FIELDS = frozenset({"frequencyOffset"})   # two's complement on the wire

LAYOUTS = (ECPRI_COMMON, ECPRI_IQ, ECPRI_RTC, UPLANE_COMMON, UPLANE_SECTION, UPLANE_COMP_HDR,
           CPLANE_COMMON, CPLANE_UDCOMPHDR, CPLANE_T1_RESERVED, CPLANE_T3_HDR, CPLANE_SECTION, CPLANE_T3_TAIL,
           SECTION_EXT, SECTION_EXT_LONG)


def compile_unpacker(*layouts: Layout) -> tuple[int, Callable]:
    """A function ``f(buf, offset) -> tuple`` reading the given layouts back to back.

    The function is generated from the layouts (one ``int.from_bytes`` and a shift and
    mask per field), so its widths cannot drift from the scapy layers'.  The caller
    makes sure ``offset + size <= len(buf)``.

    Returns:
        (size in octets, function); the tuple holds the fields in declaration order.
    """
    fields = [f for layout in layouts for f in layout.fields]
    total = sum(bits for _, bits in fields)
    size = total // 8
    parts, shift = [], total
    for name, bits in fields:
        shift -= bits
        expr = f"(v >> {shift}) & {(1 << bits) - 1:#x}" if shift else f"v & {(1 << bits) - 1:#x}"
        if name in SIGNED_FIELDS:
            expr = f"_signed({expr}, {bits})"
        parts.append(expr)
    source = (f"def unpack(buf, off, _fb=int.from_bytes, _signed=_signed):\n"
              f"    v = _fb(buf[off:off + {size}], 'big')\n"
              f"    return ({', '.join(parts)},)\n")
    scope: dict = {"_signed": _signed}
    # The source is generated above from our own field tables (no outside input): one flat
    # expression per layout is what makes the fronthaul parser fast.
    exec(compile(source, f"<unpacker {'+'.join(lay.name for lay in layouts)}>", "exec"), scope)  # noqa: S102
    return size, scope["unpack"]


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value
