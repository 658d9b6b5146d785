"""Results written as each test case ends, so a killed run still leaves them.

Layout of a results directory:
    results.jsonl                one line per test case: id, verdict, findings, timings
    tests/<test id>/exchange.json  every message sent and received, decoded, with its spec step
    summary.json                 written at the end of a run (missing if the run was killed)
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from harness.verdict import Verdict, oran_status


def safe_name(test_id: str) -> str:
    """A file-system name for a test id ('E2TS-R003-v02.00:6.2.1' -> 'E2TS-R003-v02.00_6.2.1')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", test_id)


def _plain(value: Any) -> Any:
    if is_dataclass(value):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Verdict):
        return value.name
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)        # markers such as the matcher's ABSENT


class ResultsWriter:
    def __init__(self, directory: Path, meta: dict) -> None:
        self.dir = Path(directory)
        (self.dir / "tests").mkdir(parents=True, exist_ok=True)
        self.meta = meta
        self.rows: list[dict] = []
        (self.dir / "run.json").write_text(json.dumps(_plain(meta), indent=2))

    def test(self, result, extra: dict | None = None) -> dict:
        tc = result.testcase
        row = {
            "id": tc.id, "title": tc.title, "reference": str(tc.reference), "interface": tc.interface,
            "dut_role": tc.dut_role, "status": tc.status, "spec": str(tc.where),
            "verdict": result.verdict.name, "oran": oran_status(result.verdict, result.findings),
            "started": result.started, "duration": round(result.duration, 4),
            "findings": [_plain(f) for f in result.findings],
            "exchange": f"tests/{safe_name(tc.id)}/exchange.json",
        }
        pcap = self.dir / "tests" / safe_name(tc.id) / f"{safe_name(tc.id)}.pcapng"
        if pcap.exists():
            row["pcap"] = str(pcap.relative_to(self.dir))
        row.update(extra or {})
        folder = self.dir / "tests" / safe_name(tc.id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "exchange.json").write_text(json.dumps([e.as_json() for e in result.exchange.entries], indent=1))
        with (self.dir / "results.jsonl").open("a") as f:
            f.write(json.dumps(row) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.rows.append(row)
        return row

    def not_applicable(self, testcase, reason: str) -> None:
        row = {"id": testcase.id, "title": testcase.title, "reference": str(testcase.reference),
               "interface": testcase.interface, "dut_role": testcase.dut_role, "status": testcase.status,
               "spec": str(testcase.where), "verdict": "NOT-APPLICABLE", "oran": "SKIP", "reason": reason}
        with (self.dir / "results.jsonl").open("a") as f:
            f.write(json.dumps(row) + "\n")
        self.rows.append(row)

    def finish(self, extra: dict | None = None) -> dict:
        counts: dict = {}
        for row in self.rows:
            counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
        summary = {"counts": counts, "tests": len(self.rows), **(extra or {})}
        (self.dir / "summary.json").write_text(json.dumps(summary, indent=2))
        return summary
