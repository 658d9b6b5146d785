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

from harness import __version__
from harness.codec.e2 import E2Codec, E2Versions
from harness.e2.view import E2Messages
from harness.results import ResultsWriter
from harness.runner.adapters import CommandAdapter, ManualAdapter, SimulatorAdapter
from harness.runner.runner import RunEnv, Timers, run_testcase
from harness.transport import inproc
from harness.verdict import Finding, Verdict, worse

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DUT = ROOT / "fixtures" / "profiles" / "dut-sim-e2-node.yaml"
DEFAULT_LAB = ROOT / "fixtures" / "profiles" / "lab-sim.yaml"


class SessionError(Exception):
    """The run cannot start (bad profile, unsupported mode); the text says why."""


@dataclass
class Options:
    dut: Path
    lab: Path
    mode: str
    fault: str | None
    results: Path | None
    specs_root: Path
    wire_capture: str | None = None


class HarnessSession:
    def __init__(self, options: Options) -> None:
        from harness.profiles.loader import ProfileError, load_dut, load_lab
        from harness.spec.errors import SpecError
        from harness.spec.loader import load_library

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
        self.live = None
        self._live_link = None
        self.wire = None
        if self.mode == "live" and self.dut.e2:     # A1 needs no SCTP link (docs/a1.md)
            from harness.live import LiveConfig, LiveError
            try:
                self.live = LiveConfig.from_lab(self.lab)
            except LiveError as err:
                raise SessionError(str(err)) from None
        self.a1 = None
        if self.dut.a1 or self.lab.a1:
            from harness.http.a1config import A1ConfigError, A1Lab
            try:
                self.a1 = A1Lab.from_lab(self.lab)
            except A1ConfigError as err:
                raise SessionError(str(err)) from None
        if options.fault and self.dut.a1:
            from harness.sim.a1 import NONRT_FAULTS, RIC_FAULTS, A1SimError
            from harness.sim.a1_faults import parse_faults
            try:
                parse_faults(options.fault, NONRT_FAULTS if self.dut.role == "non-rt-ric" else RIC_FAULTS)
            except A1SimError as err:
                raise SessionError(f"--sim-fault {options.fault}: {err}") from None
        elif options.fault and getattr(self.dut, "mplane", None):     # an O-RU: harness/sim/oru.py faults
            from harness.mplane.run import check_fault
            if check_fault(options.fault):
                raise SessionError(check_fault(options.fault))
        elif options.fault:
            from harness.sim.faults import FaultError, check
            try:
                check(options.fault.partition("@")[0])          # faults and hostile peer modes
            except FaultError as err:
                raise SessionError(f"--sim-fault {options.fault}: {err} "
                                   "(optionally '@Message,...' to limit it to those messages)") from None
        # An A1-only DUT declares no E2 versions: the E2 templates in the library are read with the newest.
        self.codec = E2Codec(E2Versions(e2ap=self.dut.e2ap_version, e2sm=dict(self.dut.e2sm_versions))
                             if self.dut.e2 else E2Versions())
        self.messages = E2Messages(self.codec.e2ap)
        try:
            self.library = load_library(sorted(options.specs_root.rglob("*.y*ml")), codec=self.codec)
        except SpecError as err:
            raise SessionError(str(err)) from None
        self.timers = Timers(expect=self.lab.timers.expect, guard=self.lab.timers.guard,
                             trigger=float(self.lab.timers.named.get("trigger", 30.0)))
        self.seen_ids: dict = {}
        self.step_listeners: list = []      # StepEvent callbacks for every test case (the allure steps)
        self.rows: list[dict] = []
        self.results_dir = options.results
        self.writer = None
        if options.results:
            self.writer = ResultsWriter(options.results, {
                "harness": __version__, "started": time.time(), "mode": self.mode, "fault": options.fault,
                "dut_profile": str(options.dut), "lab_profile": str(options.lab),
                "dut": self.dut, "lab": self.lab,
                "asn1": {"e2ap": self.codec.e2ap.compiled.source_hashes}})
            self.rows = self.writer.rows
        wire = (self.lab.transport.get("wire_capture") or {}) if self.mode == "live" else {}
        if options.wire_capture:
            wire = {"interface": options.wire_capture}
        if wire and self.writer is not None:
            from harness.evidence.wire import WireCapture
            self.wire = WireCapture(wire["interface"], self.writer.dir / "wire.pcapng",
                                    wire.get("filter", "sctp or udp"))
            if self.wire.notice:
                print(f"oran-harness: {self.wire.notice}")

    # ------------------------------------------------------------------ collection
    def load(self, path: Path):
        """Load one spec file; duplicate test ids across files are errors."""
        from harness.spec.errors import SpecError
        from harness.spec.loader import load_spec_file
        spec_file = load_spec_file(path, self.library, codec=self.codec)
        for tc in spec_file.testcases:
            first = self.seen_ids.get(tc.id)
            if first is not None and first != tc.where:
                raise SpecError(tc.where, f"duplicate test case id '{tc.id}' (first defined at {first})")
            self.seen_ids[tc.id] = tc.where
        return spec_file

    def applicable(self, tc) -> tuple[bool, str]:
        if tc.protocol == "a1" and not self.dut.a1:
            return False, f"the test case is for A1; the DUT profile of {self.dut.name} has no a1: block"
        if tc.protocol == "mplane" and not getattr(self.dut, "mplane", None):
            return False, f"the test case is for the M-plane; the DUT profile of {self.dut.name} has no mplane: block"
        if tc.protocol == "e2" and not self.dut.e2:
            return False, f"the test case is for E2; the DUT profile of {self.dut.name} declares no e2ap"
        if tc.dut_role != self.dut.role:
            return False, f"the test case is for a {tc.dut_role} DUT; {self.dut.name} is a {self.dut.role}"
        if tc.applicability:
            from harness.spec import expr
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
        self.codec.ran_functions = {}
        for rf in self.dut.ran_functions:
            self.codec.set_ran_function(rf.id, rf.e2sm)
        if tc.protocol == "a1":
            return self._finish_row(self._run_a1(tc))
        if tc.protocol == "mplane":                  # NETCONF/SSH to an O-RU (harness/mplane/run.py)
            from harness.mplane.run import run_mplane
            return self._finish_row(run_mplane(self, tc))
        if self.mode == "live":
            return self._run_live(tc)
        harness_end, dut_end = inproc.pair("harness", "dut")
        simulator = self._start_simulator(tc.dut_role, dut_end)
        adapter = self._adapter(simulator)
        recorder = self._recorder(tc)
        env = RunEnv(self.codec, self.messages, harness_end, adapter, self.library.templates, self.timers,
                     dict(self.lab.pixit), recorder)
        try:
            env.step_listeners = self.step_listeners
            result = run_testcase(tc, env)
        finally:
            harness_end.close()
            trouble = self._stop_simulator(simulator)
            if recorder is not None:
                recorder.close()
        if trouble:
            # The simulator is part of the lab here: its failures are ERRORs, never the DUT's FAIL.
            result.findings.append(Finding(Verdict.ERROR, "simulator", trouble))
            result.verdict = worse(result.verdict, Verdict.ERROR)
        row = self.writer.test(result) if self.writer else self._row(result)
        if not self.writer:
            self.rows.append(row)
        return result

    # ------------------------------------------------------------------ live mode
    def _link(self, dut_role: str):
        from harness.live import LiveError, LiveLink, ProcessSimulatorAdapter, SimulatorProcess
        if self._live_link is None:
            sim = None
            try:
                if self.live.spawn:
                    sim = SimulatorProcess(dut_role, self.live, self.options.fault, 1.5 * self.timers.expect)
                self._live_link = (LiveLink(self.live, dut_role, sim), sim)
            except LiveError as err:
                if sim is not None:
                    sim.close()
                raise SessionError(str(err)) from None
            self._live_adapter = ProcessSimulatorAdapter(sim) if sim is not None else self._adapter(None)
        return self._live_link[0]

    def _run_live(self, tc):
        from harness.runner.runner import TestResult
        from harness.runner.exchange import Exchange
        from harness.transport.base import TransportError
        link = self._link(tc.dut_role)
        started = time.time()
        try:
            transport = link.open(self.timers.guard)
        except TransportError as err:
            finding = Finding(Verdict.ERROR, "transport.connect", f"no association with the DUT: {err}")
            result = TestResult(tc, Verdict.ERROR, [finding], Exchange(), started, time.time() - started, {})
        else:
            recorder = self._recorder(tc)
            env = RunEnv(self.codec, self.messages, transport, self._live_adapter, self.library.templates,
                         self.timers, dict(self.lab.pixit), recorder)
            try:
                env.step_listeners = self.step_listeners
                result = run_testcase(tc, env)
            finally:
                transport.close()
                link.after()
                if recorder is not None:
                    recorder.close()
        row = self.writer.test(result) if self.writer else self._row(result)
        if not self.writer:
            self.rows.append(row)
        return result

    # ------------------------------------------------------------------ A1 (HTTP)
    def _run_a1(self, tc):
        """One A1 test case: the harness's HTTP server, the DUT (a simulator in sim mode), the runner."""
        from harness.a1.model import load_policy_types
        from harness.http.client import HttpClient, HttpLabError
        from harness.http.server import HttpServer
        from harness.runner.adapters import BackgroundAdapter
        from harness.runner.exchange import Exchange
        from harness.runner.http_steps import HttpEnv
        from harness.runner.runner import TestResult
        cfg = self.a1
        started = time.time()
        server = sim = adapter = recorder = None
        try:
            # The harness plays the A1-P producer for a Non-RT RIC DUT: then it requires the lab's token.
            server = HttpServer(cfg.callback_host, cfg.callback_port, tls=cfg.server_tls(),
                                reply_timeout=min(cfg.reply_timeout, self.timers.guard), max_body=cfg.max_body,
                                bearer_token=cfg.token if tc.dut_role == "non-rt-ric" else None).start()
            dut_url = cfg.dut_url
            if self.mode == "sim":
                sim, dut_url = self._start_a1_simulator(tc, server)
                adapter = BackgroundAdapter(SimulatorAdapter(sim))
            else:
                adapter = self._adapter(None)
            client = HttpClient(dut_url, tls=cfg.tls, bearer_token=cfg.token, max_body=cfg.max_body) \
                if dut_url else None
            policy_types = load_policy_types(cfg.policy_types_dir)
        except Exception as err:  # noqa: BLE001 -- a lab set-up problem: ERROR with the reason, no traceback
            for thing in (sim, server):
                if thing is not None:
                    thing.stop()
            text = str(err) if isinstance(err, HttpLabError) else f"{type(err).__name__}: {err}"
            finding = Finding(Verdict.ERROR, "a1.setup", f"the A1 set-up failed: {text}")
            return TestResult(tc, Verdict.ERROR, [finding], Exchange(), started, time.time() - started, {})
        recorder = self._recorder(tc, http=True)
        env = RunEnv(None, None, None, adapter, self.library.templates, self.timers, dict(self.lab.pixit), recorder,
                     http=HttpEnv(client, server, policy_types, server.base_url + cfg.callback_path))
        try:
            result = run_testcase(tc, env)
        finally:
            trouble = []
            if sim is not None:
                trouble.append(self._stop_simulator(sim))
            if isinstance(adapter, BackgroundAdapter):
                adapter.join(2.0)
                trouble.extend(adapter.errors)
            server.stop()
            if recorder is not None:
                recorder.close()
        trouble = [t for t in trouble if t]
        if trouble:
            result.findings.append(Finding(Verdict.ERROR, "simulator", "; ".join(trouble)))
            result.verdict = worse(result.verdict, Verdict.ERROR)
        return result

    def _start_a1_simulator(self, tc, server):
        """The built-in A1 simulator of the DUT's role; returns (simulator, the DUT's base URL or None)."""
        from harness.sim.a1 import A1NonRtRicSim, A1RicSim, TlsClient, TlsServer
        faults = (self.options.fault,) if self.options.fault else ()
        pki = self.a1.sim                      # the lab's a1.sim block: the simulator's TLS (docs/a1.md)
        client_tls = TlsClient(pki["ca"]) if pki.get("ca") else None
        if tc.dut_role == "near-rt-ric":
            server_tls = TlsServer(pki["cert"], pki["key"], pki.get("client_ca")) if pki.get("cert") else None
            sim = A1RicSim("127.0.0.1", 0, faults, self.dut.a1.get("policy_types_dir"), server_tls, self.a1.token,
                           notify_tls=client_tls, slow_delay=1.5 * self.timers.expect,
                           notify_timeout=self.timers.expect)
            sim.start()
            return sim, sim.base_url
        sim = A1NonRtRicSim(server.base_url, faults, client_tls, self.a1.token, timeout=self.timers.guard)
        sim.start()
        return sim, None

    def _finish_row(self, result):
        row = self.writer.test(result) if self.writer else self._row(result)
        if not self.writer:
            self.rows.append(row)
        return result

    def _recorder(self, tc, http: bool = False):
        """The pcapng evidence of one test case (only when results are written)."""
        if self.writer is None:
            return None
        from harness.evidence.recorder import PcapRecorder
        from harness.results import safe_name
        name = safe_name(tc.id)
        if http:
            from harness.http.evidence import HttpPcapRecorder
            return HttpPcapRecorder(self.writer.dir / "tests" / name / f"{name}.pcapng", tc.id, self.mode)
        return PcapRecorder(self.writer.dir / "tests" / name / f"{name}.pcapng", tc.id, self.mode)

    @staticmethod
    def _stop_simulator(simulator) -> str:
        if simulator is None:
            return ""
        problems = []
        try:
            simulator.stop()
        except Exception as err:  # a stuck simulator thread is a harness problem
            problems.append(str(err))
        problems.extend(getattr(simulator, "errors", []))
        return "; ".join(problems)

    def _row(self, result) -> dict:
        return {"id": result.testcase.id, "title": result.testcase.title, "verdict": result.verdict.name}

    def _adapter(self, simulator: Any):
        kind = self.lab.adapter.kind
        if kind == "simulator":
            return SimulatorAdapter(simulator) if simulator is not None else None
        if kind == "command":
            return CommandAdapter(self.lab.adapter.commands)
        return ManualAdapter()

    def _start_simulator(self, dut_role: str, transport):
        from harness.sim.factory import start_simulator
        return start_simulator(dut_role, transport, fault=self.options.fault, lab=self.lab)

    def finish(self) -> None:
        if self.wire is not None:
            self.wire.stop()
        if self._live_link is not None:
            link, sim = self._live_link
            link.close()
            if sim is not None:
                sim.close()
            self._live_link = None
        if self.writer:
            self.writer.finish({"finished": time.time()})
