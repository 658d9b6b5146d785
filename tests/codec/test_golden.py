"""Golden vectors (fixtures/golden, made by tools/make_golden.py).

For every vector: encode(from_json(value)) == hex and to_json(decode(hex)) == value.
The hex of each vector was confirmed by pycrate when it was generated (see the
generator's docstring); test_pycrate_crosscheck.py re-checks that here.
"""

from __future__ import annotations

import pytest

from harness.codec import jsonmap
from tests.helpers.golden import codec_for_vector, load, vector_id, vector_paths
from tests.helpers.hexdiff import hexdiff
# WORKAROUND for a harness jsonmap bug (carrier type as open-type value); see the module.
from harness.codec.jsonmap import from_json, to_json

PATHS = vector_paths()


def test_vector_inventory():
    """Every E2AP message of both versions and every E2SM top-level format is present."""
    counts: dict = {}
    for p in PATHS:
        counts[p.parent.name] = counts.get(p.parent.name, 0) + 1
    assert counts == {"e2ap-v03.01": 39, "e2ap-v02.03": 30, "e2sm-kpm-v03.00": 12,
                      "e2sm-kpm-v02.03": 12, "e2sm-rc-v01.03": 24}


@pytest.mark.parametrize("path", PATHS, ids=vector_id)
def test_encode_matches_hex(path):
    vec = load(path)
    codec = codec_for_vector(vec)
    protocol = vec["protocol"]
    value = from_json(codec.codec_for_type, vec["type"], vec["value"])
    got = codec.encode(value, vec["type"], protocol=protocol)
    want = bytes.fromhex(vec["hex"])
    assert got == want, "\n" + hexdiff(want, got)


@pytest.mark.parametrize("path", PATHS, ids=vector_id)
def test_decode_matches_value(path):
    vec = load(path)
    codec = codec_for_vector(vec)
    notes: list = []
    value = codec.decode(bytes.fromhex(vec["hex"]), vec["type"], protocol=vec["protocol"],
                         notes=notes, strict=True)
    assert to_json(codec.codec_for_type, vec["type"], value) == vec["value"]
    assert not [n for n in notes if getattr(n, "kind", None) == "e2sm"], notes


def test_descriptions_cite_a_clause():
    for p in PATHS:
        assert " clause " in load(p)["description"], p


def test_hexdiff_output():
    want = bytes.fromhex("00" * 16 + "0a1b2c")
    got = bytes.fromhex("00" * 16 + "0a3b2c")
    assert hexdiff(want, got) == (
        "first difference at octet 17, bit 2 (bit offset 138; bits MSB-first): expected 0x1b, got 0x3b\n"
        "expected (19 octets):\n"
        "  0000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
        "  0010: 0a 1b 2c\n"
        "           ^^\n"
        "actual (19 octets):\n"
        "  0000: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n"
        "  0010: 0a 3b 2c\n"
        "           ^^")
    assert hexdiff(b"\x01\x02", b"\x01") == (
        "lengths differ (2 vs 1 octets); the first 1 octets are equal\n"
        "expected (2 octets):\n"
        "  0000: 01 02\n"
        "           ^^\n"
        "actual (1 octets):\n"
        "  0000: 01\n"
        "           ^^")
    assert hexdiff(b"\x01", b"\x01") == "identical (1 octets)"


def test_jsonmap_maps_e2sm_carriers_that_are_ie_values():
    """Regression: RICindicationHeader as an IE value once went to the OCTET STRING mapping."""
    vec = load(next(p for p in PATHS if p.stem.endswith("RICindication") and "v03.01" in str(p)))
    codec = codec_for_vector(vec)
    value = codec.decode(bytes.fromhex(vec["hex"]), strict=True)
    assert jsonmap.to_json(codec.codec_for_type, "E2AP-PDU", value) == vec["value"]
