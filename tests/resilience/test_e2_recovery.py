"""E2 recovery checks against the simulators: PASS when they recover well, FAIL with the right
finding in each recovery fault mode, ERROR before the restart when the lab lacks an objective."""

from __future__ import annotations

import json

import pytest

from harness.results.oran_json import _recovery
from harness.results.reader import TestRow
from harness.results import _plain
from tests.resilience.helpers import E2_PIXIT, profiles, run_case

NODE = ("dut-sim-e2-node.yaml", "e2-node-restart.yaml")
RIC = ("dut-sim-near-rt-ric.yaml", "e2-ric-restart.yaml")
SETUP = "O-RAN.WG3.E2AP v03.01 8.3.1"


def _run(tmp_path, which, fault=None, pixit=E2_PIXIT):
    dut, lab = profiles(tmp_path, which[0], pixit=pixit)
    return run_case(dut, lab, which[1], fault)


def _bad(result):
    return [(f.check, f.clause) for f in result.findings if f.verdict.name != "PASS"]


@pytest.mark.parametrize("which", [NODE, RIC], ids=["e2-node-dut", "ric-dut"])
def test_well_behaved_simulators_recover_within_the_objectives(tmp_path, which):
    result = _run(tmp_path, which)
    assert result.verdict.name == "PASS", _bad(result)
    figures = {f.figure for f in result.recovery}
    assert {"detection", "reestablish", "subscription"} <= figures
    assert all(f.verdict == "PASS" and f.clause for f in result.recovery)
    if which is NODE:
        gap = next(f for f in result.recovery if f.figure == "indication-gap")
        assert gap.value is not None and gap.value <= E2_PIXIT["e2_indication_gap_ms"]
        assert {"last_sn_before", "first_sn_after", "missing", "duplicates"} <= set(gap.detail)


@pytest.mark.parametrize(("which", "fault", "check", "clause"), [
    (NODE, "no-recover", "recovery.reestablish", SETUP),
    (NODE, "slow-recover", "recovery.reestablish", "lab objective PIXIT e2_reestablish_ms"),
    (NODE, "lose-subscriptions", "recovery.indication-gap", "O-RAN.WG3.E2AP v03.01 8.3.1.1"),
    (NODE, "duplicate-indications", "recovery.indication-duplicates", "O-RAN.WG3.E2AP v03.01 8.2.3"),
    (RIC, "no-recover", "recovery.reestablish", SETUP),
    (RIC, "slow-recover", "recovery.reestablish", "lab objective PIXIT e2_reestablish_ms"),
    (RIC, "lose-subscriptions", "recovery.subscription", "lab objective PIXIT e2_resubscribe_ms"),
], ids=lambda v: v if isinstance(v, str) and "." not in v and " " not in v else None)
def test_recovery_faults_fail_with_the_right_finding(tmp_path, which, fault, check, clause):
    result = _run(tmp_path, which, fault)
    assert result.verdict.name == "FAIL"
    failed = [f for f in result.findings if f.verdict.name == "FAIL"]
    assert failed[0].check == check and failed[0].clause.startswith(clause), _bad(result)
    assert any(f.verdict == "FAIL" and f"recovery.{f.figure}" == check for f in result.recovery)


def test_a_missing_objective_is_an_error_before_the_restart(tmp_path):
    pixit = {k: v for k, v in E2_PIXIT.items() if k != "e2_reestablish_ms"}
    result = _run(tmp_path, NODE, pixit=pixit)
    assert result.verdict.name == "ERROR"
    error = next(f for f in result.findings if f.verdict.name == "ERROR")
    assert error.check == "recovery.pixit" and "e2_reestablish_ms (reestablish at " in error.message
    assert not result.recovery           # nothing was restarted, nothing measured


def test_figures_reach_the_results_row_and_the_oran_json(tmp_path):
    result = _run(tmp_path, NODE)
    raw = {"id": "x", "verdict": "PASS", "recovery": json.loads(json.dumps(_plain(list(result.recovery))))}
    row = TestRow(1, "x", "", "", "", "", "", "", "PASS", "PASS", None, None, (), None, None, raw=raw)
    measurements = _recovery(row)
    assert len(measurements) == len(result.recovery)
    assert {m["units"] for m in measurements} <= {"millisecond", "count"}
    assert all(m["name"].startswith("recovery e2 ") and m["values"] for m in measurements)
