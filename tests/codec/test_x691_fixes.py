"""X.691 corrections to the pinned asn1tools (harness/codec/perfix.py, issue 17 M1-M3).

Each case is checked both ways against pycrate (an independent APER runtime compiling
the same module text): our bytes decode in pycrate to the same value, pycrate's bytes
decode in ours, and the fast decoder agrees with the precise one.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("pycrate_asn1c")

from tests.helpers import pycrate_forms as pf
from harness.codec.catalog import builtin
from harness.codec.codec import Asn1Codec
from harness.codec.compiler import compile_files, compile_sources
from harness.codec.errors import DecodeError, EncodeError

ASN1 = Path(__file__).resolve().parents[2] / "harness" / "codec" / "asn1"
HEADER = "E2SM-KPM-IndicationHeader"


@pytest.fixture(scope="module")
def kpm(tmp_path_factory):
    compiled = compile_files(list(builtin("e2sm-kpm", "v03.00").files), tmp_path_factory.mktemp("cache"))
    common = ASN1 / "e2sm-common" / "v03.00" / "E2SM-COMMON-IEs.asn"
    gen = pf.compile_modules([common, ASN1 / "e2sm-kpm" / "v03.00" / "E2SM-KPM-IEs.asn"],
                             tmp_path_factory.mktemp("pycrate"), "kpm_x691")
    return Asn1Codec(compiled), Asn1Codec(compiled, fast=False), gen.E2SM_KPM_IEs


def _header(version: str) -> dict:
    return {"indicationHeader-formats": ("indicationHeader-Format1", {
        "colletStartTime": bytes(range(1, 9)), "fileFormatversion": version, "senderName": "abc"})}


def _both_ways(kpm, value, expected_hex: str | None = None) -> None:
    fast, slow, ref = kpm
    ours = fast.encode(HEADER, value)
    if expected_hex is not None:
        assert ours.hex() == expected_hex
    obj = getattr(ref, HEADER.replace("-", "_"))
    assert pf.pycrate_encode(obj, pf.to_pycrate(value)) == ours     # pycrate writes the same octets
    obj.from_aper(ours)
    assert obj.get_val() == pf.to_pycrate(value)                     # pycrate reads ours
    assert fast.decode(HEADER, ours) == value                        # the fast decoder reads them
    assert slow.decode(HEADER, ours) == value                        # and so does asn1tools' (patched)


def test_m1_empty_printable_string_is_octet_aligned(kpm):
    # X.691 30.5.7 with 11.9: the character field is aligned whatever its length (asn1c and
    # pycrate give this hex; asn1tools unpatched gave 180102030405060708000003616263).
    _both_ways(kpm, _header(""), "18010203040506070800000003616263")


@pytest.mark.parametrize("version", ["x" * 16, "v" * 200])
def test_m2_string_size_outside_extensible_root(kpm, version):
    # fileFormatversion PrintableString (SIZE (0..15, ...)): X.691 30.5.3 -- extension bit 1,
    # then a semi-constrained length and the characters.
    _both_ways(kpm, _header(version))


def test_m2_in_root_sizes_unchanged(kpm):
    for version in ("a", "x" * 15):
        _both_ways(kpm, _header(version))


REAL_MODULE = """R DEFINITIONS AUTOMATIC TAGS ::= BEGIN
S ::= SEQUENCE { r REAL, b BOOLEAN }
END
"""


def test_m3_real_minus_zero(tmp_path):
    # X.690 8.5.9 (used by X.691 15): minus zero is the special value 0x43, not an empty
    # contents (plus zero).
    codec = Asn1Codec(compile_sources([("r.asn", REAL_MODULE)]))
    data = codec.encode("S", {"r": -0.0, "b": True})
    assert data.hex() == "014380"
    assert codec.encode("S", {"r": 0.0, "b": True}).hex() == "0080"
    for c in (codec, Asn1Codec(codec.compiled, fast=False)):
        r = c.decode("S", data)["r"]
        assert r == 0.0 and math.copysign(1.0, r) < 0


OLD_ENUM = """EnumOld DEFINITIONS AUTOMATIC TAGS ::= BEGIN
S ::= SEQUENCE { e ENUMERATED { a, b, ..., c }, n INTEGER (0..7) }
END
"""
NEW_ENUM = OLD_ENUM.replace("EnumOld", "EnumNew").replace("..., c }", "..., c, d, e2 }")


def test_m4_unknown_enumerated_extension_is_kept_and_noted(tmp_path):
    # X.691 14.3: an extension value is a normally small index; a receiver that does not
    # know it must still be able to keep and relay it (X.691 14 note). pycrate, compiled
    # from the newer module, writes 'e2' (index 2); the older module does not define it.
    src = tmp_path / "new.asn"
    src.write_text(NEW_ENUM)
    ref = pf.compile_modules([src], tmp_path / "gen", "enum_new").EnumNew.S
    theirs = pf.pycrate_encode(ref, {"e": "e2", "n": 5})
    old = Asn1Codec(compile_sources([("old.asn", OLD_ENUM)]), label="EnumOld")
    for codec in (old, Asn1Codec(old.compiled, fast=False, label="EnumOld")):
        notes: list = []
        value = codec.decode("S", theirs, notes=notes)
        assert value == {"e": "<extension 2>", "n": 5}
        assert [(n.kind, n.path) for n in notes] == [("unknown-value", "S.e")]
        assert "not defined in EnumOld" in notes[0].text
        again = codec.encode("S", value)
        assert again == theirs                                   # relayed unchanged
        ref.from_aper(again)
        assert ref.get_val() == {"e": "e2", "n": 5}
    # a known extension value still decodes by name, with no note
    notes = []
    assert old.decode("S", pf.pycrate_encode(ref, {"e": "c", "n": 1}), notes=notes) == {"e": "c", "n": 1}
    assert notes == []
    # the plain string form (from JSON) encodes too; an index the module defines does not
    assert old.encode("S", {"e": "<extension 2>", "n": 5}) == theirs
    with pytest.raises(EncodeError, match="extension 0"):
        old.encode("S", {"e": "<extension 0>", "n": 5})


# ---------------------------------------------------------------- found by tests/codec/test_differential.py
REAL_SEQ = """R DEFINITIONS AUTOMATIC TAGS ::= BEGIN
S ::= SEQUENCE { r REAL }
B ::= SEQUENCE { b BIT STRING (SIZE (1..160, ...)), o OCTET STRING (SIZE (1..4, ...)) }
C ::= CHOICE { a BOOLEAN, ..., big OCTET STRING }
O ::= SEQUENCE { n INTEGER (0..1), o OCTET STRING, ..., x OCTET STRING OPTIONAL }
END
"""


@pytest.fixture(scope="module")
def small():
    compiled = compile_sources([("r.asn", REAL_SEQ)])
    return Asn1Codec(compiled), Asn1Codec(compiled, fast=False)


@pytest.mark.parametrize("real, hexed", [(255.0, "03800" + "0ff"), (1.0, "03800001"), (-0.5, "03c0ff01"),
                                         (2.0 ** 100, "0380" + "6401"), (256.5, "0480ff0201")])
def test_real_mantissa_in_fewest_octets(small, real, hexed):
    # X.691 15 -> X.690 11.3.1 (base 2, odd mantissa) and 8.5.7.5: N in the fewest octets.
    # asn1tools 0.169.0 gave 255.0 as 04 80 00 00 ff; pycrate and asn1c write 03 80 00 ff.
    for codec in small:
        assert codec.encode("S", {"r": real}).hex() == hexed
        assert codec.decode("S", bytes.fromhex(hexed)) == {"r": real}


def test_bit_and_octet_string_outside_an_extensible_root(small):
    # X.691 16.6 and 17.3: extension bit 1, then a semi-constrained (aligned) length.
    value = {"b": (bytes(21), 161), "o": b"12345"}
    data = small[0].encode("B", value)
    # 80 (ext bit, pad) 80a1 (length 161) 20 octets + 1 bit of b, then o's ext bit: 0x40; 05 + octets
    assert data.hex() == "8080a1" + "00" * 20 + "40053132333435"
    inside = {"b": (b"\xa0", 3), "o": b"1"}
    assert small[0].encode("B", inside).hex() == "0100a031"
    for codec in small:
        assert codec.decode("B", data) == value
        assert codec.decode("B", small[0].encode("B", inside)) == inside


@pytest.mark.parametrize("size", [16384 - 2, 16384 - 1, 16384, 40000])
def test_open_types_of_16k_octets_are_fragmented(small, size):
    # X.691 11.2 with 11.9.3.8: an open type of 16K octets or more is sent in fragments, each
    # with its own header. asn1tools 0.169.0 wrote one 0xC1 header then every octet.
    value = ("big", bytes(size))
    data = small[0].encode("C", value)
    if size >= 16384:           # 0x80 (ext bit, index 0), then the first fragment header
        assert data[1] >> 6 == 3
    for codec in small:
        assert codec.decode("C", data) == value
    seq = {"n": 1, "o": b"", "x": bytes(size)}
    for codec in small:
        assert codec.decode("O", small[0].encode("O", seq)) == seq


# ---------------------------------------------------------------- found by `oran-harness fuzz --target fastper`
OPEN_FIELDS = """Of DEFINITIONS AUTOMATIC TAGS ::= BEGIN
S ::= SEQUENCE { n INTEGER (0..1), ..., i INTEGER (1..2, ...) OPTIONAL }
C ::= CHOICE { a BOOLEAN, ..., z NULL, i INTEGER (1..2, ...) }
END
"""


@pytest.fixture(scope="module")
def open_fields(tmp_path_factory):
    src = tmp_path_factory.mktemp("of") / "of.asn"
    src.write_text(OPEN_FIELDS)
    compiled = compile_sources([("of.asn", OPEN_FIELDS)])
    ref = pf.compile_modules([src], tmp_path_factory.mktemp("ofgen"), "open_fields").Of
    return Asn1Codec(compiled), Asn1Codec(compiled, fast=False), ref


@pytest.mark.parametrize("type_name, value, hexed", [("S", {"n": 0, "i": 2}, "80400140"),
                                                     ("C", ("i", 1), "810100"),
                                                     ("C", ("z", None), "800100")])
def test_extension_fields_are_complete_encodings(open_fields, type_name, value, hexed):
    # X.691 11.2 with 11.1: an extension addition or CHOICE extension alternative is an open type
    # field holding the value's complete encoding, one zero octet when the encoding is empty (a
    # NULL alternative: asn1tools 0.169.0 wrote a zero length there).
    fast, slow, ref = open_fields
    assert fast.encode(type_name, value).hex() == hexed
    assert pf.pycrate_encode(getattr(ref, type_name), pf.to_pycrate(value)).hex() == hexed
    for codec in (fast, slow):
        assert codec.decode(type_name, bytes.fromhex(hexed)) == value


@pytest.mark.parametrize("type_name, hexed, text", [
    ("S", "8040024000", "S.i (bit offset 26): the open type holds 2 octet(s) but the value's encoding takes 1"),
    ("S", "8040004000", "S.i (bit offset 26): the open type holds 0 octet(s) but the value's encoding runs past it"),
    ("C", "81020000", "C.i (bit offset 18): the open type holds 2 octet(s) but the value's encoding takes 1"),
    ("C", "8000", "C.z (bit offset 16): the open type holds 0 octet(s) but the value's encoding takes 1"),
])
def test_an_extension_field_that_is_not_its_complete_encoding_is_rejected(open_fields, type_name, hexed, text):
    # The fuzzer's case (E2SM-KPM measLabel mIMO-mode-Index in 2 octets, see
    # tests/fuzz/test_corpus_replay.py): the fast decoder skipped the surplus octet and returned a
    # value; asn1tools only aligned and read the surplus octet as the next field. Both now reject
    # it the same way (the fast decoder declines, asn1tools names the field).
    for codec in open_fields[:2]:
        with pytest.raises(DecodeError) as err:
            codec.decode(type_name, bytes.fromhex(hexed))
        assert str(err.value).startswith(text)
