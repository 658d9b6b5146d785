"""Run one M-plane test case: the O-RU (the built-in simulator in sim mode), the runner, clean-up.

Moved here from harness/interfaces/mplane/run.py. A set-up problem (bad `mplane:`
block, a simulator that cannot start) is one ERROR finding with the reason,
never a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from harness.interfaces.base import add_trouble, evidence_path, setup_error, stop_simulator
from harness.interfaces.mplane.client import SshTarget
from harness.interfaces.mplane.datastore import Identity
from harness.interfaces.mplane.evidence import NetconfPcapRecorder
from harness.interfaces.mplane import labexec  # noqa: F401 -- registers the lab steps' executors
import harness.interfaces.mplane.recovery  # noqa: F401 -- registers supervise, cut, recover (supervision loss)
from harness.interfaces.mplane.executors import MplaneEnv
from harness.interfaces.mplane.lab import MplaneLab, MplaneLabError
from harness.interfaces.mplane.validation import yang_dir
from harness.runner.adapters import SimulatorAdapter
from harness.runner.runner import RunEnv, TestResult, run_testcase
from harness.interfaces.mplane.sim.lifecycle import OruUnit
from harness.interfaces.mplane.sim.oru import OruConfig
from harness.interfaces.mplane.sim.hostkey import SIMULATOR, HostKeyError, simulator_public_line

LINK = "mplane"   # the lab link NETCONF/SSH goes through when the lab profile names one (docs/resilience.md)


def open_lab(session) -> MplaneLab:
    """The lab's mplane: block and the DUT's address, read at session start (a mistake stops the run).

    Raises:
        MplaneLabError: the text names the profile and key.
    """
    lab = MplaneLab.from_lab(session.lab, session.dut)
    _known_key(lab, session.dut.simulated, session.lab)
    _call_home_tls(session, lab, session.dut.simulated)
    return lab


def run(session, lab: MplaneLab | None, tc) -> TestResult:
    started = time.time()
    sims: list = []
    simulated = session.dut.simulated          # the DUT profile names the built-in O-RU simulator
    declared = tuple(str(c) for c in (getattr(session.dut, "mplane", None) or {}).get("netconf") or ())
    try:
        lab = lab or open_lab(session)
        over_tls = _call_home_tls(session, lab, simulated)
        known_key = _known_key(lab, simulated, session.lab)
        target = SshTarget(lab.host, lab.port, lab.username, lab.password, known_key, lab.timeout, lab.key_file)
        adapter = None
        start_call_home: Callable[[int], None] | None
        if simulated:
            cfg = OruConfig(username=lab.username, password=lab.password or "", fault=session.options.fault,
                            identity=_identity(session.dut), hello_timeout=lab.timeout,
                            netconf=declared or None,     # the simulator announces what its profile declares
                            tls=lab.sim_tls if over_tls else None)
            sim = OruUnit(cfg).start()       # one O-RU, across restarts (sim/lifecycle.py)
            sims.append(sim)
            host, port = _via_relay(session, ("127.0.0.1", sim.port))
            target = SshTarget(host, port, lab.username, lab.password, known_key, lab.timeout)
            adapter = SimulatorAdapter(sim)

            def start_call_home(port: int) -> None:
                sim.call_home_to(("127.0.0.1", port))      # the same O-RU (its state, its restarts) calls home
        else:
            adapter = session.adapter(None)
            start_call_home = None      # a real O-RU calls home by itself
            host, port = _via_relay(session, (target.host, target.port))
            target = replace(target, host=host, port=port)
    except (MplaneLabError, OSError, ValueError) as err:
        for s in sims:
            s.stop()
        return setup_error(tc, "mplane.setup", f"the M-plane set-up failed: {err}", started)
    rec = recorder(session, tc)
    ch_port = lab.call_home_tls_port if over_tls else lab.call_home_port
    mplane = MplaneEnv(target, ch_port if not simulated else 0, lab.call_home_host
                       if not simulated else "127.0.0.1", start_call_home, declared=declared,
                       yang_dir=yang_dir(session.dut), fronthaul=session.states.get("cuplane"),
                       schemas=session.states.setdefault("mplane-schemas", {}),
                       call_home_tls=lab.tls if over_tls else None)
    env = RunEnv(mplane, adapter, session.library.templates, session.timers, dict(session.lab.pixit), rec,
                 links=getattr(session, "links", None))
    env.step_listeners = session.step_listeners
    try:
        result = run_testcase(tc, env)
    finally:
        mplane.close()
        if rec is not None:
            rec.close()
        trouble = [stop_simulator(s) for s in sims]
    return add_trouble(result, trouble)


def _call_home_tls(session, lab: MplaneLab, simulated: bool) -> bool:
    """True when the DUT profile says the O-RU calls home over TLS; the lab must then give the TLS material."""
    if (getattr(session.dut, "mplane", None) or {}).get("call_home") != "tls":
        return False
    where = f"{session.lab.where.file}: mplane"
    if lab.tls is None:
        raise MplaneLabError(f"{where}: the DUT profile says call_home: tls; give tls: {{ca, cert, key}} "
                             "(the CA that signed the O-RU's certificate, the harness's certificate and key)")
    if simulated and lab.sim_tls is None:
        raise MplaneLabError(f"{where}: the simulated O-RU calls home over TLS; give sim: {{cert, key, client_ca}}")
    return True


def _via_relay(session, address: tuple[str, int]) -> tuple[str, int]:
    """``address`` (the O-RU's NETCONF/SSH port) through the lab's 'mplane' TCP relay when the lab names one."""
    links = getattr(session, "links", None)
    if links is None or LINK not in links.specs:
        return address
    if not links.relay_for(LINK, "tcp"):
        raise MplaneLabError(f"{session.lab.where.file}: links: {LINK}: NETCONF goes through a link only as a "
                             "TCP relay (relay: tcp)")
    return links.route(LINK, address)


def _known_key(lab: MplaneLab, simulated: bool, profile) -> str:
    """The lab's known host key; 'simulator' means the built-in simulator's generated key (sim mode only).

    The simulator's key is read from its cache, not from the running
    simulator, so a simulator presenting another key is still refused.
    """
    if lab.known_host_key.strip() != SIMULATOR:
        return lab.known_host_key
    if not simulated:
        raise MplaneLabError(f"{profile.where.file}: mplane.known_host_key: 'simulator' names the built-in "
                             "simulator's key; a real O-RU needs its own public key line")
    try:
        return simulator_public_line()
    except HostKeyError as err:
        raise MplaneLabError(f"{profile.where.file}: mplane.known_host_key: {err}") from None


def recorder(session, tc):
    """The test case's pcapng of decrypted NETCONF (only when results are written)."""
    path = evidence_path(session, tc)
    return NetconfPcapRecorder(path, tc.id, session.mode) if path is not None else None


def _identity(dut) -> Identity:
    return Identity(vendor=dut.vendor, model=dut.model, software=dut.sw_version, hardware=dut.hw_version,
                    serial=getattr(dut, "serial_number", "") or "SIM0001")
