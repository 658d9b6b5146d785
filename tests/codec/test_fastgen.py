"""The generated decoders (harness/codec/fastgen.py) agree with fastper's closures and asn1tools.

fastgen inlines, per type class, the rules fastper's closures apply (INTEGER ranges,
ENUMERATED and CHOICE extensions, presence bitmaps, SIZE lengths, character strings,
REAL, open types) and reads a zero-padded copy of the input. Checked at the raw type
level (no open-type resolution), three ways:

* every golden vector and damaged copies of it: generated == closures == asn1tools;
* every type of every module set, on random octets and on prefixes of the golden
  vectors' octets: generated == closures (value and bits used, or both decline);
* the damaged copies include truncations, so reads that run into the padding must
  decline, never return a value.
"""

from __future__ import annotations

import random

import pytest

from harness.codec import catalog, fastgen, fastper
from harness.codec.codec import Asn1Codec
from harness.codec.e2 import load_module_set
from harness.codec.errors import DecodeError
from tests.helpers import golden

VECTORS = golden.vector_paths()


def _module_sets() -> list[tuple[str, str]]:
    return sorted({(golden.load(p)["protocol"], golden.load(p)["version"]) for p in VECTORS})


_CODECS: dict = {}


def _codec(protocol: str, version: str, fast: bool) -> Asn1Codec:
    key = (protocol, version, fast)
    if key not in _CODECS:
        _CODECS[key] = load_module_set(catalog.builtin(protocol, version), fast=fast)
    return _CODECS[key]


def _run(fn, data: bytes):
    """(value, bits used), or 'declined'; the closures may skip past the end (an unknown
    extension addition's length), which their caller treats as declined: so is it here."""
    try:
        value, used = fn(data)
    except fastper.Fallback:
        return "declined"
    return "declined" if used > 8 * len(data) else (value, used)


def _slow(codec: Asn1Codec, type_name: str, data: bytes):
    try:
        return ("value", codec.decode(type_name, data, deep=False))
    except DecodeError:
        return ("error",)


def _damaged(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        b = bytearray(data)
        kind = rng.randrange(4)
        if kind == 0 and b:
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(8 * len(b))
                b[i >> 3] ^= 0x80 >> (i & 7)
        elif kind == 1 and b:
            del b[rng.randrange(len(b)):]
        elif kind == 2 and b:
            i = rng.randrange(len(b))
            b[i] = rng.randrange(256)
            del b[rng.randrange(i, len(b)) + 1:]
        else:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 3)))
        out.append(bytes(b))
    return out


@pytest.mark.parametrize("path", VECTORS, ids=golden.vector_id)
def test_generated_closures_and_asn1tools_agree_on_vectors_and_damaged_copies(path):
    vec = golden.load(path)
    slow = _codec(vec["protocol"], vec["version"], False)
    compiled = slow.compiled.spec.types[vec["type"]]
    gen, closures = fastgen.build(compiled), fastper.build(compiled)
    assert gen is not None and closures is not None
    data = bytes.fromhex(vec["hex"])
    rng = random.Random(f"fastgen {path.name}")
    for sample in [data, *_damaged(data, rng, 60)]:
        got = _run(gen, sample)
        assert got == _run(closures, sample), sample.hex()
        if got == "declined":
            continue
        value, used = got
        if (used + 7) // 8 == len(sample):
            assert _slow(slow, vec["type"], sample) == ("value", value), sample.hex()


@pytest.mark.parametrize("module_set", _module_sets(), ids=lambda m: f"{m[0]}-{m[1]}")
def test_every_type_decodes_like_the_closures_on_random_octets(module_set):
    codec = _codec(*module_set, False)
    seeds = [bytes.fromhex(golden.load(p)["hex"]) for p in VECTORS
             if (golden.load(p)["protocol"], golden.load(p)["version"]) == module_set]
    rng = random.Random(f"fastgen types {module_set}")
    checked = 0
    for type_name, compiled in sorted(codec.compiled.spec.types.items()):
        gen, closures = fastgen.build(compiled), fastper.build(compiled)
        if closures is None:
            continue
        assert gen is not None, type_name
        samples = [bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))) for _ in range(25)]
        samples += [s[rng.randrange(len(s)):][:rng.randint(1, 64)] for s in seeds for _ in range(3)]
        for sample in samples:
            assert _run(gen, sample) == _run(closures, sample), (type_name, sample.hex())
        checked += 1
    assert checked > 20


def test_hostile_lengths_decline_instead_of_reading_the_padding():
    codec = _codec("e2sm-kpm", "v03.00", False)
    gen = fastgen.build(codec.compiled.spec.types["E2SM-KPM-IndicationMessage"])
    data = bytes.fromhex(golden.load(next(p for p in VECTORS if "e2sm-kpm-v03.00" in str(p)
                                          and "IndicationMessage" in p.name))["hex"])
    for cut in range(len(data)):
        assert _run(gen, data[:cut]) == "declined"


# `oran-harness fuzz --target fastper` (fixtures/fuzz/fastper/...a561...): a KPM measurement label whose
# mIMO-mode-Index extension addition is sent as 02 01 00 (2 octets) where its complete encoding is
# 01 00 (X.691 11.2 with 11.1). The generated decoder and the closures returned a value, asn1tools
# read the surplus octet as the next field; all decline now and asn1tools names the addition.
_LABEL = ("0c000000030801370801290804b4000100a04c314d2e53532d52535250024000000a00030000004000000b8003"
          "00000103000f00{}00a04452422e5545546870446c011c000200f110404000002a00092003e7")


def test_an_extension_addition_longer_than_its_encoding_declines():
    slow = _codec("e2sm-kpm", "v02.03", False)
    compiled = slow.compiled.spec.types["E2SM-KPM-IndicationMessage"]
    gen, closures = fastgen.build(compiled), fastper.build(compiled)
    bad, good = bytes.fromhex(_LABEL.format("020100")), bytes.fromhex(_LABEL.format("0100"))
    assert _run(gen, bad) == _run(closures, bad) == "declined"
    with pytest.raises(DecodeError, match=r"measLabel.mIMO-mode-Index \(bit offset 426\): the open type holds 2 "
                                          r"octet\(s\) but the value's encoding takes 1"):
        slow.decode("E2SM-KPM-IndicationMessage", bad, deep=False)
    value, used = _run(gen, good)
    assert _run(closures, good) == (value, used) and (used + 7) // 8 == len(good)
    assert _slow(slow, "E2SM-KPM-IndicationMessage", good) == ("value", value)
    labels = value["indicationMessage-formats"][1]["measInfoList"][0]["labelInfoList"]
    assert labels[1]["measLabel"] == {"ssbIndex": 2, "nonGoB-BFmode-Index": 3841, "mIMO-mode-Index": 1}
