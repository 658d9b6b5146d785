"""What the joint report shows, computed once from the results folders.

The templates only lay out these frozen records; every count, link and
judgement is made here so it can be tested without rendering. Strings stay raw
(unescaped) here: escaping is the template engine's job (autoescape on), and
SVG built in Python escapes through markupsafe.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from markupsafe import Markup

from harness.interfaces.mplane.xml_view import label, pretty
from harness.report import charts, msc
from harness import integrity
from harness.core.redact import redact_data
from harness.results.simulated import EXPLANATION, LABEL, is_simulated
from harness.results.reader import ResultsDir
from harness.report.sources import RunRecord, TestRecord, evidence_path, load_exchange

# Verdicts from best to worst, for "the worst verdict" of a cell.
VERDICT_ORDER = ("NOT-APPLICABLE", "NONE", "PASS", "INCONC", "FAIL", "ERROR")
DECODED_LIMIT = 200_000       # characters of decoded JSON shown inline per message; the file has all


@dataclass(frozen=True)
class Verification:
    state: str                # 'verified' | 'NOT VERIFIED' | 'unsigned' | 'not checked'
    key: str | None
    message: str


@dataclass(frozen=True)
class Provenance:
    label: str
    folder: str
    lab: str
    site: str
    operator: str
    date: str
    harness: str
    mode: str
    dut: str                  # 'vendor model sw' one line
    dut_key: tuple[str, str, str]
    dut_role: str
    verification: Verification
    simulated: bool = False   # the DUT was a built-in simulator (harness.results.simulated): a banner says so


@dataclass(frozen=True)
class Certification:
    """The certification-style summary of one run."""

    total: int
    selected: int
    not_applicable: int
    executed: int
    passed: int
    failed: int
    inconclusive: int
    errors: int
    mandatory: tuple[int, int]      # (passed, applicable)
    conditional: tuple[int, int]
    optional: tuple[int, int]
    all_required_passed: bool       # never True for an incomplete run
    complete: bool = True           # False: the run stopped before its end (INCOMPLETE)
    not_run: tuple[str, ...] = ()   # planned test cases that never ran ('id  title')


@dataclass(frozen=True)
class Message:
    index: int
    direction: str
    offset_ms: float
    name: str
    step: str
    error: str | None
    notes: tuple[str, ...]
    decoded: str              # pretty JSON (possibly cut)
    anchor: str


@dataclass(frozen=True)
class TestView:
    anchor: str
    record: TestRecord
    source: str               # provenance label
    exchange_link: str | None
    pcap_link: str | None
    messages: tuple[Message, ...]
    msc_svg: str              # Markup-safe SVG
    kpm_svg: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class RunView:
    provenance: Provenance
    meta: dict
    certification: Certification
    tests: tuple[TestView, ...]
    verdict_chart: str
    problems: tuple[str, ...]
    pics: tuple[tuple[str, str], ...]
    pixit: tuple[tuple[str, str], ...]
    asn1: tuple[tuple[str, str, str], ...]
    test_equipment: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Conflict:
    test_id: str
    dut: str
    verdicts: tuple[tuple[str, str, str], ...]   # (source label, lab/site, verdict)


@dataclass(frozen=True)
class Matrix:
    rows: tuple[str, ...]              # E2 nodes
    columns: tuple[str, ...]           # Near-RT RICs
    cells: dict                        # (row, column) -> (passed, executed, worst verdict)


@dataclass(frozen=True)
class ReportView:
    title: str
    generated: str
    runs: tuple[RunView, ...]
    conflicts: tuple[Conflict, ...]
    matrix: Matrix | None
    labs: tuple[str, ...]
    dates: tuple[str, ...]
    problems: tuple[str, ...]
    simulated: tuple[str, ...] = ()    # labels of the runs whose DUT was a built-in simulator
    simulated_label: str = LABEL
    simulated_text: str = EXPLANATION


def _date(epoch) -> str:
    if not isinstance(epoch, (int, float)) or isinstance(epoch, bool):
        return "unknown"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
    except (OverflowError, OSError, ValueError):          # a huge, NaN or infinite timestamp
        return "unknown"


def _finite(value) -> float | None:
    """A finite float from a JSON number, or None (bool, NaN, infinity, too big for a float)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _d(meta: dict, key: str) -> dict:
    value = meta.get(key)
    return value if isinstance(value, dict) else {}


def dut_identity(meta: dict) -> tuple[str, str, str]:
    dut = _d(meta, "dut")
    return (str(dut.get("vendor", "?")), str(dut.get("model", dut.get("name", "?"))), str(dut.get("sw_version", "?")))


def verification(path: Path, trusted_keys: tuple[Path, ...] = ()) -> Verification:
    """The integrity check of a results folder."""
    if not (path / integrity.MANIFEST_NAME).exists():
        return Verification("unsigned", None, f"no {integrity.MANIFEST_NAME}: the results were not sealed")
    try:
        result = integrity.verify_dir(path, list(trusted_keys) or None)
    except integrity.IntegrityError as err:     # a broken manifest must not stop the report; it is shown
        return Verification("NOT VERIFIED", None, str(err))
    state = "verified" if result.ok else "NOT VERIFIED"
    return Verification(state, result.key_fingerprint, result.message)


def provenance(run: RunRecord, label: str, trusted_keys: tuple[Path, ...] = ()) -> Provenance:
    meta, lab, dut = run.meta, _d(run.meta, "lab"), _d(run.meta, "dut")
    key = dut_identity(meta)
    return Provenance(
        label=label, folder=str(run.path), lab=str(lab.get("name", "?")), site=str(lab.get("site", "?")),
        operator=str(lab.get("operator", "?")), date=_date(meta.get("started")),
        harness=str(meta.get("harness", "?")), mode=str(meta.get("mode", "?")),
        dut=f"{key[0]} {key[1]} {key[2]}", dut_key=key, dut_role=str(dut.get("role", "?")),
        verification=verification(run.path, trusted_keys), simulated=is_simulated(meta))


def certification(tests: tuple[TestRecord, ...], folder: ResultsDir | None = None) -> Certification:
    """The certification summary; with the run's folder, the planned test cases that never ran count
    as applicable and not passed, and an incomplete run never has all required passed."""
    applicable = [t for t in tests if t.applicable]
    not_run = folder.not_run if folder is not None else ()
    complete = folder.complete if folder is not None else True

    def ratio(status: str) -> tuple[int, int]:
        chosen = [t for t in applicable if t.status == status]
        missing = sum(1 for p in not_run if (p.status or "mandatory") == status)
        return sum(t.verdict == "PASS" for t in chosen), len(chosen) + missing

    mandatory, conditional = ratio("mandatory"), ratio("conditional")
    executed = [t for t in applicable if t.verdict != "NONE"]
    return Certification(
        total=len(tests), selected=len(applicable), not_applicable=len(tests) - len(applicable),
        executed=len(executed), passed=sum(t.verdict == "PASS" for t in executed),
        failed=sum(t.verdict == "FAIL" for t in executed), inconclusive=sum(t.verdict == "INCONC" for t in executed),
        errors=sum(t.verdict in ("ERROR", "NONE") for t in applicable),
        mandatory=mandatory, conditional=conditional, optional=ratio("optional"),
        all_required_passed=complete and bool(applicable) and mandatory[0] == mandatory[1]
        and conditional[0] == conditional[1],
        complete=complete, not_run=tuple(f"{p.id}  {p.title}".strip() for p in not_run))


def _link(run: RunRecord, relative: str | None, out_dir: Path) -> str | None:
    """A relative, percent-encoded link from the report to an evidence file that exists."""
    if not relative:
        return None
    target = evidence_path(run, relative)
    if target is None or not target.is_file():
        return None
    return quote(Path(os.path.relpath(target, out_dir.resolve())).as_posix())


def _messages(entries: list[dict], anchor: str, decoded: bool) -> tuple[Message, ...]:
    times = [t for e in entries if (t := _finite(e.get("time"))) is not None]
    start = min(times) if times else 0.0
    out = []
    for n, e in enumerate(entries, 1):
        t = _finite(e.get("time"))
        text = ""
        name = str(e.get("message") or "(undecoded)")
        if e.get("protocol") == "netconf" and isinstance(e.get("xml"), str):   # M-plane: XML, not decoded JSON
            name = label(str(e.get("message") or ""), e["xml"])
            text = pretty(e["xml"]) if decoded else ""
            if len(text) > DECODED_LIMIT:
                text = text[:DECODED_LIMIT] + f"\n... cut at {DECODED_LIMIT} characters; see exchange.json"
        elif decoded:
            try:
                text = json.dumps(e.get("decoded"), indent=1, ensure_ascii=False, default=str)
            except (RecursionError, ValueError) as err:
                text = f"(not shown: {'nested too deep' if isinstance(err, RecursionError) else err})"
            if len(text) > DECODED_LIMIT:
                text = text[:DECODED_LIMIT] + f"\n... cut at {DECODED_LIMIT} characters; see exchange.json"
        notes = e.get("notes")
        out.append(Message(
            index=e["index"] if isinstance(e.get("index"), int) else n,
            direction=str(e.get("direction", "?")),
            offset_ms=_offset_ms(t, start),
            name=name, step=str(e.get("step") or ""),
            error=str(e["error"]) if e.get("error") else None,
            notes=tuple(str(x) for x in notes) if isinstance(notes, list) else (),
            decoded=text, anchor=f"{anchor}-m{e['index'] if isinstance(e.get('index'), int) else n}"))
    return tuple(out)


def _offset_ms(t: float | None, start: float) -> float:
    if t is None:
        return 0.0
    offset = round((t - start) * 1000, 1)
    return offset if math.isfinite(offset) else 0.0


def test_view(run: RunRecord, test: TestRecord, number: int, run_number: int, label: str, out_dir: Path,
              dut_name: str, decoded: bool = True) -> TestView:
    """One test's part of the report; evidence that cannot be shown is a problem naming it, never a stop."""
    anchor = f"r{run_number}t{number}"
    entries, problem = load_exchange(run, test)
    problems: tuple[str, ...] = (problem,) if problem else ()
    if test.applicable and test.pcap and _link(run, test.pcap, out_dir) is None:
        problems += (f"{test.where}: pcap {test.pcap!r} not found in the results folder (or reached "
                     "through a symlink, which is not followed)",)
    try:
        messages = _messages(entries, anchor, decoded)
        msc_svg = msc.render(messages, dut_name, test.findings) if messages else ""
        kpm_svg = charts.kpm_chart(charts.kpm_series(entries))
    except (RecursionError, TypeError, ValueError, OverflowError, AttributeError, KeyError) as err:
        # one test's evidence with a value of an unexpected shape: shown as a problem, the rest renders
        problems += (f"{run.path / (test.exchange or '')}: evidence not shown ({type(err).__name__}: "
                     f"{str(err)[:200]})",)
        messages, msc_svg, kpm_svg = (), "", Markup("")
    return TestView(
        anchor=anchor, record=test, source=label, exchange_link=_link(run, test.exchange, out_dir),
        pcap_link=_link(run, test.pcap, out_dir), messages=messages, msc_svg=msc_svg, kpm_svg=kpm_svg,
        problems=problems)


def _pairs(d: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for k, v in d.items():
        if k == "where":
            continue
        if isinstance(v, dict) and v and prefix.count(".") < 2:
            out.extend(_pairs(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v))
    return out


def _asn1(meta: dict) -> tuple[tuple[str, str, str], ...]:
    rows: list[tuple[str, str, str]] = []
    for group, files in _d(meta, "asn1").items():
        if isinstance(files, dict):
            rows.extend((str(group), str(name), str(digest)) for name, digest in files.items())
    return tuple(rows)


def _test_equipment(meta: dict) -> tuple[tuple[str, str], ...]:
    lab, dut = _d(meta, "lab"), _d(meta, "dut")
    other = {"e2-node": "Near-RT RIC", "near-rt-ric": "E2 node"}.get(str(dut.get("role")), "counterpart")
    rows = [("role played", f"{other} (oran-harness)"), ("harness version", str(meta.get("harness", "?"))),
            ("mode", str(meta.get("mode", "?"))), ("transport", json.dumps(lab.get("transport", {}))),
            ("adapter", str(_d(lab, "adapter").get("kind", "?")))]
    if meta.get("fault"):
        rows.append(("simulator fault", str(meta["fault"])))
    rows.extend(_pairs(_d(lab, "test_equipment"), "equipment."))
    return tuple(rows)


def run_view(run: RunRecord, run_number: int, label: str, out_dir: Path, decoded: bool = True,
             trusted_keys: tuple[Path, ...] = ()) -> RunView:
    # A folder written before secrets were redacted still shows none (PIXIT, transport, equipment).
    run = dataclasses.replace(run, meta=redact_data(run.meta))
    prov = provenance(run, label, trusted_keys)
    dut_name = str(_d(run.meta, "dut").get("name", "DUT"))
    tests = tuple(test_view(run, t, i, run_number, label, out_dir, dut_name, decoded)
                  for i, t in enumerate(run.tests, 1))
    problems = run.problems + tuple(p for t in tests for p in t.problems)
    lab = _d(run.meta, "lab")
    pixit = _pairs(_d(lab, "pixit"), "pixit.") + _pairs(_d(lab, "timers"), "timers.")
    return RunView(provenance=prov, meta=run.meta, certification=certification(run.tests, run.folder), tests=tests,
                   verdict_chart=charts.verdict_bar(run.tests), problems=problems,
                   pics=tuple(_pairs(_d(_d(run.meta, "dut"), "pics"))), pixit=tuple(pixit),
                   asn1=_asn1(run.meta), test_equipment=_test_equipment(run.meta))


def conflicts(runs: tuple[RunView, ...]) -> tuple[Conflict, ...]:
    """The same test on the same DUT version with different verdicts across runs."""
    seen: dict[tuple, list[tuple[str, str, str]]] = {}
    for run in runs:
        p = run.provenance
        for t in run.tests:
            if t.record.applicable:
                seen.setdefault((t.record.id, p.dut_key), []).append(
                    (p.label, f"{p.lab} / {p.site}", t.record.verdict))
    return tuple(Conflict(test_id, " ".join(dut), tuple(rows))
                 for (test_id, dut), rows in sorted(seen.items())
                 if len({r[2] for r in rows}) > 1)


def matrix(runs: tuple[RunView, ...]) -> Matrix | None:
    """E2 nodes against Near-RT RICs; the harness is the counterpart unless the lab names one."""
    cells: dict = {}
    for run in runs:
        p, lab = run.provenance, _d(run.meta, "lab")
        counterpart = str(_d(lab, "test_equipment").get("name") or f"oran-harness @ {p.lab}")
        row, col = (p.dut, counterpart) if p.dut_role == "e2-node" else (counterpart, p.dut)
        passed, executed, worst = cells.get((row, col), (0, 0, "NOT-APPLICABLE"))
        for t in run.tests:
            if t.record.applicable:
                executed += 1
                passed += t.record.verdict == "PASS"
                worst = max(worst, t.record.verdict, key=lambda v: VERDICT_ORDER.index(v)
                            if v in VERDICT_ORDER else len(VERDICT_ORDER))
        cells[(row, col)] = (passed, executed, worst)
    if len(cells) < 2:
        return None
    return Matrix(tuple(sorted({r for r, _ in cells})), tuple(sorted({c for _, c in cells})), cells)


def build_view(runs: list[RunRecord], out_dir: Path, title: str = "Joint O-RAN test report",
               decoded: bool = True, labels: list[str] | None = None,
               trusted_keys: tuple[Path, ...] = (), problems: tuple[str, ...] = ()) -> ReportView:
    """Everything the report shows, for these runs, with links relative to `out_dir`;
    `problems`: input problems outside any run (a symlinked subfolder skipped)."""
    views = tuple(run_view(r, i, (labels[i - 1] if labels else r.label), out_dir, decoded, trusted_keys)
                  for i, r in enumerate(runs, 1))
    labs = tuple(sorted({f"{v.provenance.lab} ({v.provenance.site}, {v.provenance.operator})" for v in views}))
    return ReportView(title=title, generated=_date(time.time()), runs=views, conflicts=conflicts(views),
                      matrix=matrix(views), labs=labs, dates=tuple(sorted({v.provenance.date for v in views})),
                      problems=problems + tuple(p for v in views for p in v.problems),
                      simulated=tuple(v.provenance.label for v in views if v.provenance.simulated))
