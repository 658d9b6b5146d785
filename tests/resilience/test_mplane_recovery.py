"""M-plane supervision loss against the O-RU simulator over real SSH: PASS when it falls back and calls
home again in time, FAIL with the right finding in each supervision fault mode, ERROR before the break
when the lab lacks an objective, and strict step keys with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.core.errors import UserError
from harness.session import HarnessSession, Options
from tests.resilience.helpers import CASES, PROFILES

FILE = "mplane-supervision-loss.yaml"
STOP, CUT, RESTART = "RES-MP-v01.00:1.1.1", "RES-MP-v01.00:1.1.2", "RES-MP-v01.00:1.2.1"
PIXIT = {"mplane_watchdog_tolerance_ms": 1000, "mplane_call_home_ms": 1500, "mplane_resupervise_ms": 3000}
SUP = "O-RAN.WG4.MP.0 v08.00 6.3"


def _profiles(tmp: Path, pixit: dict) -> tuple[Path, Path]:
    dut = yaml.safe_load((PROFILES / "dut-sim-o-ru.yaml").read_text())
    dut["pics"] = {**(dut.get("pics") or {}), "resilience.restart": True, "resilience.mplane-supervision": True}
    lab = yaml.safe_load((PROFILES / "lab-sim-mplane.yaml").read_text())
    lab["mplane"].pop("fronthaul_profile", None)       # not needed here (and relative to the fixtures folder)
    lab["pixit"] = {**lab["pixit"], "supervision_interval": 1, "supervision_guard": 1, **pixit}
    dut_path, lab_path = tmp / "dut.yaml", tmp / "lab.yaml"
    dut_path.write_text(yaml.safe_dump(dut))
    lab_path.write_text(yaml.safe_dump(lab))
    return dut_path, lab_path


def _run(tmp: Path, case: str, fault: str | None = None, pixit: dict = PIXIT, file: Path = CASES / FILE):
    dut, lab = _profiles(tmp, pixit)
    session = HarnessSession(Options(dut, lab, None, fault, None, file.parent))
    try:
        tc = next(t for t in session.load(file).testcases if t.id == case)
        return session.run(tc)
    finally:
        session.finish()


def _bad(result):
    return [(f.check, f.message) for f in result.findings if f.verdict.name != "PASS"]


@pytest.mark.parametrize(("case", "figures"), [
    (STOP, {"detection", "call-home", "fallback", "supervision"}),
    (CUT, {"call-home", "fallback", "supervision"}),
    (RESTART, {"call-home", "supervision", "configuration"}),
], ids=["stop-supervision", "cut", "restart"])
def test_the_well_behaved_o_ru_falls_back_and_calls_home_again(tmp_path, case, figures):
    result = _run(tmp_path, case)
    assert result.verdict.name == "PASS", _bad(result)
    assert {f.figure for f in result.recovery} == figures
    assert all(f.verdict == "PASS" and f.interface == "mplane" and f.clause for f in result.recovery)
    if case == STOP:
        detection = next(f for f in result.recovery if f.figure == "detection")
        assert detection.objective == 2000 + PIXIT["mplane_watchdog_tolerance_ms"]      # interval + guard + tolerance
        assert abs(detection.value - 2000) < 1000 and detection.clause.startswith(SUP)
        fallback = next(f for f in result.recovery if f.figure == "fallback")
        assert fallback.detail["states"] == {"tx-array-carriers tx-carrier-0": "DISABLED"}


@pytest.mark.parametrize(("case", "fault", "check", "clause"), [
    (STOP, "no-watchdog", "recovery.detection", SUP),
    (STOP, "late-watchdog", "recovery.detection", SUP),
    (STOP, "no-call-home-again", "recovery.call-home", "IETF RFC 8071 3.1"),
    (CUT, "no-call-home-again", "recovery.call-home", "IETF RFC 8071 3.1"),
    (RESTART, "stale-after-restart", "recovery.configuration", "lab expectation"),
], ids=lambda v: v if isinstance(v, str) and "-" in v and ":" not in v and " " not in v else None)
def test_supervision_faults_fail_with_the_right_finding(tmp_path, case, fault, check, clause):
    result = _run(tmp_path, case, fault)
    assert result.verdict.name == "FAIL", _bad(result)
    failed = [f for f in result.findings if f.verdict.name == "FAIL"]
    assert failed[0].check == check and failed[0].clause.startswith(clause), _bad(result)
    assert any(f.verdict == "FAIL" and f"recovery.{f.figure}" == check for f in result.recovery)


def test_a_missing_objective_is_an_error_before_supervision_stops(tmp_path):
    pixit = {k: v for k, v in PIXIT.items() if k != "mplane_call_home_ms"}
    result = _run(tmp_path, STOP, pixit=pixit)
    assert result.verdict.name == "ERROR"
    error = next(f for f in result.findings if f.verdict.name == "ERROR")
    assert error.check == "recovery.pixit" and "mplane_call_home_ms" in error.message
    assert not result.recovery                       # nothing was broken, nothing measured


@pytest.mark.parametrize(("step", "words"), [
    ("cut: {for: 1, then: 2}", "then"),
    ("supervise: {interval: 0, guard: 1}", "interval"),
    ("recover: {fallback: false}", "judges nothing"),
    ("stop-supervision: {now: true}", "now"),
])
def test_step_keys_are_strict_with_file_and_line(tmp_path, step, words):
    spec = tmp_path / "bad.yaml"
    spec.write_text("testcases:\n  - id: RES-MP-v01.00:9.9\n    title: t\n    interface: o-ru.mplane\n    dut: o-ru\n"
                    f"    status: optional\n    steps:\n      - connect: {{}}\n      - {step}\n")
    dut, lab = _profiles(tmp_path, PIXIT)
    session = HarnessSession(Options(dut, lab, None, None, None, tmp_path))
    try:
        with pytest.raises(UserError) as err:
            session.load(spec)
    finally:
        session.finish()
    assert f"{spec}:9" in str(err.value) or "bad.yaml:9" in str(err.value), str(err.value)
    assert words in str(err.value)
