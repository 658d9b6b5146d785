"""Baselines: the checked-in expected outcome of every test case per simulator fault mode.

This is how the harness proves its checkers can fail (as Osmocom's
expected-results files do): the suite runs against the built-in simulators,
fault-free and in each fault mode, and every test case's verdict, failing check
and IE must be exactly what the baseline says. A checker that stops catching
its fault, or one that starts failing good traffic, breaks the comparison.

File format (YAML; profile paths are relative to the baseline file's folder):

    lab: ../profiles/lab-sim-fast.yaml
    runs:
      - name: ric/wrong-transaction-id@ResetResponse
        dut: ../profiles/dut-sim-near-rt-ric.yaml
        fault: wrong-transaction-id@ResetResponse        # null: fault-free
        why: the Reset Response echoes another Transaction ID
        expect:                                          # test id -> outcome
          E2TS-R003-v02.00:5.2.1.2.1: FAIL expect.match TransactionID
          E2TS-R003-v02.00:5.2.1.1.1: PASS
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.suite import CaseOutcome, run_suite


@dataclass(frozen=True)
class Run:
    name: str
    dut: Path
    fault: str | None
    why: str
    expect: dict


def load(path: Path) -> tuple[Path, list[Run]]:
    doc = yaml.safe_load(Path(path).read_text())
    here = Path(path).resolve().parent
    lab = here / doc["lab"]
    runs = [Run(r["name"], here / r["dut"], r.get("fault"), r.get("why", ""), dict(r.get("expect") or {}))
            for r in doc["runs"]]
    return lab, runs


def describe(o: CaseOutcome) -> str:
    """'FAIL expect.match TransactionID', 'PASS', 'NOT-APPLICABLE'."""
    if o.verdict in ("PASS", "NOT-APPLICABLE"):
        return o.verdict
    return " ".join(x for x in (o.verdict, o.check, o.ie_path) if x)


def compare(run: Run, outcomes: list[CaseOutcome]) -> list[str]:
    """Every difference between a run's outcomes and its baseline, one line each."""
    got = {o.id: o for o in outcomes}
    out = []
    for test_id, want in run.expect.items():
        o = got.get(test_id)
        if o is None:
            out.append(f"{run.name}: {test_id} is in the baseline but did not run")
        elif describe(o) != want:
            out.append(f"{run.name}: {test_id}: expected {want}, got {describe(o)}"
                       + (f" ({o.message})" if o.message else ""))
    for test_id, o in got.items():
        if test_id not in run.expect and o.verdict != "NOT-APPLICABLE":
            out.append(f"{run.name}: {test_id} ran ({describe(o)}) but is not in the baseline")
    return out


def execute(lab: Path, run: Run) -> list[CaseOutcome]:
    return list(run_suite(run.dut, lab, run.fault).outcomes)


def write(path: Path, lab: Path, runs: list[Run]) -> None:
    """Rewrite the baseline from what the runs do now (for review before committing)."""
    here = Path(path).resolve().parent
    entries: list[dict] = []
    doc = {"lab": os.path.relpath(lab, here), "runs": entries}
    for run in runs:
        outcomes = execute(lab, run)
        entries.append({"name": run.name, "dut": os.path.relpath(run.dut, here), "fault": run.fault,
                            "why": run.why,
                            "expect": {o.id: describe(o) for o in outcomes if o.verdict != "NOT-APPLICABLE"}})
    header = __doc__.split("File format")[0].strip().replace("\n", "\n# ")
    Path(path).write_text("# " + header + "\n\n" + yaml.safe_dump(doc, sort_keys=False, width=110))
