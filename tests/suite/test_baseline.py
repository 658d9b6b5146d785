"""Prove the checkers fail: the E2 suite against the simulators in every fault mode.

fixtures/baselines/e2-sim.yaml holds, per run (DUT role x fault mode), the
expected outcome of every test case: verdict, failing check and IE. A checker
that stops catching its fault, or one that starts failing good traffic, breaks
this comparison.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from harness import baseline
from tests.conftest import ROOT
from harness.interfaces.e2.sim.faults import FAULTS, TNL

PATH = ROOT / "fixtures" / "baselines" / "e2-sim.yaml"
LAB, RUNS = baseline.load(PATH)


@pytest.fixture(scope="module")
def outcomes() -> dict:
    """Every run's outcomes. The runs mostly wait on timers, so several go at once, each in a
    process of its own (threads would share one GIL and starve the simulators' timers)."""
    with ProcessPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
        futures = {run.name: pool.submit(baseline.execute, LAB, run) for run in RUNS}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.parametrize("run", RUNS, ids=[r.name for r in RUNS])
def test_the_suite_matches_its_baseline(run, outcomes):
    differences = baseline.compare(run, outcomes[run.name])
    assert differences == [], "\n".join(differences)


def test_fault_free_runs_pass_everything():
    for run in RUNS:
        if run.fault is None:
            assert set(run.expect.values()) == {"PASS"}, run.name


def test_every_fault_mode_is_shown_failing_some_test_case():
    failing = {r.fault.partition("@")[0] for r in RUNS
               if r.fault and any(v.startswith("FAIL") for v in r.expect.values())}
    # tnl-single-path fires only when a path is cut: tests/resilience/test_e2_tnl.py shows it failing
    assert failing == set(FAULTS) | set(TNL) - {"tnl-single-path"}


def test_scoped_faults_fail_only_the_test_cases_that_use_the_message():
    run = next(r for r in RUNS if r.name == "ric/wrong-transaction-id@ResetResponse")
    assert {k: v for k, v in run.expect.items() if v != "PASS"} == {
        "E2TS-R003-v02.00:5.2.1.2.1": "FAIL monitor.transaction-id.echo TransactionID"}


def test_a_difference_is_reported_in_words():
    run = baseline.Run("x", ROOT, None, "", {"A": "PASS", "B": "FAIL expect.timer"})
    from harness.suite import CaseOutcome
    outcomes = [CaseOutcome("A", "FAIL", "expect.match", "TransactionID", "expected 1, observed 2", 0.1),
                CaseOutcome("C", "PASS", None, None, "", 0.1)]
    assert baseline.compare(run, outcomes) == [
        "x: A: expected PASS, got FAIL expect.match TransactionID (expected 1, observed 2)",
        "x: B is in the baseline but did not run",
        "x: C ran (PASS) but is not in the baseline",
    ]
