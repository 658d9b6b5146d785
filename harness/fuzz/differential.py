"""Differential testing of our codec against pycrate on generated valid values.

For one value of one type, `Differential.check` does, and reports each step that fails
as a `Disagreement`:

1. ours encodes (asn1tools + harness.codec.perfix); the precise decoder (asn1tools) and
   the fast one (harness.codec.fastper) both give the value back ('ours-roundtrip',
   'fast-vs-precise');
2. pycrate encodes the same value; the octets must be ours ('bytes');
3. pycrate decodes our octets to the value ('pycrate-decodes-ours'), and ours decodes
   pycrate's octets to the value ('ours-decodes-pycrate').

Steps 2 and 3 see the value through `pycrate_view`: what pycrate cannot hold (REAL minus
zero) or is known to encode wrongly (REAL NaN) is replaced there, so each known pycrate
defect is excused in one place and proven by its own strict xfail in
tests/codec/test_differential.py.

Targets: every message of E2AP-PDU (v03.01 against pycrate_asn1dir.E2AP, v02.03 against our
module text compiled by pycrate_asn1c) and every top-level type of E2SM-KPM v02.03/v03.00 and
E2SM-RC v01.03 (our text compiled by pycrate_asn1c). E2SM payloads inside E2AP stay opaque
OCTET STRINGs here: their own types are targets.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from harness.codec import catalog
from harness.codec.codec import Asn1Codec
from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.e2sm import FAMILIES
from harness.codec.errors import CodecError
from harness.fuzz import pycrate_ref as pr
from harness.fuzz.valuegen import ValueGen

E2AP_VERSIONS = ("v03.01", "v02.03")
E2SM_VERSIONS = (("e2sm-kpm", "v03.00"), ("e2sm-kpm", "v02.03"), ("e2sm-rc", "v01.03"))
ASN1 = Path(catalog.__file__).resolve().parent / "asn1"


@dataclass(frozen=True)
class Target:
    """One type to test: ``message`` set for an E2AP-PDU carrying that message."""

    protocol: str
    version: str
    type_name: str
    message: str | None = None

    @property
    def label(self) -> str:
        return f"{self.protocol}-{self.version}/{self.message or self.type_name}"


@dataclass(frozen=True)
class Disagreement:
    target: str
    step: str            # ours-encode, ours-roundtrip, fast-vs-precise, pycrate-encode, bytes, ...
    value: str           # repr of the value
    ours: str            # hex of our encoding ('' when none)
    theirs: str          # hex of pycrate's encoding ('' when none)
    detail: str


# Known pycrate 0.8.1 defects, each proven by a strict xfail in tests/codec/test_differential.py:
KNOWN_PYCRATE_DEFECTS = {
    "real-specials": "pycrate's REAL value check rejects its own PLUS-INFINITY, MINUS-INFINITY and "
                     "NOT-A-NUMBER triples on encode (X.680 21.5, X.690 8.5.9 define them)",
    "real-minus-zero": "pycrate has no REAL minus zero: it decodes 0x43 as plus zero and relays it as "
                       "an empty contents (X.690 8.5.9)",
    "nested-clobber": "pycrate reuses one runtime object per type, so a recursive value (E2SM-RC "
                      "RANParameter STRUCTURE -> LIST -> STRUCTURE) clobbers its outer levels on encode "
                      "or fails (IndexError); counted whenever pycrate's encoder fails or mis-encodes a "
                      "value that pycrate's own decoder reads from our octets",
    "open-type-fragments": "pycrate's decoder cannot read an open type of 16K octets or more (a "
                           "fragmented length, X.691 11.2 with 11.9.3.8), though its encoder writes the "
                           "same octets as ours",
    "bitmap-padding": "pycrate adds an 8-bit padding field after a SEQUENCE extension-addition bitmap "
                      "that ends on an octet boundary (X.691 19.8 with 11.2 and 3.7.16: zero to seven "
                      "padding bits), and cannot decode its own output",
}


def pycrate_view(value: Any) -> Any:
    """The value as pycrate can be asked to encode it: REAL specials become 0.0.

    'real-specials' and 'real-minus-zero' (KNOWN_PYCRATE_DEFECTS) make pycrate unable to
    encode them; ours is still checked on the true value (steps 1), and pycrate's decoding
    of the special octets by tests/codec/test_differential.py.
    """
    if isinstance(value, float) and not (math.isfinite(value) and math.copysign(1.0, value) > 0):
        return 0.0
    if isinstance(value, dict):
        return {k: pycrate_view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pycrate_view(v) for v in value]
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return (value[0], pycrate_view(value[1]))
    return value


def same(a: Any, b: Any) -> bool:
    """Equality of two values in our form, REAL by spelling (NaN equals NaN, -0.0 is not 0.0)."""
    return _spelt(a) == _spelt(b)


def _spelt(value: Any) -> Any:
    if isinstance(value, float):
        return ("REAL", repr(value))
    if isinstance(value, dict):
        return {k: _spelt(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_spelt(v) for v in value)
    if isinstance(value, bytearray):
        return bytes(value)
    return value


class _Side:
    """Our codec (fast and precise) and pycrate's object for one module set."""

    def __init__(self, protocol: str, version: str, pycrate_modules, cache_dir: Path | None) -> None:
        self.protocol = protocol
        if protocol == "e2ap":
            self.fast: Any = E2Codec(E2Versions(e2ap=version), cache_dir)
            self.slow: Any = E2Codec(E2Versions(e2ap=version), cache_dir, fast=False)
            self.compiled = self.fast.e2ap.compiled
        else:
            self.fast = E2Codec(E2Versions(e2sm={protocol: version}), cache_dir).e2sm(protocol)
            self.slow = Asn1Codec(self.fast.compiled, fast=False, label=self.fast.label)
            self.compiled = self.fast.compiled
        self.pycrate_modules = pycrate_modules
        self.names = pr.PYCRATE_E2AP_NAMES if (protocol, version) == ("e2ap", "v03.01") else {}
        self.gen = ValueGen(self.compiled)

    def encode(self, codec, type_name: str, value: Any) -> bytes:
        if self.protocol == "e2ap":
            return codec.encode(value, type_name)
        return codec.encode(type_name, value)

    def decode(self, codec, type_name: str, data: bytes) -> Any:
        if self.protocol == "e2ap":
            return codec.decode(data, type_name, e2sm=False)
        return codec.decode(type_name, data)

    def pycrate_object(self, type_name: str):
        attr = type_name.replace("-", "_")
        for module in self.pycrate_modules:
            obj = getattr(module, attr, None)
            if obj is not None:
                return obj
        raise KeyError(f"pycrate has no {type_name}")


class Differential:
    """Every target, with both codecs loaded once (pycrate compiles into ``work_dir``)."""

    def __init__(self, work_dir: Path, cache_dir: Path | None = None) -> None:
        self._work_dir = work_dir
        self._cache_dir = cache_dir
        self._sides: dict = {}
        self._pycrate_reads = _pycrate_reads
        self.excused: dict[str, int] = {}       # KNOWN_PYCRATE_DEFECTS key -> values it excused

    def side(self, protocol: str, version: str) -> _Side:
        key = (protocol, version)
        if key not in self._sides:
            self._sides[key] = _Side(protocol, version, self._pycrate(protocol, version), self._cache_dir)
        return self._sides[key]

    def _pycrate(self, protocol: str, version: str) -> list:
        if (protocol, version) == ("e2ap", "v03.01"):
            return [pr.E2AP.E2AP_PDU_Descriptions]
        if protocol == "e2ap":
            files = sorted((ASN1 / "e2ap" / version).glob("*.asn"))
            gen = pr.compile_modules(files, self._work_dir, f"e2ap_{version.replace('.', '_')}")
            return [gen.E2AP_PDU_Descriptions]
        files = [ASN1 / "e2sm-common" / "v03.00" / "E2SM-COMMON-IEs.asn",
                 ASN1 / protocol / version / f"{protocol.upper()}-IEs.asn"]
        gen = pr.compile_modules(files, self._work_dir, f"{protocol.replace('-', '_')}_{version.replace('.', '_')}")
        return [getattr(gen, f"{protocol.upper().replace('-', '_')}_IEs")]

    def targets(self) -> list[Target]:
        out = []
        for version in E2AP_VERSIONS:
            gen = ValueGen(self.side("e2ap", version).compiled)
            out += [Target("e2ap", version, "E2AP-PDU", m) for m in gen.messages("E2AP-PDU")]
        for protocol, version in E2SM_VERSIONS:
            out += [Target(protocol, version, t) for t in FAMILIES[protocol].roles.values()]
        return out

    def strategy(self, target: Target) -> st.SearchStrategy:
        gen = self.side(target.protocol, target.version).gen
        if target.message is not None:
            return gen.message_strategy(target.type_name, target.message)
        return gen.strategy(target.type_name)

    def check(self, target: Target, value: Any) -> list[Disagreement]:
        """All disagreements on one value (empty when both codecs agree everywhere)."""
        side = self.side(target.protocol, target.version)
        t = target.type_name
        found: list[Disagreement] = []

        def report(step: str, detail: str, ours: bytes = b"", theirs: bytes = b"") -> list[Disagreement]:
            found.append(Disagreement(target.label, step, repr(value), ours.hex(), theirs.hex(), detail))
            return found

        try:
            ours = side.encode(side.fast, t, value)
        except CodecError as err:
            return report("ours-encode", str(err))
        for name, codec in (("ours-roundtrip", side.slow), ("fast-vs-precise", side.fast)):
            try:
                back = side.decode(codec, t, ours)
            except CodecError as err:
                report(name, f"decode failed: {err}", ours)
                continue
            if not same(back, value):
                report(name, f"decoded {back!r}", ours)
        view = pycrate_view(value)
        ours_view = ours if same(view, value) else side.encode(side.fast, t, view)
        expected = pr.comparable(pr.to_pycrate(view, side.names))
        obj = side.pycrate_object(t)
        try:
            theirs = pr.pycrate_encode(obj, pr.to_pycrate(view, side.names))
        except Exception as err:  # noqa: BLE001 - pycrate raises many kinds
            theirs = b""
            if self._pycrate_reads(obj, ours_view, expected):     # its decoder takes the value: encoder fault
                self.excused["nested-clobber"] = self.excused.get("nested-clobber", 0) + 1
            else:
                report("pycrate-encode", f"{type(err).__name__}: {err}", ours_view)
        if theirs and theirs != ours_view and not self._pycrate_reads(obj, theirs, expected):
            # pycrate's own decoder rejects pycrate's octets: its encoder is at fault (X.691 is
            # one canonical encoding); pycrate must still read ours (below).
            defect = "bitmap-padding" if _padded(ours_view, theirs) else "nested-clobber"
            self.excused[defect] = self.excused.get(defect, 0) + 1
            theirs = b""
        if theirs and theirs != ours_view:
            report("bytes", "the encodings differ", ours_view, theirs)
        if not self._pycrate_reads(obj, ours_view, expected):
            if theirs == ours_view and len(ours_view) >= 16384:     # pycrate cannot read its own octets
                self.excused["open-type-fragments"] = self.excused.get("open-type-fragments", 0) + 1
            else:
                report("pycrate-decodes-ours", _pycrate_reading(obj, ours_view), ours_view, theirs)
        if theirs and theirs != ours_view:
            try:
                back = side.decode(side.fast, t, theirs)
                if not same(back, view):
                    report("ours-decodes-pycrate", f"ours decoded {back!r}", ours_view, theirs)
            except CodecError as err:
                report("ours-decodes-pycrate", str(err), ours_view, theirs)
        return found


def _pycrate_reads(obj, data: bytes, expected: Any) -> bool:
    try:
        return pr.comparable(pr.pycrate_decode(obj, data)) == expected
    except Exception:  # noqa: BLE001 - pycrate raises many kinds
        return False


def _pycrate_reading(obj, data: bytes) -> str:
    try:
        return f"pycrate decoded {pr.pycrate_decode(obj, data)!r}"
    except Exception as err:  # noqa: BLE001 - pycrate raises many kinds
        return f"{type(err).__name__}: {err}"


def _padded(ours: bytes, theirs: bytes) -> bool:
    """Whether ``theirs`` is ``ours`` with zero octets inserted (the 'bitmap-padding' defect)."""
    if len(theirs) <= len(ours):
        return False
    j = 0
    for octet in theirs:
        if j < len(ours) and octet == ours[j]:
            j += 1
        elif octet != 0:
            return False
    return j == len(ours)


# Known pycrate defects met by the last `run` (KNOWN_PYCRATE_DEFECTS key -> values).
EXCUSED: dict[str, int] = {}


def run(examples: int, type_filter: str | None = None, seed: int | None = None,
        progress=None) -> tuple[int, list[Disagreement]]:
    """Check ``examples`` generated values per target; (values checked, disagreements).

    Args:
        type_filter: only targets whose label contains this text (for example
            'E2SM-RC-ControlMessage' or 'e2ap-v02.03/E2setupRequest').
        progress: called with (target label, values checked, disagreements) per target.
    """
    found: list[Disagreement] = []
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        diff = Differential(Path(tmp))
        EXCUSED.clear()
        for target in diff.targets():
            if type_filter and type_filter not in target.label:
                continue
            mine: list[Disagreement] = []
            count = [0]
            probe = _prober(diff, target, mine, count, examples)
            if seed is not None:
                probe = hypothesis_seed(seed)(probe)
            probe()
            checked += count[0]
            found += mine
            if progress is not None:
                progress(target.label, count[0], mine)
        EXCUSED.update(diff.excused)
    return checked, found


def _prober(diff: Differential, target: Target, mine: list, count: list, examples: int):
    """A hypothesis test that records disagreements instead of failing (so it never shrinks or stops)."""
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(diff.strategy(target))
    def probe(value):
        count[0] += 1
        mine.extend(diff.check(target, value))
    return probe
