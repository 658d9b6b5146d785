"""Show a fronthaul capture check: a table, JSON lines, or a results folder like an E2 run's.

Each check becomes a test case row in results.jsonl (id ``CONF-CUS:<clause>/<check>``,
interface ``o-ru.ofh-cu``) written by the same `harness.results.ResultsWriter` as E2
runs, so every report built from results folders treats them alike.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__
from harness.interfaces.cuplane.capture import CaptureCheck
from harness.interfaces.cuplane.profile import FronthaulProfile
from harness.results import ResultsWriter, _plain
from harness.core.verdict import oran_status

INTERFACE = "o-ru.ofh-cu"


def test_id(result) -> str:
    """'CONF-CUS:5.1.3.1.7/seq-continuity' (eCPRI clauses are prefixed 'eCPRI-')."""
    number = result.clause.split()[-1]
    prefix = "eCPRI-" if result.clause.startswith("eCPRI") else ""
    return f"CONF-CUS:{prefix}{number}/{result.id}"


def table_lines(outcome: CaptureCheck) -> list[str]:
    out = [f"{outcome.capture}: {outcome.frames} frames, {outcome.messages} eCPRI messages, "
           f"{outcome.other} other frames ({outcome.seconds:.2f} s)"]
    width = max(len(test_id(r)) for r in outcome.results)
    for r in outcome.results:
        out.append(f"{r.verdict.name:<6} {test_id(r):<{width}}  {r.title} "
                   f"({r.evaluated} evaluated, {r.violations} violation(s))")
        for f in r.findings:
            where = f" [{f.ie_path}]" if f.ie_path else ""
            out.append(f"         {f.verdict.name}: {f.message}{where}")
        for remark in r.remarks:
            out.append(f"         remark: {remark}")
    return out


def _finding(f) -> dict:
    row = _plain(f)
    if f.evidence:
        row["packet"] = f.evidence[0]
    return row


def jsonl_records(outcome: CaptureCheck) -> list[dict]:
    rows = [{"id": test_id(r), "check": r.id, "title": r.title, "clause": r.clause, "verdict": r.verdict.name,
             "evaluated": r.evaluated, "violations": r.violations,
             "findings": [_finding(f) for f in r.findings], "remarks": list(r.remarks)} for r in outcome.results]
    rows.append({"summary": True, "capture": outcome.capture, "frames": outcome.frames,
                 "messages": outcome.messages, "other": outcome.other})
    return rows


@dataclass(frozen=True)
class _TestCase:
    id: str
    title: str
    reference: str
    interface: str = INTERFACE
    dut_role: str = "o-ru"
    status: str = "mandatory"
    where: str = ""
    expected: tuple = ()
    tags: tuple = ("fronthaul", "cu-plane", "capture")


@dataclass(frozen=True)
class _Exchange:
    entries: tuple = ()


@dataclass(frozen=True)
class _Result:
    testcase: _TestCase
    verdict: object
    findings: tuple
    started: float
    duration: float
    exchange: _Exchange = field(default_factory=_Exchange)


def write_results(directory: str | Path, outcome: CaptureCheck, profile: FronthaulProfile,
                  dut=None, dut_path: str | Path = "") -> Path:
    """Write run.json, results.jsonl (one row per check), summary.json under *directory*.

    *dut* (a DUT profile) names the O-RU whose traffic the capture holds, so the
    reports show its identity as for any other run.
    """
    started = time.time()
    writer = ResultsWriter(Path(directory), {
        "harness": __version__, "started": started, "mode": "capture", "fault": None,
        "dut_profile": str(dut_path), "lab_profile": profile.path, "capture": outcome.capture,
        "dut": dut if dut is not None else {"name": "", "role": "o-ru"}, "lab": {"name": profile.name}})
    per = outcome.seconds / max(1, len(outcome.results))
    for r in outcome.results:
        tc = _TestCase(test_id(r), r.title, r.clause, where=f"harness/interfaces/cuplane/checks.py:{r.id}")
        writer.test(_Result(tc, r.verdict, r.findings, started, per),
                    {"capture": outcome.capture, "evaluated": r.evaluated, "violations": r.violations,
                     "remarks": list(r.remarks), "oran": oran_status(r.verdict, r.findings)})
    writer.finish({"capture": outcome.capture, "frames": outcome.frames, "messages": outcome.messages})
    return Path(directory)
