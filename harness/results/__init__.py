"""Results written as each test case ends, so a killed run still leaves them.

Layout of a results directory:
    run.json                     written (atomically) when the run starts: harness, profiles, ASN.1 hashes
    results.jsonl                one line per test case: id, verdict, findings, timings (fsynced per line)
    tests/<test id>/exchange.json  every message sent and received, decoded, with its spec step (atomic)
    tests/<test id>/<test id>.pcapng  the same messages as frames (flushed per packet, fsynced per test)
    summary.json                 written at the end of a run (missing if the run was killed)
    junit.xml, oran-results.json written at the end from the files above (`oran-harness report export`
                                 makes them from a killed run's folder too)

Crash safety: a file is either absent or whole (tmp + rename), and each results line
is on disk before the next test starts, so SIGKILL at any moment loses at most the
test case that was running. `harness.results.reader` is the reader.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from harness.results.atomic import write_atomic
from harness.integrity import IntegrityError, sign_dir, signing_config
from harness.results.export import ExportError, export_reports
from harness.results.procedure import procedure_of
from harness.core.verdict import Verdict, oran_status

log = logging.getLogger(__name__)


def safe_name(test_id: str) -> str:
    """A file-system name for a test id ('E2TS-R003-v02.00:6.2.1' -> 'E2TS-R003-v02.00_6.2.1')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", test_id)


def _append_line(path: Path, line: str) -> None:
    with path.open("a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
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
    """Writes one run's results folder; `notices` keeps what the person running it should read."""

    def __init__(self, directory: Path, meta: dict) -> None:
        self.dir = Path(directory)
        self.notices: list[str] = []      # shown by the pytest plugin's summary, and logged
        (self.dir / "tests").mkdir(parents=True, exist_ok=True)
        self.meta = {"run_id": str(uuid.uuid4()), **meta}     # the O-RAN results testId of this run
        self.rows: list[dict] = []
        write_atomic(self.dir / "run.json", json.dumps(_plain(self.meta), indent=2))

    def test(self, result, extra: dict | None = None) -> dict:
        tc = result.testcase
        row = {
            "id": tc.id, "title": tc.title, "reference": str(tc.reference), "interface": tc.interface,
            "dut_role": tc.dut_role, "status": tc.status, "spec": str(tc.where),
            "verdict": result.verdict.name, "oran": oran_status(result.verdict, result.findings),
            "started": result.started, "duration": round(result.duration, 4),
            "findings": [_plain(f) for f in result.findings],
            "exchange": f"tests/{safe_name(tc.id)}/exchange.json",
            "procedure": procedure_of(tc.title), "expected": list(tc.expected), "tags": list(tc.tags),
        }
        sent = sum(1 for e in result.exchange.entries if e.packet.direction == "sent")
        row["messages"] = {"sent": sent, "received": len(result.exchange.entries) - sent}
        pcap = self.dir / "tests" / safe_name(tc.id) / f"{safe_name(tc.id)}.pcapng"
        if pcap.exists():
            _fsync(pcap)
            row["pcap"] = str(pcap.relative_to(self.dir))
        row.update(extra or {})
        folder = self.dir / "tests" / safe_name(tc.id)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / "exchange.json", json.dumps([e.as_json() for e in result.exchange.entries], indent=1))
        _append_line(self.dir / "results.jsonl", json.dumps(row))   # last: a row only names files that exist
        self.rows.append(row)
        return row

    def notice(self, text: str, level: int = logging.WARNING) -> None:
        """Log ``text`` and keep it for the end-of-run summary (a log line alone vanishes under pytest)."""
        self.notices.append(text)
        log.log(level, "%s", text)

    def not_applicable(self, testcase, reason: str) -> None:
        row = {"id": testcase.id, "title": testcase.title, "reference": str(testcase.reference),
               "interface": testcase.interface, "dut_role": testcase.dut_role, "status": testcase.status,
               "spec": str(testcase.where), "verdict": "NOT-APPLICABLE", "oran": "SKIP", "reason": reason,
               "procedure": procedure_of(testcase.title), "expected": list(testcase.expected),
               "tags": list(testcase.tags)}
        _append_line(self.dir / "results.jsonl", json.dumps(row))
        self.rows.append(row)

    def finish(self, extra: dict | None = None) -> dict:
        counts: dict = {}
        for row in self.rows:
            counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
        summary = {"counts": counts, "tests": len(self.rows), **(extra or {})}
        write_atomic(self.dir / "summary.json", json.dumps(summary, indent=2))
        try:
            export_reports(self.dir)
        except ExportError as err:        # the results stay; only the derived reports are missing
            self.notice(f"reports not written: {err}")
        self._sign()
        return summary

    def _sign(self) -> None:
        """Sign the folder with the lab's key, last, so the manifest covers every file written."""
        lab = self.meta.get("lab")
        section = getattr(lab, "signing", None)
        if not section:
            return
        try:
            cfg = signing_config(section, self.meta.get("lab_profile") or ".")
            fingerprint = sign_dir(self.dir, cfg.key, cfg.passphrase_env)
        except IntegrityError as err:     # the results stay, unsigned; the message says why
            self.notice(f"results not signed: {err}")
            return
        self.notice(f"results signed (MANIFEST.json, MANIFEST.sig) by key {fingerprint[:16]}…", logging.INFO)
