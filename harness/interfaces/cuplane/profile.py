"""The fronthaul lab profile: eAxC id split and ids, carriers, what the lab allows.

YAML (see fixtures/profiles/lab-fronthaul.yaml) -> `FronthaulProfile`, a frozen
dataclass; every mistake is a `ProfileError` naming file:line (the loader helpers of
harness.spec are reused for that).

The eAxC id is 16 bits split into DU_port, BandSector, CC and RU_port ids; the
widths are agreed between O-DU and O-RU (O-RAN.WG4.CUS.0-v10.00 5.1.3.1.6) and must
add up to 16.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.interfaces.cuplane.fastparse import ParseConfig
from harness.interfaces.cuplane.layers import UPlaneFormat, prb_octets
from harness.spec.errors import ProfileError
from harness.spec.reader import Node
from harness.spec.yamlload import LDict, LList, load_file

EAXC_PARTS = ("du_port", "band_sector", "cc", "ru_port")
TOP_KEYS = ("name", "site", "operator", "fronthaul")
FH_KEYS = ("eaxc_bits", "eaxc_ids", "carriers", "message_types", "section_types", "section_extensions",
           "uplane")


@dataclass(frozen=True)
class Carrier:
    cc: int
    prbs: int
    scs_khz: int


@dataclass(frozen=True)
class EaxcSplit:
    """Bit widths of the eAxC id parts, most significant first (du_port, band_sector, cc, ru_port)."""

    du_port: int = 2
    band_sector: int = 6
    cc: int = 4
    ru_port: int = 4

    def compose(self, du_port: int, band_sector: int, cc: int, ru_port: int) -> int:
        value = 0
        for part, width in ((du_port, self.du_port), (band_sector, self.band_sector), (cc, self.cc),
                            (ru_port, self.ru_port)):
            value = (value << width) | (part & ((1 << width) - 1))
        return value

    def split(self, eaxc: int) -> tuple[int, int, int, int]:
        ru = eaxc & ((1 << self.ru_port) - 1)
        cc = (eaxc >> self.ru_port) & ((1 << self.cc) - 1)
        bs = (eaxc >> (self.ru_port + self.cc)) & ((1 << self.band_sector) - 1)
        du = eaxc >> (self.ru_port + self.cc + self.band_sector)
        return du, bs, cc, ru

    def describe(self, eaxc: int) -> str:
        du, bs, cc, ru = self.split(eaxc)
        return f"0x{eaxc:04x} (DU_port {du}, BandSector {bs}, CC {cc}, RU_port {ru})"


@dataclass(frozen=True)
class FronthaulProfile:
    name: str
    path: str
    split: EaxcSplit
    eaxc_ids: tuple            # allowed eAxC ids, as 16-bit values
    carriers: tuple            # Carrier...
    message_types: frozenset
    section_types: frozenset
    section_extensions: frozenset
    uplane: UPlaneFormat          # uplink U-plane section format
    uplane_dl: UPlaneFormat       # downlink

    def carrier(self, cc: int) -> Carrier | None:
        return next((c for c in self.carriers if c.cc == cc), None)

    def parse_config(self) -> ParseConfig:
        return ParseConfig(self.uplane, self.uplane_dl, self.split.ru_port, (1 << self.split.cc) - 1,
                           {c.cc: c.prbs for c in self.carriers})


def load_fronthaul_profile(path: str | Path) -> FronthaulProfile:
    """Read a fronthaul lab profile.

    Raises:
        ProfileError: with file:line and the offending line.
    """
    doc, source = load_file(path, ProfileError)
    if doc is None:
        raise ProfileError(source.where(0), "the file is empty")
    top = Node.of(doc, source, 1, "fronthaul lab profile", ProfileError)
    top.only(TOP_KEYS)
    fh = Node.of(top.required("fronthaul"), source, top.value_line("fronthaul"), "fronthaul", ProfileError)
    fh.only(FH_KEYS)
    split = _split(fh)
    return FronthaulProfile(
        name=top.get("name", str, required=True), path=str(path), split=split,
        eaxc_ids=_eaxc_ids(fh, split), carriers=_carriers(fh),
        message_types=_ints(fh, "message_types", (0, 2), 255),
        section_types=_ints(fh, "section_types", (1, 3), 255),
        section_extensions=_ints(fh, "section_extensions", (), 127),
        uplane=_uplane(fh, "uplink"), uplane_dl=_uplane(fh, "downlink"))


def _sub(node: Node, key: str, value) -> Node:
    return Node.of(value, node.source, node.value_line(key), key, ProfileError)


def _split(fh: Node) -> EaxcSplit:
    if not fh.has("eaxc_bits"):
        return EaxcSplit()
    node = _sub(fh, "eaxc_bits", fh.raw("eaxc_bits"))
    node.only(EAXC_PARTS)
    widths = {p: node.get(p, int, required=True) for p in EAXC_PARTS}
    if sum(widths.values()) != 16 or min(widths.values()) < 0:
        raise node.error(node.line, f"eAxC id part widths add up to {sum(widths.values())}, not 16")
    return EaxcSplit(**widths)


def _eaxc_ids(fh: Node, split: EaxcSplit) -> tuple:
    items = fh.get("eaxc_ids", list, required=True)
    out = []
    for i, item in enumerate(items):
        line = items.item_line(i) if isinstance(items, LList) else fh.line
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= 0xFFFF:
            out.append(item)
            continue
        if not isinstance(item, LDict):
            raise fh.error(line, f"eaxc_ids[{i}] must be a 16-bit number or a mapping of {', '.join(EAXC_PARTS)}")
        node = Node(item, fh.source, f"eaxc_ids[{i}]", ProfileError)
        node.only(EAXC_PARTS)
        parts = [node.get(p, int, required=True) for p in EAXC_PARTS]
        for p, v in zip(EAXC_PARTS, parts, strict=True):
            if not 0 <= v < (1 << getattr(split, p)):
                raise node.error(node.value_line(p), f"{p} {v} does not fit in {getattr(split, p)} bits")
        out.append(split.compose(*parts))
    return tuple(out)


def _carriers(fh: Node) -> tuple:
    items = fh.get("carriers", list, required=True)
    out = []
    for i, item in enumerate(items):
        line = items.item_line(i) if isinstance(items, LList) else fh.line
        node = Node.of(item, fh.source, line, f"carriers[{i}]", ProfileError)
        node.only(("cc", "prbs", "scs_khz"))
        prbs = node.get("prbs", int, required=True)
        if not 1 <= prbs <= 273:
            raise node.error(node.value_line("prbs"), f"prbs {prbs} is not 1..273")
        out.append(Carrier(node.get("cc", int, required=True), prbs, node.get("scs_khz", int, 30)))
    return tuple(out)


def _ints(fh: Node, key: str, default: tuple, top: int) -> frozenset:
    items = fh.get(key, list, list(default))
    for i, v in enumerate(items):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= top:
            line = items.item_line(i) if isinstance(items, LList) else fh.value_line(key)
            raise fh.error(line, f"{key}[{i}] must be a number 0..{top}, not {v!r}")
    return frozenset(items)


def _uplane(fh: Node, direction: str) -> UPlaneFormat:
    if not fh.has("uplane"):
        return UPlaneFormat()
    top = _sub(fh, "uplane", fh.raw("uplane"))
    top.only(("uplink", "downlink"))
    if not top.has(direction):
        return UPlaneFormat()
    node = _sub(top, direction, top.raw(direction))
    node.only(("comp_hdr", "iq_width", "comp_meth"))
    width = node.get("iq_width", int, 9)
    if not 1 <= width <= 16:
        raise node.error(node.value_line("iq_width"), f"iq_width {width} is not 1..16")
    meth = node.get("comp_meth", int, 1)
    if prb_octets(width, meth) is None:
        raise node.error(node.value_line("comp_meth"), f"comp_meth {meth} is not one the checker can size (0..4)")
    return UPlaneFormat(node.get("comp_hdr", bool, False), width, meth)
