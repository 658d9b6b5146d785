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
from harness.report import charts, msc, recovery_view
from harness import integrity
from harness.core.redact import redact_data
from harness.core.verdict import exit_status
from harness.report.project import Project
from harness.report.readable import NOT_GIVEN, Scrubber, readable
from harness.results.simulated import EXPLANATION, LABEL, is_simulated
from harness.results.reader import ResultsDir
from harness.report.sources import FindingRecord, RunRecord, TestRecord, evidence_path, load_exchange

NO_SCRUB = Scrubber()
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
    local_problems: tuple[str, ...] = ()     # the same with local paths, for the console
    recovery: tuple = ()      # recovery_view.FigureRow...: the recovery figures (issue 20)
    timeline_svg: str = ""    # the recovery timeline, impairment windows shaded


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
    dut: tuple[tuple[str, str], ...] = ()
    local_problems: tuple[str, ...] = ()     # the problems with local paths, for the console


@dataclass(frozen=True)
class Conflict:
    test_id: str
    dut: str
    verdicts: tuple[tuple[str, str, str], ...]   # (source label, lab/site, verdict)


@dataclass(frozen=True)
class Matrix:
    interface: str                     # 'E2' | 'A1' | 'M-plane / fronthaul'
    row_kind: str                      # 'E2 nodes'
    column_kind: str                   # 'Near-RT RICs'
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: dict                        # (row, column) -> (passed, executed, worst verdict)


@dataclass(frozen=True)
class Overall:
    """The one verdict of the whole report, in the order of the exit codes (harness.core.verdict)."""

    verdict: str                       # PASS | FAIL | ERROR | INCOMPLETE | INCONC
    simulated: bool                    # at least one run was against a built-in simulator
    counts: tuple[tuple[str, int], ...]
    text: str


@dataclass(frozen=True)
class Attention:
    """A test case that did not pass, shown first: its deciding finding and its evidence."""

    test: TestView
    run_label: str
    finding: FindingRecord | None


@dataclass(frozen=True)
class ReportView:
    title: str
    generated: str
    runs: tuple[RunView, ...]
    conflicts: tuple[Conflict, ...]
    labs: tuple[str, ...]
    dates: tuple[str, ...]
    problems: tuple[str, ...]
    simulated: tuple[str, ...] = ()    # labels of the runs whose DUT was a built-in simulator
    simulated_label: str = LABEL
    simulated_text: str = EXPLANATION
    matrices: tuple[Matrix, ...] = ()
    overall: Overall | None = None
    attention: tuple[Attention, ...] = ()   # FAIL, then ERROR, then INCONC; across runs
    project: Project | None = None
    local_problems: tuple[str, ...] = ()    # `problems` with the local paths, printed by the CLI
    campaigns: tuple = ()                   # recovery_view.CampaignView...: distributions of a campaign folder

    @property
    def matrix(self) -> Matrix | None:
        """The first interop matrix (most reports have one interface)."""
        return self.matrices[0] if self.matrices else None


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


def _given(value) -> str:
    """A recorded value as text; absent or empty is 'not given' (a report never shows '?')."""
    return NOT_GIVEN if value is None or value == "" or value == {} or value == [] else readable(value)


def dut_identity(meta: dict) -> tuple[str, str, str]:
    dut = _d(meta, "dut")
    return (_given(dut.get("vendor")), _given(dut.get("model") or dut.get("name")), _given(dut.get("sw_version")))


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
        label=label, folder=str(run.path), lab=_given(lab.get("name")), site=_given(lab.get("site")),
        operator=_given(lab.get("operator")), date=_date(meta.get("started")),
        harness=_given(meta.get("harness")), mode=_given(meta.get("mode")),
        dut=f"{key[0]} {key[1]} {key[2]}", dut_key=key, dut_role=_given(dut.get("role")),
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


def _messages(entries: list[dict], anchor: str, decoded: bool, scrub: Scrubber = NO_SCRUB) -> tuple[Message, ...]:
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
            name=name, step=scrub(str(e.get("step") or "")),
            error=scrub(str(e["error"])) if e.get("error") else None,
            notes=tuple(scrub(str(x)) for x in notes) if isinstance(notes, list) else (),
            decoded=text, anchor=f"{anchor}-m{e['index'] if isinstance(e.get('index'), int) else n}"))
    return tuple(out)


def _offset_ms(t: float | None, start: float) -> float:
    if t is None:
        return 0.0
    offset = round((t - start) * 1000, 1)
    return offset if math.isfinite(offset) else 0.0


def _scrubbed(test: TestRecord, scrub: Scrubber) -> TestRecord:
    """The record with its spec path relative to the spec folder and no local path in its findings."""
    findings = tuple(dataclasses.replace(f, text=scrub(f.text), clause=scrub(f.clause),
                                         step=scrub(f.step) if f.step else f.step) for f in test.findings)
    return dataclasses.replace(test, spec=scrub.spec(test.spec), findings=findings,
                               reason=scrub(test.reason) if test.reason else test.reason)


def test_view(run: RunRecord, test: TestRecord, number: int, run_number: int, label: str, out_dir: Path,
              dut_name: str, decoded: bool = True, scrub: Scrubber = NO_SCRUB) -> TestView:
    """One test's part of the report; evidence that cannot be shown is a problem naming it, never a stop."""
    anchor = f"r{run_number}t{number}"
    entries, problem = load_exchange(run, test)
    test = _scrubbed(test, scrub)
    problems: tuple[str, ...] = (problem,) if problem else ()
    if test.applicable and test.pcap and _link(run, test.pcap, out_dir) is None:
        problems += (f"{test.where}: pcap {test.pcap!r} not found in the results folder (or reached "
                     "through a symlink, which is not followed)",)
    try:
        messages = _messages(entries, anchor, decoded, scrub)
        msc_svg = msc.render(messages, dut_name, test.findings) if messages else ""
        kpm_svg = charts.kpm_chart(charts.kpm_series(entries))
    except (RecursionError, TypeError, ValueError, OverflowError, AttributeError, KeyError) as err:
        # one test's evidence with a value of an unexpected shape: shown as a problem, the rest renders
        problems += (f"{run.path / (test.exchange or '')}: evidence not shown ({type(err).__name__}: "
                     f"{str(err)[:200]})",)
        messages, msc_svg, kpm_svg = (), "", Markup("")
    timeline, trouble = recovery_view.timeline_svg(run, test, entries)
    if trouble:
        problems += (trouble,)
    return TestView(
        anchor=anchor, record=test, source=label, exchange_link=_link(run, test.exchange, out_dir),
        pcap_link=_link(run, test.pcap, out_dir), messages=messages, msc_svg=msc_svg, kpm_svg=kpm_svg,
        problems=tuple(scrub(p) for p in problems), local_problems=problems,
        recovery=recovery_view.figure_rows(test), timeline_svg=timeline)


def _pairs(d: dict, prefix: str = "") -> list[tuple[str, str]]:
    out = []
    for k, v in d.items():
        if k == "where":
            continue
        if isinstance(v, dict) and v and prefix.count(".") < 2:
            out.extend(_pairs(v, f"{prefix}{k}."))
        else:
            out.append((f"{prefix}{k}", readable(v)))
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
    rows = [("role played", f"{other} (oran-harness)"), ("harness version", _given(meta.get("harness"))),
            ("mode", _given(meta.get("mode"))), ("transport", _given(lab.get("transport"))),
            ("adapter", _given(_d(lab, "adapter").get("kind")))]
    if meta.get("fault"):
        rows.append(("simulator fault", str(meta["fault"])))
    rows.extend(_pairs(_d(lab, "test_equipment"), "equipment."))
    for n, item in enumerate(_equipment_list(lab), 1):
        rows.append((f"equipment {n}", readable(item)))
    return tuple(rows)


def _equipment_list(lab: dict) -> list:
    """The lab's test equipment list (the profile's test_equipment, recorded as equipment)."""
    out: list = []
    for key in ("equipment", "test_equipment"):
        value = lab.get(key)
        if isinstance(value, list):
            out.extend(v for v in value if v)
    return out


def dut_rows(meta: dict, prov: Provenance) -> tuple[tuple[str, str], ...]:
    """The device under test, as readable text (versions too), 'not given' for what is missing."""
    dut = _d(meta, "dut")
    return (("name", _given(dut.get("name"))), ("role", prov.dut_role), ("vendor", prov.dut_key[0]),
            ("model", prov.dut_key[1]), ("software version", prov.dut_key[2]),
            ("hardware version", _given(dut.get("hw_version"))), ("firmware version", _given(dut.get("fw_version"))),
            ("serial number", _given(dut.get("serial_number"))),
            ("E2AP version", _given(dut.get("e2ap_version") or dut.get("e2ap"))),
            ("E2SM versions", _given(dut.get("e2sm_versions") or dut.get("e2sm"))))


def run_view(run: RunRecord, run_number: int, label: str, out_dir: Path, decoded: bool = True,
             trusted_keys: tuple[Path, ...] = (), scrub: Scrubber = NO_SCRUB) -> RunView:
    # A folder written before secrets were redacted still shows none (PIXIT, transport, equipment).
    run = dataclasses.replace(run, meta=redact_data(run.meta))
    prov = provenance(run, label, trusted_keys)
    prov = dataclasses.replace(prov, verification=dataclasses.replace(
        prov.verification, message=scrub(prov.verification.message)))
    dut_name = str(_d(run.meta, "dut").get("name", "DUT"))
    tests = tuple(test_view(run, t, i, run_number, label, out_dir, dut_name, decoded, scrub)
                  for i, t in enumerate(run.tests, 1))
    problems = tuple(scrub(p) for p in run.problems) + tuple(p for t in tests for p in t.problems)
    local_problems = run.problems + tuple(p for t in tests for p in t.local_problems)
    lab = _d(run.meta, "lab")
    pixit = _pairs(_d(lab, "pixit"), "pixit.") + _pairs(_d(lab, "timers"), "timers.")
    return RunView(provenance=prov, meta=run.meta, certification=certification(run.tests, run.folder), tests=tests,
                   verdict_chart=charts.verdict_bar(run.tests), problems=problems,
                   pics=tuple(_pairs(_d(_d(run.meta, "dut"), "pics"))), pixit=tuple(pixit),
                   asn1=_asn1(run.meta), test_equipment=_test_equipment(run.meta), dut=dut_rows(run.meta, prov),
                   local_problems=local_problems)


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


# Interface family -> (title, row kind, column kind, the roles that sit in the rows).
INTERFACES = {"e2": ("E2", "E2 nodes", "Near-RT RICs", ("e2-node",)),
              "a1": ("A1", "Non-RT RICs", "Near-RT RICs", ("non-rt-ric",)),
              "ru": ("M-plane / fronthaul", "O-DUs", "O-RUs", ("o-du", "e2-node"))}
COUNTERPART = {"e2-node": "Near-RT RIC", "near-rt-ric": "E2 node", "non-rt-ric": "Near-RT RIC", "o-ru": "O-DU"}


def _family(test: TestRecord) -> str:
    """'e2', 'a1' or 'ru' (M-plane, fronthaul) from a test's interface ('near-rt-ric.a1')."""
    suffix = test.interface.rpartition(".")[2].lower()
    if suffix in ("e2", "a1"):
        return suffix
    return "ru" if suffix in ("mplane", "fronthaul", "cuplane", "ofh") or test.dut_role == "o-ru" else "e2"


def _worse(a: str, b: str) -> str:
    return max(a, b, key=lambda v: VERDICT_ORDER.index(v) if v in VERDICT_ORDER else len(VERDICT_ORDER))


def matrices(runs: tuple[RunView, ...]) -> tuple[Matrix, ...]:
    """One matrix per interface (E2: E2 nodes x Near-RT RICs; A1: Non-RT RICs x Near-RT RICs;
    M-plane / fronthaul: O-DUs x O-RUs); the harness is the counterpart unless the lab names one.
    Shown only when the report pairs more than one DUT and counterpart."""
    cells: dict[str, dict] = {}
    for run in runs:
        p = run.provenance
        for t in run.tests:
            r = t.record
            if not r.applicable:
                continue
            family = _family(r)
            role = r.dut_role or p.dut_role
            counterpart = f"oran-harness as {COUNTERPART.get(role, 'counterpart')} @ {p.lab}"
            row, col = (p.dut, counterpart) if role in INTERFACES[family][3] else (counterpart, p.dut)
            passed, executed, worst = cells.setdefault(family, {}).get((row, col), (0, 0, "NOT-APPLICABLE"))
            cells[family][(row, col)] = (passed + (r.verdict == "PASS"), executed + 1, _worse(worst, r.verdict))
    if sum(len(c) for c in cells.values()) < 2:
        return ()
    out = []
    for family, (title, row_kind, col_kind, _) in INTERFACES.items():
        if family in cells:
            c = cells[family]
            out.append(Matrix(title, row_kind, col_kind, tuple(sorted({r for r, _ in c})),
                              tuple(sorted({k for _, k in c})), c))
    return tuple(out)


ATTENTION_ORDER = {"FAIL": 0, "ERROR": 1, "NONE": 1, "INCONC": 2}


def deciding_finding(test: TestRecord) -> FindingRecord | None:
    """The finding that decided the verdict: the first as bad as the verdict, else the last."""
    return next((f for f in test.findings if f.verdict == test.verdict),
                test.findings[-1] if test.findings else None)


def attention(runs: tuple[RunView, ...]) -> tuple[Attention, ...]:
    """Every applicable test that did not pass: FAIL first, then ERROR, then INCONC (run order within)."""
    rows = [(ATTENTION_ORDER.get(t.record.verdict, 1), n, Attention(t, run.provenance.label,
                                                                    deciding_finding(t.record)))
            for run in runs for n, t in enumerate(run.tests)
            if t.record.applicable and t.record.verdict != "PASS"]
    return tuple(a for _, _, a in sorted(rows, key=lambda x: (x[0], x[1])))


def overall(runs: tuple[RunView, ...]) -> Overall:
    """The report's one verdict, ranked like the exit codes: INCOMPLETE or ERROR, then FAIL, INCONC, PASS."""
    verdicts = [t.record.verdict for run in runs for t in run.tests if t.record.applicable]
    complete = all(run.certification.complete for run in runs)
    code = exit_status(verdicts, complete)
    if code == 3:
        verdict = "INCOMPLETE" if not complete else "ERROR"
    else:
        verdict = {0: "PASS", 1: "FAIL"}.get(code, "INCONC")
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v] = counts.get(v, 0) + 1
    ordered = tuple((v, counts[v]) for v in ("FAIL", "ERROR", "NONE", "INCONC", "PASS") if v in counts)
    not_run = sum(len(run.certification.not_run) for run in runs)
    parts = [f"{n} {v}" for v, n in ordered] + ([f"{not_run} NOT RUN"] if not_run else [])
    text = (f"{len(verdicts)} test case(s) executed in {len(runs)} run(s): " + ", ".join(parts)
            if verdicts else "no test case was executed")
    return Overall(verdict, any(run.provenance.simulated for run in runs), ordered, text)


def lab_line(run: RunView) -> str:
    """'name (site, operator, country)' with 'not given' for what the lab profile leaves out."""
    lab = _d(run.meta, "lab")
    p = run.provenance
    return f"{p.lab} (site {p.site}, operator {p.operator}, country {_given(lab.get('country'))})"


def build_view(runs: list[RunRecord], out_dir: Path, title: str = "Joint O-RAN test report",
               decoded: bool = True, labels: list[str] | None = None,
               trusted_keys: tuple[Path, ...] = (), problems: tuple[str, ...] = (),
               project: Project | None = None, campaign_folders: tuple[Path, ...] = ()) -> ReportView:
    """Everything the report shows, for these runs, with links relative to `out_dir`;
    `problems`: input problems outside any run (a symlinked subfolder skipped). No absolute
    local path reaches the view: results folders are named by their labels, spec files
    relative to their spec folder (harness.report.readable.Scrubber)."""
    names = [labels[i] if labels else r.label for i, r in enumerate(runs)]
    scrub = Scrubber.for_runs([(r.path, name) for r, name in zip(runs, names, strict=True)], out_dir)
    views = tuple(run_view(r, i, names[i - 1], out_dir, decoded, trusted_keys, scrub)
                  for i, r in enumerate(runs, 1))
    labs = tuple(sorted({lab_line(v) for v in views}))
    campaign_views, campaign_problems = recovery_view.campaigns(campaign_folders)
    problems += campaign_problems
    return ReportView(title=title, generated=_date(time.time()), runs=views, conflicts=conflicts(views),
                      labs=labs, dates=tuple(sorted({v.provenance.date for v in views})),
                      problems=tuple(scrub(p) for p in problems) + tuple(p for v in views for p in v.problems),
                      simulated=tuple(v.provenance.label for v in views if v.provenance.simulated),
                      matrices=matrices(views), overall=overall(views), attention=attention(views),
                      project=project, local_problems=problems + tuple(p for v in views for p in v.local_problems),
                      campaigns=campaign_views)
