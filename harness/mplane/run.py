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
        target = SshTarget(lab.host, lab.port, lab.username, lab.password, lab.known_host_key, lab.timeout)
        adapter = None
        start_call_home = None
        if session.mode == "sim":
            from harness.sim.oru import OruConfig, OruSimulator
            cfg = OruConfig(username=lab.username, password=lab.password or "", fault=session.options.fault,
                            identity=_identity(session.dut), hello_timeout=lab.timeout)
            sim = OruSimulator(cfg).start()
            sims.append(sim)
            target = SshTarget("127.0.0.1", sim.port, lab.username, lab.password, lab.known_host_key, lab.timeout)
            adapter = SimulatorAdapter(sim)

            def start_call_home(port: int) -> None:
                from dataclasses import replace
                sims.append(OruSimulator(replace(cfg, call_home=("127.0.0.1", port))).start())
        else:
            adapter = session._adapter(None)
    except (MplaneLabError, OSError, ValueError) as err:
        for s in sims:
            s.stop()
        finding = Finding(Verdict.ERROR, "mplane.setup", f"the M-plane set-up failed: {err}")
        return TestResult(tc, Verdict.ERROR, [finding], Exchange(), started, time.time() - started, {})
    env = RunEnv(None, None, None, adapter, session.library.templates, session.timers, dict(session.lab.pixit), None)
    env.step_listeners = session.step_listeners
    env.mplane = MplaneEnv(target, lab.call_home_port if session.mode != "sim" else 0, lab.call_home_host
                           if session.mode != "sim" else "127.0.0.1", start_call_home)
    try:
        result = run_testcase(tc, env)
    finally:
        env.mplane.close()
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


def _identity(dut):
    from harness.mplane.datastore import Identity
    return Identity(vendor=dut.vendor, model=dut.model, software=dut.sw_version, hardware=dut.hw_version,
                    serial=getattr(dut, "serial_number", "") or "SIM0001")
