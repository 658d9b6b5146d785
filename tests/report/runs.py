"""Real runs for the report tests: YAML cases against the built-in simulators, in subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "reference" / "o-ran-test-results-schema.json"
RIC = ROOT / "fixtures" / "profiles" / "dut-sim-near-rt-ric.yaml"

# Three outcomes from one simulator: PASS, FAIL (a matcher meant to fail) and ERROR (a trigger
# the simulated lab cannot perform).
CASES = """testcases:
  - id: E2TS-R003-v02.00:5.2.1.2.1
    title: Reset initiated by the E2 node
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: mandatory
    expected: [The Near-RT RIC answers the Reset Request with a Reset Response]
    steps:
      - use: e2-setup-as-e2-node
      - send: ResetRequest
        fields: {TransactionID: 21}
      - expect: ResetResponse
        match: {TransactionID: 21}
  - id: E2TS-R003-v02.00:5.2.1.2.1/wrong-id
    title: Reset initiated by the E2 node, a check meant to fail
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: conditional
    applicability: e2ap.procedures.reset-initiated-by-e2-node
    steps:
      - use: e2-setup-as-e2-node
      - send: ResetRequest
        fields: {TransactionID: 21}
      - expect: ResetResponse
        match: {TransactionID: 22}
  - id: E2TS-R003-v02.00:5.2.1.2.2/lab-error
    title: Reset after a trigger the lab cannot perform
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: optional
    steps:
      - use: e2-setup-as-e2-node
      - trigger: {action: power-cycle, prompt: Power-cycle the DUT}
      - expect: ResetResponse
"""

PASS_ID = "E2TS-R003-v02.00:5.2.1.2.1"
FAIL_ID = "E2TS-R003-v02.00:5.2.1.2.1/wrong-id"
ERROR_ID = "E2TS-R003-v02.00:5.2.1.2.2/lab-error"


RESET_ROUND = """  - id: E2TS-R003-v02.00:5.2.1.2.{n}
    title: Reset initiated by the E2 node, round {n}
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: mandatory
    steps:
      - use: e2-setup-as-e2-node
      - send: ResetRequest
        fields: {{TransactionID: {n}}}
      - expect: ResetResponse
        match: {{TransactionID: {n}}}
      - wait: {wait}
"""


def reset_rounds(count: int, wait: float) -> str:
    """A spec file of ``count`` Reset round trips, each followed by ``wait`` seconds: a run long
    enough to be killed in the middle."""
    return "testcases:\n" + "".join(RESET_ROUND.format(n=n, wait=wait) for n in range(1, count + 1))


def specs(tmp: Path, text: str = CASES) -> Path:
    root = tmp / "specs"               # the bundled templates and groups are always in the library
    root.mkdir(parents=True, exist_ok=True)
    (root / "cases.yaml").write_text(text)
    return root


def pytest_run(root: Path, *args: str, prelude: str = "") -> subprocess.CompletedProcess:
    """pytest on the spec folder ``root`` in a subprocess (``prelude``: Python run before pytest)."""
    code = f"{prelude}\nimport sys, pytest\nsys.exit(pytest.main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                           "-c", str(ROOT / "pyproject.toml"), "--specs-root", str(root), str(root), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=180)


def handmade(tmp: Path, rows: list[dict], finished: bool = True, meta: dict | None = None) -> Path:
    """A results folder written row by row as ResultsWriter does, for verdicts a simulator run
    does not give (INCONC comes from capture analysis). Profiles are the real sim fixtures."""
    import json
    import time
    from harness.profiles.loader import load_dut, load_lab
    from harness.results import ResultsWriter

    folder = tmp / "handmade"
    ResultsWriter(folder, {"harness": "0.1.0", "started": time.time(), "mode": "sim", "fault": None,
                          "dut_profile": str(RIC), "lab_profile": "lab-sim.yaml",
                          "dut": load_dut(RIC), "lab": load_lab(ROOT / "fixtures/profiles/lab-sim.yaml"),
                          **(meta or {})})
    with (folder / "results.jsonl").open("a") as f:
        for row in rows:
            f.write(json.dumps({"title": "a test case", "reference": row["id"].split("/")[0], "interface":
                                "near-rt-ric.e2", "dut_role": "near-rt-ric", "status": "mandatory",
                                "spec": "specs/x.yaml:3", "started": time.time(), "duration": 0.25,
                                "procedure": "Reset", **row}) + "\n")
    if finished:
        (folder / "summary.json").write_text(json.dumps({"tests": len(rows), "finished": time.time()}))
    return folder


def finding(verdict: str, check: str, message: str, clause: str = "E2TS-R003-v02.00:5.2.1.2.1", **kw) -> dict:
    return {"verdict": verdict, "check": check, "message": message, "clause": clause, **kw}
