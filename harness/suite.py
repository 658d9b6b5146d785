"""Run a whole suite in-process, without pytest: for baselines and benchmarks.

The pytest plugin is the lab's way to run; this is the same session and runner
driven directly, so a test can run the suite against every simulator fault
mode quickly and compare the outcome with the checked-in baseline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness import bundled
from harness.session import DEFAULT_LAB, HarnessSession, Options


@dataclass(frozen=True)
class CaseOutcome:
    id: str
    verdict: str                 # PASS | FAIL | ERROR | INCONC | NOT-APPLICABLE
    check: str | None            # the first FAIL/ERROR finding's check id
    ie_path: str | None
    message: str
    duration: float
    idle: float = 0.0


@dataclass(frozen=True)
class SuiteRun:
    outcomes: tuple
    wall: float
    load: float


def run_suite(dut: Path, lab: Path = DEFAULT_LAB, fault: str | None = None,
              specs_root: Path | None = None, results: Path | None = None) -> SuiteRun:
    """Every test case under ``specs_root`` (default: the bundled test cases) against one DUT."""
    t0 = time.monotonic()
    root = Path(specs_root) if specs_root is not None else bundled.testcases_dir()
    session = HarnessSession(Options(Path(dut), Path(lab), None, fault, results, root))
    files = sorted(p for p in root.rglob("*.y*ml"))
    cases = []
    for path in files:
        cases.extend(session.load(path).testcases)
    load = time.monotonic() - t0
    outcomes = []
    for tc in cases:
        ok, reason = session.applicable(tc)
        if not ok:
            session.not_applicable(tc, reason)
            outcomes.append(CaseOutcome(tc.id, "NOT-APPLICABLE", None, None, reason, 0.0))
            continue
        result = session.run(tc)
        bad = next((f for f in result.findings if f.verdict >= result.verdict and f.verdict.name != "PASS"), None)
        outcomes.append(CaseOutcome(tc.id, result.verdict.name, bad.check if bad else None,
                                    bad.ie_path if bad else None, bad.message if bad else "", result.duration,
                                    result.idle))
    session.finish()
    return SuiteRun(tuple(outcomes), time.monotonic() - t0, load)
