"""Results written as each test case ends, so a killed run still leaves them.

Layout of a results directory:
    run.json                     written (atomically) when the run starts: harness, profiles, ASN.1 hashes;
                                 rewritten with `planned` (the applicable test cases, once collected) and,
                                 at the end, `status` COMPLETE | INCOMPLETE and `not_run` (planned, no row)
    results.jsonl                one line per test case: id, verdict, findings, timings (fsynced per line)
    tests/<test id>/exchange.json  every message sent and received, decoded, with its spec step (atomic)
    tests/<test id>/<test id>.pcapng  the same messages as frames (flushed per packet, fsynced per test)
    summary.json                 written at the end of a run (missing if the run was killed)
    junit.xml, oran-results.json written at the end from the files above (`oran-harness report export`
                                 makes them from a killed run's folder too)

Crash safety: a file is either absent or whole (tmp + rename), and each results line
is on disk before the next test starts, so SIGKILL at any moment loses at most the
test case that was running. `harness.results.reader` is the reader.

Honesty: a folder that already holds a run is refused (one run, one run.json); a run is
COMPLETE only when it ended normally and every planned test case has a row; a results
file that cannot be written (full disk) makes that test case an ERROR, never a lost row,
and the rows kept in memory are written again at the end.
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

from harness.core.errors import UserError
from harness.core.redact import redact_data
from harness.results.atomic import write_atomic
from harness.integrity import IntegrityError, sign_dir, signing_config
from harness.results.export import ExportError, export_reports
from harness.results.procedure import procedure_of
from harness.results.simulated import is_simulated
from harness.core.verdict import Finding, Verdict, oran_status

log = logging.getLogger(__name__)


def safe_name(test_id: str) -> str:
    """A file-system name for a test id ('E2TS-R003-v02.00:6.2.1' -> 'E2TS-R003-v02.00_6.2.1')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", test_id)


def _append_line(path: Path, line: str) -> None:
    """Append one whole line, or nothing: a short write (full disk) is cut off again, so the lines
    already there and the ones appended later stay whole. Unbuffered, so nothing is left to flush."""
    data = memoryview((line + "\n").encode())
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        try:
            while data:
                data = data[os.write(fd, data):]
            os.fsync(fd)
        except OSError:
            try:
                os.ftruncate(fd, size)
            except OSError:
                pass
            raise
    finally:
        os.close(fd)


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


class ResultsFolderError(UserError):
    """The results folder cannot take this run (it holds another run, or cannot be written)."""


RUN_FILES = ("run.json", "results.jsonl", "summary.json")


def holds_run(directory: Path) -> bool:
    """Whether ``directory`` already holds a run's results (its files would be mixed with a new run's)."""
    return any((Path(directory) / name).exists() for name in RUN_FILES)


class ResultsWriter:
    """Writes one run's results folder; `notices` keeps what the person running it should read.

    Raises:
        ResultsFolderError: the folder already holds a run, or run.json cannot be written.
    """

    def __init__(self, directory: Path, meta: dict) -> None:
        self.dir = Path(directory)
        self.notices: list[str] = []      # shown by the pytest plugin's summary, and logged
        if holds_run(self.dir):
            raise ResultsFolderError(f"{self.dir}: already holds a run (run.json); give a new folder, or "
                                     "`oran-harness run --append` to keep the runs apart in run-N/ subfolders")
        self.meta = {"run_id": str(uuid.uuid4()), "status": "RUNNING", **meta}   # run_id: the O-RAN testId
        self.meta.setdefault("simulated", is_simulated(self.meta))     # harness.results.simulated
        self.rows: list[dict] = []
        self.planned: list[dict] | None = None      # the applicable test cases, once collected
        self.unsaved: list[dict] = []               # rows that could not be appended (full disk)
        try:
            (self.dir / "tests").mkdir(parents=True, exist_ok=True)
            self._write_meta()
        except OSError as err:
            raise ResultsFolderError(f"{self.dir}: cannot write the results folder: {err.strerror or err}") from None

    def _write_meta(self) -> None:
        # Labs sign and send run.json: passwords and tokens from the profiles never reach it.
        write_atomic(self.dir / "run.json", json.dumps(redact_data(_plain(self.meta)), indent=2))

    def plan(self, planned: list[dict]) -> None:
        """Record the applicable test cases before the first runs ({id, title, status} each), so a
        reader can tell which never ran."""
        self.planned = [{"id": p["id"], "title": p.get("title", ""), "status": p.get("status", "")} for p in planned]
        self.meta["planned"] = self.planned
        try:
            self._write_meta()
        except OSError as err:
            self.notice(f"{self.dir / 'run.json'}: the plan was not written: {err.strerror or err}")

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
        figures = getattr(result, "recovery", ())
        if figures:                      # the recovery checks' figures (harness/runner/recovery.py)
            row["recovery"] = [_plain(f) for f in figures]
        sent = sum(1 for e in result.exchange.entries if e.packet.direction == "sent")
        row["messages"] = {"sent": sent, "received": len(result.exchange.entries) - sent}
        pcap = self.dir / "tests" / safe_name(tc.id) / f"{safe_name(tc.id)}.pcapng"
        if pcap.exists():
            _fsync(pcap)
            row["pcap"] = str(pcap.relative_to(self.dir))
        row.update(extra or {})
        folder = self.dir / "tests" / safe_name(tc.id)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / "exchange.json", json.dumps([e.as_json() for e in result.exchange.entries],
                                                              indent=1))
        except OSError as err:           # a full disk is the harness's failure, not the DUT's: ERROR, kept
            row.pop("exchange", None)
            self._harness_error(result, row, f"{folder / 'exchange.json'}: the evidence could not be written: "
                                             f"{err.strerror or err}")
        self.rows.append(row)
        self._append(row)                # last: a row only names files that exist
        return row

    def _harness_error(self, result, row: dict, message: str) -> None:
        """Turn a test case into an ERROR because its results could not be kept (the row says why)."""
        finding = Finding(Verdict.ERROR, "results.write", message)
        result.verdict = Verdict.ERROR
        result.findings.append(finding)
        row["verdict"], row["oran"] = "ERROR", oran_status(Verdict.ERROR, result.findings)
        row["findings"] = [*row.get("findings", []), _plain(finding)]
        self.notice(message)

    def _append(self, row: dict) -> None:
        """Append one row to results.jsonl; a row that cannot be written is kept to write at the end."""
        try:
            _append_line(self.dir / "results.jsonl", json.dumps(row))
        except OSError as err:
            self.unsaved.append(row)
            self.notice(f"{self.dir / 'results.jsonl'}: the row of {row['id']} was not written "
                        f"({err.strerror or err}); it is tried again at the end of the run")

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
        self.rows.append(row)
        self._append(row)

    def not_run(self) -> list[dict]:
        """The planned test cases that have no row (never ran, or were running when the run stopped)."""
        done = {row["id"] for row in self.rows}
        return [p for p in self.planned or () if p["id"] not in done]

    def finish(self, extra: dict | None = None, interrupted: bool = False) -> dict:
        """End the run: summary.json, run.json's status, the derived reports, the signature.

        Args:
            extra: more summary fields (``finished``: the end time).
            interrupted: the run was stopped (Ctrl-C, SIGTERM, an internal error) before its end.
        """
        unsaved, self.unsaved = self.unsaved, []
        for row in unsaved:               # a full disk may have room again (logs rotated, a file removed)
            self._append(row)
        counts: dict = {}
        for row in self.rows:
            counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
        not_run = self.not_run()
        complete = not interrupted and not not_run and not self.unsaved
        status = "COMPLETE" if complete else "INCOMPLETE"
        summary = {"status": status, "counts": counts, "tests": len(self.rows),
                   "not_run": [p["id"] for p in not_run], **(extra or {})}
        if self.unsaved:
            summary["unsaved"] = [row["id"] for row in self.unsaved]
        self.meta.update(status=status, not_run=summary["not_run"])
        try:
            self._write_meta()
            write_atomic(self.dir / "summary.json", json.dumps(summary, indent=2))
        except OSError as err:            # a reader then sees no summary: INCOMPLETE, which it is
            self.notice(f"{self.dir}: the end of the run was not recorded: {err.strerror or err}")
            return summary
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
