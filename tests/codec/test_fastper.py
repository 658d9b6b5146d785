"""The fast PER decoder agrees with asn1tools, differentially.

Contract (harness/codec/fastper.py): for any bytes, the fast path gives exactly
asn1tools' value (constraints applied as asn1tools' checker applies them) or
declines, and the slow path then produces the error. Checked on every golden
vector and on damaged copies of each (bits flipped, octets cut, octets added).
"""

from __future__ import annotations

import random

import pytest

from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.errors import DecodeError
from tests.helpers import golden

VECTORS = golden.vector_paths()


def _pair(vec: dict) -> tuple[E2Codec, E2Codec]:
    fast = golden.codec_for_vector(vec)
    slow = E2Codec(fast.versions, fast=False)
    slow.ran_functions = dict(fast.ran_functions)
    return fast, slow


_PAIRS: dict = {}


def _codecs(vec: dict) -> tuple[E2Codec, E2Codec]:
    key = (vec["protocol"], vec["version"], tuple(sorted(vec.get("e2sm", {}).items())),
           tuple(sorted(vec.get("ran_functions", {}).items())))
    if key not in _PAIRS:
        _PAIRS[key] = _pair(vec)
    return _PAIRS[key]


def _outcome(codec: E2Codec, data: bytes, vec: dict):
    notes: list = []
    try:
        value = codec.decode(data, vec["type"], protocol=vec["protocol"], notes=notes)
    except DecodeError as err:
        return ("error", str(err))
    return ("value", value, [(n.kind, n.path, n.text) for n in notes])


def _damaged(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        kind = rng.randrange(3)
        b = bytearray(data)
        if kind == 0 and b:
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(8 * len(b))
                b[i >> 3] ^= 0x80 >> (i & 7)
        elif kind == 1 and b:
            del b[rng.randrange(len(b)):]
        else:
            b += bytes(rng.randrange(256) for _ in range(rng.randint(1, 3)))
        out.append(bytes(b))
    return out


@pytest.mark.parametrize("path", VECTORS, ids=golden.vector_id)
def test_fast_and_slow_agree_on_the_vector_and_damaged_copies(path):
    vec = golden.load(path)
    fast, slow = _codecs(vec)
    data = bytes.fromhex(vec["hex"])
    good = _outcome(fast, data, vec)
    assert good[0] == "value"
    assert good == _outcome(slow, data, vec)
    rng = random.Random(path.name)
    for bad in _damaged(data, rng, 20):
        assert _outcome(fast, bad, vec) == _outcome(slow, bad, vec), bad.hex()


def test_the_fast_path_is_used_for_e2ap_and_e2sm():
    codec = E2Codec()
    from tests.helpers import e2msgs as m
    codec.decode(codec.encode(m.ric_indication()))
    # the generated exact-length decoder (fastgen.build_exact) of each type, kept in its recipe
    assert codec.e2ap._recipes["E2AP-PDU"][3] is not None
    assert codec.e2sm("e2sm-kpm")._recipes["E2SM-KPM-IndicationMessage"][3] is not None
