"""Executors of the NETCONF steps (harness/interfaces/mplane/steps.py).

Who is to blame, decided once here: the O-RU breaking NETCONF (no hello, a
hello without a base capability, malformed XML, a wrong or missing reply,
a missing or late notification, a session it should end and keeps) is FAIL
with the clause; a wrong known host key, an unreachable host, a call-home
listener that cannot bind, or a spec value that cannot be built is ERROR.
Every wait is bounded by its timer and by the test case's guard timer.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from harness.core.verdict import Finding, Verdict
from harness.interfaces.mplane import capabilities
from harness.interfaces.mplane import client as mc
from harness.interfaces.mplane import tls_callhome
from harness.interfaces.mplane import validation
from harness.interfaces.mplane.steps import (
    NAMESPACES,
    ConnectStep,
    DisconnectStep,
    ExpectNotificationStep,
    ExpectReplyStep,
    ExpectSessionEndStep,
    RpcStep,
)
from harness.runner.context import StepContext
from harness.runner.registry import register_executor
from harness.spec import match as matching
from harness.transport.base import Packet

RFC6241 = "IETF RFC 6241"
RFC8071 = "IETF RFC 8071"
MP = "O-RAN.WG4.MP.0 v08.00"
NC = mc.NC
SUP = "urn:o-ran:supervision:1.0"
NOTIF = "urn:ietf:params:xml:ns:netconf:notification:1.0"
MONITORING = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
WITH_DEFAULTS = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults"


@dataclass
class NetconfEntry:
    """One NETCONF message in the exchange evidence (kept as XML)."""

    index: int
    frame: mc.Frame
    step: str
    role: str = ""

    @property
    def message(self) -> str:
        return self.frame.kind

    @property
    def packet(self) -> Packet:
        """The message as a transport packet (the results and report layers read these)."""
        return Packet(self.frame.xml.encode(), self.frame.direction, self.frame.time, ppid=0,
                      association="netconf-ssh")

    def summary(self) -> str:
        arrow = "->" if self.frame.direction == "sent" else "<-"
        return f"#{self.index} {arrow} {self.frame.kind} ({len(self.frame.xml)} chars) {self.role}".rstrip()

    def as_json(self) -> dict:
        return {"index": self.index, "direction": self.frame.direction, "time": self.frame.time,
                "protocol": "netconf", "message": self.frame.kind, "xml": self.frame.xml, "step": self.step,
                "role": self.role}


@dataclass
class MplaneEnv:
    """What NETCONF steps run against; one per test case (``RunEnv.interface``)."""

    target: mc.SshTarget
    call_home_port: int = 4334
    call_home_host: str = "0.0.0.0"
    start_call_home: Any = None          # callable(port): make the (simulated) O-RU call home
    declared: tuple = ()                 # the DUT profile's mplane.netconf: checked against each hello
    client: mc.MplaneClient | None = None
    reply: mc.Reply | None = None
    reply_time: float = 0.0
    clients: list = field(default_factory=list)
    yang_dir: Path | None = None         # the DUT profile's mplane.yang_dir: the lab's copy of the models
    yang: Any = None                     # the O-RU's modules in libyang, learnt after the hello (validation.py)
    schemas: dict = field(default_factory=dict)   # (module, revision) -> text fetched earlier in this run
    fronthaul: Any = None                # the lab's fronthaul profile (CU-plane eAxC ids, carriers): labexec.py
    call_home_bound: int = 0             # the port the last call home came to (the O-RU calls there again)
    call_home_tls: tls_callhome.TlsMaterial | None = None   # DUT profile call_home: tls -> TLS, not SSH

    def close(self) -> None:
        for c in self.clients:
            c.close()


def _env(ctx: StepContext) -> MplaneEnv:
    env = ctx.env
    if not isinstance(env, MplaneEnv):
        ctx.error("mplane.setup", "this run has no M-plane settings (lab profile 'mplane:')")
    ctx.state("mplane", lambda: ctx.add_finisher(lambda: _finish(ctx, env)))   # once per test case
    return env


def _finish(ctx: StepContext, env: MplaneEnv) -> None:
    env.close()
    _evidence(ctx, env, "after the last step")


def _evidence(ctx: StepContext, env: MplaneEnv, step_label: str) -> list:
    """Move the client's new frames into the exchange; returns their entries."""
    out = []
    for c in env.clients:
        for frame in c.poll():
            out.append(ctx.exchange.add_entry(lambda i, f=frame: NetconfEntry(i, f, step_label)))
    return out


def _timer(ctx: StepContext, value: Any, step) -> float:
    return ctx.timer(value, ctx.timers.expect)


# ---------------------------------------------------------------------- connect / disconnect
def run_connect(ctx: StepContext, step: ConnectStep) -> None:
    env = _env(ctx)
    label = ctx.where(step)
    t = env.target
    timeout = _timer(ctx, step.timer, step)
    own_credentials = step.username is None and step.password is None    # a step's credentials replace the key too
    target = mc.SshTarget(t.host, t.port, ctx.resolve(step.username) or t.username,
                          ctx.resolve(step.password) if step.password is not None else t.password,
                          t.known_host_key, timeout, t.key_file if own_credentials else None)
    clause = ctx.clause(step)
    listener = None
    try:
        if step.call_home:
            listener = mc.CallHomeListener(env.call_home_host, env.call_home_port)
            env.call_home_bound = listener.port
            if env.start_call_home is not None:
                env.start_call_home(listener.port)
            client = (listener.accept(target, timeout) if env.call_home_tls is None
                      else tls_callhome.accept(listener, target, timeout, env.call_home_tls))
        else:
            client = mc.MplaneClient().connect(target)
    except mc.MplaneError as err:
        for frame in getattr(err, "frames", []):
            ctx.exchange.add_entry(lambda i, f=frame: NetconfEntry(i, f, label))
        return _judge_connect_error(ctx, step, err, clause, tls=env.call_home_tls is not None)
    finally:
        if listener is not None:
            listener.close()
    _connected(ctx, env, step, client, label, clause)


def _judge_connect_error(ctx: StepContext, step: ConnectStep, err: Exception, clause: str,
                         tls: bool = False) -> None:
    try:
        raise err
    except mc.AuthenticationFailed as err:
        if step.outcome == "auth-failure":
            return ctx.pass_("connect.auth-refused", f"the O-RU refused the credentials: {err}", clause=clause)
        ctx.error("connect.auth", f"{err} (check the lab profile's credentials)")
    except mc.HostKeyMismatch as err:
        ctx.error("connect.host-key", str(err))
    except mc.LabError as err:
        if step.outcome == "refused":
            return ctx.pass_("connect.refused", f"the connection was refused: {err}",
                             clause=clause)
        ctx.error("connect", str(err))
    except mc.PeerError as err:
        if step.outcome == "no-hello" and "hello" in str(err):
            return ctx.pass_("connect.no-hello", str(err), clause=clause)
        if isinstance(err, mc.CallHomeTimeout):
            ctx.fail("connect.call-home", str(err), clause=f"{RFC8071} 4.1 (S1: the server opens TCP to the "
                     f"client), 3.1; {clause}")
        if isinstance(err, tls_callhome.TlsCallHomeFailed):
            ctx.fail("connect.call-home", f"call home over TLS: {err}",
                     clause=f"{RFC8071} 4.1; {tls_callhome.RFC7589} 3; {clause}")
        if step.call_home and tls:      # TLS was up; the O-RU ended it or its hello failed
            ctx.fail("connect.hello", f"call home over TLS: {err}", clause=f"{RFC8071} 4.1 (the NETCONF server on "
                     f"the connection it opened); {tls_callhome.RFC7589} 3; {clause}")
        if step.call_home:      # TCP came from the O-RU; SSH or the hello on it failed
            ctx.fail("connect.hello", f"call home: {err}", clause=f"{RFC8071} 4.1 (S2, S3: SSH server and "
                     f"NETCONF on the connection it opened); {clause}")
        ctx.fail("connect.hello", str(err), clause=f"{RFC6241} 8.1; {clause}")


def _connected(ctx: StepContext, env: MplaneEnv, step: ConnectStep, client, label: str, clause: str) -> None:
    env.clients.append(client)
    env.client = client
    entries = _evidence(ctx, env, label)
    ev = tuple(e.index for e in entries)
    if step.outcome != "ok":
        ctx.fail("connect.accepted",
                 f"the O-RU accepted the session although the test expected '{step.outcome}'",
                 clause=clause, expected=step.outcome, observed="session up", evidence=ev)
    caps = client.server_capabilities
    ctx.vars["server_capabilities"] = caps
    ctx.vars["client_capabilities"] = client.client_capabilities
    ctx.vars["session_id"] = client.session_id
    bases = [c for c in caps if c in (mc.BASE_10, mc.BASE_11)]
    if not bases:
        ctx.fail("hello.base", "the O-RU's hello lists neither base:1.0 nor base:1.1 "
                 f"({len(caps)} capabilities)", clause=f"{RFC6241} 8.1; {clause}",
                 expected=[mc.BASE_10, mc.BASE_11], observed=caps, evidence=ev)
    lacking = capabilities.missing(env.declared, caps)
    if lacking:
        ctx.fail("hello.declared", f"the O-RU's hello lacks {len(lacking)} capabilit"
                 f"{'y' if len(lacking) == 1 else 'ies'} its DUT profile declares (mplane.netconf): "
                 + ", ".join(lacking), clause=f"{RFC6241} 8.1; {clause}",
                 expected=[capabilities.capability_uri(n) for n in lacking], observed=caps, evidence=ev)
    framing = "1.1 (chunked)" if mc.BASE_11 in bases and mc.BASE_11 in client.client_capabilities else "1.0"
    ctx.pass_("hello", f"hello exchanged: session-id {client.session_id}, "
              f"{len(caps)} server capabilities, framing {framing}", clause=clause, evidence=ev)
    if step.outcome == "ok":
        validation.eager(ctx, env, lambda: _evidence(ctx, env, label),
                         lambda entries: _check_echo(ctx, entries, _sent_message_id(entries)))


def run_disconnect(ctx: StepContext, step: DisconnectStep) -> None:
    env = _env(ctx)
    if env.client is not None:
        env.client.close()
    _evidence(ctx, env, ctx.where(step))
    env.client = None


# ---------------------------------------------------------------------- rpc
def _sub(parent: etree._Element, name: str, text: Any = None, ns: str = NC) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        el.text = str(text)
    return el


def _datastore(el: etree._Element, holder: str, p: dict) -> None:
    _sub(_sub(el, holder), str(p.get("datastore", "running")))


def _body(ctx: StepContext, step: RpcStep, server_caps: list | None = None) -> etree._Element:
    """The operation's XML from the step's parameters (RFC 6241 clause 7 and 8, RFC 6243, RFC 6022)."""
    op = step.operation
    p = ctx.resolve(dict(step.params))
    if op == "raw":
        return etree.fromstring(ctx.resolve(step.body).encode())
    if op == "create-subscription":
        el = etree.Element(f"{{{NOTIF}}}create-subscription", nsmap={None: NOTIF})
        if "stream" in p:
            _sub(el, "stream", p["stream"], NOTIF)
        return el
    if op == "supervision-watchdog-reset":
        el = etree.Element(f"{{{SUP}}}supervision-watchdog-reset", nsmap={None: SUP})
        for key in ("supervision-notification-interval", "guard-timer-overhead"):
            if key in p:
                _sub(el, key, int(float(p[key])), SUP)
        return el
    if op == "get-schema":
        el = etree.Element(f"{{{MONITORING}}}get-schema", nsmap={None: MONITORING})
        for key in ("identifier", "version", "format"):
            if key in p:
                _sub(el, key, p[key], MONITORING)
        return el
    el = etree.Element(f"{{{NC}}}{op}", nsmap={None: NC})
    if op in ("get-config", "validate"):
        _datastore(el, "source", p)
    elif op in ("edit-config", "lock", "unlock"):
        _datastore(el, "target", p)
    if op == "edit-config":
        for key in ("default-operation", "test-option", "error-option"):
            if key in p:
                _sub(el, key, p[key])
        el.append(etree.fromstring(f"<config xmlns='{NC}'>{ctx.resolve(step.config)}</config>".encode()))
    if op == "commit":
        if p.get("confirmed") in (True, "true"):
            _sub(el, "confirmed")
        for key in ("confirm-timeout", "persist", "persist-id"):
            if key in p:
                _sub(el, key, p[key])
    if op == "cancel-commit" and "persist-id" in p:
        _sub(el, "persist-id", p["persist-id"])
    if op == "kill-session":
        _sub(el, "session-id", p.get("session-id", ""))
    if step.filter is not None:
        kind, text = step.filter
        f = etree.SubElement(el, f"{{{NC}}}filter", type=kind)
        text = ctx.resolve(text)
        env = _env(ctx)
        ns = validation.namespaces(ctx, env, text, NAMESPACES,          # any announced module's name or prefix
                                   lambda: _evidence(ctx, env, ctx.where(step)))
        if kind == "subtree":
            for child in validation.subtree(text, ns):
                f.append(child)
        else:
            f = _xpath_filter(el, f, text, ns)
    if op in ("get", "get-config"):
        mode = p.get("with-defaults")
        if mode is None and capabilities.supports_report_all(server_caps or []):
            mode = "report-all"         # RFC 6243 3.1: every leaf, defaults included, so trim mode fails no check
        if mode is not None:
            etree.SubElement(el, f"{{{WITH_DEFAULTS}}}with-defaults", nsmap={None: WITH_DEFAULTS}).text = str(mode)
    return el


def _xpath_filter(parent, f, select: str, ns: dict):
    """An xpath filter with every prefix the expression uses declared on it."""
    parent.remove(f)
    f = etree.SubElement(parent, f"{{{NC}}}filter", nsmap=ns)
    f.set("type", "xpath")
    f.set("select", select)
    return f


def run_rpc(ctx: StepContext, step: RpcStep) -> None:
    env = _env(ctx)
    label = ctx.where(step)
    if env.client is None or not env.client.connected:
        ctx.finding(Verdict.FAIL if env.client is not None else Verdict.ERROR, "rpc.session",
                    "no NETCONF session to send the rpc on" + (" (the O-RU ended it)" if env.client else
                    "; add a connect step first"))
        return                          # not reached: a FAIL or ERROR finding ends the steps
    try:
        body = _body(ctx, step, env.client.server_capabilities)
    except (etree.XMLSyntaxError, ValueError, TypeError) as err:
        ctx.error("spec.rpc", f"cannot build the {step.operation} rpc: {err}")
    timer = _timer(ctx, step.timer, step)
    env.reply = None
    commit = _commit_after(ctx, step, env.client.server_capabilities, body)
    try:
        env.reply = env.client.rpc(body, timeout=timer)
        env.reply_time = time.time()
        if commit is not None and not env.reply.errors:     # the reply judged is the commit's
            env.reply = env.client.rpc(commit, timeout=timer)
            env.reply_time = time.time()
    except mc.PeerError as err:
        entries = _evidence(ctx, env, label)
        sent_id = _sent_message_id(entries)
        _name_rpc(ctx, step, sent_id)
        _check_echo(ctx, entries, sent_id)           # a reply to another message-id is why none arrived
        ctx.fail("rpc.reply", str(err), clause=f"{RFC6241} 4.2, 4.4",
                 evidence=tuple(e.index for e in entries))
    entries = _evidence(ctx, env, label)
    for e in entries:
        e.role = "sent" if e.frame.direction == "sent" else "matched"
    sent_id = _sent_message_id(entries)
    _name_rpc(ctx, step, sent_id)
    _check_echo(ctx, entries, sent_id)
    validation.check_reply(ctx, env, step, body, env.reply,
                           tuple(e.index for e in entries if e.frame.kind == "rpc-reply"),
                           lambda: _evidence(ctx, env, label))


def _commit_after(ctx: StepContext, step: RpcStep, caps: list, body: etree._Element) -> etree._Element | None:
    """For an edit-config that names no datastore, on an O-RU without :writable-running but with
    :candidate: retarget the edit to candidate and return the commit that applies it (MP.0 clause 9.1,
    3-phase); None otherwise. A finding says so, so the evidence explains the extra rpc."""
    if step.operation != "edit-config" or "datastore" in step.params or not capabilities.three_phase(caps):
        return None
    target = body.find(f"{{{NC}}}target")
    for child in list(target):
        target.remove(child)
    _sub(target, "candidate")
    ctx.pass_("rpc.three-phase", "the O-RU offers :candidate but not :writable-running: the edit goes to "
              "candidate and a commit applies it", clause=f"O-RAN.WG4.MP.0 v08.00 9.1; {RFC6241} 8.2, 8.3.4.1")
    return etree.Element(f"{{{NC}}}commit", nsmap={None: NC})


def _message_id(xml: str) -> str | None:
    try:
        return etree.fromstring(xml.encode()).get("message-id")
    except etree.XMLSyntaxError:
        return None


def _sent_message_id(entries: list) -> str | None:
    """The message-id of the rpc this step sent (from the evidence: what really crossed the channel)."""
    sent = next((e for e in entries if e.frame.direction == "sent" and e.frame.kind == "rpc"), None)
    return _message_id(sent.frame.xml) if sent is not None else None


def _name_rpc(ctx: StepContext, step: RpcStep, sent_id: str | None) -> None:
    """`as: NAME`: the rpc as sent (operation, message-id, params), for later steps to refer to."""
    if step.name:
        ctx.vars[step.name] = {"operation": step.operation, "message-id": sent_id,
                               "params": ctx.resolve(dict(step.params))}


def _check_echo(ctx: StepContext, entries: list, sent_id: str | None) -> None:
    """Every rpc-reply this step received echoes the sent rpc's message-id (RFC 6241 4.2); judged
    against what was sent, never a literal of the spec. A protocol rule (``rule=True``): a FAIL even in
    a precondition step, such as the connect step that learns the YANG modules."""
    if sent_id is None:
        return
    sent = [_message_id(e.frame.xml) for e in entries if e.frame.direction == "sent" and e.frame.kind == "rpc"]
    replies = [e for e in entries if e.frame.direction == "received" and e.frame.kind == "rpc-reply"]
    for k, e in enumerate(replies):             # the k-th reply answers the k-th rpc (a 3-phase edit sends two)
        want = sent[k] if k < len(sent) else sent_id
        got = _message_id(e.frame.xml)
        if got != want:
            ctx.fail("rpc.message-id", f"the rpc-reply's message-id is {got!r}, the rpc's was {want!r}: "
                     "a reply echoes its rpc's message-id", clause=f"{RFC6241} 4.2", rule=True,
                     expected=want, observed=got, evidence=(e.index,))


# ---------------------------------------------------------------------- checks
def _observe(root: etree._Element, expr: str, ns: dict) -> Any:
    try:
        hits = root.xpath(expr, namespaces=ns)
    except etree.XPathError as err:
        return f"(xpath error: {err})"
    if isinstance(hits, (float, int, bool)):
        return int(hits) if isinstance(hits, float) and hits.is_integer() else hits
    if isinstance(hits, str):
        return hits
    texts = [(h.text or "").strip() if isinstance(h, etree._Element) else str(h) for h in hits]
    if not texts:
        return matching.ABSENT
    return texts[0] if len(texts) == 1 else texts


def _match_all(ctx: StepContext, step, root, checks: dict, ns: dict, what: str, evidence: tuple) -> list:
    problems = []
    for expr, spec in checks.items():
        expr_r = ctx.resolve(expr)
        expected = ctx.resolve(spec)
        observed = _observe(root, expr_r, ns)
        for miss in matching.match(expected, observed, expr_r, ctx.vars):
            problems.append(Finding(Verdict.FAIL, f"{what}.match", miss.reason, clause=step.clause,
                                    ie_path=miss.path, expected=miss.expected, observed=miss.observed,
                                    step=ctx.where(step), evidence=evidence))
    return problems


def _save(ctx: StepContext, step, root, ns: dict) -> None:
    for var, expr in step.save.items():
        value = _observe(root, ctx.resolve(expr), ns)
        if value is matching.ABSENT:
            ctx.fail("save", f"cannot save {var}: {expr} selects nothing")
        ctx.vars[var] = value


def _parse_time(text: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def run_expect_reply(ctx: StepContext, step: ExpectReplyStep) -> None:
    env = _env(ctx)
    reply = env.reply
    if reply is None:
        ctx.error("spec.expect-reply", "no rpc-reply to check: put an rpc step before")
    entry = next((e for e in reversed(ctx.exchange.entries)
                  if isinstance(e, NetconfEntry) and e.frame.kind == "rpc-reply"), None)
    ev = (entry.index,) if entry else ()
    clause = ctx.clause(step)
    problems: list = []
    if step.ok and not reply.ok:
        why = f"rpc-error {reply.errors[0].tag}: {reply.errors[0].message}" if reply.errors else "data, not <ok/>"
        problems.append(Finding(Verdict.FAIL, "reply.ok", f"expected <ok/>, the O-RU answered {why}", clause=clause,
                                expected="ok", observed=why, step=ctx.where(step), evidence=ev))
    if step.rpc_error is not None:
        if not reply.errors:
            problems.append(Finding(Verdict.FAIL, "reply.rpc-error", "expected an rpc-error, the O-RU answered "
                                    + ("<ok/>" if reply.ok else "data"), clause=clause, step=ctx.where(step),
                                    expected=step.rpc_error, evidence=ev))
        else:
            e = reply.errors[0]
            observed = {"error-tag": e.tag, "error-type": e.type, "error-severity": e.severity,
                        "error-message": e.message, "error-path": e.path, "error-app-tag": e.app_tag,
                        "error-info": dict(e.info)}
            for miss in matching.match(ctx.resolve(step.rpc_error), observed, "rpc-error", ctx.vars):
                problems.append(Finding(Verdict.FAIL, "reply.rpc-error", miss.reason, clause=clause,
                                        ie_path=miss.path, expected=miss.expected, observed=miss.observed,
                                        step=ctx.where(step), evidence=ev))
    elif reply.errors and not step.ok:
        e = reply.errors[0]
        problems.append(Finding(Verdict.FAIL, "reply.rpc-error", f"the O-RU answered rpc-error {e.tag} "
                                f"({e.type}): {e.message}", clause=clause, step=ctx.where(step), observed=e.tag,
                                evidence=ev))
    if not reply.errors:
        problems.extend(_match_all(ctx, step, reply.element, step.data, step.namespaces, "reply", ev))
    if step.time_ahead and not reply.errors:
        problems.extend(_time_ahead(ctx, step, reply, env.reply_time, clause, ev))
    ctx.add_all(problems)
    ctx.pass_("expect-reply", "the rpc-reply passed every check", clause=clause,
              evidence=ev)
    _save(ctx, step, reply.element, step.namespaces)


def _time_ahead(ctx, step, reply, received: float, clause: str, ev) -> list:
    spec = step.time_ahead
    seconds = float(ctx.resolve(spec["seconds"]))
    tolerance = float(ctx.resolve(spec["tolerance"]))
    text = _observe(reply.element, spec["xpath"], step.namespaces)
    at = _parse_time(text) if isinstance(text, str) else None
    if at is None:
        return [Finding(Verdict.FAIL, "reply.time", f"{spec['xpath']} is not a date-and-time: {text!r}",
                        clause=clause, step=ctx.where(step), evidence=ev)]
    ahead = at - received
    if abs(ahead - seconds) > tolerance:
        return [Finding(Verdict.FAIL, "reply.time-ahead", f"{spec['xpath']} is {ahead:.2f} s after the reply; "
                        f"expected {seconds:g} +/- {tolerance:g} s", clause=clause, step=ctx.where(step),
                        expected=seconds, observed=round(ahead, 3), evidence=ev)]
    return []


def run_expect_notification(ctx: StepContext, step: ExpectNotificationStep) -> None:
    env = _env(ctx)
    label = ctx.where(step)
    clause = ctx.clause(step)
    if env.client is None:
        ctx.error("spec.expect-notification", "no NETCONF session: add a connect step")
    timer = _timer(ctx, step.timer, step)
    deadline = time.monotonic() + timer
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _evidence(ctx, env, label)
            gone = "" if env.client.connected else " (and the O-RU closed the session)"
            ctx.fail("notification.timer", f"no {step.name} notification within "
                     f"{timer:g} s{gone}", clause=clause, expected=step.name, observed=None)
        note = env.client.notification(min(left, 0.5))
        entries = _evidence(ctx, env, label)
        if note is None:
            if not env.client.connected and not entries:
                ctx.fail("notification.session",
                         f"the O-RU ended the session while the harness waited for {step.name}",
                         clause=clause)
            continue
        content = [c for c in note if isinstance(c.tag, str) and etree.QName(c).localname != "eventTime"]
        name = etree.QName(content[0]).localname if content else "?"
        entry = next((e for e in reversed(entries) if e.frame.kind == "notification"), None)
        ev = (entry.index,) if entry else ()
        if name != step.name:
            if entry:
                entry.role = "ignored"
            continue
        if entry:
            entry.role = "matched"
        validation.check_notification(ctx, env, step, etree.tostring(note, encoding="unicode"), ev,
                                      lambda: _evidence(ctx, env, label))
        problems = _match_all(ctx, step, note, step.match, step.namespaces, "notification", ev)
        ctx.add_all(problems)
        ctx.pass_("expect-notification", f"received {step.name} and every check passed",
                  clause=clause, evidence=ev)
        _save(ctx, step, note, step.namespaces)
        return


def run_expect_session_end(ctx: StepContext, step: ExpectSessionEndStep) -> None:
    env = _env(ctx)
    clause = ctx.clause(step)
    if env.client is None:
        ctx.error("spec.expect-session-end", "no NETCONF session: add a connect step")
    timer = _timer(ctx, step.timer, step)
    deadline = time.monotonic() + timer
    while env.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    _evidence(ctx, env, ctx.where(step))
    if env.client.connected:
        ctx.fail("session.kept", f"the O-RU kept the session for {timer:g} s although it "
                 "should have ended it", clause=clause, expected="session closed", observed="open")
    ctx.pass_("session.ended", "the O-RU ended the session in time", clause=clause)


register_executor(ConnectStep, run_connect)
register_executor(DisconnectStep, run_disconnect)
register_executor(RpcStep, run_rpc)
register_executor(ExpectReplyStep, run_expect_reply)
register_executor(ExpectNotificationStep, run_expect_notification)
register_executor(ExpectSessionEndStep, run_expect_session_end)
