"""Execute one test case: its steps, timers and checks, with evidence.

Theory of operation: the runner owns one transport to the DUT and walks the
test case's steps in order. A `send` builds the PDU from a template (IE values
in the JSON mapping, `${variables}` resolved now), optionally malforms it, and
sends the bytes. An `expect` reads until an acceptable message arrives or its
timer fires; every message read is decoded by the real codec and recorded in
the `Exchange`. Checks produce `Finding`s into a `VerdictKeeper`, whose verdict
only gets worse. The first FAIL or ERROR stops the steps: later steps depend
on earlier ones.

Who is to blame is decided here, once: a DUT that sends garbage, nothing, the
wrong message or breaks an IE rule gets FAIL; a spec value that cannot be
encoded, a trigger the lab cannot perform, or a transport that breaks under
us gets ERROR. Every wait is bounded by its own timer and by the test's guard
timer, so a silent DUT never hangs a lab queue.
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
from harness.e2.view import E2Messages, MessageError
from harness.runner.adapters import Adapter, TriggerError
from harness.runner.exchange import Exchange
from harness.spec import match as matching
from harness.spec import paths
from harness.spec import vars as variables_mod
from harness.spec.model import (ExpectStep, RepeatStep, SaveStep, SendStep, TestCase, TriggerStep, WaitStep)
from harness.transport.base import E2AP_PPID, PeerClosed, Transport, TransportError
from harness.verdict import Finding, Verdict, VerdictKeeper

E2AP_CLAUSE = "O-RAN.WG3.E2AP v03.01"


class _Stop(Exception):
    """Ends the steps after a FAIL or ERROR finding was recorded."""


@dataclass
class Timers:
    expect: float = 5.0
    guard: float = 30.0
    trigger: float = 30.0


@dataclass
class RunEnv:
    """What a test case runs against; the plugin builds one per test case."""

    codec: E2Codec
    messages: E2Messages
    transport: Transport
    adapter: Adapter | None
    templates: dict                     # name -> harness.spec.model.Template
    timers: Timers = field(default_factory=Timers)
    pixit: dict = field(default_factory=dict)    # lab PIXIT overrides
    recorder: Any = None                          # called with every exchange entry (pcapng evidence)
    http: Any = None                              # harness.runner.http_steps.HttpEnv for A1 (HTTP) test cases
    step_listeners: list = field(default_factory=list)   # called with a StepEvent at each step's start and end


@dataclass(frozen=True)
class StepEvent:
    """A step starting or ending, for reporters (one allure step per spec step)."""

    phase: str                 # 'start' | 'end'
    label: str                 # 'expect E2setupResponse (specs/x.yaml:12)'
    kind: str                  # 'send' | 'expect' | ...
    verdict: Verdict | None    # at 'end': the worst finding the step recorded (None: none)
    findings: tuple = ()       # at 'end': the findings the step recorded


@dataclass
class TestResult:
    testcase: TestCase
    verdict: Verdict
    findings: list
    exchange: Exchange
    started: float
    duration: float
    variables: dict
    idle: float = 0.0          # seconds spent waiting on purpose (wait steps, 'expect: nothing' timers)


def _where(step) -> str:
    """'expect E2setupResponse (specs/x.yaml:12)': the step, as a lab engineer finds it."""
    if isinstance(step, ExpectStep):
        what = " or ".join(step.messages) or "nothing"
    else:
        what = getattr(step, "message", "") or getattr(step, "action", "") or \
            f"{getattr(step, 'method', '')} {getattr(step, 'path', '')}".strip()   # HTTP steps
    return f"{step.kind} {what} ({_relative(step.where)})".replace("  ", " ")


def _relative(where) -> str:
    import os
    try:
        return f"{os.path.relpath(where.file)}:{where.line}"
    except ValueError:
        return str(where)


class Runner:
    def __init__(self, testcase: TestCase, env: RunEnv) -> None:
        self.tc = testcase
        self.env = env
        self.keeper = VerdictKeeper()
        self.exchange = Exchange(env.recorder)
        self.vars: dict = {}
        for p in testcase.pixit:
            self.vars[p.name] = env.pixit.get(p.name, p.default)
        self.deadline = 0.0
        self.idle = 0.0
        self._held: list = []          # packets read after an expect's timer ran out: the next step's
        self.finishers: list = []      # callables run once after the steps (protocol executors' clean-up)
        if env.http is not None:
            self.vars.update(env.http.variables())

    # ------------------------------------------------------------------ helpers
    def _finding(self, verdict: Verdict, check: str, message: str, step=None, **kw) -> None:
        clause = kw.pop("clause", None) or getattr(step, "clause", "") or str(self.tc.reference)
        self.keeper.add(Finding(verdict, check, message, clause=clause,
                                step=_where(step) if step is not None else None, **kw))
        if verdict >= Verdict.FAIL:
            raise _Stop

    def _resolve(self, value: Any, step) -> Any:
        try:
            return variables_mod.substitute(value, self.vars)
        except variables_mod.VariableError as err:
            self._finding(Verdict.ERROR, "spec.variable", str(err), step)

    def _seconds(self, value: Any, default: float, step) -> float:
        value = default if value is None else self._resolve(value, step)
        try:
            return float(value)
        except (TypeError, ValueError):
            self._finding(Verdict.ERROR, "spec.timer", f"timer {value!r} is not a number of seconds", step)

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _guard(self, step) -> None:
        if self._remaining() <= 0:
            self._finding(Verdict.FAIL, "guard-timer",
                          f"the guard timer expired before this step ({self._guard_s:g} s for the test case)",
                          step)

    # ------------------------------------------------------------------ run
    def run(self) -> TestResult:
        started = time.time()
        t0 = time.monotonic()
        self._guard_s = self.env.timers.guard
        self.deadline = t0 + self._guard_s
        try:
            if self.tc.guard is not None:
                self._guard_s = self._seconds(self.tc.guard, self.env.timers.guard, None)
                self.deadline = t0 + self._guard_s
            self._steps(self.tc.steps)
        except _Stop:
            pass
        except Exception as err:  # a harness bug must still give a verdict, with its evidence
            self.keeper.add(Finding(Verdict.ERROR, "harness.internal",
                                    f"the harness failed: {type(err).__name__}: {err}"))
        for finish in self.finishers:
            try:
                finish()
            except _Stop:
                pass
        for packet in self._held:                 # evidence: read, never judged
            self.exchange.add(packet, "after the last step", role="unread")
        if self.keeper.checks == 0 and self.keeper.verdict < Verdict.ERROR:
            self.keeper.add(Finding(Verdict.ERROR, "no-check",
                                    "the test case evaluated no check; that is not a pass"))
        return TestResult(self.tc, self.keeper.final(), list(self.keeper.findings), self.exchange,
                          started, time.monotonic() - t0, dict(self.vars), self.idle)

    def _steps(self, steps) -> None:
        for step in steps:
            mark = self._announce("start", step, len(self.keeper.findings))
            try:
                self._guard(step)
                execute = executor_for(type(step))
                if execute is None:
                    self._finding(Verdict.ERROR, "spec.step", f"unknown step {type(step).__name__}", step)
                execute(self, step)
            finally:
                self._announce("end", step, mark)

    def _announce(self, phase: str, step, mark: int) -> int:
        """Tell the step listeners (allure steps) a step starts or ends, with its findings."""
        if self.env.step_listeners:
            findings = tuple(self.keeper.findings[mark:]) if phase == "end" else ()
            worst = max((f.verdict for f in findings), default=None)
            event = StepEvent(phase, _where(step), getattr(step, "kind", type(step).__name__), worst, findings)
            for listener in self.env.step_listeners:
                listener(event)
        return mark

    def _wait(self, step: WaitStep) -> None:
        pause = max(0.0, min(self._seconds(step.seconds, 0.0, step), self._remaining()))
        time.sleep(pause)
        self.idle += pause

    def _save(self, step: SaveStep) -> None:
        self.vars.update(self._resolve(dict(step.variables), step))

    def _repeat(self, step: RepeatStep) -> None:
        count = self._resolve(step.count, step)
        for _ in range(int(count)):
            self._steps(step.steps)

    # ------------------------------------------------------------------ send
    def _ies_json(self, step: SendStep) -> tuple[str, dict]:
        template = step.template or self.env.templates.get(step.message)
        name = template.message if template else step.message
        ies = copy.deepcopy(dict(template.ies)) if template else {}
        for path, value in step.fields.items():
            try:
                ies = paths.set_path(ies, paths.parse_path(path), copy.deepcopy(value))
            except paths.PathError as err:
                self._finding(Verdict.ERROR, "spec.send", f"field {path}: {err}", step)
        for ie in step.omit:
            ies.pop(ie, None)
        return name, self._resolve(ies, step)

    def _build(self, step: SendStep) -> tuple[str, Any]:
        name, ies = self._ies_json(step)
        try:
            spec = self.env.messages.spec(name)
            values = {}
            for ie_name, value in ies.items():
                values[ie_name] = from_json(self.env.codec.codec_for_type, spec.ie(ie_name).type_name, value)
            return name, self.env.messages.build(name, values)
        except (MessageError, CodecError) as err:
            self._finding(Verdict.ERROR, "spec.send", f"cannot build {name}: {err}", step)

    def _send(self, step: SendStep) -> None:
        name, pdu = self._build(step) if not step.raw else (step.message, None)
        try:
            if step.raw:
                data = bytes.fromhex(self._resolve(step.raw, step))
            elif step.malform is not None:
                m = step.malform
                data = malform_mod.apply(self.env.codec.e2ap, pdu, malform_mod.Malformation(
                    m.kind, self._resolve(m.ie, step), m.field, self._resolve(m.value, step), m.bits))
            else:
                data = self.env.codec.encode(pdu)
        except (ValueError, CodecError, malform_mod.MalformError) as err:
            self._finding(Verdict.ERROR, "spec.send", f"cannot encode {name}: {err}", step)
        if pdu is not None and name in ("E2setupRequest", "RICserviceUpdate"):
            self.env.codec.learn(pdu)
        try:
            packet = self.env.transport.send(data, stream=step.stream)
        except PeerClosed as err:
            self._finding(Verdict.FAIL, "transport.peer-closed",
                          f"the DUT closed the association before {name} could be sent: {err}", step)
        except TransportError as err:
            self._finding(Verdict.ERROR, "transport", f"sending {name} failed: {err}", step)
        entry = self.exchange.add(packet, _where(step), message=name, role="sent")
        if pdu is not None and not step.malform:
            entry.decoded = self._json_pdu(pdu)

    def _json_pdu(self, pdu: Any) -> Any:
        try:
            return to_json(self.env.codec.codec_for_type, "E2AP-PDU", pdu)
        except Exception:   # evidence only: never let it change the verdict
            return None

    # ------------------------------------------------------------------ expect
    def _expect(self, step: ExpectStep) -> None:
        timer = min(self._seconds(step.timer, self.env.timers.expect, step), max(self._remaining(), 0.0))
        deadline = time.monotonic() + timer
        wall_deadline = time.time() + timer       # packets carry wall-clock arrival times
        wanted = " or ".join(step.messages) if step.messages else "nothing"
        ignore = set(step.ignore) | set(self.tc.ignore)
        # With arrival stamps, the timer is judged on when a message arrived, not on when we got
        # round to reading it: after the deadline, messages already queued are still read (without
        # waiting) until one stamped after the deadline, or none, is left. A flood the harness
        # cannot decode within the timer therefore does not turn an in-time answer into a FAIL.
        stamped = getattr(self.env.transport, "arrival_stamps", False)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 and (not stamped or self._remaining() <= 0):
                return self._timer_expired(step, timer, wanted)
            try:
                packet = self._held.pop(0) if self._held else self.env.transport.recv(max(left, 0.0))
            except PeerClosed as err:
                self._finding(Verdict.FAIL, "transport.peer-closed",
                              f"the DUT closed the association while the harness waited for {wanted}: {err}",
                              step)
            except TransportError as err:
                self._finding(Verdict.ERROR, "transport", f"receiving failed: {err}", step)
            if packet is None:
                if left <= 0:                    # nothing queued that arrived in time
                    return self._timer_expired(step, timer, wanted)
                continue
            if packet.time > wall_deadline and stamped:
                # It arrived after this step's timer ran out (we were slow to notice): the timer
                # decides this step, and the message is left for the next one.
                self._held.append(packet)
                return self._timer_expired(step, timer, wanted)
            entry = self.exchange.add(packet, _where(step))
            if packet.ppid != E2AP_PPID:
                entry.role = "unexpected"
                self._finding(Verdict.FAIL, "transport.ppid",
                              f"the DUT sent E2AP with SCTP PPID {packet.ppid}, not {E2AP_PPID}", step,
                              clause=f"{E2AP_CLAUSE} 7 (transport: PPID {E2AP_PPID})", expected=E2AP_PPID,
                              observed=packet.ppid, evidence=(entry.index,))
            notes: list = []
            try:
                pdu = self.env.codec.decode(packet.data, notes=notes)
            except DecodeError as err:
                entry.error, entry.role = str(err), "unexpected"
                self._finding(Verdict.FAIL, "decode", f"the DUT sent a PDU that does not decode: {err}", step,
                              clause=f"{E2AP_CLAUSE} 9 (ASN.1)", evidence=(entry.index,))
            entry.notes = [f"{n.path}: {n.text}" for n in notes]
            parsed = self.env.messages.parse(pdu)
            entry.message = parsed.name or f"procedure {parsed.procedure_code} {parsed.kind}"
            entry.decoded = self._json_pdu(pdu)
            if parsed.name in ("E2setupRequest", "RICserviceUpdate"):
                self.env.codec.learn(pdu)
            if parsed.name in step.messages:
                entry.role = "matched"
                return self._check(step, parsed, notes, entry)
            if parsed.name in ignore:
                entry.role = "ignored"
                continue
            entry.role = "unexpected"
            if step.nothing:
                self._finding(Verdict.FAIL, "expect.nothing",
                              f"expected no message within {timer:g} s, received {entry.message}", step,
                              evidence=(entry.index,))
            if step.strict:
                self._finding(Verdict.FAIL, "expect.message",
                              f"received {entry.message} while waiting for {wanted}", step,
                              expected=list(step.messages), observed=entry.message, evidence=(entry.index,))

    def _timer_expired(self, step: ExpectStep, timer: float, wanted: str) -> None:
        if step.nothing:
            self.idle += timer
            self._finding(Verdict.PASS, "expect.nothing", f"no message within {timer:g} s, as expected", step)
            return
        self._finding(Verdict.FAIL, "expect.timer",
                      f"the expect timer ({timer:g} s) expired waiting for {wanted}", step,
                      expected=list(step.messages), observed=None)

    def _check(self, step: ExpectStep, parsed, notes: list, entry) -> None:
        spec = self.env.messages.spec(parsed.name)
        problems: list[Finding] = []
        if step.check_ies:
            problems.extend(self._ie_rules(step, spec, parsed, notes, entry))
        for ie_name, matcher in step.match.items():
            expected = self._resolve(matcher, step)
            if ie_name in parsed.ies:
                observed = to_json(self.env.codec.codec_for_type, spec.ie(ie_name).type_name, parsed.ies[ie_name])
            else:
                observed = matching.ABSENT
            for miss in matching.match(expected, observed, ie_name, self.vars):
                problems.append(Finding(Verdict.FAIL, "expect.match", miss.reason,
                                        clause=step.clause or str(self.tc.reference), ie_path=miss.path,
                                        expected=miss.expected, observed=miss.observed, step=_where(step),
                                        evidence=(entry.index,)))
        for f in problems:
            self.keeper.add(f)
        if problems:
            raise _Stop
        self._finding(Verdict.PASS, "expect", f"received {parsed.name} and every check on it passed", step,
                      evidence=(entry.index,))
        for var, path in step.save.items():
            self.vars[var] = self._saved(parsed, spec, path, step)

    def _ie_rules(self, step, spec, parsed, notes, entry) -> list[Finding]:
        """IE presence, criticality, duplicates and E2SM payloads, from the ASN.1 object sets."""
        out = []
        clause = f"{E2AP_CLAUSE} 9.1 ({spec.name} IEs), 9.3 ({spec.ie_set})"
        seen: dict = {}
        for name, _id, crit, _value in parsed.ie_list:
            if name is not None:
                seen[name] = seen.get(name, 0) + 1
        for ie in spec.ies:
            if ie.presence == "mandatory" and ie.name not in seen:
                out.append(Finding(Verdict.FAIL, "ie.presence", f"mandatory IE {ie.name} (id {ie.id}) is missing",
                                   clause=clause, ie_path=ie.name, expected="present", observed="absent",
                                   step=_where(step), evidence=(entry.index,)))
        for name, count in seen.items():
            if count > 1:
                out.append(Finding(Verdict.FAIL, "ie.duplicate", f"IE {name} appears {count} times",
                                   clause=clause, ie_path=name, step=_where(step), evidence=(entry.index,)))
        for name, ie_id, crit, _value in parsed.ie_list:
            if name is None:
                continue
            try:
                rule = spec.ie(name)
            except MessageError:
                out.append(Finding(Verdict.FAIL, "ie.unexpected", f"IE {name} (id {ie_id}) does not belong in "
                                   f"{spec.name}", clause=clause, ie_path=name, step=_where(step),
                                   evidence=(entry.index,)))
                continue
            if crit != rule.criticality:
                out.append(Finding(Verdict.FAIL, "ie.criticality",
                                   f"IE {name} has criticality {crit}; {spec.ie_set} gives {rule.criticality}",
                                   clause=clause, ie_path=name, expected=rule.criticality, observed=crit,
                                   step=_where(step), evidence=(entry.index,)))
        for note in notes:
            if note.kind == "e2sm-error":
                out.append(Finding(Verdict.FAIL, "e2sm.decode", note.text, clause="O-RAN.WG3.E2SM (payload)",
                                   ie_path=note.path, step=_where(step), evidence=(entry.index,)))
        return out

    def _saved(self, parsed, spec, path: str, step) -> Any:
        parts = paths.parse_path(path)
        head = parts[0]
        if head not in parsed.ies:
            self._finding(Verdict.FAIL, "expect.save", f"cannot save {path}: {parsed.name} has no {head}", step)
        observed = {head: to_json(self.env.codec.codec_for_type, spec.ie(head).type_name, parsed.ies[head])}
        try:
            return paths.get_path(observed, parts)
        except paths.PathError as err:
            self._finding(Verdict.FAIL, "expect.save", f"cannot save {path} from the received {parsed.name}: {err}",
                          step)

    # ------------------------------------------------------------------ trigger
    def _trigger(self, step: TriggerStep) -> None:
        if self.env.adapter is None:
            self._finding(Verdict.ERROR, "trigger", f"no DUT adapter to perform '{step.action}'", step)
        timeout = self._seconds(step.timeout, self.env.timers.trigger, step)
        try:
            self.env.adapter.trigger(step.action, self._resolve(dict(step.params), step), step.prompt,
                                     min(timeout, max(self._remaining(), 0.0)))
        except TriggerError as err:
            self._finding(Verdict.ERROR, "trigger", str(err), step)


# Step class -> executor(runner, step): one table; other protocols register theirs
# (harness/runner/http_steps.py for A1), loaded on first use.
EXECUTORS: dict = {
    SendStep: Runner._send, ExpectStep: Runner._expect, TriggerStep: Runner._trigger,
    WaitStep: Runner._wait, SaveStep: Runner._save, RepeatStep: Runner._repeat,
}
_PROTOCOL_EXECUTORS = ("harness.runner.http_steps", "harness.mplane.executors")


def register_executor(step_type: type, executor) -> None:
    EXECUTORS[step_type] = executor


def executor_for(step_type: type):
    if step_type not in EXECUTORS:
        import importlib
        for module in _PROTOCOL_EXECUTORS:
            importlib.import_module(module)
    return EXECUTORS.get(step_type)


def run_testcase(testcase: TestCase, env: RunEnv) -> TestResult:
    """Run one test case and return its verdict, findings and evidence."""
    return Runner(testcase, env).run()
