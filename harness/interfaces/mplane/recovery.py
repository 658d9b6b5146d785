"""M-plane supervision loss and recovery: executors of supervise, stop-supervision, cut and recover.

Theory of operation: `supervise` sends one supervision-watchdog-reset on the main thread (judged,
in the evidence), then a `Supervisor` thread sends one every interval on the same session (its
messages reach the evidence from the client's wire log). A break ends that: `stop-supervision`
stops the resets and keeps the session (the O-RU must end it), `cut` drops the TCP connection
under SSH without close-session, `restart` (harness/runner/recovery.py) restarts the O-RU. Each
break first refuses to act when the lab lacks an objective the recover step names, and notes the
carriers active at that moment. `recover` then measures, on the wire:

* detection (after stop-supervision): from the last reset's reply to the O-RU ending the session;
  the objective is interval + guard-timer-overhead (the reset's own values) + the lab's tolerance
  PIXIT; ending it too early fails as well;
* call_home: from when the O-RU could call home (it ended the session; the cut is over and its
  watchdog expired; it is back from the restart) to its TCP connection on the call-home port;
* fallback (rule): each carrier active before the break reads `state` DISABLED after it;
* supervision: from the call home to the first supervision-notification after a new reset on the
  new session (then the harness supervises the new session in the background);
* configuration (rule, after a restart): the harness's last get-config before the break, sent
  again, reads back the same.

Clauses: O-RAN.WG4.MP.0 v08.00 clause 6.3 as cited across this binding (docs/fronthaul.md;
unchecked clause number against the published edition) and IETF RFC 8071 3.1/4.1.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass

from lxml import etree

from harness.core.verdict import Finding, Verdict
from harness.interfaces.mplane import client as mc
from harness.interfaces.mplane.executors import MP, NC, NOTIF, RFC8071, SUP, MplaneEnv, NetconfEntry, _env, _evidence
from harness.interfaces.mplane.recovery_steps import CutStep, RecoverStep, StopSupervisionStep, SuperviseStep
from harness.runner.context import StepContext
from harness.runner.recovery import RecoveryFigure, judge, marks, missing_objectives, objective, rule
from harness.runner.registry import register_executor

UPLANE = "urn:o-ran:uplane-conf:1.0"
CARRIERS = ("tx-array-carriers", "rx-array-carriers")
SUP_CLAUSE = (f"{MP} 6.3 (M-plane connection supervision: no watchdog reset within interval + "
              "guard-timer-overhead is a supervision failure)")
FALLBACK_CLAUSE = f"{MP} 6.3 (on supervision failure the O-RU stops radiating: its carriers are deactivated)"
CALL_HOME_CLAUSE = (f"{RFC8071} 3.1, 4.1 (the NETCONF server opens the connection: call home); {MP} 6.3 (the "
                    "O-RU re-establishes the M-plane after a supervision failure)")
CONFIG_CLAUSE = ("lab expectation (recover configuration: true): the O-RU keeps its running configuration across "
                 "a restart")
WINDOW = 2.0            # the harness waits this many times an objective before calling it 'never'


@dataclass(frozen=True)
class Break:
    """What the harness broke, when, and what it knew then."""

    kind: str                          # 'stop-supervision' | 'cut' | 'restart'
    wall: float
    last_reset: float | None           # wall-clock arrival of the last watchdog-reset reply
    interval: float | None
    guard: float | None
    down_for: float = 0.0
    carriers: tuple = ()               # (list, name) of each carrier ACTIVE at the break


class Supervisor:
    """Watchdog resets every ``interval`` s on one session, in the background."""

    def __init__(self, client: mc.MplaneClient, interval: float, guard: float) -> None:
        self.client, self.interval, self.guard = client, interval, guard
        self.last_reset: float | None = None
        self.failure: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def body(self) -> etree._Element:
        el = etree.Element(f"{{{SUP}}}supervision-watchdog-reset", nsmap={None: SUP})
        etree.SubElement(el, f"{{{SUP}}}supervision-notification-interval").text = str(int(self.interval))
        etree.SubElement(el, f"{{{SUP}}}guard-timer-overhead").text = str(int(self.guard))
        return el

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mplane-supervisor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            manager = self.client.manager
            if manager is None or not manager.connected:
                self.failure = "the session ended"
                return
            try:
                reply = manager.dispatch(self.body())
            except Exception as err:  # noqa: BLE001 -- whatever ncclient raises, supervision is broken
                self.failure = f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
                return
            if getattr(reply, "error", None) is not None:
                self.failure = f"rpc-error: {reply.error}"
                return
            if not self._stop.is_set():
                self.last_reset = time.time()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(max(self.interval, 1.0) + 5.0)


def _state(ctx: StepContext) -> dict:
    def make() -> dict:
        st: dict = {"supervisor": None, "breaks": []}
        ctx.add_finisher(lambda: st["supervisor"] and st["supervisor"].stop())
        return st
    return ctx.state("mplane.supervision", make)


def _rpc(ctx: StepContext, env: MplaneEnv, client: mc.MplaneClient, body: etree._Element, label: str
         ) -> tuple[mc.Reply | None, str]:
    """One rpc on ``client``: (reply, '') or (None, why)."""
    try:
        reply = client.rpc(body, timeout=ctx.timers.expect)
    except mc.MplaneError as err:
        _evidence(ctx, env, label)
        return None, str(err)
    _evidence(ctx, env, label)
    if reply.errors:
        return None, f"rpc-error {reply.errors[0].tag}: {reply.errors[0].message}"
    return reply, ""


def _carriers_get() -> etree._Element:
    el = etree.Element(f"{{{NC}}}get", nsmap={None: NC})
    f = etree.SubElement(el, f"{{{NC}}}filter", type="subtree")
    etree.SubElement(f, f"{{{UPLANE}}}user-plane-configuration", nsmap={None: UPLANE})
    return el


def _carriers(reply: mc.Reply | None) -> dict:
    """(list, name) -> (active, state) of each array carrier in a get reply."""
    out = {}
    for name in CARRIERS:
        for c in (reply.element.iter(f"{{{UPLANE}}}{name}") if reply is not None else ()):
            out[(name, (c.findtext(f"{{{UPLANE}}}name") or "").strip())] = (
                (c.findtext(f"{{{UPLANE}}}active") or "").strip(), (c.findtext(f"{{{UPLANE}}}state") or "").strip())
    return out


def _check_objectives(ctx: StepContext) -> None:
    missing = missing_objectives(ctx)
    if missing:
        ctx.error("recovery.pixit", "the lab profile declares no PIXIT for the recovery objective(s) "
                  f"{', '.join(missing)}: the harness has no default objectives (add them under pixit:, in ms)")


# ---------------------------------------------------------------------- supervise / breaks
def run_supervise(ctx: StepContext, step: SuperviseStep) -> None:
    env = _env(ctx)
    if env.client is None or not env.client.connected:
        ctx.error("spec.supervise", "no NETCONF session to supervise: add a connect step first")
    st = _state(ctx)
    if st["supervisor"] is not None:
        st["supervisor"].stop()
    sup = Supervisor(env.client, ctx.seconds(step.interval, 0.0), ctx.seconds(step.guard, 0.0))
    reply, why = _rpc(ctx, env, env.client, sup.body(), ctx.where(step))
    if reply is None or reply.element.find(f"{{{SUP}}}next-update-at") is None:
        ctx.fail("supervision.reset", f"the O-RU did not take the watchdog reset: {why or 'no next-update-at'}",
                 clause=SUP_CLAUSE)
    sup.last_reset = time.time()
    sup.start()
    st["supervisor"] = sup
    ctx.pass_("supervision.started", f"the watchdog reset was answered; the harness resets it every "
              f"{sup.interval:g} s (guard-timer-overhead {sup.guard:g} s)", clause=SUP_CLAUSE)


def _break(ctx: StepContext, kind: str, down_for: float = 0.0) -> Break:
    _check_objectives(ctx)
    env = _env(ctx)
    st = _state(ctx)
    sup: Supervisor | None = st["supervisor"]
    carriers: tuple = ()
    if env.client is not None and env.client.connected:
        reply, _ = _rpc(ctx, env, env.client, _carriers_get(), ctx.where())
        carriers = tuple(k for k, (active, _s) in _carriers(reply).items() if active == "ACTIVE")
    if sup is not None:
        sup.stop()
        st["supervisor"] = None
        if sup.failure:
            ctx.fail("supervision.reset", f"the background watchdog resets failed before the {kind}: {sup.failure}",
                     clause=SUP_CLAUSE)
    b = Break(kind, time.time(), sup.last_reset if sup else None, sup.interval if sup else None,
              sup.guard if sup else None, down_for, carriers)
    st["breaks"].append(b)
    return b


def run_stop_supervision(ctx: StepContext, step: StopSupervisionStep) -> None:
    if _state(ctx)["supervisor"] is None:
        ctx.error("spec.stop-supervision", "no supervise step before it: the harness sends no watchdog resets to stop")
    _break(ctx, "stop-supervision")


def run_cut(ctx: StepContext, step: CutStep) -> None:
    env = _env(ctx)
    if env.client is None or not env.client.connected:
        ctx.error("spec.cut", "no NETCONF session to cut: add a connect step first")
    _break(ctx, "cut", ctx.seconds(step.down_for, 0.0))
    env.client.cut()
    _evidence(ctx, env, ctx.where(step))


# ---------------------------------------------------------------------- recover
def _last_break(ctx: StepContext) -> Break:
    st = _state(ctx)
    mine: Break | None = st["breaks"][-1] if st["breaks"] else None
    done = marks(ctx)
    mark = done[-1] if done else None
    if mark is not None and (mine is None or mark.wall > mine.wall):
        sup: Supervisor | None = st["supervisor"]
        if sup is not None:
            sup.stop()
            st["supervisor"] = None
        return Break("restart", mark.wall, sup.last_reset if sup else None, sup.interval if sup else None,
                     sup.guard if sup else None, mark.down_for)
    if mine is None:
        ctx.error("spec.recovery", "a recover step needs a stop-supervision, cut or restart step before it")
    return mine


def _window(goals: dict, figure: str, default: float) -> float:
    return WINDOW * goals[figure] / 1000.0 if figure in goals else default


def _await_end(ctx: StepContext, env: MplaneEnv, until: float) -> tuple[float | None, int]:
    """When the O-RU ended the current session (None: not before ``until``), and the alarm-notifs seen."""
    client = env.client
    alarms = 0
    while client is not None and client.connected and time.time() < until and ctx.remaining() > 0:
        note = client.notification(0.05)
        if note is not None and any(etree.QName(c).localname == "alarm-notif" for c in note if isinstance(c.tag, str)):
            alarms += 1
        _evidence(ctx, env, ctx.where())
    _evidence(ctx, env, ctx.where())
    return (time.time() if client is not None and not client.connected else None), alarms


def _detection(ctx: StepContext, b: Break, ended_at: float | None, pixit: str, alarms: int) -> Finding:
    tolerance = objective(ctx, pixit)
    deadline = ((b.interval or 0.0) + (b.guard or 0.0)) * 1000.0
    value = None if ended_at is None or b.last_reset is None else (ended_at - b.last_reset) * 1000.0
    ok = value is not None and deadline - tolerance <= value <= deadline + tolerance
    if value is None:
        text = "the O-RU did not end the session after the watchdog resets stopped"
    else:
        text = f"the O-RU ended the session {value:.0f} ms after the last watchdog reset"
    text += (f" (expected interval + guard-timer-overhead = {deadline:.0f} ms +/- {tolerance:g} ms, "
             f"PIXIT {pixit}; {alarms} alarm-notif before it)")
    verdict = Verdict.PASS if ok else Verdict.FAIL
    detail = {"interval_s": b.interval, "guard_s": b.guard, "tolerance_ms": tolerance, "alarm_notifs": alarms}
    ctx.figures.append(RecoveryFigure("mplane", "detection", None if value is None else round(value, 1), "ms",
                                      deadline + tolerance, pixit, verdict.name, SUP_CLAUSE, "", detail))
    return ctx.make(verdict, "recovery.detection", text, clause=SUP_CLAUSE,
                    expected={"deadline_ms": deadline, "tolerance_ms": tolerance, "pixit": pixit},
                    observed=None if value is None else round(value, 1))


def _last_get_config(ctx: StepContext, before: float) -> tuple[str, etree._Element] | None:
    """The harness's last get-config before ``before``: (its reply's XML, its operation element)."""
    sent: dict = {}
    found = None
    for e in ctx.exchange.entries:
        if not isinstance(e, NetconfEntry) or e.frame.time >= before:
            continue
        try:
            root = etree.fromstring(e.frame.xml.encode())
        except etree.XMLSyntaxError:
            continue
        mid = root.get("message-id")
        if e.frame.direction == "sent" and e.frame.kind == "rpc":
            ops = [c for c in root if isinstance(c.tag, str)]
            if ops and etree.QName(ops[0]).localname == "get-config":
                sent[mid] = ops[0]
        elif e.frame.kind == "rpc-reply" and mid in sent and root.find(f"{{{NC}}}data") is not None:
            found = (e.frame.xml, sent[mid])
    return found


def _canonical(xml: str) -> bytes:
    data = etree.fromstring(xml.encode()).find(f"{{{NC}}}data")
    if data is None:
        return b""
    for el in data.iter():
        el.text = (el.text or "").strip() or None
        el.tail = None
    return etree.tostring(data, method="c14n")


def run_recover(ctx: StepContext, step: RecoverStep) -> None:
    env = _env(ctx)
    b = _last_break(ctx)
    if "detection" in step.objectives and b.kind != "stop-supervision":
        ctx.error("spec.recover", f"detection is measured after stop-supervision (the harness keeps the session and "
                  f"sees the O-RU end it), not after a {b.kind}")
    if step.fallback and b.kind == "restart":
        ctx.error("spec.recover", "fallback is checked after stop-supervision or cut, not after a restart")
    if step.fallback and not b.carriers:
        ctx.error("spec.recover", "fallback: no carrier was ACTIVE at the break; activate one first (its operational "
                  "state shows the fallback)")
    if (b.kind != "restart" or "supervision" in step.objectives) and b.interval is None:
        ctx.error("spec.recover", "a supervise step must run before the break (its interval and guard are measured)")
    baseline = _last_get_config(ctx, b.wall) if step.configuration else None
    if step.configuration and baseline is None:
        ctx.error("spec.recover", "configuration: the harness ran no get-config before the break to compare with")
    if getattr(env, "call_home_tls", None) is not None:
        ctx.error("recovery.call-home", "waiting for the O-RU to call home again is implemented for SSH call home "
                  "only; this DUT calls home over TLS (call_home: tls), so the recovery cannot be judged here")
    port = env.call_home_bound or env.call_home_port
    if not port:
        ctx.error("spec.recover", "the O-RU calls home again where it called before: run connect {call_home: true} "
                  "before the break")
    goals = {f: objective(ctx, p) for f, p in step.objectives.items()}
    found: list[Finding] = []
    expiry = (b.last_reset or b.wall) + (b.interval or 0.0) + (b.guard or 0.0)
    listener = None if b.kind == "cut" else mc.CallHomeListener(env.call_home_host, port)
    try:
        ended_at = None
        if b.kind == "stop-supervision":
            tolerance = goals.get("detection", 1000.0) / 1000.0
            ended_at, alarms = _await_end(ctx, env, expiry + WINDOW * (expiry - b.wall + tolerance))
            if "detection" in goals:
                found.append(_detection(ctx, b, ended_at, step.objectives["detection"], alarms))
            since = ended_at or expiry
        elif b.kind == "cut":
            since = max(b.wall + b.down_for, expiry)
            pause = b.wall + b.down_for - time.time()
            if pause > 0:
                time.sleep(min(pause, max(ctx.remaining(), 0.0)))
                ctx.add_idle(pause)
            listener = mc.CallHomeListener(env.call_home_host, port)
        else:
            _await_end(ctx, env, b.wall + 2.0)
            since = b.wall + b.down_for
        client, accepted = _call_home(ctx, env, listener, since + _window(goals, "call_home", 10.0))
    finally:
        if listener is not None:
            listener.close()
    value = None if accepted is None else max((accepted - since) * 1000.0, 0.0)
    detail = {"break": b.kind, "since": round(since, 3), "down_for_ms": round(b.down_for * 1000.0, 1)}
    if "call_home" in goals:
        found.append(judge(ctx, "mplane", "call-home", value, step.objectives["call_home"],
                           what=f"the O-RU called home again after the {b.kind}", clause=CALL_HOME_CLAUSE,
                           detail=detail))
    elif client is None:
        found.append(ctx.make(Verdict.FAIL, "recovery.call-home", f"the O-RU did not call home again after the "
                              f"{b.kind}", clause=CALL_HOME_CLAUSE))
    if client is None or accepted is None:
        ctx.add_all(found)
        return
    env.clients.append(client)
    env.client = client
    _evidence(ctx, env, ctx.where(step))
    if step.fallback:
        found.append(_fallback(ctx, env, client, b))
    if b.interval is not None:
        again = _resupervise(ctx, env, client, step, b, accepted, goals)
        found.extend([again] if again is not None else [])
    if baseline is not None:
        found.append(_configuration(ctx, env, client, baseline))
    ctx.add_all(found)


def _call_home(ctx: StepContext, env: MplaneEnv, listener: mc.CallHomeListener | None, until: float
               ) -> tuple[mc.MplaneClient | None, float | None]:
    if listener is None:
        return None, None
    try:
        client = listener.accept(env.target, max(min(until - time.time(), ctx.remaining()), 0.01))
    except mc.CallHomeTimeout:
        return None, None
    except mc.LabError as err:
        ctx.error("connect.call-home", str(err))
    except mc.MplaneError as err:
        for frame in getattr(err, "frames", []):
            ctx.exchange.add_entry(lambda i, f=frame: NetconfEntry(i, f, ctx.where()))
        ctx.fail("connect.hello", f"call home again: {err}", clause=CALL_HOME_CLAUSE)
    return client, listener.accepted_at


def _fallback(ctx: StepContext, env: MplaneEnv, client: mc.MplaneClient, b: Break) -> Finding:
    reply, why = _rpc(ctx, env, client, _carriers_get(), ctx.where())
    after = _carriers(reply)
    still = [f"{lst} {name}" for lst, name in b.carriers if after.get((lst, name), ("", ""))[1] != "DISABLED"]
    states = {f"{lst} {name}": after.get((lst, name), ("", "absent"))[1] or "(no state)" for lst, name in b.carriers}
    text = (f"{len(b.carriers) - len(still)} of {len(b.carriers)} carrier(s) active before the break read state "
            f"DISABLED after it" + (f"; not deactivated: {', '.join(still)}" if still else "")
            + (f" (the get failed: {why})" if reply is None else ""))
    return rule(ctx, "mplane", "fallback", not still and reply is not None, text, FALLBACK_CLAUSE,
                value=len(still), detail={"states": states}, expected=0)


def _resupervise(ctx: StepContext, env: MplaneEnv, client: mc.MplaneClient, step: RecoverStep, b: Break,
                 accepted: float, goals: dict) -> Finding | None:
    """Supervision on the new session: subscription, reset, a supervision-notification; then in the background."""
    sup = Supervisor(client, b.interval or 1.0, b.guard or 1.0)
    until = time.time() + _window(goals, "supervision", 2.0 * (sup.interval + sup.guard) + 2.0)
    at = None
    sub = etree.Element(f"{{{NOTIF}}}create-subscription", nsmap={None: NOTIF})
    reply, why = _rpc(ctx, env, client, sub, ctx.where())
    if reply is not None:
        reply, why = _rpc(ctx, env, client, sup.body(), ctx.where())
    if reply is not None:
        sup.last_reset = time.time()
        while at is None and time.time() < until and ctx.remaining() > 0 and client.connected:
            note = client.notification(0.1)
            if note is not None and any(etree.QName(c).localname == "supervision-notification" for c in note
                                        if isinstance(c.tag, str)):
                at = time.time()
        _evidence(ctx, env, ctx.where())
        sup.start()
        _state(ctx)["supervisor"] = sup
    if "supervision" not in goals:
        return None if at is not None else ctx.make(
            Verdict.FAIL, "recovery.supervision", f"supervision was not re-established after the call home: "
            f"{why or 'no supervision-notification'}", clause=SUP_CLAUSE)
    return judge(ctx, "mplane", "supervision", None if at is None else (at - accepted) * 1000.0,
                 step.objectives["supervision"], clause=SUP_CLAUSE,
                 what="supervision re-established (watchdog reset answered, supervision-notification received)",
                 detail={"failure": why} if why else None)


def _configuration(ctx: StepContext, env: MplaneEnv, client: mc.MplaneClient,
                   baseline: tuple[str, etree._Element]) -> Finding:
    before_xml, op = baseline
    reply, why = _rpc(ctx, env, client, copy.deepcopy(op), ctx.where())
    same = reply is not None and _canonical(reply.xml) == _canonical(before_xml)
    text = ("the running configuration reads back as before the restart" if same else
            "the running configuration changed across the restart" + (f" (get-config failed: {why})" if why else
                                                                        ": the O-RU came back without it"))
    return rule(ctx, "mplane", "configuration", same, text, CONFIG_CLAUSE, value=0 if same else 1,
                expected=0)


register_executor(SuperviseStep, run_supervise)
register_executor(StopSupervisionStep, run_stop_supervision)
register_executor(CutStep, run_cut)
register_executor(RecoverStep, run_recover)
