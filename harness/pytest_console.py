"""The console of a spec run: one line per test case as it ends, with a progress count and an ETA.

Why: pytest's dots say nothing about which test case ran or how long the run still takes. Here,
at pytest's default verbosity, each spec test case prints one line when it ends:

    [ 3/22] PASS    E2TS-R003-v02.00:6.2.1.5.1  E2 Node Configuration Update, successful  0.41 s

and, once the run has taken longer than `ETA_AFTER_S`, the time left at the mean duration so far.
The verdict is coloured only when pytest's terminal writer colours (a terminal, NO_COLOR unset;
pytest also honours FORCE_COLOR and PY_COLORS). Not-applicable test cases print no line: they are
counted in the verdict table (harness.pytest_plugin). With ``-v`` pytest's own lines are kept.
Python tests in the same session are left to pytest.
"""

from __future__ import annotations

import time

import pytest

from harness.core.terminal import safe
from harness.parallel.duts import SPEC_SUFFIXES, dut_of

ETA_AFTER_S = 10.0          # a run shorter than this shows no ETA

COLOURS: dict[str, dict[str, bool]] = {"PASS": {"green": True}, "FAIL": {"red": True, "bold": True},
                                       "ERROR": {"red": True}, "INCONC": {"yellow": True},
                                       "SKIPPED": {"yellow": True}}


def is_spec_report(report) -> bool:
    """A report of a spec test case (not of a Python test collected in the same session). A spec
    file outside pytest's rootdir has a node id without its path: its location still names it."""
    location = getattr(report, "location", None)
    return dut_of(report.nodeid) is not None or bool(location and str(location[0]).endswith(SPEC_SUFFIXES))


def case_lines_on(config: pytest.Config) -> bool:
    """Whether this process prints the per-test-case lines (not an xdist worker, default verbosity)."""
    return not hasattr(config, "workerinput") and config.get_verbosity() <= 0 \
        and config.pluginmanager.get_plugin("terminalreporter") is not None


def verdict_of(report) -> str | None:
    """The O-RAN verdict of a test case's report, 'NOT-APPLICABLE', or None when it is not the last one."""
    if report.when == "call":
        return dict(report.user_properties).get("verdict") or report.outcome.upper()
    if report.when == "setup" and report.skipped:
        reason = str(report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr)
        return "NOT-APPLICABLE" if "not applicable" in reason else "SKIPPED"
    if report.when == "setup" and report.failed:
        return "ERROR"
    return None


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


class CaseLines:
    """Prints the line of each spec test case as it ends (registered by harness.pytest_plugin)."""

    def __init__(self, config: pytest.Config, planned=lambda item: True) -> None:
        self.config = config
        self.planned = planned            # item -> whether it will run (not not-applicable)
        self.total = 0
        self.done = 0
        self.started = time.monotonic()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = sum(1 for item in session.items
                         if str(item.reportinfo()[0]).endswith(SPEC_SUFFIXES) and self.planned(item))
        self.started = time.monotonic()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        """xdist's controller collects nothing itself: a worker's list sets the count (not-applicable
        test cases are then counted too, as it cannot tell them apart before they run)."""
        self.total = max(self.total, sum(1 for i in ids if dut_of(i) is not None))

    def pytest_runtest_logreport(self, report) -> None:
        if not is_spec_report(report) or not case_lines_on(self.config):
            return
        verdict = verdict_of(report)
        if verdict is None:
            return
        if verdict == "NOT-APPLICABLE":
            if self.total and not self._knows_na():
                self.done += 1
            return
        self.done += 1
        tr = self.config.pluginmanager.get_plugin("terminalreporter")
        if tr is None:
            return
        name = report.nodeid.partition("::")[2]
        title = str(report.location[2]).partition(": ")[2] if report.location else ""
        count = f"[{self.done:>{len(str(self.total))}}/{self.total}]" if self.total else f"[{self.done}]"
        tr.ensure_newline()
        tr.write(f"{count} ")
        tr.write(f"{verdict:<7}", **COLOURS.get(verdict, {}))
        tr.write(safe(f" {name}  {title}  {report.duration:.2f} s"))
        tr.line(self._eta())

    def _knows_na(self) -> bool:
        """Whether the total left the not-applicable test cases out (collected here, not by xdist)."""
        return not self.config.pluginmanager.has_plugin("dsession")

    def _eta(self) -> str:
        elapsed = time.monotonic() - self.started
        left = self.total - self.done
        if not self.total or left <= 0 or elapsed < ETA_AFTER_S:
            return ""
        return f"  ETA {_clock(elapsed / self.done * left)}"


def quiet_status(report, config: pytest.Config) -> tuple[str, str, str] | None:
    """pytest's status for a spec report whose line `CaseLines` prints: counted, but no letter."""
    if not case_lines_on(config) or not is_spec_report(report) or verdict_of(report) is None:
        return None
    category = {"ERROR": "error", "NONE": "error", "INCONC": "inconclusive"}.get(
        dict(report.user_properties).get("verdict", ""), report.outcome)
    return category, "", ""
