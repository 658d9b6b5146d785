"""Hostile A1 Near-RT RIC peers (harness/interfaces/a1/sim/hostile.py) against bundled A1TS spec cases.

Each mode breaks the HTTP transport under an A1-P answer; the harness, as the
Non-RT RIC, must give the right verdict with a one-line finding naming the
request and the limit or the breakage, within a wall-time bound, and read at
most its body cap of an oversized answer (peak memory measured).
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from harness.session import HarnessSession, Options
from tests.conftest import ROOT
from harness.interfaces.a1.sim import hostile as a1_hostile

DUT = ROOT / "fixtures" / "profiles" / "dut-sim-a1-ric.yaml"
LAB = ROOT / "fixtures" / "profiles" / "lab-sim-fast.yaml"          # expect timer 3 s
QUERY_TYPES = "A1TS-v02.00:6.2.1"
NOTIFY = "A1TS-v02.00:6.2.9"
GET = "GET /A1-P/v2/policytypes"


def run_case(tmp_path: Path, mode: str | None, test_id: str):
    res = tmp_path / f"res-{mode or 'clean'}-{test_id.rsplit(':', 1)[-1]}"      # a fresh results folder per run
    session = HarnessSession(Options(DUT, LAB, "sim", mode, res, ROOT / "testcases"))
    cases = {tc.id: tc for p in sorted((ROOT / "testcases" / "a1ts").rglob("*.yaml")) for tc in session.load(p).testcases}
    t0 = time.monotonic()
    try:
        result = session.run(cases[test_id])
    finally:
        session.finish()
    bad = [(f.verdict.name, f.check, f.message) for f in result.findings if f.verdict.name != "PASS"]
    return result.verdict.name, bad, time.monotonic() - t0


MODES = [
    # mode, case, check, the finding starts with
    ("garbage", QUERY_TYPES, "http.malformed",
     f"{GET}: the response is not valid HTTP/1.1: the status line does not start with HTTP/ (in the message "),
    ("truncated", QUERY_TYPES, "http.malformed",
     f"{GET}: the response is not valid HTTP/1.1: the response head ended before its blank line"),
    ("oversized", QUERY_TYPES, "http.body-size", f"{GET}: the response body is over the harness's cap of 1048576"),
    ("dribble", QUERY_TYPES, "http.timeout", f"{GET}: no complete response within 3 s"),
    ("disconnect-mid-message", QUERY_TYPES, "http.closed", f"{GET}: the connection broke before a complete response"),
    ("reset-storm", QUERY_TYPES, "http.closed", f"{GET}: the connection broke before a complete response"),
    ("flood", NOTIFY, "http.schema", "POST /a1-notify: body is not a valid policy status of type "
                                     "ORAN_QoSTarget_2.0.0: $.enforceStatus: 'FLOODED' is not one of"),
]


def test_every_hostile_mode_is_tested():
    assert {m for m, *_ in MODES} == set(a1_hostile.HOSTILE_RIC)


@pytest.mark.parametrize("mode, case, check, start", MODES, ids=[m[0] for m in MODES])
def test_a_hostile_a1_peer_fails_with_a_one_line_finding(tmp_path, mode, case, check, start):
    verdict, bad, wall = run_case(tmp_path, mode, case)
    assert verdict == "FAIL", bad
    assert bad[0][:2] == ("FAIL", check), bad
    assert bad[0][2].startswith(start), bad[0][2]
    assert "\n" not in bad[0][2] and len(bad[0][2]) < 400
    assert wall < 30, f"{mode} took {wall:.1f} s"


def test_garbage_is_quoted_printable_in_the_finding(tmp_path):
    _, bad, _ = run_case(tmp_path, "garbage", QUERY_TYPES)
    assert bad[0][2].isascii() and bad[0][2].isprintable()


def test_an_oversized_answer_is_read_only_up_to_the_cap(tmp_path):
    tracemalloc.start()
    try:
        verdict, bad, wall = run_case(tmp_path, "oversized", QUERY_TYPES)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict == "FAIL" and bad[0][1] == "http.body-size"
    assert a1_hostile.OVERSIZE_OCTETS == 40 << 20
    assert peak < 12 << 20, f"peak {peak >> 20} MiB while the peer announced 40 MiB"


def test_the_same_case_passes_without_a_hostile_mode(tmp_path):
    """The control run: the findings above come from the mode, not the case."""
    for case in (QUERY_TYPES, NOTIFY):
        verdict, bad, _ = run_case(tmp_path, None, case)
        assert verdict == "PASS", bad
