"""The harness pytest plugin: YAML test specifications become pytest items.

Follows pytest's documented contract for non-Python tests
(collect_file -> File.collect -> Item.runtest / repr_failure / reportinfo):

* every YAML file under the specs root with `testcases:` is a `SpecYamlFile`;
  loading and validating happen at collection, so a bad spec is a collection
  error naming file:line, never a red DUT result;
* one `SpecItem` per test case; not-applicable ones (DUT role, PICS) are
  skipped with the reason, so the selection stays visible;
* `runtest` runs the case against the DUT (in 'sim' mode a built-in simulator
  on an in-process link) and maps its verdict through `harness.verdict.OUTCOMES`:
  PASS passes, FAIL fails, ERROR shows as an error (not a DUT failure),
  INCONC is skipped as "INCONC: ..." (never a pass);
* the verdict, its O-RAN status and the worst finding are item user properties,
  so pytest's --junitxml carries them; at the end that file is corrected to keep
  the verdict meaning (ERROR an <error>, not a <failure>; see docs/reports.md);
* with allure-pytest loaded and --alluredir given, every item gets labels, one
  allure step per spec step and its evidence attached (harness.report.allure_steps);
  without allure nothing of it is imported.

Options: --dut PROFILE, --lab PROFILE, --mode sim|live|replay, --sim-fault NAME,
--results DIR, --specs-root DIR.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

from harness.verdict import OUTCOMES, Verdict

_STATE = pytest.StashKey["HarnessSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("oran-harness")
    group.addoption("--dut", default=None, help="DUT profile (YAML); default: the built-in E2 node simulator")
    group.addoption("--lab", default=None, help="lab profile (YAML); default: fixtures/profiles/lab-sim.yaml")
    group.addoption("--mode", default=None, choices=("sim", "live", "replay"),
                    help="sim: built-in simulators on an in-process link (live and replay: later issues)")
    group.addoption("--sim-fault", default=None, help="fault mode of the built-in simulator (harness.sim.faults)")
    group.addoption("--results", default=None, help="write results here as each test case ends")
    group.addoption("--specs-root", default=None, help="root folder of the YAML specs and templates (default specs/)")
    group.addoption("--wire-capture", default=None, metavar="IFACE",
                    help="also capture the real wire on IFACE with dumpcap (results/wire.pcapng)")
    group.addoption("--e2ap-version", default=None, help="E2AP version for the e2_codec fixture")
    group.addoption("--e2sm-version", action="append", default=[], metavar="PROTO=VERSION",
                    help="E2SM version for the e2_codec fixture, e.g. e2sm-kpm=v02.03")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in (("mandatory", "test case status: mandatory"),
                       ("conditional", "test case status: conditionally mandatory"),
                       ("optional", "test case status: optional"),
                       ("e2", "E2 interface test case"),
                       ("dut_e2_node", "the DUT is an E2 node"),
                       ("dut_near_rt_ric", "the DUT is a Near-RT RIC")):
        config.addinivalue_line("markers", f"{name}: {text}")


def _session(config: pytest.Config):
    state = config.stash.get(_STATE, None)
    if state is None:
        from harness.session import HarnessSession, SessionError
        try:
            state = HarnessSession.from_options(config)
        except SessionError as err:
            # A bad profile or option stops the whole run, once: it is not a spec problem.
            raise pytest.UsageError(f"oran-harness: {err}") from None
        config.stash[_STATE] = state
        reporter = _allure(config)
        if reporter is not None:
            state.step_listeners.append(reporter.on_step)
    return state


_ALLURE = pytest.StashKey["object"]()


def _allure(config: pytest.Config):
    """The allure reporter, or None when allure-pytest is absent, disabled or not writing."""
    if _ALLURE not in config.stash:
        from harness.report.allure_steps import AllureReporter
        config.stash[_ALLURE] = AllureReporter.for_config(config)
    return config.stash[_ALLURE]


def _specs_root(config: pytest.Config) -> Path:
    root = config.getoption("--specs-root")
    return (Path(root) if root else config.rootpath / "specs").resolve()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Open the harness session up front when specs will be collected, so a bad
    profile is one usage error (exit 4) rather than an error per spec file."""
    root = _specs_root(session.config)
    for arg in session.config.args:
        path = Path(arg.split("::")[0]).resolve()
        if path == root or root in path.parents or (path.is_dir() and path in root.parents):
            _session(session.config)
            return


def pytest_collect_file(parent: pytest.Collector, file_path: Path):
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    try:
        file_path.resolve().relative_to(_specs_root(parent.config))
    except ValueError:
        return None
    return SpecYamlFile.from_parent(parent, path=file_path)


class SpecYamlFile(pytest.File):
    def collect(self):
        from harness.spec.errors import SpecError
        session = _session(self.config)
        try:
            spec_file = session.load(self.path)
        except SpecError as err:
            raise SpecCollectError(str(err)) from None
        for tc in spec_file.testcases:
            item = SpecItem.from_parent(self, name=tc.id, testcase=tc)
            item.add_marker(tc.status)
            item.add_marker("e2")
            item.add_marker("dut_" + tc.dut_role.replace("-", "_"))
            applicable, reason = session.applicable(tc)
            if not applicable:
                item.add_marker(pytest.mark.skip(reason=f"not applicable: {reason}"))
                session.not_applicable(tc, reason)
            yield item

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, SpecCollectError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class SpecCollectError(Exception):
    """A spec that does not load: the text names file:line."""


class VerdictFailure(Exception):
    """Raised by runtest for ERROR verdicts (allure: broken); carries the result."""

    def __init__(self, result) -> None:
        super().__init__(result.verdict.name)
        self.result = result


class DutFailure(VerdictFailure, AssertionError):
    """Raised for FAIL verdicts: an assertion about the DUT failed (allure: failed)."""


class SpecItem(pytest.Item):
    def __init__(self, *, testcase, **kwargs) -> None:
        super().__init__(**kwargs)
        self.testcase = testcase
        self.result = None

    def runtest(self) -> None:
        session = _session(self.config)
        reporter = _allure(self.config)
        if reporter is not None:
            reporter.label(self.testcase, session.dut.name, session.mode, session.options.fault)
        try:
            self.result = session.run(self.testcase)
        finally:
            if reporter is not None:
                reporter.close_open_steps()
        verdict = self.result.verdict
        worst = _worst(self.result)
        self.user_properties.extend([("verdict", verdict.name), ("oran", OUTCOMES[verdict].oran),
                                     ("finding", worst.line() if worst else "")])
        if reporter is not None:
            reporter.attach(self.result, _pcap(session, self.testcase))
        if verdict == Verdict.PASS:
            return
        if verdict == Verdict.INCONC:
            pytest.skip(f"INCONC: {worst.message if worst else ''}")
        raise (DutFailure if verdict == Verdict.FAIL else VerdictFailure)(self.result)

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
    from harness.results import safe_name
    name = safe_name(testcase.id)
    return session.writer.dir / "tests" / name / f"{name}.pcapng"


def pytest_report_teststatus(report, config):
    verdict = dict(report.user_properties).get("verdict") if report.when == "call" else None
    if verdict in ("ERROR", "NONE"):
        return "error", "E", "ERROR"
    if verdict == "INCONC":
        return "inconclusive", "I", "INCONCLUSIVE"
    return None


def pytest_sessionfinish(session, exitstatus):
    state = session.config.stash.get(_STATE, None)
    if state is not None:
        state.finish()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After pytest wrote --junitxml: an ERROR verdict becomes an <error>, never a <failure>."""
    path = getattr(config.option, "xmlpath", None)
    if path and config.stash.get(_STATE, None) is not None:
        from harness.report.junit import keep_verdicts
        keep_verdicts(Path(path))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    state = config.stash.get(_STATE, None)
    if state is None or not state.rows:
        return
    tr = terminalreporter
    tr.section("O-RAN test case verdicts")
    width = max(len(r["id"]) for r in state.rows)
    for row in state.rows:
        tr.write_line(f"{row['verdict']:<15} {row['id']:<{width}}  {row['title']}")
    counts: dict = {}
    for row in state.rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    tr.write_line("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    if state.results_dir:
        tr.write_line(f"results: {state.results_dir}")


@pytest.fixture(scope="session")
def e2_codec(request: pytest.FixtureRequest):
    """An `E2Codec` for the versions given on the command line (defaults: newest)."""
    from harness.codec.e2 import E2Codec, E2Versions

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
    import os
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
