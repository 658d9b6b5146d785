"""Allure for YAML test cases: labels, one allure step per spec step, evidence attachments.

Optional: `AllureReporter.for_config` returns None unless allure-pytest is installed, loaded
and writing (--alluredir), so without it nothing here is imported and nothing changes.

Labels: epic = interface, feature = procedure (from the title, harness.results.procedure),
story = test id, severity from the test case status (mandatory -> critical, conditional ->
normal, optional -> minor), tags for the test specification and its version, a link to the
clause. The DUT, mode and fault are allure parameters, so the same test case run against two
DUTs keeps two histories. Step status follows the step's worst finding, through
harness.core.verdict.OUTCOMES (FAIL failed, ERROR broken, INCONC skipped); each step carries
the messages it sent or received, decoded (JSON), as an attachment.

The failure message of a test is its deciding finding ('FAIL: check: text [clause]'), not the
exception pytest saw: the reporter registers itself as an allure-commons plugin (the
documented `report_result` hook) and puts the finding in the result's message before allure
writes it; a simulated run's message starts with '[SIMULATED]'. Next to the results it writes
categories.json (DUT failure, lab or harness error, inconclusive, each also for a simulated
DUT) and environment.properties (DUT, lab, versions, simulated or not), the two files Allure
reads from the results folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from harness.core.errors import DutError, LabError
from harness.results.procedure import parse_reference, procedure_of
from harness.results.simulated import is_simulated
from harness.core.verdict import OUTCOMES, Verdict

try:                                   # pluggy comes with pytest; allure-commons' hooks are pluggy hooks
    import pluggy
except ImportError:                    # pragma: no cover - no pytest, so no allure either
    pluggy = None  # type: ignore[assignment]


def hookimpl(**kwargs):
    """allure-commons' hook marker (a no-op without pluggy, when allure cannot be loaded anyway)."""
    return pluggy.HookimplMarker("allure")(**kwargs) if pluggy is not None else (lambda function: function)

SEVERITY = {"mandatory": "critical", "conditional": "normal", "optional": "minor"}
SPEC_PORTAL = "https://specifications.o-ran.org/specifications"


class StepFailed(DutError, AssertionError):
    """Marks an allure step 'failed' (the DUT broke the spec in this step)."""


class StepBroken(LabError, RuntimeError):
    """Marks an allure step 'broken' (the lab or harness broke in this step)."""


SIMULATED_TAG = "[SIMULATED]"
_ANY = r"[\s\S]*"
_SIM = re.escape(SIMULATED_TAG) + _ANY
_REAL = r"(?!" + re.escape(SIMULATED_TAG) + ")" + _ANY
CATEGORIES = (
    {"name": "DUT failure (FAIL)", "matchedStatuses": ["failed"], "messageRegex": _REAL,
     "description": "the device under test broke a rule of the specification"},
    {"name": "Lab or harness error (ERROR)", "matchedStatuses": ["broken"], "messageRegex": _REAL,
     "description": "the lab, the harness or the spec broke; no verdict on the DUT"},
    {"name": "Inconclusive (INCONC)", "matchedStatuses": ["skipped"], "messageRegex": r"(?!not applicable)" + _REAL},
    {"name": "SIMULATED DUT: failure (tests the harness, not a product)", "matchedStatuses": ["failed"],
     "messageRegex": _SIM},
    {"name": "SIMULATED DUT: lab or harness error", "matchedStatuses": ["broken"], "messageRegex": _SIM},
    {"name": "SIMULATED DUT: inconclusive", "matchedStatuses": ["skipped"], "messageRegex": _SIM},
)
PLUGIN_NAME = "oran-harness-finding-message"


def _property(value: object) -> str:
    """One value of a Java .properties file (newlines and backslashes escaped)."""
    return str(value).replace("\\", "\\\\").replace("\n", " ").replace("\r", " ")


def environment_lines(meta: dict) -> list[str]:
    """environment.properties lines from what run.json says (or would say) of a run."""
    dut = meta.get("dut") or {}
    lab = meta.get("lab") or {}

    def get(obj, key):
        return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)

    e2sm = get(dut, "e2sm_versions") or {}
    rows = {
        "DUT": " ".join(str(get(dut, k) or "") for k in ("vendor", "model", "sw_version")).strip() or "not given",
        "DUT.name": get(dut, "name"), "DUT.role": get(dut, "role"),
        "DUT.E2AP": get(dut, "e2ap_version"),
        "DUT.E2SM": ", ".join(f"{k} {v}" for k, v in e2sm.items()) if isinstance(e2sm, dict) else e2sm,
        "lab": get(lab, "name"), "lab.site": get(lab, "site"), "lab.operator": get(lab, "operator"),
        "lab.country": get(lab, "country"),
        "harness": meta.get("harness"), "mode": meta.get("mode"), "fault": meta.get("fault"),
        "simulated": "yes (built-in simulator: verdicts test the harness, not a product)"
        if is_simulated(meta) else "no (real equipment)",
    }
    return [f"{k}={_property(v)}" for k, v in rows.items() if v not in (None, "", {})]


class AllureReporter:
    def __init__(self, allure_module) -> None:
        self.allure = allure_module
        self._open: list = []
        self._messages: dict[str, str] = {}      # allure test name -> its failure message
        self._environment: dict[str, str] = {}
        self.outdir: Path | None = None
        self.simulated = False

    @classmethod
    def for_config(cls, config) -> AllureReporter | None:
        if not config.pluginmanager.hasplugin("allure_pytest"):
            return None
        if not getattr(config.option, "allure_report_dir", None):
            return None
        try:
            import allure  # noqa: PLC0415 - optional: allure-pytest
            import allure_commons  # noqa: PLC0415 - optional: allure-pytest
        except ImportError:
            return None
        reporter = cls(allure)
        reporter.outdir = Path(config.option.allure_report_dir)
        manager = allure_commons.plugin_manager
        if manager.get_plugin(PLUGIN_NAME) is not None:       # an earlier session in the same process
            manager.unregister(name=PLUGIN_NAME)
        manager.register(reporter, name=PLUGIN_NAME)
        return reporter

    # ------------------------------------------------------------------ message, categories, environment
    def run_facts(self, meta: dict) -> None:
        """What the run is (run.json's dut, lab, mode...): environment.properties and categories.json."""
        self.simulated = is_simulated(meta)
        for line in environment_lines(meta):
            key, _, value = line.partition("=")
            if key in self._environment and value not in self._environment[key].split(" | "):
                value = f"{self._environment[key]} | {value}"        # several DUTs in one run
            self._environment[key] = value
        if self.outdir is None:
            return
        self.outdir.mkdir(parents=True, exist_ok=True)
        (self.outdir / "environment.properties").write_text(
            "".join(f"{k}={v}\n" for k, v in self._environment.items()), encoding="utf-8")
        (self.outdir / "categories.json").write_text(json.dumps(list(CATEGORIES), indent=1), encoding="utf-8")

    def finding_message(self, testcase, result) -> None:
        """Remember the deciding finding as the failure message of this test (see report_result)."""
        if result.verdict <= Verdict.PASS:
            return
        worst = next((f for f in result.findings if f.verdict == result.verdict),
                     result.findings[-1] if result.findings else None)
        text = worst.line() if worst is not None else f"{result.verdict.name}: no finding recorded"
        if result.verdict == Verdict.INCONC and not text.startswith("INCONC"):
            text = f"INCONC: {text}"
        self._messages[f"{testcase.id}: {testcase.title}"] = (f"{SIMULATED_TAG} " if self.simulated else "") + text

    @hookimpl(tryfirst=True)
    def report_result(self, result) -> None:
        """allure-commons hook, before the result file is written: the finding is the message."""
        message = self._messages.pop(getattr(result, "name", None) or "", None)
        details = getattr(result, "statusDetails", None)
        if message is not None and details is not None and getattr(result, "status", None) != "passed":
            details.message = message

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
        if event.messages:
            self._attach_step_messages(event.messages)
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

    def _attach_step_messages(self, entries) -> None:
        """The messages of one step, decoded, inside that step."""
        decoded = [_entry_json(e) for e in entries]
        self.allure.attach(json.dumps(decoded, indent=1, default=str), name="messages (decoded)",
                           attachment_type=self.allure.attachment_type.JSON)

    def close_open_steps(self) -> None:
        while self._open:
            self._open.pop().__exit__(None, None, None)

    # ------------------------------------------------------------------ evidence
    def attach(self, result, pcap: Path | None) -> None:
        """The decoded messages (JSON), their hex, and the pcapng of one test case."""
        self.finding_message(result.testcase, result)
        entries = result.exchange.entries
        attach = self.allure.attach
        kinds = self.allure.attachment_type
        decoded = [_entry_json(e) for e in entries]
        attach(json.dumps(decoded, indent=1, default=str), name="decoded messages", attachment_type=kinds.JSON)
        hex_lines = [f"#{e.index} {'->' if e.packet.direction == 'sent' else '<-'} {e.message or '?'} "
                     f"({len(e.packet.data)} octets)\n{e.packet.data.hex()}" for e in entries]
        attach("\n".join(hex_lines) or "(no message)", name="messages (hex)", attachment_type=kinds.TEXT)
        findings = "\n".join(f.line() for f in result.findings)
        attach(findings or "(no finding)", name="findings", attachment_type=kinds.TEXT)
        if pcap is not None and pcap.is_file():
            attach.file(str(pcap), name=pcap.name, extension="pcapng")


def _entry_json(e) -> dict:
    """One exchange entry as JSON: index, direction, message name, step, decoded content, error."""
    packet = getattr(e, "packet", None)
    return {"index": getattr(e, "index", None), "direction": getattr(packet, "direction", None),
            "message": getattr(e, "message", None), "step": getattr(e, "step", None),
            "decoded": getattr(e, "decoded", None), "error": getattr(e, "error", None)}
