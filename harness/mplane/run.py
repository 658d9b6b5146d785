"""Run one M-plane test case: the O-RU (the built-in simulator in sim mode), the runner, clean-up.

Called by `HarnessSession.run` for test cases whose protocol is 'mplane', so
`pytest specs/` and `oran-harness run` give the same verdicts and results
layout. A set-up problem (bad `mplane:` block, a simulator that cannot
start) is one ERROR finding with the reason, never a traceback.
"""

from __future__ import annotations

import time

from harness.mplane.client import SshTarget
from harness.mplane.executors import MplaneEnv
from harness.mplane.lab import MplaneLab, MplaneLabError
from harness.runner.adapters import SimulatorAdapter
from harness.runner.exchange import Exchange
from harness.runner.runner import RunEnv, TestResult, run_testcase
from harness.verdict import Finding, Verdict, worse


def check_fault(fault: str | None) -> str | None:
    """The O-RU simulator fault, or an error text naming the known ones."""
    from harness.sim.oru import ORU_FAULTS
    if fault and fault not in ORU_FAULTS:
        return f"--sim-fault {fault}: unknown O-RU fault; known: {', '.join(ORU_FAULTS)}"
    return None


def run_mplane(session, tc) -> TestResult:
    started = time.time()
    sims: list = []
    try:
        lab = MplaneLab.from_lab(session.lab)
        known_key = _known_key(lab, session.mode, session.lab)
        target = SshTarget(lab.host, lab.port, lab.username, lab.password, known_key, lab.timeout, lab.key_file)
        adapter = None
        if session.mode == "sim":
            from harness.sim.oru import OruConfig, OruSimulator
            cfg = OruConfig(username=lab.username, password=lab.password or "", fault=session.options.fault,
                            identity=_identity(session.dut), hello_timeout=lab.timeout)
            sim = OruSimulator(cfg).start()
            sims.append(sim)
            target = SshTarget("127.0.0.1", sim.port, lab.username, lab.password, known_key, lab.timeout)
            adapter = SimulatorAdapter(sim)

            def start_call_home(port: int) -> None:
                from dataclasses import replace
                sims.append(OruSimulator(replace(cfg, call_home=("127.0.0.1", port))).start())
        else:
            adapter = session._adapter(None)
            start_call_home = None      # a real O-RU calls home by itself
    except (MplaneLabError, OSError, ValueError) as err:
        for s in sims:
            s.stop()
        finding = Finding(Verdict.ERROR, "mplane.setup", f"the M-plane set-up failed: {err}")
        return TestResult(tc, Verdict.ERROR, [finding], Exchange(), started, time.time() - started, {})
    recorder = _recorder(session, tc)
    env = RunEnv(None, None, None, adapter, session.library.templates, session.timers, dict(session.lab.pixit),
                 recorder)
    env.step_listeners = session.step_listeners
    env.mplane = MplaneEnv(target, lab.call_home_port if session.mode != "sim" else 0, lab.call_home_host
                           if session.mode != "sim" else "127.0.0.1", start_call_home)
    try:
        result = run_testcase(tc, env)
    finally:
        env.mplane.close()
        if recorder is not None:
            recorder.close()
        trouble = []
        for s in sims:
            try:
                s.stop()
            except RuntimeError as err:
                trouble.append(str(err))
            trouble.extend(s.errors)
    if trouble:
        result.findings.append(Finding(Verdict.ERROR, "simulator", "; ".join(trouble)))
        result.verdict = worse(result.verdict, Verdict.ERROR)
    return result


def _known_key(lab: MplaneLab, mode: str, profile) -> str:
    """The lab's known host key; 'simulator' means the built-in simulator's generated key (sim mode only).

    The simulator's key is read from its cache, not from the running
    simulator, so a simulator presenting another key is still refused.
    """
    from harness.sim.oru_hostkey import SIMULATOR, HostKeyError, simulator_public_line
    if lab.known_host_key.strip() != SIMULATOR:
        return lab.known_host_key
    if mode != "sim":
        raise MplaneLabError(f"{profile.where} mplane.known_host_key: 'simulator' names the built-in simulator's "
                             "key; a live run needs the O-RU's own public key line")
    try:
        return simulator_public_line()
    except HostKeyError as err:
        raise MplaneLabError(f"{profile.where} mplane.known_host_key: {err}") from None


def _recorder(session, tc):
    """The test case's pcapng of decrypted NETCONF (only when results are written)."""
    if getattr(session, "writer", None) is None:
        return None
    from harness.mplane.evidence import NetconfPcapRecorder
    from harness.results import safe_name
    name = safe_name(tc.id)
    return NetconfPcapRecorder(session.writer.dir / "tests" / name / f"{name}.pcapng", tc.id, session.mode)


def _identity(dut):
    from harness.mplane.datastore import Identity
    return Identity(vendor=dut.vendor, model=dut.model, software=dut.sw_version, hardware=dut.hw_version,
                    serial=getattr(dut, "serial_number", "") or "SIM0001")
