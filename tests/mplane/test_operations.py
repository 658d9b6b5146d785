"""The NETCONF operation set (RFC 6241 7-8, RFC 6243) against the O-RU simulator over real SSH.

testcases/wg4-conf/mplane/candidate.yaml must PASS on the simulator with a writable running
datastore and on one with only candidate (the O-RU of the issue: configured and committed by a
spec), and each fault mode that bends one rule must FAIL the case that checks it, at that check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core.verdict import Verdict
from harness.interfaces.mplane.capabilities import capability_uri, missing
from harness.session import HarnessSession, Options
from harness.spec.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
LAB = PROFILES / "lab-sim-mplane.yaml"
SPEC = ROOT / "testcases" / "wg4-conf" / "mplane" / "candidate.yaml"
CASES = ["candidate-commit", "lock-denied", "confirmed-commit", "discard-changes", "edit-errors", "with-defaults"]


def _run(tmp_path, dut: str, names: list[str], fault: str | None = None) -> dict:
    session = HarnessSession(Options(PROFILES / dut, LAB, "sim", fault, tmp_path / "res", ROOT / "testcases"))
    try:
        cases = {tc.id.rsplit("/", 1)[1]: tc for tc in session.load(SPEC).testcases}
        return {n: session.run(cases[n]) for n in names}
    finally:
        session.finish()


@pytest.mark.parametrize("dut", ["dut-sim-o-ru.yaml", "dut-sim-o-ru-candidate.yaml"])
def test_candidate_suite_passes_on_the_simulator(tmp_path, dut):
    results = _run(tmp_path, dut, CASES)
    for name, result in results.items():
        assert result.verdict == Verdict.PASS, (name, [f.line() for f in result.findings])


FAULTS = [
    # fault, DUT profile, case, check, words in the first FAIL finding
    ("commit-not-applied", "dut-sim-o-ru-candidate.yaml", "candidate-commit", "reply.match",
     'expected "60", observed "0"'),
    ("lock-not-enforced", "dut-sim-o-ru.yaml", "lock-denied", "reply.rpc-error", "expected an rpc-error"),
    ("no-rollback", "dut-sim-o-ru-candidate.yaml", "confirmed-commit", "reply.match", 'expected "0", observed "120"'),
    ("wrong-error-tag", "dut-sim-o-ru.yaml", "edit-errors", "reply.rpc-error", "operation-failed"),
    ("ignore-with-defaults", "dut-sim-o-ru-candidate.yaml", "with-defaults", "reply.match", "timezone-utc-offset"),
]


@pytest.mark.parametrize("fault,dut,case,check,words", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_operation_fault_fails_its_check(tmp_path, fault, dut, case, check, words):
    result = _run(tmp_path, dut, [case], fault)[case]
    bad = [f for f in result.findings if f.verdict >= Verdict.FAIL]
    assert result.verdict == Verdict.FAIL, [f.line() for f in result.findings]
    assert bad[0].check == check and words in bad[0].line(), bad[0].line()


def test_declared_capabilities_are_compared_with_the_hello():
    hello = [capability_uri(n) for n in ("base:1.0", "candidate:1.0")] + [
        "urn:ietf:params:netconf:capability:with-defaults:1.0?basic-mode=explicit&also-supported=report-all"]
    assert missing(["base:1.0", "candidate:1.0", "with-defaults:1.0?basic-mode=explicit"], hello) == []
    assert missing(["base:1.1", "writable-running:1.0", "with-defaults:1.0?basic-mode=trim"], hello) == [
        "base:1.1", "writable-running:1.0", "with-defaults:1.0?basic-mode=trim"]


@pytest.mark.parametrize("step,words", [
    ("rpc: lock\n        params: {datastore: canddate}", "lock datastore: 'canddate' is not one of running, candidate"),
    ("rpc: commit\n        params: {confirm-timeout: 5}", "confirm-timeout and persist belong to a confirmed commit"),
    ("rpc: edit-config\n        params: {default-operaton: merge}\n        config: <a/>",
     "edit-config has no parameter 'default-operaton'"),
    ("rpc: get-schema", "get-schema needs params: {identifier: ...}"),
    ("expect-reply:\n          rpc-error: {error-tagg: in-use}", "error-tagg"),
])
def test_step_typos_are_spec_errors_with_file_and_line(tmp_path, step, words):
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"""testcases:
  - id: O-RAN.WG4.MP.0-v08.00:9.1/x
    title: x
    interface: o-ru.mplane
    dut: o-ru
    status: optional
    steps:
      - connect: {{}}
      - {step}
""")
    session = HarnessSession(Options(PROFILES / "dut-sim-o-ru.yaml", LAB, "sim", None, tmp_path / "res",
                                     ROOT / "testcases"))
    try:
        with pytest.raises(SpecError) as info:
            session.load(spec)
    finally:
        session.finish()
    assert f"{spec}:9" in str(info.value) or f"{spec}:10" in str(info.value), str(info.value)
    assert words in str(info.value), str(info.value)
