"""The checker's fast path (remembered clean frame shapes) never changes an outcome.

Frames of a clean stream are fed with single octets changed at random (seeded), most
of them in the headers; a checker that remembers shapes and one that reads every frame
in full must agree on everything: counters, verdicts, every finding.
"""

from __future__ import annotations

import random

import pytest

from harness.interfaces.cuplane.checks import FronthaulChecker
from harness.interfaces.cuplane.generate import GenerateOptions, generate_frames
from harness.core.verdict import Verdict


def _key(checker) -> tuple:
    results = checker.results()          # settles the fast path's counts first
    return ((checker.frames, checker.messages, checker.other),
            [(r.id, r.verdict, r.evaluated, r.violations, r.findings, r.remarks) for r in results])


def _mutated_stream(profile, seed: int, vlan):
    rng = random.Random(seed)
    frames = [f for _t, f in generate_frames(profile, GenerateOptions(packets=3000, vlan=vlan))]
    out = []
    for i, frame in enumerate(frames):
        if i > 300 and rng.random() < 0.15:
            buf = bytearray(frame)
            at = rng.randrange(12, min(len(buf), 64)) if rng.random() < 0.9 else rng.randrange(len(buf))
            buf[at] ^= 1 << rng.randrange(8)
            frame = bytes(buf)
        out.append(frame)
    return out


@pytest.mark.parametrize("seed,vlan", [(1, 10), (2, None), (3, 10)])
def test_fast_path_agrees_with_full_reading_on_damaged_frames(profile, seed, vlan):
    fast, full = FronthaulChecker(profile), FronthaulChecker(profile, remember_shapes=False)
    for number, frame in enumerate(_mutated_stream(profile, seed, vlan), 1):
        fast.feed(number, 1, frame)
        full.feed(number, 1, frame)
    assert fast._counts, "no shape was remembered: the fast path was not exercised"
    assert _key(fast) == _key(full)
    # the stream is damaged, so the comparison covers failing checks too
    assert sum(r.verdict == Verdict.FAIL for r in full.results()) >= 4


def test_fast_path_takes_most_frames_of_a_clean_stream(profile):
    checker = FronthaulChecker(profile)
    frames = [f for _t, f in generate_frames(profile, GenerateOptions(packets=2000))]
    for number, frame in enumerate(frames, 1):
        checker.feed(number, 1, frame)
    full_reads = checker.frames          # the full path counts frames as it goes; hits wait for settle
    assert full_reads < 200
    results = checker.results()
    assert checker.frames == 2000 and all(r.verdict == Verdict.PASS for r in results)


def test_a_changed_header_octet_misses_the_shape(profile):
    """A frame equal to a remembered one except in a header octet is read in full and judged."""
    frames = [f for _t, f in generate_frames(profile, GenerateOptions(packets=200))]
    checker = FronthaulChecker(profile)
    for number, frame in enumerate(frames, 1):
        checker.feed(number, 1, frame)
    uplink = next(f for f in reversed(frames) if f[19] == 0 and not f[26] & 0x80)   # VLAN frame, U-plane UL
    bad = bytearray(uplink)
    bad[31] = (bad[31] & 0xFC) | 1  # startPrbu of the first section: 270, so its 4 PRBs end past
    bad[32] = 14                    # the last of the carrier's (273 or 106)
    checker.feed(201, 1, bytes(bad))
    prb = {r.id: r for r in checker.results()}["prb-range"]
    assert prb.verdict == Verdict.FAIL and prb.findings[0].message.startswith("packet 201: U-plane section 1")
