"""Read results folders into typed, frozen records for the joint report.

Theory of operation: a results folder is written test by test, so a killed run
leaves a valid prefix (run.json, some results.jsonl lines, evidence, no
summary.json). Parsing is `harness.results.reader`'s job (the one reader);
this module adapts its rows to what the report shows. What that reader refuses
(no run.json, a corrupt row) is fatal, with its one-line file:line message;
defects in one test's evidence (a corrupt exchange.json, a missing pcap, a cut
last line, a missing summary) become `problems` that name the file, are
printed by the CLI and shown in the report, and everything else renders.

A merged folder (written by `harness.report.merge`) holds full copies of its
source folders under ``sources/<label>/``; `expand` reads those.

Symlinks inside a results folder are never followed (the reader refuses them; an
evidence link through one is a problem naming it; `expand` skips a symlinked
subfolder with a problem): a report shows what is in the folder and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.results.reader import (FindingRow, ResultsDir, ResultsDirError, TestRow, contained, read_exchange,
                                    read_results)

MERGED_FILE = "merged.json"


class ReportInputError(UserError):
    """A results folder cannot be read at all; the message names the file (and line)."""


@dataclass(frozen=True)
class FindingRecord:
    verdict: str
    check: str
    text: str
    clause: str
    ie_path: str | None
    expected: Any
    observed: Any
    step: str | None
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class TestRecord:
    """One line of results.jsonl (where: 'results.jsonl:N')."""

    id: str
    title: str
    reference: str
    interface: str
    dut_role: str
    status: str            # mandatory | conditional | optional
    verdict: str           # PASS | FAIL | INCONC | ERROR | NOT-APPLICABLE (| NONE)
    oran: str              # PASS | FAIL | WARN | SKIP
    findings: tuple[FindingRecord, ...]
    exchange: str | None   # relative to the results folder
    pcap: str | None
    reason: str | None     # why not applicable
    started: float | None
    duration: float | None
    spec: str
    where: str             # 'results.jsonl:N' with the folder's path
    line: int
    recovery: tuple = ()   # the recovery figures (dicts: figure, value, units, objective, verdict, clause, ...)
    impairments: str | None = None   # relative path of the test's impairments.json (what its links went through)

    @property
    def applicable(self) -> bool:
        return self.verdict != "NOT-APPLICABLE"


@dataclass(frozen=True)
class RunRecord:
    """One results folder: its meta (run.json), its test rows, and what was wrong with it."""

    path: Path
    meta: dict
    tests: tuple[TestRecord, ...]
    summary: dict | None
    problems: tuple[str, ...]
    folder: ResultsDir

    @property
    def label(self) -> str:
        return self.path.name


def _finding(row: FindingRow) -> FindingRecord:
    evidence = tuple(e for e in row.evidence if isinstance(e, int) and not isinstance(e, bool))
    return FindingRecord(verdict=row.verdict, check=row.check, text=row.message, clause=row.clause,
                         ie_path=row.ie_path if isinstance(row.ie_path, str) else None,
                         expected=row.expected, observed=row.observed,
                         step=row.step if isinstance(row.step, str) else None, evidence=evidence)


def _test(row: TestRow, jsonl: Path) -> TestRecord:
    return TestRecord(
        id=row.id, title=row.title, reference=row.reference or row.id, interface=row.interface,
        dut_role=row.dut_role, status=row.status or "mandatory", verdict=row.verdict, oran=row.oran,
        findings=tuple(_finding(f) for f in row.findings),
        exchange=row.exchange if isinstance(row.exchange, str) else None,
        pcap=row.pcap if isinstance(row.pcap, str) else None, reason=row.reason or None,
        started=row.started, duration=row.duration, spec=row.spec, where=f"{jsonl}:{row.line}", line=row.line,
        recovery=row.recovery,
        impairments=row.raw.get("impairments") if isinstance(row.raw.get("impairments"), str) else None)


def load_run(path: Path) -> RunRecord:
    """Read one results folder through `harness.results.reader` (the one reader).

    Raises:
        ReportInputError: the folder cannot be read (the message names the file and line).
    """
    path = Path(path)
    try:
        folder = read_results(path)
    except ResultsDirError as err:
        raise ReportInputError(str(err)) from None
    problems = list(folder.notices)
    if not folder.rows:
        problems.append(f"{path / 'results.jsonl'}: no test case recorded")
    if folder.summary is None:
        problems.append(f"{path / 'summary.json'}: missing: the run did not finish (killed?); "
                        f"showing the {len(folder.rows)} test case(s) recorded")
    if not folder.complete:
        never = [p.id for p in folder.not_run]
        problems.append(f"{path}: INCOMPLETE run: " + (f"{len(never)} planned test case(s) never ran: "
                        f"{', '.join(never)}" if never else "it was stopped before its end"))
    tests = tuple(_test(r, path / "results.jsonl") for r in folder.rows)
    return RunRecord(path, folder.meta.raw, tests, folder.summary, tuple(problems), folder)


def load_exchange(run: RunRecord, test: TestRecord) -> tuple[list[dict], str | None]:
    """The decoded exchange of a test, and a problem naming the file if it could not be read."""
    if not test.exchange:
        return [], None
    try:
        contained(run.path, test.exchange)
    except ResultsDirError as err:
        return [], f"{test.where}: exchange: {err}"
    row = next((r for r in run.folder.rows if r.line == test.line), None)
    try:
        entries = read_exchange(run.folder, row) if row is not None else ()
    except ResultsDirError as err:
        return [], str(err)
    except (TypeError, ValueError, OverflowError) as err:
        return [], f"{run.path / test.exchange}: malformed message ({err})"
    return [{"index": e.index, "direction": e.direction, "time": e.time, "step": e.step, "message": e.message,
             "decoded": e.decoded, "error": e.error, "notes": [], "role": e.role, "protocol": e.protocol,
             "xml": e.xml} for e in entries], None


def evidence_path(run: RunRecord, relative: str) -> Path | None:
    """The evidence file inside the results folder, or None if the path escapes it, has a scheme
    or goes through a symlink."""
    try:
        return contained(run.path, relative).resolve()
    except ResultsDirError:
        return None


def expand(paths: list[Path], skipped: list[str] | None = None) -> list[Path]:
    """Results folders named by the user: a folder itself, the per-DUT subfolders of a multi-DUT
    run, or the sources kept in a merged folder. A symlinked subfolder is not followed: it is
    left out and named in `skipped` (the folders named by the user are taken as given)."""
    out: list[Path] = []

    def real(q: Path) -> bool:
        if q.is_symlink():
            if skipped is not None:
                skipped.append(f"{q}: is a symlink; skipped (not followed out of the results folder)")
            return False
        return True

    for p in paths:
        p = Path(p)
        if (p / MERGED_FILE).is_file() and (p / "sources").is_dir() and not (p / "sources").is_symlink():
            out.extend(sorted(q for q in (p / "sources").iterdir() if real(q) and q.is_dir()))
        elif p.is_dir() and not (p / "run.json").exists() and not (p / "results.jsonl").exists():
            subs = sorted(q for q in p.iterdir() if (q / "run.json").exists() and real(q))
            out.extend(subs or [p])         # none: the reader names the missing run.json
        else:
            out.append(p)
    return out
