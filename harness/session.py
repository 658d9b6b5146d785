"""One harness run: profiles, codec, spec library, DUT connection, results.

Shared by the pytest plugin and the command line, so that `pytest specs/` and
`oran-harness run` behave the same. Everything the run depends on is passed
in explicitly (profiles, mode, fault), never read from globals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import __version__, bundled
from harness.core import logfiles
from harness.core.errors import UserError
from harness.core.logfiles import ProtocolLog
from harness.evidence.wire import WireCapture
from harness.interfaces import Binding, BindingError, binding_for, bindings, primary
from harness.interfaces.e2 import session_codec
from harness.interfaces.e2.view import E2Messages
from harness.core.errors import LabError
from harness.profiles.loader import ProfileError, load_dut, load_lab, refuse_silent_simulator
from harness.profiles.paths import check_steps, lab_links
from harness.core.verdict import Finding, Verdict
from harness.results import ResultsFolderError, ResultsWriter, safe_name
from harness.runner.adapters import CommandAdapter, ManualAdapter, SimulatorAdapter
from harness.runner.exchange import Exchange
from harness.runner.runner import TestResult, Timers
from harness.spec import expr
from harness.spec.errors import SpecError
from harness.spec.loader import load_run_library, load_spec_file

DEFAULT_DUT = bundled.profile("dut-sim-e2-node.yaml")
DEFAULT_LAB = bundled.profile("lab-sim.yaml")


class SessionError(UserError):
    """The run cannot start (bad profile, unsupported mode); the text says why."""


@dataclass
class Options:
    dut: Path
    lab: Path
    mode: str | None
    fault: str | None
    results: Path | None
    specs_root: Path | tuple[Path, ...]     # folders/files adding templates and groups to the bundled ones
    wire_capture: str | None = None
    open_interfaces: bool = True      # False: only read profiles and specs (`oran-harness list`)


class HarnessSession:
    def __init__(self, options: Options) -> None:

        self.options = options
        try:
            self.dut = load_dut(options.dut)
            self.lab = load_lab(options.lab)
        except ProfileError as err:
            raise SessionError(str(err)) from None
        self.mode = options.mode or self.lab.mode
        if self.mode not in ("sim", "live"):
            raise SessionError(f"--mode {self.mode}: only 'sim' and 'live' work yet; replay comes with "
                               "capture analysis")
        # Only a DUT profile that names a built-in simulator runs one (issue 15): never in a real DUT's place.
        self.simulated = self.dut.simulated
        if options.open_interfaces:
            try:
                refuse_silent_simulator(self.dut, self.lab, self.mode)
            except ProfileError as err:
                raise SessionError(str(err)) from None
        self.wire = None
        # Each interface binding's per-session state (lab blocks, a live link): harness/interfaces/.
        # Opened now, so a bad lab block or a missing DUT address stops the run before its first test case.
        self.states: dict[str, Any] = {}
        # The lab's named links (docs/resilience.md): relays the bindings route their peers through.
        self.links = self._links() if options.open_interfaces else None
        try:
            for binding in bindings() if options.open_interfaces else ():
                self.states[binding.name] = binding.open(self)
            owner = primary(self.dut)
            if options.fault and owner is not None:
                owner.check_fault(self.dut, options.fault)
        except (BindingError, LabError) as err:
            if self.links is not None:
                self.links.close()
            raise SessionError(str(err)) from None
        # The library's templates are E2AP: an A1-only DUT reads them with the newest E2 versions.
        self.codec = session_codec(self.dut)
        self.messages = E2Messages(self.codec.e2ap)
        try:
            self.library = load_run_library(options.specs_root, codec=self.codec)
        except SpecError as err:
            raise SessionError(str(err)) from None
        self.timers = Timers(expect=self.lab.timers.expect, guard=self.lab.timers.guard,
                             trigger=float(self.lab.timers.named.get("trigger", 30.0)))
        self.seen_ids: dict = {}
        self.step_listeners: list = []      # StepEvent callbacks for every test case (the allure steps)
        self.rows: list[dict] = []
        self.planned: list[dict] | None = None       # set by plan(), before the first test case runs
        self.results_dir = options.results
        self.writer = None
        if options.results:
            self.writer = self._writer(options.results, {
                "harness": __version__, "started": time.time(), "mode": self.mode, "fault": options.fault,
                "simulated": self.simulated, "simulator": self.dut.simulator or None,
                "dut_profile": str(options.dut), "lab_profile": str(options.lab),
                "dut": self.dut, "lab": self.lab,
                "asn1": {"e2ap": self.codec.e2ap.compiled.source_hashes}})
            if self.planned is not None:
                self.writer.plan(self.planned)
            self.rows = self.writer.rows
        # ncclient, paramiko and libyang log to <results>/logs/netconf.log, never to the console
        self.protocol_log = ProtocolLog(self.writer.dir / logfiles.FILE) if self.writer is not None else None
        wire = (self.lab.transport.get("wire_capture") or {}) if self.mode == "live" else {}
        if options.wire_capture:
            wire = {"interface": options.wire_capture}
        if wire and self.writer is not None:
            self.wire = WireCapture(wire["interface"], self.writer.dir / "wire.pcapng",
                                    wire.get("filter", "sctp or udp"))
            if self.wire.notice:
                self.writer.notice(self.wire.notice)      # logged, and shown at the end of the run

    def _links(self):
        """The lab profile's `links:` as run-time links (harness/impair/links.py), None when it names none."""
        if not self.lab.links:
            return None
        try:
            return lab_links(self.lab)
        except (ProfileError, LabError) as err:
            raise SessionError(f"{self.lab.where.file}: links: {err}") from None

    @staticmethod
    def _writer(results: Path, meta: dict) -> ResultsWriter:
        try:
            return ResultsWriter(results, meta)
        except ResultsFolderError as err:
            raise SessionError(str(err)) from None

    def plan(self, planned: list[dict]) -> None:
        """The applicable test cases this session will run ({id, title, status}); run.json records them."""
        self.planned = list(planned)
        if self.writer is not None:
            self.writer.plan(self.planned)

    # ------------------------------------------------------------------ collection
    def load(self, path: Path):
        """Load one spec file; duplicate test ids across files are errors."""
        spec_file = load_spec_file(path, self.library, codec=self.codec)
        for tc in spec_file.testcases:
            first = self.seen_ids.get(tc.id)
            if first is not None and first != tc.where:
                raise SpecError(tc.where, f"duplicate test case id '{tc.id}' (first defined at {first})")
            self.seen_ids[tc.id] = tc.where
            if self.options.open_interfaces and self.applicable(tc)[0]:
                check_steps(tc.steps, self.links)     # an impairment that cannot act here: refused now
        return spec_file

    def applicable(self, tc) -> tuple[bool, str]:
        ok, reason = binding_for(tc.protocol).applies_to(self.dut)
        if not ok:
            return False, reason
        if tc.dut_role != self.dut.role:
            return False, f"the test case is for a {tc.dut_role} DUT; {self.dut.name} is a {self.dut.role}"
        if tc.applicability:
            ok, reason = expr.compile(tc.applicability, tc.where).evaluate(self.dut.pics)
            if not ok:
                return False, reason
        return True, ""

    def not_applicable(self, tc, reason: str) -> None:
        if self.writer:
            self.writer.not_applicable(tc, reason)
        else:
            self.rows.append({"id": tc.id, "title": tc.title, "verdict": "NOT-APPLICABLE", "reason": reason})

    # ------------------------------------------------------------------ running
    def run(self, tc):
        """Run one test case through its interface's binding; its row goes to the results."""
        started, t0 = time.time(), time.monotonic()
        since = self.links.mark() if self.links is not None else None
        try:
            result = binding_for(tc.protocol).run(self, tc)
        except BindingError as err:         # the lab could not be set up (a simulator that would not start)
            result = self._error_result(tc, str(err), started, t0)
        except Exception as err:  # noqa: BLE001 -- a bad value, a harness bug: an ERROR row, never a lost one
            result = self._error_result(tc, f"{type(err).__name__}: {err}", started, t0)
        return self._finish_row(result, self._impairment_evidence(tc, since))

    def _impairment_evidence(self, tc, since: float | None) -> dict:
        """impairments.json in the test case's evidence folder (what its links went through); the row names it."""
        if self.links is None or self.writer is None:
            return {}
        folder = self.writer.dir / "tests" / safe_name(tc.id)
        try:
            path = self.links.write_evidence(folder, since)
        except OSError as err:
            self.writer.notice(f"{folder / 'impairments.json'}: not written: {err.strerror or err}")
            return {}
        return {"impairments": str(path.relative_to(self.writer.dir))}

    @staticmethod
    def _error_result(tc, message: str, started: float, t0: float) -> TestResult:
        """An ERROR verdict for a test case the lab or the harness could not run (no judgement on the DUT)."""
        finding = Finding(Verdict.ERROR, "harness.setup", f"the test case could not run: {message}")
        return TestResult(tc, Verdict.ERROR, [finding], Exchange(), started, time.monotonic() - t0, {})

    def state_of(self, binding: Binding) -> Any:
        """What ``binding.open`` returned for this session."""
        return self.states.get(binding.name)

    def _finish_row(self, result, extra: dict | None = None):
        row = self.writer.test(result, extra) if self.writer else self._row(result)
        if not self.writer:
            self.rows.append(row)
        return result

    def _row(self, result) -> dict:
        return {"id": result.testcase.id, "title": result.testcase.title, "verdict": result.verdict.name}

    def adapter(self, simulator: Any):
        """The lab's trigger adapter (the simulator itself when the lab says 'simulator')."""
        kind = self.lab.adapter.kind
        if kind == "simulator":
            return SimulatorAdapter(simulator) if simulator is not None else None
        if kind == "command":
            return CommandAdapter(self.lab.adapter.commands)
        return ManualAdapter(prompt_timeout=self.lab.adapter.prompt_timeout)

    def finish(self, interrupted: bool = False) -> None:
        """Stop captures and links, then end the results (INCOMPLETE when ``interrupted`` or a
        planned test case has no row)."""
        if self.wire is not None:
            self.wire.stop()
        for binding in bindings():
            binding.close(self, self.states.get(binding.name))
        if self.links is not None:
            self.links.close()
        if self.protocol_log is not None:
            self.protocol_log.close()
            self.protocol_log = None
        if self.writer:
            self.writer.finish({"finished": time.time()}, interrupted=interrupted)
