"""Runner executors of the NETCONF steps (harness/mplane/steps.py).

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
from typing import Any

from lxml import etree

from harness.mplane import client as mc
from harness.mplane.steps import (ConnectStep, DisconnectStep, ExpectNotificationStep, ExpectReplyStep,
                                  ExpectSessionEndStep, RpcStep)
from harness.runner.runner import Runner, _where, register_executor
from harness.spec import match as matching
from harness.transport.base import Packet
from harness.verdict import Finding, Verdict

RFC6241 = "IETF RFC 6241"
MP = "O-RAN.WG4.MP.0 v08.00"
NC = mc.NC
SUP = "urn:o-ran:supervision:1.0"


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
    """What NETCONF steps run against; one per test case (set as ``RunEnv.mplane``)."""

    target: mc.SshTarget
    call_home_port: int = 4334
    call_home_host: str = "0.0.0.0"
    start_call_home: Any = None          # callable(port): make the (simulated) O-RU call home
    client: mc.MplaneClient | None = None
    reply: mc.Reply | None = None
    reply_time: float = 0.0
    clients: list = field(default_factory=list)

    def close(self) -> None:
        for c in self.clients:
            c.close()


def _env(runner: Runner) -> MplaneEnv:
    env = getattr(runner.env, "mplane", None)
    if env is None:
        runner._finding(Verdict.ERROR, "mplane.setup", "this run has no M-plane settings (lab profile 'mplane:')")
    if not getattr(runner, "_mplane_finisher", False):
        runner._mplane_finisher = True
        runner.finishers.append(lambda: _finish(runner, env))
    return env


def _finish(runner: Runner, env: MplaneEnv) -> None:
    env.close()
    _evidence(runner, env, "after the last step")


def _evidence(runner: Runner, env: MplaneEnv, step_label: str) -> list:
    """Move the client's new frames into the exchange; returns their entries."""
    out = []
    for c in env.clients:
        for frame in c.poll():
            out.append(runner.exchange.add_entry(lambda i, f=frame: NetconfEntry(i, f, step_label)))
    return out


def _timer(runner: Runner, value: Any, step) -> float:
    return min(runner._seconds(value, runner.env.timers.expect, step), max(runner._remaining(), 0.0))


# ---------------------------------------------------------------------- connect / disconnect
def run_connect(runner: Runner, step: ConnectStep) -> None:
    env = _env(runner)
    label = _where(step)
    t = env.target
    timeout = _timer(runner, step.timer, step)
    own_credentials = step.username is None and step.password is None    # a step's credentials replace the key too
    target = mc.SshTarget(t.host, t.port, runner._resolve(step.username, step) or t.username,
                          runner._resolve(step.password, step) if step.password is not None else t.password,
                          t.known_host_key, timeout, t.key_file if own_credentials else None)
    clause = step.clause or str(runner.tc.reference)
    listener = None
    try:
        if step.call_home:
            listener = mc.CallHomeListener(env.call_home_host, env.call_home_port)
            if env.start_call_home is not None:
                env.start_call_home(listener.port)
            client = listener.accept(target, timeout)
        else:
            client = mc.MplaneClient().connect(target)
    except mc.MplaneError as err:
        for frame in getattr(err, "frames", []):
            runner.exchange.add_entry(lambda i, f=frame: NetconfEntry(i, f, label))
        return _judge_connect_error(runner, step, err, clause)
    finally:
        if listener is not None:
            listener.close()
    _connected(runner, env, step, client, label, clause)


def _judge_connect_error(runner: Runner, step: ConnectStep, err: Exception, clause: str) -> None:
    try:
        raise err
    except mc.AuthenticationFailed as err:
        if step.outcome == "auth-failure":
            return runner._finding(Verdict.PASS, "connect.auth-refused", f"the O-RU refused the credentials: {err}",
                                   step, clause=clause)
        runner._finding(Verdict.ERROR, "connect.auth", f"{err} (check the lab profile's credentials)", step)
    except mc.HostKeyMismatch as err:
        runner._finding(Verdict.ERROR, "connect.host-key", str(err), step)
    except mc.LabError as err:
        if step.outcome == "refused":
            return runner._finding(Verdict.PASS, "connect.refused", f"the connection was refused: {err}", step,
                                   clause=clause)
        runner._finding(Verdict.ERROR, "connect", str(err), step)
    except mc.PeerError as err:
        if step.outcome == "no-hello" and "hello" in str(err):
            return runner._finding(Verdict.PASS, "connect.no-hello", str(err), step, clause=clause)
        runner._finding(Verdict.FAIL, "connect.hello", str(err), step, clause=f"{RFC6241} 8.1; {clause}")


def _connected(runner: Runner, env: MplaneEnv, step: ConnectStep, client, label: str, clause: str) -> None:
    env.clients.append(client)
    env.client = client
    entries = _evidence(runner, env, label)
    ev = tuple(e.index for e in entries)
    if step.outcome != "ok":
        runner._finding(Verdict.FAIL, "connect.accepted",
                        f"the O-RU accepted the session although the test expected '{step.outcome}'", step,
                        clause=clause, expected=step.outcome, observed="session up", evidence=ev)
    caps = client.server_capabilities
    runner.vars["server_capabilities"] = caps
    runner.vars["client_capabilities"] = client.client_capabilities
    runner.vars["session_id"] = client.session_id
    bases = [c for c in caps if c in (mc.BASE_10, mc.BASE_11)]
    if not bases:
        runner._finding(Verdict.FAIL, "hello.base", "the O-RU's hello lists neither base:1.0 nor base:1.1 "
                        f"({len(caps)} capabilities)", step, clause=f"{RFC6241} 8.1; {clause}",
                        expected=[mc.BASE_10, mc.BASE_11], observed=caps, evidence=ev)
    framing = "1.1 (chunked)" if mc.BASE_11 in bases and mc.BASE_11 in client.client_capabilities else "1.0"
    runner._finding(Verdict.PASS, "hello", f"hello exchanged: session-id {client.session_id}, "
                    f"{len(caps)} server capabilities, framing {framing}", step, clause=clause, evidence=ev)


def run_disconnect(runner: Runner, step: DisconnectStep) -> None:
    env = _env(runner)
    if env.client is not None:
        env.client.close()
    _evidence(runner, env, _where(step))
    env.client = None


# ---------------------------------------------------------------------- rpc
def _body(runner: Runner, step: RpcStep) -> etree._Element:
    op = step.operation
    p = runner._resolve(dict(step.params), step)
    if op == "raw":
        return etree.fromstring(runner._resolve(step.body, step).encode())
    el = etree.Element(f"{{{NC}}}{op}", nsmap={None: NC})
    if op in ("get-config", "edit-config", "lock", "unlock"):
        holder = etree.SubElement(el, f"{{{NC}}}{'source' if op == 'get-config' else 'target'}")
        etree.SubElement(holder, f"{{{NC}}}{p.get('datastore', 'running')}")
    if op == "edit-config":
        if "default-operation" in p:
            etree.SubElement(el, f"{{{NC}}}default-operation").text = str(p["default-operation"])
        config = etree.fromstring(f"<config xmlns='{NC}'>{runner._resolve(step.config, step)}</config>".encode())
        el.append(config)
    if step.filter is not None:
        kind, text = step.filter
        f = etree.SubElement(el, f"{{{NC}}}filter", type=kind)
        if kind == "subtree":
            for child in etree.fromstring(f"<f>{runner._resolve(text, step)}</f>".encode()):
                f.append(child)
        else:
            f = _xpath_filter(el, f, runner._resolve(text, step))
    if op == "create-subscription":
        el = etree.Element("{urn:ietf:params:xml:ns:netconf:notification:1.0}create-subscription",
                           nsmap={None: "urn:ietf:params:xml:ns:netconf:notification:1.0"})
        if "stream" in p:
            etree.SubElement(el, "{urn:ietf:params:xml:ns:netconf:notification:1.0}stream").text = str(p["stream"])
    if op == "kill-session":
        etree.SubElement(el, f"{{{NC}}}session-id").text = str(p.get("session-id", ""))
    if op == "supervision-watchdog-reset":
        el = etree.Element(f"{{{SUP}}}supervision-watchdog-reset", nsmap={None: SUP})
        for key in ("supervision-notification-interval", "guard-timer-overhead"):
            if key in p:
                etree.SubElement(el, f"{{{SUP}}}{key}").text = str(int(float(p[key])))
    return el


def _xpath_filter(parent, f, select: str):
    """An xpath filter with every prefix the expression uses declared on it."""
    from harness.mplane.steps import NAMESPACES
    parent.remove(f)
    f = etree.SubElement(parent, f"{{{NC}}}filter", nsmap={k: v for k, v in NAMESPACES.items()})
    f.set("type", "xpath")
    f.set("select", select)
    return f


def run_rpc(runner: Runner, step: RpcStep) -> None:
    env = _env(runner)
    label = _where(step)
    if env.client is None or not env.client.connected:
        runner._finding(Verdict.FAIL if env.client is not None else Verdict.ERROR, "rpc.session",
                        "no NETCONF session to send the rpc on" + (" (the O-RU ended it)" if env.client else
                                                                   "; add a connect step first"), step)
    try:
        body = _body(runner, step)
    except (etree.XMLSyntaxError, ValueError, TypeError) as err:
        runner._finding(Verdict.ERROR, "spec.rpc", f"cannot build the {step.operation} rpc: {err}", step)
    timer = _timer(runner, step.timer, step)
    env.reply = None
    try:
        env.reply = env.client.rpc(body, timeout=timer)
        env.reply_time = time.time()
    except mc.PeerError as err:
        entries = _evidence(runner, env, label)
        runner._finding(Verdict.FAIL, "rpc.reply", str(err), step, clause=f"{RFC6241} 4.2, 4.4",
                        evidence=tuple(e.index for e in entries))
    entries = _evidence(runner, env, label)
    for e in entries:
        e.role = "sent" if e.frame.direction == "sent" else "matched"


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


def _match_all(runner: Runner, step, root, checks: dict, ns: dict, what: str, evidence: tuple) -> list:
    problems = []
    for expr, spec in checks.items():
        expr_r = runner._resolve(expr, step)
        expected = runner._resolve(spec, step)
        observed = _observe(root, expr_r, ns)
        for miss in matching.match(expected, observed, expr_r, runner.vars):
            problems.append(Finding(Verdict.FAIL, f"{what}.match", miss.reason, clause=step.clause,
                                    ie_path=miss.path, expected=miss.expected, observed=miss.observed,
                                    step=_where(step), evidence=evidence))
    return problems


def _save(runner: Runner, step, root, ns: dict) -> None:
    for var, expr in step.save.items():
        value = _observe(root, runner._resolve(expr, step), ns)
        if value is matching.ABSENT:
            runner._finding(Verdict.FAIL, "save", f"cannot save {var}: {expr} selects nothing", step)
        runner.vars[var] = value


def _parse_time(text: str) -> float | None:
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except (ValueError, AttributeError):
        return None


def run_expect_reply(runner: Runner, step: ExpectReplyStep) -> None:
    env = _env(runner)
    reply = env.reply
    if reply is None:
        runner._finding(Verdict.ERROR, "spec.expect-reply", "no rpc-reply to check: put an rpc step before", step)
    entry = next((e for e in reversed(runner.exchange.entries)
                  if isinstance(e, NetconfEntry) and e.frame.kind == "rpc-reply"), None)
    ev = (entry.index,) if entry else ()
    clause = step.clause or str(runner.tc.reference)
    problems: list = []
    if step.ok and not reply.ok:
        why = f"rpc-error {reply.errors[0].tag}: {reply.errors[0].message}" if reply.errors else "data, not <ok/>"
        problems.append(Finding(Verdict.FAIL, "reply.ok", f"expected <ok/>, the O-RU answered {why}", clause=clause,
                                expected="ok", observed=why, step=_where(step), evidence=ev))
    if step.rpc_error is not None:
        if not reply.errors:
            problems.append(Finding(Verdict.FAIL, "reply.rpc-error", "expected an rpc-error, the O-RU answered "
                                    + ("<ok/>" if reply.ok else "data"), clause=clause, step=_where(step),
                                    expected=step.rpc_error, evidence=ev))
        else:
            e = reply.errors[0]
            observed = {"error-tag": e.tag, "error-type": e.type, "error-severity": e.severity,
                        "error-message": e.message}
            for miss in matching.match(runner._resolve(step.rpc_error, step), observed, "rpc-error", runner.vars):
                problems.append(Finding(Verdict.FAIL, "reply.rpc-error", miss.reason, clause=clause,
                                        ie_path=miss.path, expected=miss.expected, observed=miss.observed,
                                        step=_where(step), evidence=ev))
    elif reply.errors and not step.ok:
        e = reply.errors[0]
        problems.append(Finding(Verdict.FAIL, "reply.rpc-error", f"the O-RU answered rpc-error {e.tag} "
                                f"({e.type}): {e.message}", clause=clause, step=_where(step), observed=e.tag,
                                evidence=ev))
    if not reply.errors:
        problems.extend(_match_all(runner, step, reply.element, step.data, step.namespaces, "reply", ev))
    if step.time_ahead and not reply.errors:
        problems.extend(_time_ahead(runner, step, reply, env.reply_time, clause, ev))
    for f in problems:
        runner.keeper.add(f)
    if problems:
        from harness.runner.runner import _Stop
        raise _Stop
    runner._finding(Verdict.PASS, "expect-reply", "the rpc-reply passed every check", step, clause=clause,
                    evidence=ev)
    _save(runner, step, reply.element, step.namespaces)


def _time_ahead(runner, step, reply, received: float, clause: str, ev) -> list:
    spec = step.time_ahead
    seconds = float(runner._resolve(spec["seconds"], step))
    tolerance = float(runner._resolve(spec["tolerance"], step))
    text = _observe(reply.element, spec["xpath"], step.namespaces)
    at = _parse_time(text) if isinstance(text, str) else None
    if at is None:
        return [Finding(Verdict.FAIL, "reply.time", f"{spec['xpath']} is not a date-and-time: {text!r}",
                        clause=clause, step=_where(step), evidence=ev)]
    ahead = at - received
    if abs(ahead - seconds) > tolerance:
        return [Finding(Verdict.FAIL, "reply.time-ahead", f"{spec['xpath']} is {ahead:.2f} s after the reply; "
                        f"expected {seconds:g} +/- {tolerance:g} s", clause=clause, step=_where(step),
                        expected=seconds, observed=round(ahead, 3), evidence=ev)]
    return []


def run_expect_notification(runner: Runner, step: ExpectNotificationStep) -> None:
    env = _env(runner)
    label = _where(step)
    clause = step.clause or str(runner.tc.reference)
    if env.client is None:
        runner._finding(Verdict.ERROR, "spec.expect-notification", "no NETCONF session: add a connect step", step)
    timer = _timer(runner, step.timer, step)
    deadline = time.monotonic() + timer
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _evidence(runner, env, label)
            gone = "" if env.client.connected else " (and the O-RU closed the session)"
            runner._finding(Verdict.FAIL, "notification.timer", f"no {step.name} notification within "
                            f"{timer:g} s{gone}", step, clause=clause, expected=step.name, observed=None)
        note = env.client.notification(min(left, 0.5))
        entries = _evidence(runner, env, label)
        if note is None:
            if not env.client.connected and not entries:
                runner._finding(Verdict.FAIL, "notification.session",
                                f"the O-RU ended the session while the harness waited for {step.name}", step,
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
        problems = _match_all(runner, step, note, step.match, step.namespaces, "notification", ev)
        for f in problems:
            runner.keeper.add(f)
        if problems:
            from harness.runner.runner import _Stop
            raise _Stop
        runner._finding(Verdict.PASS, "expect-notification", f"received {step.name} and every check passed", step,
                        clause=clause, evidence=ev)
        _save(runner, step, note, step.namespaces)
        return


def run_expect_session_end(runner: Runner, step: ExpectSessionEndStep) -> None:
    env = _env(runner)
    clause = step.clause or str(runner.tc.reference)
    if env.client is None:
        runner._finding(Verdict.ERROR, "spec.expect-session-end", "no NETCONF session: add a connect step", step)
    timer = _timer(runner, step.timer, step)
    deadline = time.monotonic() + timer
    while env.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    _evidence(runner, env, _where(step))
    if env.client.connected:
        runner._finding(Verdict.FAIL, "session.kept", f"the O-RU kept the session for {timer:g} s although it "
                        "should have ended it", step, clause=clause, expected="session closed", observed="open")
    runner._finding(Verdict.PASS, "session.ended", "the O-RU ended the session in time", step, clause=clause)


register_executor(ConnectStep, run_connect)
register_executor(DisconnectStep, run_disconnect)
register_executor(RpcStep, run_rpc)
register_executor(ExpectReplyStep, run_expect_reply)
register_executor(ExpectNotificationStep, run_expect_notification)
register_executor(ExpectSessionEndStep, run_expect_session_end)
