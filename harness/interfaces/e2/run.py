"""Run one E2 test case: over an in-process link to the built-in simulator (sim), or over SCTP (live).

Moved here from harness/session.py so the session runs every interface the
same way (harness/interfaces/base.py). In live mode one association
(`harness.interfaces.e2.live.LiveLink`) serves the whole session; a simulator process plays
the DUT when the DUT profile says `simulator:`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from harness.evidence.recorder import PcapRecorder
from harness.interfaces.base import BindingError, add_trouble, evidence_path, setup_error, stop_simulator
from harness.interfaces.e2.live import LiveConfig, LiveError, LiveLink, ProcessSimulatorAdapter, SimulatorProcess
from harness.interfaces.e2.executors import E2Env
from harness.interfaces.e2.monitor import E2Monitor
from harness.runner.runner import RunEnv, run_testcase
from harness.interfaces.e2.sim.factory import start_simulator
from harness.transport import inproc
from harness.transport.base import TransportError


@dataclass
class E2State:
    """One session's E2 state: the live settings and, once opened, the association and its adapter."""

    live: LiveConfig | None = None
    link: LiveLink | None = None
    process: SimulatorProcess | None = None
    adapter: Any = None


def open_state(session) -> E2State:
    """The live settings of the lab (live mode only).

    Raises:
        BindingError: the lab profile's transport settings are unusable.
    """
    if session.mode != "live":
        return E2State()
    try:
        return E2State(live=LiveConfig.from_lab(session.lab, session.dut))
    except LiveError as err:
        raise BindingError(str(err)) from None


def recorder(session, tc):
    """The test case's pcapng of the E2AP messages (only when results are written)."""
    path = evidence_path(session, tc)
    if path is None:
        return None
    return PcapRecorder(path, tc.id, session.mode)


def _monitor(session, tc) -> E2Monitor:
    """The test case's protocol monitor: every message of its association, both directions."""
    return E2Monitor(session.codec, session.messages, tc.dut_role, session.dut)


def run_sim(session, tc):
    """The test case against the built-in simulator of the DUT's role, joined in-process."""
    harness_end, dut_end = inproc.pair("harness", "dut")
    # Where a side comes back after a restart: the E2 node dials the RIC's listening point.
    harness_side = inproc.InprocListener("harness")
    dut_side = inproc.InprocListener("dut", is_open=False)
    node = tc.dut_role == "e2-node"
    simulator = start_simulator(tc.dut_role, dut_end, fault=session.options.fault, lab=session.lab,
                                offered=frozenset(rf.id for rf in session.dut.ran_functions),
                                dial=(lambda: harness_side.connect("dut")) if node else None,
                                listener=None if node else dut_side)
    adapter = session.adapter(simulator)
    rec = recorder(session, tc)
    e2env = E2Env(session.codec, session.messages, harness_end, _monitor(session, tc),
                  accept=harness_side.accept if node else None,
                  dial=None if node else (lambda: dut_side.connect("harness")),
                  new_monitor=lambda: _monitor(session, tc))
    env = RunEnv(e2env, adapter,
                 session.library.templates,
                 session.timers, dict(session.lab.pixit), rec)
    try:
        env.step_listeners = session.step_listeners
        result = run_testcase(tc, env)
    finally:
        trouble = stop_simulator(simulator)        # first: it must not take the close for a loss to recover
        e2env.close()
        if rec is not None:
            rec.close()
    # The simulator is part of the lab here: its failures are ERRORs, never the DUT's FAIL.
    return add_trouble(result, [trouble])


def _link(session, state: E2State, dut_role: str) -> LiveLink:
    if state.link is None:
        sim = None
        try:
            if state.live is None:
                raise LiveError("the lab profile has no live E2 transport block")
            if state.live.spawn:
                sim = SimulatorProcess(dut_role, state.live, session.options.fault, 1.5 * session.timers.expect)
            state.link, state.process = LiveLink(state.live, dut_role, sim), sim
        except LiveError as err:
            if sim is not None:
                sim.close()
            raise BindingError(str(err)) from None
        state.adapter = ProcessSimulatorAdapter(sim) if sim is not None else session.adapter(None)
    return state.link


def run_live(session, state: E2State, tc):
    """The test case over the session's association with the DUT (SCTP)."""
    link = _link(session, state, tc.dut_role)
    started = time.time()
    try:
        transport = link.open(session.timers.guard)
    except TransportError as err:
        return setup_error(tc, "transport.connect", f"no association with the DUT: {err}", started)
    rec = recorder(session, tc)
    e2env = E2Env(session.codec, session.messages, transport, _monitor(session, tc),
                  accept=link.listener.accept if link.listener is not None else None,
                  dial=None if link.listener is not None else lambda: _dial(link),
                  new_monitor=lambda: _monitor(session, tc))
    env = RunEnv(e2env, state.adapter,
                 session.library.templates,
                 session.timers, dict(session.lab.pixit), rec)
    try:
        env.step_listeners = session.step_listeners
        return run_testcase(tc, env)
    finally:
        e2env.close()
        link.after()
        if rec is not None:
            rec.close()


def _dial(link: LiveLink):
    """A new association to a Near-RT RIC DUT after a restart; None while it refuses."""
    try:
        return link.open(1.0)
    except (TransportError, LiveError):
        return None


def close(state: E2State | None) -> None:
    if state is not None and state.link is not None:
        state.link.close()
        if state.process is not None:
            state.process.close()
        state.link = state.process = None
