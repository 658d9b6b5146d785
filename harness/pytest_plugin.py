"""The harness pytest plugin: YAML test specifications become pytest items.

Follows pytest's documented contract for non-Python tests
(collect_file -> File.collect -> Item.runtest / repr_failure / reportinfo):

* a YAML spec file (top-level `testcases:`, `templates:` or `groups:`) in any
  folder the user names (`pytest PATH`), or every YAML file under --specs-root
  when given, is a `SpecYamlFile`; the bundled templates and step groups
  (harness.bundled) are always in the library, the named folders add theirs;
  loading and validating happen at collection, so a bad spec is a collection
  error naming file:line, never a red DUT result;
* one `SpecItem` per test case; not-applicable ones (DUT role, PICS) are
  skipped with the reason, so the selection stays visible;
* `runtest` runs the case against the DUT (in 'sim' mode a built-in simulator
  on an in-process link) and maps its verdict through `harness.core.verdict.OUTCOMES`:
  PASS passes, FAIL fails, ERROR shows as an error (not a DUT failure),
  INCONC is skipped as "INCONC: ..." (never a pass);
* the verdict, its O-RAN status and the worst finding are item user properties,
  so pytest's --junitxml carries them; at the end that file is corrected to keep
  the verdict meaning (ERROR an <error>, not a <failure>; see docs/reports.md);
* with allure-pytest loaded and --alluredir given, every item gets labels, one
  allure step per spec step and its evidence attached (harness.report.allure_steps);
  without allure nothing of it is imported;
* several --dut profiles make one item per test case and DUT ('ID[<profile stem>]'),
  each DUT writing RESULTS/<profile stem>/; under pytest-xdist (-n N) a scheduler
  keeps each DUT on one worker, in spec order (harness.parallel, docs/parallel.md).
  Then (and whenever xdist runs) results are written only by the process that runs
  the DUT, and not-applicable rows when their item comes up, not at collection.

Options: --dut PROFILE (repeatable), --dut-lab STEM=LAB, --lab PROFILE,
--mode sim|live|replay, --sim-fault NAME, --results DIR, --specs-root DIR.
"""

from __future__ import annotations

import difflib
import json
import os
import signal
import threading
from pathlib import Path

import pytest

from harness.codec.e2 import E2Codec, E2Versions
from harness.core.errors import DutError, HarnessError, LabError, UserError
from harness.core.terminal import safe
from harness.core.verdict import OUTCOMES, Verdict
from harness.parallel.duts import DutPlanError, dut_of, item_name, parse_dut_labs, plan_duts
from harness.parallel.scheduler import DutScheduling
from harness.parallel.sessions import DutSessions
from harness.report.allure_steps import AllureReporter
from harness.pytest_console import COLOURS, CaseLines, quiet_status
from harness.results import safe_name
from harness.results.junit import keep_verdicts
from harness.results.reader import ResultsDirError, read_results
from harness.results.simulated import simulated_line
from harness.session import DEFAULT_DUT, DEFAULT_LAB, HarnessSession, Options, SessionError
from harness.spec.errors import SpecError
from harness.spec.loader import looks_like_spec

_STATE = pytest.StashKey["HarnessSession"]()
_DUTS = pytest.StashKey["DutSessions"]()          # deferred mode: several DUTs, or xdist
_TALLY = pytest.StashKey["VerdictTally"]()        # (nodeid, verdict) of spec items, for the summary


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oran-harness")
    group.addoption("--dut", action="append", default=[],
                    help="DUT profile (YAML); repeat for several DUTs (with -n N: one xdist worker each); "
                         "default: the built-in E2 node simulator")
    group.addoption("--dut-lab", action="append", default=[], metavar="STEM=LAB",
                    help="a lab profile for one DUT (by its profile's file stem), e.g. for live DUTs at "
                         "different addresses")
    group.addoption("--lab", default=None,
                    help="lab profile (YAML); default: the bundled lab-sim.yaml (fixtures/profiles)")
    group.addoption("--mode", default=None, choices=("sim", "live", "replay"),
                    help="sim: built-in simulators on an in-process link (live and replay: later issues)")
    group.addoption("--sim-fault", default=None,
                    help="fault mode of the built-in simulator (docs/robustness.md lists them)")
    group.addoption("--results", default=None, help="write results here as each test case ends")
    group.addoption("--specs-root", default=None,
                    help="collect only the YAML files under this folder, and add its templates and groups "
                         "to the bundled ones (default: the folders and files named)")
    group.addoption("--wire-capture", default=None, metavar="IFACE",
                    help="also capture the real wire on IFACE with dumpcap (results/wire.pcapng)")
    group.addoption("--e2ap-version", default=None, help="E2AP version for the e2_codec fixture")
    group.addoption("--e2sm-version", action="append", default=[], metavar="PROTO=VERSION",
                    help="E2SM version for the e2_codec fixture, e.g. e2sm-kpm=v02.03")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in (("mandatory", "test case status: mandatory"),
                       ("conditional", "test case status: conditionally mandatory"),
                       ("optional", "test case status: optional"),
                       ("e2", "E2 interface test case"), ("a1", "A1 interface test case"),
                       ("mplane", "M-plane interface test case"), ("dut_non_rt_ric", "the DUT is a Non-RT RIC"),
                       ("dut_e2_node", "the DUT is an E2 node"),
                       ("dut_near_rt_ric", "the DUT is a Near-RT RIC"),
                       ("dut_o_ru", "the DUT is an O-RU (M-plane)")):
        config.addinivalue_line("markers", f"{name}: {text}")
    if not _xdist_worker(config):       # xdist's controller is only known after this (its configure is trylast)
        config.stash[_TALLY] = VerdictTally()
        config.pluginmanager.register(config.stash[_TALLY], "oran-harness-verdict-tally")
        config.pluginmanager.register(CaseLines(config, lambda item: _planned(item) is not None),
                                      "oran-harness-case-lines")
        _stop_on_sigterm()


def _stop_on_sigterm() -> None:
    """SIGTERM stops the run like Ctrl-C (pytest's KeyboardInterrupt path), so the simulators and
    captures are closed and the results end INCOMPLETE; a second SIGTERM kills as usual."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return

    def stop(signum, _frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise KeyboardInterrupt(f"stopped by {signal.Signals(signum).name}")

    signal.signal(signal.SIGTERM, stop)


def _slots(config: pytest.Config):
    """The DUTs of this run (one slot per --dut; the built-in E2 node when none is given)."""
    results = config.getoption("--results")
    try:
        return plan_duts([Path(p) for p in config.getoption("--dut")] or [DEFAULT_DUT],
                         Path(config.getoption("--lab") or DEFAULT_LAB), Path(results) if results else None,
                         parse_dut_labs(config.getoption("--dut-lab")))
    except DutPlanError as err:
        raise pytest.UsageError(f"oran-harness: {err}") from None


def _xdist_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def _xdist_controller(config: pytest.Config) -> bool:
    return config.pluginmanager.has_plugin("dsession")


def _deferred(config: pytest.Config) -> bool:
    """Several DUTs or xdist: per-DUT sessions that write only where the DUT runs (harness.parallel)."""
    return len(config.getoption("--dut")) > 1 or _xdist_worker(config) or _xdist_controller(config)


def _options(config: pytest.Config, slot):
    root = _specs_root(config)
    return Options(dut=slot.profile, lab=slot.lab, mode=config.getoption("--mode"),
                   fault=config.getoption("--sim-fault"), results=slot.results,
                   specs_root=root if root is not None else _named_spec_paths(config),
                   wire_capture=config.getoption("--wire-capture"))


def _session(config: pytest.Config):
    """The one harness session of a single-DUT run without xdist."""
    state = config.stash.get(_STATE, None)
    if state is None:
        try:
            state = HarnessSession(_options(config, _slots(config)[0]))
        except SessionError as err:
            # A bad profile or option stops the whole run, once: it is not a spec problem.
            raise pytest.UsageError(f"oran-harness: {err}") from None
        config.stash[_STATE] = state
        reporter = _allure(config)
        if reporter is not None:
            state.step_listeners.append(reporter.on_step)
    return state


def _duts(config: pytest.Config):
    """The per-DUT sessions of a deferred run, every DUT's profiles checked once up front."""
    duts = config.stash.get(_DUTS, None)
    if duts is None:
        reporter = _allure(config)
        options = _options(config, _slots(config)[0])
        duts = DutSessions(_slots(config), options.mode, options.fault, options.specs_root, options.wire_capture,
                           on_open=(lambda s: s.step_listeners.append(reporter.on_step)) if reporter else None)
        try:
            for key in duts.order:
                duts.for_collection(key)
        except SessionError as err:
            raise pytest.UsageError(f"oran-harness: {err}") from None
        config.stash[_DUTS] = duts
    return duts


_ALLURE = pytest.StashKey["object"]()


def _allure(config: pytest.Config):
    """The allure reporter, or None when allure-pytest is absent, disabled or not writing."""
    if _ALLURE not in config.stash:
        config.stash[_ALLURE] = AllureReporter.for_config(config)
    return config.stash[_ALLURE]


def _specs_root(config: pytest.Config) -> Path | None:
    root = config.getoption("--specs-root")
    return Path(root).resolve() if root else None


def _named(config: pytest.Config) -> list[Path]:
    """The files and folders named on the command line (or by testpaths)."""
    return [Path(arg.split("::")[0]).resolve() for arg in config.args]


def _is_spec_file(path: Path) -> bool:
    """A YAML file whose top level is a spec's: profiles and other YAML in a named folder are not collected."""
    return looks_like_spec(path)


def _named_spec_paths(config: pytest.Config) -> tuple[Path, ...]:
    """The named files and folders that hold spec files: their templates and groups join the bundled ones."""
    out = []
    for path in _named(config):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            out.append(path)
        elif path.is_dir() and any(_is_spec_file(p) for p in path.rglob("*.y*ml")):
            out.append(path)
    return tuple(out)


def _runs_specs(config: pytest.Config) -> bool:
    root = _specs_root(config)
    if root is None:
        return bool(_named_spec_paths(config))
    for path in _named(config):
        if path == root or root in path.parents or (path.is_dir() and path in root.parents):
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Open the harness session up front when specs will be collected, so a bad
    profile is one usage error (exit 4) rather than an error per spec file (or,
    under xdist, a crash of every worker: this runs before xdist starts them)."""
    config = session.config
    if not _runs_specs(config):
        return
    if _deferred(config):
        _duts(config)
    else:
        _session(config)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """xdist: each DUT's test cases on one worker, in spec order (harness.parallel.scheduler).

    Used whenever specs are run or --dut is given, whatever --dist says: splitting a DUT's
    test cases over workers is never right, and --dist loadgroup is broken under pytest 9.
    """
    if not (_runs_specs(config) or config.getoption("--dut")):
        return None
    return DutScheduling(config, log)


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    path, root = file_path.resolve(), _specs_root(parent.config)
    if root is not None:
        return SpecYamlFile.from_parent(parent, path=file_path) if path.is_relative_to(root) else None
    if path in _named(parent.config) or _is_spec_file(path):     # a file named is collected, whatever it holds
        return SpecYamlFile.from_parent(parent, path=file_path)
    return None


class SpecYamlFile(pytest.File):
    def collect(self):
        if _deferred(self.config):
            yield from self._collect_per_dut()
            return
        session = _session(self.config)
        try:
            spec_file = session.load(self.path)
        except SpecError as err:
            raise SpecCollectError(str(err)) from None
        for tc in spec_file.testcases:
            item = SpecItem.from_parent(self, name=tc.id, testcase=tc)
            _mark(item, tc)
            applicable, reason = session.applicable(tc)
            if not applicable:
                item.add_marker(pytest.mark.skip(reason=f"not applicable: {reason}"))
                session.not_applicable(tc, reason)
            yield item

    def _collect_per_dut(self):
        """One item per test case and DUT; not-applicable rows are written when the item comes up."""
        duts = _duts(self.config)
        for key in duts.order:
            session = duts.for_collection(key)
            try:
                spec_file = session.load(self.path)
            except SpecError as err:
                raise SpecCollectError(str(err)) from None
            for tc in spec_file.testcases:
                item = SpecItem.from_parent(self, name=item_name(tc.id, duts.slots[key], duts.multi), testcase=tc,
                                            dut_key=key)
                _mark(item, tc)
                applicable, reason = session.applicable(tc)
                if not applicable:
                    item.not_applicable = reason
                yield item

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, SpecCollectError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


def _mark(item: pytest.Item, tc) -> None:
    item.add_marker(tc.status)
    item.add_marker(getattr(tc, "protocol", "e2") or "e2")    # e2 | a1 | mplane: the interface
    item.add_marker("dut_" + tc.dut_role.replace("-", "_"))


class SpecCollectError(UserError):
    """A spec that does not load: the text names file:line."""


class VerdictFailure(HarnessError):
    """A test case ended worse than PASS; carries the result (raised as one of the two below)."""

    def __init__(self, result) -> None:
        super().__init__(result.verdict.name)
        self.result = result


class VerdictError(VerdictFailure, LabError):
    """Raised for ERROR verdicts: the lab, the harness or the spec broke (allure: broken)."""


class DutFailure(VerdictFailure, DutError, AssertionError):
    """Raised for FAIL verdicts: an assertion about the DUT failed (allure: failed)."""


class SpecItem(pytest.Item):
    def __init__(self, *, testcase, dut_key: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.testcase = testcase
        self.extra_keyword_matches.add(testcase.title)      # -k matches the title as well as the id
        self.dut_key = dut_key              # deferred mode: which DUT (harness.parallel)
        self.not_applicable: str | None = None
        self.result = None

    def harness_session(self):
        """The session that runs this item (deferred mode: its DUT's, opened on first use)."""
        if self.dut_key is None:
            return _session(self.config)
        try:
            return _duts(self.config).for_run(self.dut_key)
        except SessionError as err:         # e.g. the results folder cannot be written
            raise pytest.UsageError(f"oran-harness: {err}") from None

    def setup(self) -> None:
        if self.not_applicable is not None:
            self.harness_session().not_applicable(self.testcase, self.not_applicable)
            pytest.skip(f"not applicable: {self.not_applicable}")

    def runtest(self) -> None:
        session = self.harness_session()
        reporter = _allure(self.config)
        if reporter is not None:
            reporter.label(self.testcase, session.dut.name, session.mode, session.options.fault)
            reporter.run_facts(_session_meta(session))      # allure environment.properties, categories.json
        try:
            result = self.result = session.run(self.testcase)
        finally:
            if reporter is not None:
                reporter.close_open_steps()
        verdict = result.verdict
        worst = _worst(result)
        self.user_properties.extend([("verdict", verdict.name), ("oran", OUTCOMES[verdict].oran),
                                     ("finding", worst.line() if worst else "")])
        if reporter is not None:
            reporter.attach(self.result, _pcap(session, self.testcase))
        if verdict == Verdict.PASS:
            return
        if verdict == Verdict.INCONC:
            pytest.skip(f"INCONC: {worst.message if worst else ''}")
        raise (DutFailure if verdict == Verdict.FAIL else VerdictError)(self.result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, VerdictFailure):
            return format_result(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, self.testcase.where.line - 1, f"{self.testcase.id}: {self.testcase.title}"


def _worst(result):
    """The finding that decided the verdict (the first one as bad as the verdict)."""
    return next((f for f in result.findings if f.verdict == result.verdict),
                result.findings[-1] if result.findings else None)


def _pcap(session, testcase):
    if session.writer is None:
        return None
    name = safe_name(testcase.id)
    return session.writer.dir / "tests" / name / f"{name}.pcapng"


def pytest_report_teststatus(report, config):
    quiet = quiet_status(report, config)        # its line is harness.pytest_console's
    if quiet is not None:
        return quiet
    verdict = dict(report.user_properties).get("verdict") if report.when == "call" else None
    if verdict in ("ERROR", "NONE"):
        return "error", "E", "ERROR"
    if verdict == "INCONC":
        return "inconclusive", "I", "INCONCLUSIVE"
    return None


def pytest_collection_modifyitems(session, config, items):
    """Several DUTs in one process: run one DUT's test cases after the other's (stable, spec order)."""
    duts = config.stash.get(_DUTS, None)
    if duts is not None and duts.multi:
        rank = {key: i for i, key in enumerate(duts.order)}
        items.sort(key=lambda it: rank.get(getattr(it, "dut_key", None), -1))


class VerdictTally:
    """Each spec item's verdict as reported here (on the xdist controller: every worker's)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []

    def pytest_runtest_logreport(self, report) -> None:
        if dut_of(report.nodeid) is None:
            return
        verdict = dict(report.user_properties).get("verdict") if report.when == "call" else None
        if verdict is None and report.skipped and "not applicable" in str(report.longrepr):
            verdict = "NOT-APPLICABLE"
        if verdict is not None:
            self.rows.append((report.nodeid, verdict))


def _planned(item) -> dict | None:
    """The item's test case as planned ({id, title, status}), or None when it is not applicable."""
    if not isinstance(item, SpecItem) or item.not_applicable is not None:
        return None
    if any(str(m.kwargs.get("reason", "")).startswith("not applicable") for m in item.iter_markers("skip")):
        return None
    tc = item.testcase
    return {"id": tc.id, "title": tc.title, "status": tc.status}


def pytest_collection_finish(session) -> None:
    """Record the applicable test cases (after -k and deselection) before any runs: a reader of the
    results can then name the ones that never ran (a run stopped by Ctrl-C, SIGTERM, -x, a guard)."""
    config = session.config
    state, duts = config.stash.get(_STATE, None), config.stash.get(_DUTS, None)
    plans: dict = {}
    for item in session.items:
        entry = _planned(item)
        if entry is not None:
            plans.setdefault(getattr(item, "dut_key", None), []).append(entry)
    if state is not None:
        state.plan(plans.get(None, []))
    if duts is not None:
        for key in duts.order:
            duts.plan(key, plans.get(key, []))


def pytest_sessionfinish(session, exitstatus):
    # Stopped before its end (Ctrl-C, SIGTERM via _stop_on_sigterm, an internal error): INCOMPLETE.
    interrupted = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        state.finish(interrupted)
    duts = session.config.stash.get(_DUTS, None)
    if duts is not None:
        duts.finish(interrupted)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest wrote --junitxml: an ERROR verdict becomes an <error>, never a <failure>."""
    path = getattr(config.option, "xmlpath", None)
    active = config.stash.get(_STATE, None) is not None or config.stash.get(_DUTS, None) is not None \
        or (_xdist_controller(config) and _runs_specs(config))
    if path and active and not _xdist_worker(config) and Path(path).exists():
        keep_verdicts(Path(path))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _deferred(config):
        _per_dut_summary(terminalreporter, config)
        duts = config.stash.get(_DUTS, None)
        for slot, session in duts.ran() if duts is not None else ():
            _notices(terminalreporter, session, f"DUT {slot.key}: " if duts.multi else "")
        return
    state = config.stash.get(_STATE, None)
    if state is not None:
        _notices(terminalreporter, state)
    if state is None or not state.rows:
        return
    tr = terminalreporter
    tr.section("O-RAN test case verdicts")
    marking = simulated_line(_session_meta(state))
    if marking:
        tr.write_line(safe(marking), yellow=True, bold=True)
    shown = [r for r in state.rows if r["verdict"] != "NOT-APPLICABLE"]     # those: a count below
    width = max((len(r["id"]) for r in shown), default=0)
    for row in shown:
        tr.write_line(safe(f"{row['verdict']:<15} {row['id']:<{width}}  {row['title']}"),
                      **COLOURS.get(row["verdict"], {}))
    counts: dict = {}
    for row in state.rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    tr.write_line(safe("  ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
                       + ("  (not-applicable ones are not listed; `oran-harness list` says why)"
                          if counts.get("NOT-APPLICABLE") else "")))
    if state.results_dir:
        tr.write_line(safe(f"results: {state.results_dir}"))


def _session_meta(session) -> dict:
    """What run.json says of a session (or would say, when it writes no results folder)."""
    if session.writer is not None:
        return session.writer.meta
    return {"mode": session.mode, "dut": session.dut, "lab": session.lab,
            **({"simulated": session.simulated} if isinstance(getattr(session, "simulated", None), bool) else {})}


def _folder_meta(folder: Path | None) -> dict:
    """run.json of a DUT's results folder ({} when there is none yet or it cannot be read)."""
    try:
        return read_results(folder).meta.raw if folder is not None else {}
    except ResultsDirError:
        return {}


def _notices(tr, session, prefix: str = "") -> None:
    """The run's notices (wire capture skipped, results signed, ...): logged by the library,
    which pytest would keep to itself, so written here where the person running it looks."""
    for text in getattr(session.writer, "notices", ()) if session.writer is not None else ():
        tr.write_line(safe(f"oran-harness: {prefix}{text}"))


@pytest.fixture(scope="session")
def e2_codec(request: pytest.FixtureRequest):
    """An `E2Codec` for the versions given on the command line (defaults: newest)."""

    versions = E2Versions()
    if request.config.getoption("--e2ap-version"):
        versions.e2ap = request.config.getoption("--e2ap-version")
    for item in request.config.getoption("--e2sm-version"):
        proto, _, ver = item.partition("=")
        versions.e2sm[proto] = ver
    return E2Codec(versions)


# ---------------------------------------------------------------------- failure text


def _spec_lines(where: str, context: int = 2) -> list[str]:
    """The YAML lines around 'file:line' (the step that failed)."""
    file, _, line = where.rpartition(":")
    try:
        n = int(line)
        lines = Path(file).read_text().splitlines()
    except (ValueError, OSError):
        return []
    lo, hi = max(n - 1, 0), min(n + context, len(lines))
    return [f"      {i + 1:>4} | {lines[i]}" for i in range(lo, hi)]


def _diff(expected, observed) -> list[str]:
    if isinstance(expected, (dict, list)) and isinstance(observed, (dict, list)):
        a = json.dumps(expected, indent=1, sort_keys=True).splitlines()
        b = json.dumps(observed, indent=1, sort_keys=True).splitlines()
        return ["      " + d for d in difflib.unified_diff(a, b, "expected", "observed", lineterm="", n=1)]
    return [f"      expected: {json.dumps(expected, default=str)}",
            f"      observed: {json.dumps(observed, default=str)}"]


def format_result(result) -> str:
    """The failure text: verdict, each finding with its spec lines and IE diff, the exchange."""
    tc = result.testcase
    out = [f"{tc.id}  {tc.title}  [{result.verdict.name}: {OUTCOMES[result.verdict].meaning}]",
           f"  spec: {os.path.relpath(tc.where.file)}:{tc.where.line}"]
    for f in result.findings:
        if f.verdict < Verdict.INCONC:
            continue
        out.append(f"  {f.line()}")
        if f.step:
            out.append(f"    step: {f.step}")
            where = f.step[f.step.rfind("(") + 1:-1] if f.step.endswith(")") else ""
            out.extend(_spec_lines(where))
        if f.expected is not None or f.observed is not None:
            out.extend(_diff(f.expected, f.observed))
    if result.exchange.entries:
        out.append("  exchange:")
        out.extend(f"    {e.summary()}" for e in result.exchange.entries)
    return "\n".join(out)


def _per_dut_summary(tr, config: pytest.Config) -> None:
    """Verdicts per DUT, from the reports this process saw (its own items, or every worker's)."""
    tally = config.stash.get(_TALLY, None)
    if tally is None or not tally.rows:
        return
    slots = _slots(config)
    single = slots[0].key if len(slots) == 1 else None
    tr.section("O-RAN test case verdicts per DUT")
    for slot in slots:
        rows = [(nodeid.partition("::")[2].removesuffix(f"[{slot.key}]"), verdict) for nodeid, verdict in tally.rows
                if (dut_of(nodeid) or "")[4:] in (slot.key, "" if single else None)]
        counts: dict = {}
        for _, verdict in rows:
            counts[verdict] = counts.get(verdict, 0) + 1
        where = f"  results: {slot.results}" if slot.results else ""
        marking = simulated_line(_folder_meta(slot.results))
        tr.write_line(safe(f"DUT {slot.key}: " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
                           + where
                           + ("  [SIMULATED]" if marking else "")))
        if marking:
            tr.write_line(safe(f"  {marking}"), yellow=True, bold=True)
        for name, verdict in rows:
            if verdict not in ("PASS", "NOT-APPLICABLE"):      # the ones to look at; all are in the results
                tr.write_line(safe(f"  {verdict:<15} {name}"))
