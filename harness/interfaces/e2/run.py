"""Run one E2 test case: over an in-process link to the built-in simulator (sim), or over SCTP (live).

Moved here from harness/session.py so the session runs every interface the
same way (harness/interfaces/base.py). In live mode one association
(`harness.interfaces.e2.live.LiveLink`) serves the whole session; a simulator process plays
the DUT when the DUT profile says `simulator:`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

from harness.evidence.recorder import PcapRecorder
from harness.interfaces.base import BindingError, add_trouble, evidence_path, setup_error, stop_simulator
from harness.interfaces.e2 import tnl
from harness.interfaces.e2.live import LiveConfig, LiveError, LiveLink, ProcessSimulatorAdapter, SimulatorProcess
from harness.interfaces.e2.executors import E2Env
from harness.interfaces.e2.monitor import E2Monitor
from harness.runner.runner import RunEnv, run_testcase
from harness.interfaces.e2.sim.factory import start_simulator
from harness.profiles.schema import parse_address
from harness.transport import inproc
from harness.transport import sctp
from harness.transport.base import TransportError

LINK = "e2"       # the lab link E2 goes through when the lab profile names one (docs/resilience.md)


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
    links = getattr(session, "links", None)
    relayed = links is not None and LINK in links.specs
    if session.mode != "live":
        if relayed and session.dut.e2:
            raise BindingError(f"{session.lab.where.file}: links: {LINK}: this lab runs E2 in-process (mode sim), "
                               "where no relay can sit: use a live lab (transport kind: sctp, backend: usrsctp, "
                               "usrsctp_mode: udp) for E2 impairment (docs/resilience.md)")
        return E2State()
    try:
        live = LiveConfig.from_lab(session.lab, session.dut)
        live = tnl_paths(live, links, session.dut.role, f"{session.lab.where.file}: transport.tnl")
        if relayed:
            live = through_relay(live, links, session.dut.role, f"{session.lab.where.file}: links: {LINK}")
        return E2State(live=live)
    except (LiveError, TransportError, ValueError) as err:
        raise BindingError(str(err)) from None


def through_relay(live: LiveConfig, links, dut_role: str, where: str) -> LiveConfig:
    """SCTP over UDP (RFC 6951) through the lab's 'e2' relay: the side that starts the association
    sends to the relay's listen port. Against the built-in simulator the harness points the relay
    at whichever side listens (the simulator's UDP port for a Near-RT RIC, its own for an E2 node);
    a real DUT's side is the relay's `upstream` as the profile gives it.

    Raises:
        LiveError: the link is no UDP relay, or the E2 transport does not use UDP encapsulation.
    """
    if not links.relay_for(LINK, "udp"):
        raise LiveError(f"{where}: E2 goes through a link only as a UDP relay (relay: udp), SCTP over UDP")
    cfg = live.sctp
    if sctp.backend_of(cfg) != "usrsctp" or cfg.usrsctp_mode != "udp":
        raise LiveError(f"{where}: a UDP relay carries E2 only with SCTP over UDP: set transport backend: usrsctp "
                        "and usrsctp_mode: udp in the lab profile")
    peer = cfg.swapped()
    if dut_role == "near-rt-ric":            # the harness connects: its datagrams go to the relay
        if live.spawn:
            links.route(LINK, (live.dut[0] or "127.0.0.1", cfg.remote_udp_port))
        host, port = links.address(LINK)
        return replace(live, sctp=replace(cfg, remote_udp_port=port), peer_sctp=peer)
    if live.spawn:                           # the simulated E2 node connects: its datagrams go to the relay
        links.route(LINK, (live.listen[0], cfg.udp_port))
        host, port = links.address(LINK)
        return replace(live, peer_sctp=replace(peer, remote_udp_port=port))
    return live                              # a real E2 node: the lab points it at the relay's listen


def tnl_paths(live: LiveConfig, links, dut_role: str, where: str) -> LiveConfig:
    """Where the side that dials each further TNL association sends its SCTP-over-UDP datagrams: the
    relay of the entry's lab link, else straight to the listening side (never through the 'e2' relay,
    which carries the first association only: cutting it must leave the others up).

    Raises:
        LiveError: an entry names a link the lab does not have, or one that is no UDP relay.
    """
    cfg = live.sctp
    entries = []
    for i, entry in enumerate(live.tnl):
        direct = cfg.remote_udp_port if dut_role == "near-rt-ric" else cfg.udp_port
        if entry.link is None:
            entries.append(replace(entry, udp=direct))
            continue
        if links is None or entry.link not in links.specs:
            raise LiveError(f"{where}[{i}]: link '{entry.link}' is not among the lab's links")
        if not links.relay_for(entry.link, "udp"):
            raise LiveError(f"{where}[{i}]: link '{entry.link}': a further TNL association goes through a link only "
                            "as a UDP relay (relay: udp), SCTP over UDP")
        if live.spawn:
            host = entry.simulator[0] if dut_role == "near-rt-ric" and entry.simulator else \
                entry.listen[0] if entry.listen else "127.0.0.1"
            links.route(entry.link, (host, direct))
        entries.append(replace(entry, udp=links.address(entry.link)[1]))
    return replace(live, tnl=tuple(entries))


def sim_tnl(session, node: bool) -> tuple[list, dict]:
    """The in-process further TNL endpoints (sim mode): the lab's addresses when it gives them, else one
    stand-in (like the recorder's); each a (TnlAddress, InprocListener, link) and a dial table."""
    lab = [e for e in (session.lab.transport.get("tnl") or ()) if isinstance(e, dict)]
    points = []
    for i, e in enumerate(lab or [{}]):
        text = e.get("listen" if node else "simulator")
        host, port = parse_address(text) if text else (("127.0.1.1", 36432 + i) if node else ("127.0.1.2", 36431 + i))
        points.append((tnl.TnlAddress(host, port), inproc.InprocListener(f"{'harness' if node else 'dut'}-tnl-{i + 1}"),
                       e.get("link")))
    return points, {(a.host, a.port): x for a, x, _ in points}


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
    points, table = sim_tnl(session, node)
    simulator = start_simulator(tc.dut_role, dut_end, fault=session.options.fault, lab=session.lab,
                                offered=frozenset(rf.id for rf in session.dut.ran_functions),
                                dial=(lambda: harness_side.connect("dut")) if node else None,
                                listener=None if node else dut_side,
                                tnl_listeners=None if node else [((a.host, a.port), x) for a, x, _ in points],
                                dial_tnl=(lambda h, p: table[(h, p)].connect("dut") if (h, p) in table else None)
                                if node else None)
    adapter = session.adapter(simulator)
    rec = recorder(session, tc)
    e2env = E2Env(session.codec, session.messages, harness_end, _monitor(session, tc),
                  accept=harness_side.accept if node else None,
                  dial=None if node else (lambda: dut_side.connect("harness")),
                  new_monitor=lambda: _monitor(session, tc),
                  tnl_offer=[(a, x.accept, link) for a, x, link in points] if node else (),
                  dial_tnl=None if node else (lambda h, p: (table[(h, p)].connect("harness"), None)
                                              if (h, p) in table else (None, None)))
    env = RunEnv(e2env, adapter,
                 session.library.templates,
                 session.timers, dict(session.lab.pixit), rec, links=getattr(session, "links", None))
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
                  new_monitor=lambda: _monitor(session, tc),
                  tnl_offer=link.tnl_offer(), dial_tnl=link.dial_tnl if link.listener is None else None)
    env = RunEnv(e2env, state.adapter,
                 session.library.templates,
                 session.timers, dict(session.lab.pixit), rec, links=getattr(session, "links", None))
    try:
        env.step_listeners = session.step_listeners
        return run_testcase(tc, env)
    finally:
        link.after()        # first: a simulator E2 node would take the harness's close for a loss and dial again
        e2env.close()
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
