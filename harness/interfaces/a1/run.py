"""Run one A1 test case: the harness's HTTP server, the DUT (the built-in simulator in sim mode), the runner.

Moved here from harness/session.py. The harness plays the A1-P consumer
against a Near-RT RIC DUT and the producer against a Non-RT RIC DUT; a lab
set-up problem is one ERROR finding with the reason, never a traceback.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit, urlunsplit

from harness.interfaces.a1.model import load_policy_types
from harness.interfaces.a1.config import A1Lab
from harness.http.client import HttpClient, HttpLabError
from harness.http.evidence import HttpPcapRecorder
from harness.http.server import HttpServer
from harness.interfaces.base import add_trouble, evidence_path, setup_error, stop_simulator
from harness.runner.adapters import BackgroundAdapter, SimulatorAdapter
from harness.interfaces.a1.executors import HttpEnv, after_the_steps
from harness.runner.runner import RunEnv, run_testcase
from harness.interfaces.a1.sim import A1NonRtRicSim, A1RicSim, TlsClient, TlsServer
from harness.core.verdict import Verdict, worse

LINK = "a1"       # the lab link A1 goes through when the lab profile names one (docs/resilience.md)


def via_relay(session, url: str | None) -> str | None:
    """``url`` through the lab's 'a1' TCP relay when the lab names one: the relay is pointed at the
    URL's host and port (a simulator's ephemeral port, a real DUT's apiRoot) and the URL at the relay."""
    links = getattr(session, "links", None)
    if links is None or LINK not in links.specs or not url:
        return url
    if not links.relay_for(LINK, "tcp"):
        raise HttpLabError(f"{session.lab.where.file}: links: {LINK}: A1 goes through a link only as a TCP relay "
                           "(relay: tcp)")
    parts = urlsplit(url)
    host, port = links.route(LINK, (parts.hostname or "127.0.0.1",
                                    parts.port or (443 if parts.scheme == "https" else 80)))
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path, parts.query, parts.fragment))


def recorder(session, tc):
    """The test case's pcapng of the HTTP exchanges (only when results are written)."""
    path = evidence_path(session, tc)
    return HttpPcapRecorder(path, tc.id, session.mode) if path is not None else None


def run(session, cfg: A1Lab, tc):
    started = time.time()
    server = sim = adapter = None
    try:
        # The harness plays the A1-P producer for a Non-RT RIC DUT: then it requires the lab's token.
        server = HttpServer(cfg.callback_host, cfg.callback_port, tls=cfg.server_tls(),
                            reply_timeout=min(cfg.reply_timeout, session.timers.guard), max_body=cfg.max_body,
                            bearer_token=cfg.token if tc.dut_role == "non-rt-ric" else None).start()
        dut_url = cfg.dut_url
        if session.dut.simulated:        # the DUT profile names the built-in simulator: start it
            sim, dut_url = start_simulator(session, cfg, tc, server)
            adapter = BackgroundAdapter(SimulatorAdapter(sim))
        else:
            adapter = session.adapter(None)
        if tc.dut_role == "near-rt-ric":
            dut_url = via_relay(session, dut_url)
        client = HttpClient(dut_url, tls=cfg.tls, bearer_token=cfg.token, max_body=cfg.max_body) \
            if dut_url else None
        policy_types = load_policy_types(cfg.policy_types_dir)
    except Exception as err:  # noqa: BLE001 -- a lab set-up problem: ERROR with the reason, no traceback
        for thing in (sim, server):
            if thing is not None:
                thing.stop()
        text = str(err) if isinstance(err, HttpLabError) else f"{type(err).__name__}: {err}"
        return setup_error(tc, "a1.setup", f"the A1 set-up failed: {text}", started)
    rec = recorder(session, tc)
    env = RunEnv(HttpEnv(client, server, policy_types, server.base_url + cfg.callback_path, cfg.policy.variables()),
                 adapter, session.library.templates, session.timers, dict(session.lab.pixit), rec,
                 links=getattr(session, "links", None))
    try:
        result = run_testcase(tc, env)
    finally:
        trouble = []
        if sim is not None:
            trouble.append(stop_simulator(sim))
        server.stop()
        late = after_the_steps(result.exchange, server)   # what came after the steps; 503s nobody chose
        if late:
            result.findings.extend(late)
            result.verdict = worse(result.verdict, Verdict.ERROR)
        if rec is not None:
            rec.close()
    return add_trouble(result, trouble)


def _persistent(dut) -> bool:
    """Whether the simulated RIC keeps its policies across a restart: the DUT profile's
    ``a1.persistent_policies``, required (no default) when the profile says it can restart."""
    given = dut.a1.get("persistent_policies")
    if given is None and dut.pics.get("resilience.restart"):
        raise ValueError(f"{dut.where.file}: a1.persistent_policies: a simulated A1 RIC with PICS resilience.restart "
                         "must say whether its policies survive a restart (true or false); there is no default")
    return bool(given) if given is not None else True     # never restarted: nothing to lose


def start_simulator(session, cfg: A1Lab, tc, server):
    """The built-in A1 simulator of the DUT's role; returns (simulator, the DUT's base URL or None)."""
    faults = (session.options.fault,) if session.options.fault else ()
    pki = cfg.sim                      # the lab's a1.sim block: the simulator's TLS (docs/a1.md)
    client_tls = TlsClient(pki["ca"]) if pki.get("ca") else None
    if tc.dut_role == "near-rt-ric":
        server_tls = TlsServer(pki["cert"], pki["key"], pki.get("client_ca")) if pki.get("cert") else None
        sim = A1RicSim("127.0.0.1", 0, faults, session.dut.a1.get("policy_types_dir"), server_tls, cfg.token,
                       notify_tls=client_tls, slow_delay=1.5 * session.timers.expect,
                       notify_timeout=session.timers.expect,
                       persistent=_persistent(session.dut))
        sim.start()
        return sim, sim.base_url
    nonrt = A1NonRtRicSim(via_relay(session, server.base_url) or server.base_url, faults, client_tls, cfg.token,
                          timeout=session.timers.guard)
    nonrt.start()
    return nonrt, None
