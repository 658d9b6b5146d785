"""A1 recovery checks against the Near-RT RIC simulator: PASS when it restarts well and retries its
notifications, FAIL with the right finding in each fault mode, ERROR when the lab lacks an objective."""

from __future__ import annotations

import pytest

from tests.resilience.helpers import profiles, run_case

DUT = "dut-sim-a1-ric.yaml"
A1_PIXIT = {"a1_serve_ms": 1000, "a1_policies_persist": True, "a1_notify_retry_ms": 1500}


def _run(tmp_path, index, fault=None, pixit=None, a1=None):
    dut, lab = profiles(tmp_path, DUT, lab="lab-sim.yaml", pixit=A1_PIXIT if pixit is None else pixit,
                        a1={"persistent_policies": True} if a1 is None else a1)
    return run_case(dut, lab, "a1-ric-restart.yaml", fault, index=index)


def _bad(result):
    return [(f.check, f.message) for f in result.findings if f.verdict.name != "PASS"]


def test_restart_keeps_policies_and_serves_within_the_objective(tmp_path):
    result = _run(tmp_path, 0)
    assert result.verdict.name == "PASS", _bad(result)
    figures = {f.figure: f for f in result.recovery}
    assert figures["serve"].value is not None and figures["serve"].value <= A1_PIXIT["a1_serve_ms"]
    kept = figures["policy-kept"]
    assert kept.verdict == "PASS" and kept.subject.endswith("/res-a1-policy-1")
    assert kept.detail["before"]["status"] == {"enforceStatus": "ENFORCED"}


def test_notification_is_retried_after_the_outage(tmp_path):
    result = _run(tmp_path, 1)
    assert result.verdict.name == "PASS", _bad(result)
    retry = next(f for f in result.recovery if f.figure == "notification-retry")
    assert retry.value is not None and retry.value <= A1_PIXIT["a1_notify_retry_ms"]


@pytest.mark.parametrize(("index", "fault", "check", "clause"), [
    (0, "no-recover", "recovery.serve", "O-RAN.WG2.A1AP v03.01 clause 5"),
    (0, "slow-recover", "recovery.serve", "lab objective PIXIT a1_serve_ms"),
    (0, "lose-policies", "recovery.policy-kept", "lab objective PIXIT a1_policies_persist"),
    (1, "no-notification-retry", "recovery.notification-retry", "O-RAN.WG2.A1AP v03.01 clause 5"),
])
def test_faults_fail_with_the_right_finding(tmp_path, index, fault, check, clause):
    result = _run(tmp_path, index, fault)
    assert result.verdict.name == "FAIL", _bad(result)
    failed = [f for f in result.findings if f.verdict.name == "FAIL"]
    assert failed[0].check == check and failed[0].clause.startswith(clause), _bad(result)
    assert any(f.verdict == "FAIL" and f"recovery.{f.figure}" == check for f in result.recovery)


def test_policies_need_not_persist_when_the_lab_says_so(tmp_path):
    result = _run(tmp_path, 0, "lose-policies", {**A1_PIXIT, "a1_policies_persist": False})
    assert result.verdict.name == "PASS", _bad(result)
    kept = next(f for f in result.recovery if f.figure == "policy-kept")
    assert kept.value == 0.0 and "need not persist" in str(result.findings)


def test_a_missing_objective_is_an_error_before_the_restart(tmp_path):
    pixit = {k: v for k, v in A1_PIXIT.items() if k != "a1_serve_ms"}
    result = _run(tmp_path, 0, pixit=pixit)
    assert result.verdict.name == "ERROR"
    error = next(f for f in result.findings if f.verdict.name == "ERROR")
    assert error.check == "recovery.pixit" and "a1_serve_ms" in error.message
    assert not result.recovery


def test_a_restartable_simulator_must_say_whether_its_policies_persist(tmp_path):
    """No silent default: the simulator's policy persistence is the DUT profile's to declare."""
    result = _run(tmp_path, 0, a1={})
    assert result.verdict.name == "ERROR", _bad(result)
    message = next(f.message for f in result.findings if f.verdict.name == "ERROR")
    assert f"{tmp_path / DUT}: a1.persistent_policies" in message and "no default" in message, message
