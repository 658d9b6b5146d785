"""Allure for YAML test cases: labels, one allure step per spec step, evidence attachments.

Optional: `AllureReporter.for_config` returns None unless allure-pytest is installed, loaded
and writing (--alluredir), so without it nothing here is imported and nothing changes.

Labels: epic = interface, feature = procedure (from the title, harness.results.procedure),
story = test id, severity from the test case status (mandatory -> critical, conditional ->
normal, optional -> minor), tags for the test specification and its version, a link to the
clause. The DUT, mode and fault are allure parameters, so the same test case run against two
DUTs keeps two histories. Step status follows the step's worst finding, through
harness.core.verdict.OUTCOMES (FAIL failed, ERROR broken, INCONC skipped).
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.core.errors import DutError, LabError
from harness.results.procedure import parse_reference, procedure_of
from harness.core.verdict import OUTCOMES, Verdict

SEVERITY = {"mandatory": "critical", "conditional": "normal", "optional": "minor"}
SPEC_PORTAL = "https://specifications.o-ran.org/specifications"


class StepFailed(DutError, AssertionError):
    """Marks an allure step 'failed' (the DUT broke the spec in this step)."""


class StepBroken(LabError, RuntimeError):
    """Marks an allure step 'broken' (the lab or harness broke in this step)."""


class AllureReporter:
    def __init__(self, allure_module) -> None:
        self.allure = allure_module
        self._open: list = []

    @classmethod
    def for_config(cls, config) -> AllureReporter | None:
        if not config.pluginmanager.hasplugin("allure_pytest"):
            return None
        if not getattr(config.option, "allure_report_dir", None):
            return None
        try:
            import allure  # noqa: PLC0415 - optional: allure-pytest
        except ImportError:
            return None
        return cls(allure)

    # ------------------------------------------------------------------ labels
    def label(self, testcase, dut_name: str, mode: str, fault: str | None) -> None:
        dyn = self.allure.dynamic
        ref = parse_reference(str(testcase.reference))
        dyn.epic(testcase.interface)
        dyn.feature(procedure_of(testcase.title))
        dyn.story(testcase.id)
        dyn.severity(SEVERITY.get(testcase.status, "normal"))
        dyn.tag(ref.document)
        dyn.tag(f"{ref.document} {ref.version}")
        for tag in getattr(testcase, "tags", ()):
            dyn.tag(tag)
        dyn.link(SPEC_PORTAL, name=f"{ref.document} {ref.version} clause {ref.clause}")
        dyn.title(f"{testcase.id}: {testcase.title}")
        if testcase.expected:
            dyn.description(" ".join(testcase.expected))
        dyn.parameter("DUT", dut_name)
        dyn.parameter("mode", mode)
        if fault:
            dyn.parameter("fault", fault)

    # ------------------------------------------------------------------ steps
    def on_step(self, event) -> None:
        """A runner step listener (harness.runner.runner.StepEvent)."""
        if event.phase == "start":
            context = self.allure.step(event.label)
            context.__enter__()
            self._open.append(context)
            return
        if not self._open:
            return
        context = self._open.pop()
        failure = self._exception(event)
        if failure is None:
            context.__exit__(None, None, None)
        else:
            context.__exit__(type(failure), failure, None)

    @staticmethod
    def _exception(event):
        if event.verdict is None or event.verdict <= Verdict.PASS:
            return None
        text = "; ".join(f.line() for f in event.findings if f.verdict == event.verdict)
        status = OUTCOMES[event.verdict].allure
        if status == "failed":
            return StepFailed(text)
        if status == "skipped":
            import pytest  # noqa: PLC0415 - optional: pytest is not a runtime dependency
            return pytest.skip.Exception(text)
        return StepBroken(text)

    def close_open_steps(self) -> None:
        while self._open:
            self._open.pop().__exit__(None, None, None)

    # ------------------------------------------------------------------ evidence
    def attach(self, result, pcap: Path | None) -> None:
        """The decoded messages (JSON), their hex, and the pcapng of one test case."""
        entries = result.exchange.entries
        attach = self.allure.attach
        kinds = self.allure.attachment_type
        decoded = [{"index": e.index, "direction": e.packet.direction, "message": e.message, "step": e.step,
                    "decoded": e.decoded, "error": e.error} for e in entries]
        attach(json.dumps(decoded, indent=1, default=str), name="decoded messages", attachment_type=kinds.JSON)
        hex_lines = [f"#{e.index} {'->' if e.packet.direction == 'sent' else '<-'} {e.message or '?'} "
                     f"({len(e.packet.data)} octets)\n{e.packet.data.hex()}" for e in entries]
        attach("\n".join(hex_lines) or "(no message)", name="messages (hex)", attachment_type=kinds.TEXT)
        findings = "\n".join(f.line() for f in result.findings)
        attach(findings or "(no finding)", name="findings", attachment_type=kinds.TEXT)
        if pcap is not None and pcap.is_file():
            attach.file(str(pcap), name=pcap.name, extension="pcapng")
