"""Run bundled E2 spec cases in-process against a simulator in a hostile mode.

The mode goes in as --sim-fault would (`HarnessSession` accepts faults and hostile
modes alike through harness.interfaces.e2.sim.faults.check).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness.session import HarnessSession, Options
from tests.conftest import ROOT

PROFILES = ROOT / "fixtures" / "profiles"
LAB = PROFILES / "lab-sim-fast.yaml"
NODE = PROFILES / "dut-sim-e2-node.yaml"
RIC = PROFILES / "dut-sim-near-rt-ric.yaml"


@dataclass(frozen=True)
class Outcome:
    id: str
    verdict: str
    findings: tuple          # (verdict, check, message) of every non-PASS finding
    wall: float

    def text(self) -> str:
        return "\n".join(f"{v} {c}: {m}" for v, c, m in self.findings)


def run_cases(dut: Path, mode: str | None, ids: list[str], lab: Path = LAB,
              results: Path | None = None) -> list[Outcome]:
    session = HarnessSession(Options(dut, lab, None, mode, results, ROOT / "testcases"))
    cases = {tc.id: tc for p in sorted((ROOT / "testcases").rglob("*.y*ml")) for tc in session.load(p).testcases}
    out = []
    try:
        for test_id in ids:
            t0 = time.monotonic()
            result = session.run(cases[test_id])
            bad = tuple((f.verdict.name, f.check, f.message) for f in result.findings if f.verdict.name != "PASS")
            out.append(Outcome(test_id, result.verdict.name, bad, time.monotonic() - t0))
    finally:
        session.finish()
    return out
