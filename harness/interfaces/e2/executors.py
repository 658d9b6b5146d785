"""Executors of the E2 steps, send and expect, on the public step API.

Theory of operation: a `send` builds the PDU from a template (IE values in the
JSON mapping, ``${variables}`` resolved now), optionally malforms it, and sends
the bytes. An `expect` reads until an acceptable message arrives or its timer
fires; every message read is decoded by the real codec and recorded in the
exchange. `check_expect` and `ie_rules` are shared with the capture observer
(harness/interfaces/e2/observe.py), so a capture is judged with a live run's checks.

Who is to blame is decided here, once: a DUT that sends garbage, nothing, the
wrong message or breaks an IE rule gets FAIL; a spec value that cannot be
encoded or a transport that breaks under us gets ERROR. Every wait is bounded
by its own timer and by the test's guard timer, so a silent DUT never hangs.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from harness.codec import malform as malform_mod
from harness.codec.e2 import E2Codec
from harness.codec.errors import CodecError, DecodeError
from harness.codec.jsonmap import from_json, to_json
from harness.interfaces.e2.association import learn_from
from harness.interfaces.e2.view import E2Messages, MessageError
from harness.interfaces.e2.monitor import live_observe
from harness.runner.context import StepContext
from harness.runner.registry import register_executor
from harness.spec import match as matching
from harness.spec import paths
from harness.spec.model import ExpectStep, SendStep
from harness.transport.base import E2AP_PPID, PeerClosed, Transport, TransportError
from harness.core.verdict import Finding, Verdict

E2AP_CLAUSE = "O-RAN.WG3.E2AP v03.01"


@dataclass
class E2Env:
    """What E2 steps run against (``RunEnv.interface`` for E2 test cases).

    Attributes:
        codec: the E2 codec (it learns RAN functions from E2 Setup and RIC Service Update).
        messages: the E2AP message view of ``codec.e2ap``.
        transport: the association to the DUT (None in observe mode).
    """

    codec: E2Codec
    messages: E2Messages
    transport: Transport | None = None
    monitor: Any = None       # the association's protocol monitor (harness/interfaces/e2/monitor.py)
    # A new association after a restart (harness/interfaces/e2/recovery.py): the harness accepts one
    # (it plays the RIC) or dials one (it plays the E2 node); each new one gets a new monitor.
    accept: Any = None        # (timeout) -> Transport | None
    dial: Any = None          # () -> Transport | None (None while the DUT refuses)
    new_monitor: Any = None   # () -> a fresh monitor
    # Further TNL associations (E2AP v03.01 8.3.6, harness/interfaces/e2/tnlsteps.py): as the RIC, the
    # endpoints the harness offers, each (TnlAddress, accept(timeout) -> Transport | None, lab link or None);
    # as the E2 node, dial_tnl(host, port) -> (Transport | None, lab link or None).
    tnl_offer: Any = ()
    dial_tnl: Any = None

    def renew(self, transport: Transport) -> None:
        """Carry on over a new association (the old one is closed)."""
        if self.transport is not None and self.transport is not transport:
            self.transport.close()
        self.transport = transport
        if self.new_monitor is not None:
            self.monitor = self.new_monitor()

    def restart_peer(self, down_for: float) -> None:
        """The harness's side restarts: its association ends now (it comes back in `recover`)."""
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class _State:
    """Per-run E2 state: packets read after an expect's timer ran out, for the next step."""

    held: list = field(default_factory=list)


def _env(ctx: StepContext) -> E2Env:
    if not isinstance(ctx.env, E2Env):
        ctx.error("e2.env", "this run has no E2 set-up (codec, messages, transport)")
    return ctx.env


def _transport(ctx: StepContext, env: E2Env) -> Transport:
    if env.transport is None:
        ctx.error("e2.env", "this run has no E2 association to the DUT")
    return env.transport


def _state(ctx: StepContext) -> _State:
    def make() -> _State:
        state = _State()
        ctx.add_finisher(lambda: _unread(ctx, state))
        return state
    return ctx.state("e2", make)


def _unread(ctx: StepContext, state: _State) -> None:
    for packet in state.held:                 # evidence: read, never judged
        ctx.exchange.add(packet, "after the last step", role="unread")
    state.held.clear()


def json_pdu(env: E2Env, pdu: Any) -> Any:
    """The PDU's JSON mapping for the evidence (None when it cannot be mapped)."""
    try:
        return to_json(env.codec.codec_for_type, "E2AP-PDU", pdu)
    except Exception:   # noqa: BLE001 -- evidence only: never let it change the verdict
        return None


# ---------------------------------------------------------------------- send
def _ies_json(ctx: StepContext, step: SendStep) -> tuple[str, dict]:
    template = step.template or ctx.templates.get(step.message)
    name = template.message if template else step.message
    ies = copy.deepcopy(dict(template.ies)) if template else {}
    for path, value in {**step.fields, **step.params}.items():
        try:
            ies = paths.set_path(ies, paths.parse_path(path), copy.deepcopy(value))
        except paths.PathError as err:
            ctx.error("spec.send", f"field {path}: {err}")
    for ie in step.omit:
        ies.pop(ie, None)
    return name, ctx.resolve(ies)


def _build(ctx: StepContext, env: E2Env, step: SendStep) -> tuple[str, Any]:
    name, ies = _ies_json(ctx, step)
    try:
        spec = env.messages.spec(name)
        values = {}
        for ie_name, value in ies.items():
            values[ie_name] = from_json(env.codec.codec_for_type, spec.ie(ie_name).type_name, value)
        return name, env.messages.build(name, values)
    except (MessageError, CodecError) as err:
        ctx.error("spec.send", f"cannot build {name}: {err}")


def run_send(ctx: StepContext, step: SendStep) -> None:
    env = _env(ctx)
    name, pdu = _build(ctx, env, step) if not step.raw else (step.message, None)
    try:
        if step.raw:
            data = bytes.fromhex(ctx.resolve(step.raw))
        elif step.malform is not None:
            m = step.malform
            data = malform_mod.apply(env.codec.e2ap, pdu, malform_mod.Malformation(
                m.kind, ctx.resolve(m.ie), m.field, ctx.resolve(m.value), m.bits))
        else:
            data = env.codec.encode(pdu)
    except (ValueError, CodecError, malform_mod.MalformError) as err:
        ctx.error("spec.send", f"cannot encode {name}: {err}")
    learn_from(env.codec, name, pdu)
    try:
        packet = _transport(ctx, env).send(data, stream=step.stream)
    except PeerClosed as err:
        ctx.fail("transport.peer-closed", f"the DUT closed the association before {name} could be sent: {err}")
    except TransportError as err:
        ctx.error("transport", f"sending {name} failed: {err}")
    entry = ctx.exchange.add(packet, ctx.where(step), message=name, role="sent")
    if env.monitor is not None:
        if step.malform is not None or step.raw or pdu is None:
            env.monitor.unreadable_request("harness")
        else:                     # a test's own fields and omissions are its stimulus, not a harness fault
            live_observe(ctx, env.monitor, env.messages.parse(pdu), "harness", data, (), entry,
                         judge=not (step.fields or step.omit))
    if pdu is not None and not step.malform:
        entry.decoded = json_pdu(env, pdu)
    if step.name:
        ctx.vars[step.name] = sent_ies(env, name, pdu) if pdu is not None else {}


def sent_ies(env: E2Env, name: str, pdu: Any) -> dict:
    """IE name -> JSON value of a message, as a send step's `as:` name holds it (``${req.TransactionID}``)."""
    spec = env.messages.spec(name)
    out = {}
    for ie_name, value in env.messages.parse(pdu).ies.items():
        try:
            out[ie_name] = to_json(env.codec.codec_for_type, spec.ie(ie_name).type_name, value)
        except Exception:   # noqa: BLE001, S112 -- an IE we cannot map is simply not there to refer to
            continue
    return out


# ---------------------------------------------------------------------- expect
def run_expect(ctx: StepContext, step: ExpectStep) -> None:
    env = _env(ctx)
    transport = _transport(ctx, env)
    held = _state(ctx).held
    timer = ctx.timer(step.timer, ctx.timers.expect)
    deadline = time.monotonic() + timer
    wall_deadline = time.time() + timer       # packets carry wall-clock arrival times
    wanted = " or ".join(step.messages) if step.messages else "nothing"
    ignore = set(step.ignore) | set(ctx.testcase.ignore)
    # With arrival stamps, the timer is judged on when a message arrived, not on when we got
    # round to reading it: after the deadline, messages already queued are still read (without
    # waiting) until one stamped after the deadline, or none, is left. A flood the harness
    # cannot decode within the timer therefore does not turn an in-time answer into a FAIL.
    stamped = getattr(transport, "arrival_stamps", False)
    while True:
        left = deadline - time.monotonic()
        if left <= 0 and (not stamped or ctx.remaining() <= 0):
            return timer_expired(ctx, step, timer, wanted)
        try:
            packet = held.pop(0) if held else transport.recv(max(left, 0.0))
        except PeerClosed as err:
            ctx.fail("transport.peer-closed",
                     f"the DUT closed the association while the harness waited for {wanted}: {err}")
        except TransportError as err:
            ctx.error("transport", f"receiving failed: {err}")
        if packet is None:
            if left <= 0:                    # nothing queued that arrived in time
                return timer_expired(ctx, step, timer, wanted)
            continue
        if packet.time > wall_deadline and stamped:
            # It arrived after this step's timer ran out (we were slow to notice): the timer
            # decides this step, and the message is left for the next one.
            held.append(packet)
            return timer_expired(ctx, step, timer, wanted)
        entry = ctx.exchange.add(packet, ctx.where(step))
        if packet.ppid != E2AP_PPID:
            entry.role = "unexpected"
            ctx.fail("transport.ppid", f"the DUT sent E2AP with SCTP PPID {packet.ppid}, not {E2AP_PPID}",
                     clause=f"{E2AP_CLAUSE} 7 (transport: PPID {E2AP_PPID})", expected=E2AP_PPID,
                     observed=packet.ppid, evidence=(entry.index,), rule=True)
        notes: list = []
        try:
            pdu = env.codec.decode(packet.data, notes=notes)
        except DecodeError as err:
            entry.error, entry.role = str(err), "unexpected"
            ctx.fail("decode", f"the DUT sent a PDU that does not decode: {err}",
                     clause=f"{E2AP_CLAUSE} 9 (ASN.1)", evidence=(entry.index,), rule=True)
        entry.notes = [f"{n.path}: {n.text}" for n in notes]
        parsed = env.messages.parse(pdu)
        entry.message = parsed.name or f"procedure {parsed.procedure_code} {parsed.kind}"
        entry.decoded = json_pdu(env, pdu)
        learn_from(env.codec, parsed.name, pdu)
        live_observe(ctx, env.monitor, parsed, "dut", packet.data, notes, entry,
                     step_checks_ies=parsed.name in step.messages)
        if parsed.name in step.messages:
            entry.role = "matched"
            return check_expect(ctx, step, parsed, notes, entry)
        if parsed.name in step.fail_on:
            wrong_answer(ctx, step, entry, wanted)
        if parsed.name in ignore:
            entry.role = "ignored"
            continue
        entry.role = "unexpected"
        if step.nothing:
            ctx.fail("expect.nothing", f"expected no message within {timer:g} s, received {entry.message}",
                     evidence=(entry.index,))
        if step.strict:
            ctx.fail("expect.message", f"received {entry.message} while waiting for {wanted}",
                     expected=list(step.messages), observed=entry.message, evidence=(entry.index,))


def wrong_answer(ctx: StepContext, step: ExpectStep, entry, wanted: str) -> None:
    """A message the step's `fail_on` lists: the DUT gave the wrong answer (a FAIL, at once)."""
    entry.role = "unexpected"
    ctx.fail("expect.wrong-answer", f"the DUT answered with {entry.message} where {wanted} was expected",
             expected=list(step.messages), observed=entry.message, evidence=(entry.index,))


def timer_expired(ctx: StepContext, step: ExpectStep, timer: float, wanted: str) -> None:
    """The expect timer ran out: a PASS for 'expect: nothing', else a FAIL."""
    if step.nothing:
        ctx.add_idle(timer)
        ctx.pass_("expect.nothing", f"no message within {timer:g} s, as expected")
        return
    ctx.fail("expect.timer", f"the expect timer ({timer:g} s) expired waiting for {wanted}",
             expected=list(step.messages), observed=None)


def check_expect(ctx: StepContext, step: ExpectStep, parsed, notes: list, entry) -> None:
    """Every check of ``step`` on the matched message; FAILs stop the steps, else PASS and saves."""
    env = _env(ctx)
    spec = env.messages.spec(parsed.name)
    problems: list[Finding] = []
    if step.check_ies:
        # IE presence, criticality and E2SM payloads are rules every message must keep (protocol
        # rules): a DUT breaking one is FAIL even in a preamble, where a matcher miss is INCONC.
        broken = ie_rules(ctx, step, spec, parsed, notes, entry)
        ctx.add_all(broken, stop=False, rule=True)
    else:
        broken = []
    for ie_name, matcher in step.match.items():
        expected = ctx.resolve(matcher)
        if ie_name in parsed.ies:
            observed = to_json(env.codec.codec_for_type, spec.ie(ie_name).type_name, parsed.ies[ie_name])
        else:
            observed = matching.ABSENT
        for miss in matching.match(expected, observed, ie_name, ctx.vars):
            problems.append(ctx.make(Verdict.FAIL, "expect.match", miss.reason, step=step, ie_path=miss.path,
                                     expected=miss.expected, observed=miss.observed, evidence=(entry.index,)))
    ctx.add_all(problems)                    # every problem at once; any stops the steps
    if any(f.verdict >= Verdict.FAIL for f in broken):
        ctx.stop()
    ctx.pass_("expect", f"received {parsed.name} and every check on it passed", evidence=(entry.index,))
    for var, path in step.save.items():
        ctx.vars[var] = _saved(ctx, env, parsed, spec, path)


def ie_rules(ctx: StepContext, step, spec, parsed, notes, entry) -> list[Finding]:
    """IE presence, criticality, duplicates and E2SM payloads, from the ASN.1 object sets."""
    out = []
    at = ctx.where(step)
    clause = f"{E2AP_CLAUSE} 9.1 ({spec.name} IEs), 9.3 ({spec.ie_set})"
    seen: dict = {}
    for name, _id, _crit, _value in parsed.ie_list:
        if name is not None:
            seen[name] = seen.get(name, 0) + 1
    for ie in spec.ies:
        if ie.presence == "mandatory" and ie.name not in seen:
            out.append(Finding(Verdict.FAIL, "ie.presence", f"mandatory IE {ie.name} (id {ie.id}) is missing",
                               clause=clause, ie_path=ie.name, expected="present", observed="absent",
                               step=at, evidence=(entry.index,)))
    for name, count in seen.items():
        if count > 1:
            out.append(Finding(Verdict.FAIL, "ie.duplicate", f"IE {name} appears {count} times",
                               clause=clause, ie_path=name, step=at, evidence=(entry.index,)))
    for name, ie_id, crit, _value in parsed.ie_list:
        if name is None:
            continue
        try:
            rule = spec.ie(name)
        except MessageError:
            out.append(Finding(Verdict.FAIL, "ie.unexpected", f"IE {name} (id {ie_id}) does not belong in "
                               f"{spec.name}", clause=clause, ie_path=name, step=at, evidence=(entry.index,)))
            continue
        if crit != rule.criticality:
            out.append(Finding(Verdict.FAIL, "ie.criticality",
                               f"IE {name} has criticality {crit}; {spec.ie_set} gives {rule.criticality}",
                               clause=clause, ie_path=name, expected=rule.criticality, observed=crit,
                               step=at, evidence=(entry.index,)))
    for note in notes:
        if note.kind == "e2sm-error":
            out.append(Finding(Verdict.FAIL, "e2sm.decode", note.text, clause="O-RAN.WG3.E2SM (payload)",
                               ie_path=note.path, step=at, evidence=(entry.index,)))
    return out


def _saved(ctx: StepContext, env: E2Env, parsed, spec, path: str) -> Any:
    parts = paths.parse_path(path)
    head = parts[0]
    if head not in parsed.ies:
        ctx.fail("expect.save", f"cannot save {path}: {parsed.name} has no {head}")
    observed = {head: to_json(env.codec.codec_for_type, spec.ie(head).type_name, parsed.ies[head])}
    try:
        return paths.get_path(observed, parts)
    except paths.PathError as err:
        ctx.fail("expect.save", f"cannot save {path} from the received {parsed.name}: {err}")


register_executor(SendStep, run_send)
register_executor(ExpectStep, run_expect)
