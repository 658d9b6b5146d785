"""Fuzzing the CU-plane readers: the fast parser, the scapy layers and the checker.

Properties (docs/robustness.md): `parse_frame` never raises, it reports damage in
`Message.error`; where it reads a mutated frame without error and scapy dissects it,
both give the same fields (differential, as tests/fronthaul/test_differential.py does
for clean frames); `FronthaulChecker.feed` never raises, whatever the frame. Seeds are
generated frames (every fault of the generator), mutated by hypothesis-drawn edits.
Crashing inputs found once are kept in fixtures/fuzz/cuplane/ and replayed below.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from harness.interfaces.cuplane.checks import FronthaulChecker
from harness.interfaces.cuplane.fastparse import as_fields, ecpri_offset, parse_frame
from harness.interfaces.cuplane.generate import FAULTS, GenerateOptions, generate_frames
from harness.interfaces.cuplane.profile import load_fronthaul_profile
from harness.fuzz.mutators import mutate
from tests.fronthaul.test_differential import scapy_fields
from tests.fuzz.conftest import fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "fuzz" / "cuplane"
LINKTYPES = (1, 113, 276)


@functools.cache
def profile():
    return load_fronthaul_profile(ROOT / "fixtures" / "profiles" / "lab-fronthaul.yaml")


@functools.cache
def seeds() -> tuple[bytes, ...]:
    out = []
    for fault in (None, *FAULTS):
        for vlan in (10, None):
            out += [f for _t, f in generate_frames(profile(), GenerateOptions(packets=24, fault=fault, vlan=vlan))]
    return tuple(out)


def parse_all(linktype: int, frame: bytes) -> list:
    off, vlans = ecpri_offset(linktype, frame)
    if off < 0:
        return []
    messages = parse_frame(frame, off, vlans, profile().parse_config())
    for m in messages:
        as_fields(m, profile().parse_config())
    return messages


def agree_with_scapy(frame: bytes) -> bool:
    """The differential check; False when it did not apply (fast parser error, or scapy cannot dissect)."""
    off, vlans = ecpri_offset(1, frame)
    if off < 0:
        return False
    messages = parse_frame(frame, off, vlans, profile().parse_config())
    if len(messages) != 1 or messages[0].error is not None or messages[0].message_type not in (0, 2):
        return False
    fast = as_fields(messages[0], profile().parse_config())
    try:
        slow = scapy_fields(frame, profile())
    except Exception:          # noqa: BLE001 -- scapy rejects what it cannot dissect: no comparison then
        return False
    common = {k: fast[k] for k in fast if k in slow and k != "sections"}
    assert common == {k: slow[k] for k in common}, (frame.hex(), common, slow)
    return True


def check(frames: list[bytes]) -> FronthaulChecker:
    checker = FronthaulChecker(profile())
    for i, frame in enumerate(frames, 1):
        checker.feed(i, 1, frame, False)
    checker.settle()
    return checker


@fuzz_settings()
@given(seed=st.integers(0, 10_000), rng=st.randoms(use_true_random=False), linktype=st.sampled_from(LINKTYPES))
def test_mutated_frames_parse_without_raising(seed, rng, linktype):
    frame, _ = mutate(seeds()[seed % len(seeds())], rng)
    parse_all(linktype, frame)
    agree_with_scapy(frame)


@fuzz_settings(0.5)
@given(frame=st.binary(max_size=200), linktype=st.sampled_from(LINKTYPES))
def test_random_frames_parse_without_raising(frame, linktype):
    parse_all(linktype, b"\xff" * 12 + b"\xae\xfe" + frame if linktype == 1 else frame)


@fuzz_settings(0.25)
@given(picks=st.lists(st.tuples(st.integers(0, 10_000), st.randoms(use_true_random=False)), max_size=30))
def test_the_checker_never_raises_on_mutated_streams(picks):
    frames = [mutate(seeds()[i % len(seeds())], rng)[0] for i, rng in picks]
    checker = check(frames)
    assert checker.frames + checker.other >= 0


def test_the_differential_check_is_exercised_and_can_fail():
    """Most clean seeds are compared; a corrupted fast reading is caught."""
    compared = sum(agree_with_scapy(f) for f in seeds()[:60])
    assert compared >= 30
    frame = next(f for f in seeds() if agree_with_scapy(f))
    import harness.interfaces.cuplane.fastparse as fp
    real = fp.as_fields

    def wrong(msg, config):
        out = real(msg, config)
        out["seq_id"] = (out.get("seq_id", 0) + 1) % 256
        return out
    fp_globals = agree_with_scapy.__globals__
    fp_globals["as_fields"] = wrong
    try:
        with pytest.raises(AssertionError):
            agree_with_scapy(frame)
    finally:
        fp_globals["as_fields"] = real


CASES = sorted(CORPUS.glob("*.bin")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_a_corpus_frame_parses_and_checks_cleanly(path):
    frame = path.read_bytes()
    for linktype in LINKTYPES:
        parse_all(linktype, frame)
    check([frame, frame])
