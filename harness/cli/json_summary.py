"""The ``--json`` summaries of `run`, `list` and `analyze`: one JSON object on stdout.

Why: a lab's scripts (CI, dashboards) read verdicts without scraping the console. The objects
carry the same facts as the text: per DUT the verdict counts and each test case's verdict, the
exit status (docs/verdicts.md) and where the results are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.results.reader import ResultsDirError, read_results
from harness.results.simulated import simulated_line


def _counts(verdicts: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in verdicts:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def run_summary(runs: list[tuple[Path, Path]], exit_code: int, stopped: str | None) -> dict[str, Any]:
    """`run --json`: per DUT its results folder, whether complete, the counts and the test cases."""
    duts = []
    for dut, folder in runs:
        entry: dict[str, Any] = {"dut": str(dut), "results": str(folder)}
        try:
            results = read_results(folder)
        except ResultsDirError as err:
            duts.append({**entry, "complete": False, "error": str(err), "counts": {}, "testcases": []})
            continue
        rows = [{"id": r.id, "title": r.title, "verdict": r.verdict} for r in results.rows]
        duts.append({**entry, "complete": results.complete,
                     "simulated": bool(simulated_line(results.meta.raw)),
                     "counts": _counts([r["verdict"] for r in rows]), "testcases": rows,
                     "not_run": [p.id for p in results.not_run]})
    return {"command": "run", "exit_code": exit_code, "stopped_by": stopped, "duts": duts}


def list_summary(dut, profile: Path, rows: list[tuple]) -> dict[str, Any]:
    """`list --json`: each test case, selected or not applicable (with the reason)."""
    cases = [{"id": test_id, "title": title, "state": state, "status": status,
              "reason": None if state == "selected" else why}
             for test_id, state, status, why, title in rows]
    return {"command": "list", "dut": dut.name, "role": dut.role, "profile": str(profile),
            "selected": sum(1 for c in cases if c["state"] == "selected"), "testcases": cases}


def analyze_summary(capture: Path, cases: list[dict[str, Any]], exit_code: int) -> dict[str, Any]:
    """`analyze --json`: the test cases the capture follows (and, with --all, the others)."""
    return {"command": "analyze", "capture": str(capture), "exit_code": exit_code,
            "counts": _counts([c["verdict"] for c in cases if c["followed"]]), "testcases": cases}
