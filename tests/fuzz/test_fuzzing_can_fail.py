"""The fuzz checks can fail: a parser that breaks its contract is caught, saved and named.

Deliberately broken parsers (real functions, not mocks) stand in for a buggy
one: an undocumented exception, a hang, a fast decoder that disagrees.
"""

from __future__ import annotations

import time

import pytest

from harness.codec.errors import DecodeError
from harness.fuzz import corpus, engine
from harness.fuzz.targets import TARGETS, Case, Crash, Target, probe


def _seeds():
    return [Case("x", b"\x01\x02\x03\x04")]


def _index_error(case: Case):
    return case.data[len(case.data) + 3]


def _slow(case: Case):
    time.sleep(5)


def test_an_undocumented_exception_is_a_crash_naming_target_and_error():
    target = Target("broken", "", "bytes", _seeds, _index_error, (DecodeError,))
    with pytest.raises(Crash, match=r"^broken: IndexError: index out of range on x \(4 octets\)$"):
        probe(target, Case("x", b"\x01\x02\x03\x04"))


def test_the_loop_saves_every_crashing_case_to_the_corpus(tmp_path):
    target = Target("broken", "", "bytes", _seeds, lambda c: _index_error(c) if len(c.data) > 4 else None,
                    (DecodeError,))
    report = engine.run(target, 2.0, corpus_root=tmp_path)
    assert report.crashes and all(text.startswith("broken: IndexError") for _, text in report.crashes)
    saved = corpus.load("broken", root=tmp_path)
    assert {p for p, _ in saved} == {p for p, _ in report.crashes}
    assert all(len(case.data) > 4 and case.label == "x" for _, case in saved)


def test_a_hang_is_caught_by_the_per_case_deadline():
    target = Target("sleepy", "", "bytes", lambda: [Case("x", b"")], lambda c: _slow(c) if c.data else None, ())
    t0 = time.monotonic()
    report = engine.run(target, 1.0, deadline=0.3, save=False)
    assert time.monotonic() - t0 < 4
    assert report.crashes and report.crashes[0][1] == "no answer within 0.3 s"


def test_the_differential_check_fails_when_decoders_disagree():
    fastper = TARGETS["fastper"]
    seed = next(c for c in fastper.seeds() if c.label == "e2sm-kpm/v03.00/E2SM-KPM-IndicationHeader")
    codec = fastper.parse.__globals__["_e2sm_codec"]("e2sm-kpm", "v03.00", True)
    fast = codec.e2sm("e2sm-kpm")
    fast._fast["E2SM-KPM-IndicationHeader"] = lambda data: ({"wrong": True}, 8 * len(data))
    try:
        with pytest.raises(Crash, match="fast decoder and asn1tools disagree on E2SM-KPM-IndicationHeader"):
            probe(fastper, seed)
    finally:
        del fast._fast["E2SM-KPM-IndicationHeader"]
