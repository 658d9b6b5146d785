"""When the harness learns the O-RU's YANG modules: in the connect step, before any timed step.

Learning them on first use put ~20 get-schema round trips inside the supervision
timers of CONF 3.1.1.4 (1 s + 1 s), and a loaded host then got a false FAIL
from our own simulator. These tests pin the order: every get-schema is in the
connect step's evidence, none in the steps that run under the O-RU's timers,
and a later test case of the same run reuses the texts (same module and
revision) instead of asking again.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.core.verdict import Verdict
from harness.session import HarnessSession, Options
from tests.conftest import ROOT

DUT = ROOT / "fixtures" / "profiles" / "dut-sim-o-ru.yaml"
LAB = ROOT / "fixtures" / "profiles" / "lab-sim-mplane.yaml"
SUPERVISION = ROOT / "testcases" / "wg4-conf" / "mplane" / "supervision.yaml"


def _exchange(results: Path, case: str) -> list[dict]:
    folder = next(p for p in (results / "tests").iterdir() if p.name.endswith(case))
    return json.loads((folder / "exchange.json").read_text())


def test_modules_are_learnt_in_the_connect_step_and_reused_by_the_next_case(tmp_path):
    results = tmp_path / "res"
    session = HarnessSession(Options(DUT, LAB, "sim", None, results, ROOT / "testcases"))
    try:
        cases = {tc.id.rsplit(":", 1)[1]: tc for tc in session.load(SUPERVISION).testcases}
        first = session.run(cases["3.1.1.4"])
        second = session.run(cases["3.1.1.5"])
    finally:
        session.finish()
    assert first.verdict == Verdict.PASS, [f.line() for f in first.findings]
    assert second.verdict == Verdict.PASS, [f.line() for f in second.findings]

    exchange = _exchange(results, "3.1.1.4")
    asked = [e for e in exchange if e["message"] == "rpc" and "<get-schema" in e["xml"]]
    assert len(asked) >= 5, len(asked)                        # the simulator's modules, one rpc each
    assert {e["step"] for e in asked} == {exchange[0]["step"]}, {e["step"] for e in asked}
    assert exchange[0]["step"].startswith("connect ")
    reset = next(i for i, e in enumerate(exchange) if e["message"] == "rpc" and "supervision-watchdog-reset" in e["xml"]
                 and "<get-schema" not in e["xml"])
    assert all(e["index"] < exchange[reset]["index"] for e in asked)   # all before the timers start
    learnt = next(f for f in first.findings if f.check == "yang.modules")
    assert "earlier in this run" not in learnt.message

    again = _exchange(results, "3.1.1.5")
    assert not [e for e in again if "<get-schema" in e["xml"]]       # same modules and revisions: no rpc
    reused = next(f for f in second.findings if f.check == "yang.modules")
    assert f"{len(asked)} of them fetched by get-schema earlier in this run" in reused.message, reused.message
