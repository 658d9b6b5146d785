"""Passive conformance: judge a captured E2 exchange with the same YAML specs.

Theory of operation: the harness observes instead of sending. For each E2
association in the capture the E2 node is whoever sent the E2 Setup Request;
the DUT is the side the DUT profile names, the "tester" the other side. Each
applicable test case is walked over the association's messages in capture
order, in capture time:

* a `send` step is matched by the tester's next message: same message name,
  or the capture does not follow this test case (INCONC: nothing can be said
  about the DUT when the stimulus differs); the tester's message is checked
  against the ASN.1 object sets too, since in an interoperability test both
  sides are under test;
* an `expect` step is matched by the DUT's next message with exactly the
  checks of a live run (matchers, IE presence and criticality, E2SM payloads);
  its timer runs on capture time; a capture that ends before the timer ran out
  is INCONC, not FAIL;
* `trigger` and `wait` steps are the tester's business: nothing to observe;
* a DUT message other than the one expected means the capture does not follow
  this test case (INCONC): whatever made the DUT send it is not in the capture.

Findings cite packet numbers. An IE the receiver does not know (an extension
from a newer version) is not a failure but a remark; a PASS with remarks is
reported as such ('successful with remarks' in E2TS interoperability terms).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from harness.capture.model import CapturedMessage
from harness.codec.errors import CodecError
from harness.e2.view import E2Messages
from harness.runner.runner import RunEnv, Runner, TestResult, _Stop, _where
from harness.spec.model import ExpectStep, RepeatStep, SaveStep, SendStep, TestCase, TriggerStep, WaitStep
from harness.transport.base import Packet
from harness.verdict import Finding, Verdict


@dataclass
class Observed:
    message: CapturedMessage
    side: str                  # 'dut' | 'tester'
    pdu: object
    notes: list
    error: str | None


class AnalyzeError(Exception):
    """The capture cannot be analysed as asked (no E2, no E2 Setup to tell the roles)."""


def associations(messages: Iterable[CapturedMessage], dut_role: str, codec_factory) -> dict:
    """association key -> list of Observed, decoded statefully, sides assigned."""
    by_assoc: dict = {}
    for m in messages:
        if m.ppid == 70:
            by_assoc.setdefault(m.association, []).append(m)
    out = {}
    for key, msgs in by_assoc.items():
        codec = codec_factory()
        view = E2Messages(codec.e2ap)
        node = None
        observed = []
        for m in msgs:
            notes: list = []
            try:
                pdu = codec.decode(m.data, notes=notes)
                err = None
                name = view.parse(pdu).name
                if name in ("E2setupRequest", "RICserviceUpdate"):
                    codec.learn(pdu)
                if name == "E2setupRequest" and node is None:
                    node = m.src
            except CodecError as e:
                pdu, err = None, str(e)
            observed.append((m, pdu, notes, err))
        if node is None:
            continue                   # roles unknown: reported by the caller
        dut_is_node = dut_role == "e2-node"
        out[key] = [Observed(m, "dut" if (m.src == node) == dut_is_node else "tester", pdu, notes, err)
                    for m, pdu, notes, err in observed]
    return out


class _Cursor:
    def __init__(self, items: list[Observed]) -> None:
        self.items = items
        self.i = 0
        self.clock = items[0].message.time if items else 0.0

    def peek(self) -> Observed | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> Observed:
        item = self.items[self.i]
        self.i += 1
        self.clock = item.message.time
        return item


class ObserverRunner(Runner):
    """The runner, with the capture in the place of the DUT and the harness."""

    def __init__(self, testcase: TestCase, env: RunEnv, items: list[Observed]) -> None:
        super().__init__(testcase, env)
        self.cursor = _Cursor(items)
        self.packets: dict[int, tuple] = {}

    def _record(self, obs: Observed, step) -> object:
        m = obs.message
        direction = "received" if obs.side == "dut" else "sent"
        packet = Packet(m.data, direction, m.time, m.stream, m.ppid, m.association, m.src, m.dst)
        entry = self.exchange.add(packet, _where(step) if step is not None else "observed, ignored")
        self.packets[entry.index] = m.packets
        entry.notes = [f"{n.path}: {n.text}" for n in obs.notes] + [f"packets {', '.join(map(str, m.packets))}"]
        return entry

    def _steps(self, steps) -> None:
        for step in steps:
            if isinstance(step, SendStep):
                self._observe_send(step)
            elif isinstance(step, ExpectStep):
                self._observe_expect(step)
            elif isinstance(step, (TriggerStep, WaitStep)):
                continue
            elif isinstance(step, SaveStep):
                self.vars.update(self._resolve(dict(step.variables), step))
            elif isinstance(step, RepeatStep):
                for _ in range(int(self._resolve(step.count, step))):
                    self._steps(step.steps)

    def _skip_ignored(self, ignore: set) -> Observed | None:
        """The next message, after DUT messages the test case ignores (periodic indications)."""
        while True:
            obs = self.cursor.peek()
            if obs is None or obs.pdu is None:
                return obs
            name = self.env.messages.parse(obs.pdu).name
            if obs.side == "dut" and name in ignore:
                entry = self._record(self.cursor.take(), None)
                entry.message, entry.role = name, "ignored"
                continue
            return obs

    def _observe_send(self, step: SendStep) -> None:
        template = step.template or self.env.templates.get(step.message)
        wanted = template.message if template else step.message
        obs = self._skip_ignored(set(self.tc.ignore))
        if obs is None:
            self._finding(Verdict.INCONC, "observe.end", f"the capture ends before the tester sends {wanted}", step)
            raise _Stop
        name = self.env.messages.parse(obs.pdu).name if obs.pdu is not None else None
        if obs.side != "tester" or name != wanted:
            who = "the DUT" if obs.side == "dut" else "the tester"
            self._finding(Verdict.INCONC, "observe.diverges",
                          f"the capture does not follow this test case: expected the tester to send {wanted}, "
                          f"found {who}'s {name or 'undecodable message'} (packet {obs.message.packets[0]})", step)
            raise _Stop
        parsed = self.env.messages.parse(obs.pdu)
        spec = self.env.messages.spec(name)
        differs = self._stimulus_differs(step, spec, parsed)
        if differs:
            self._finding(Verdict.INCONC, "observe.diverges",
                          f"the capture does not follow this test case: the tester's {name} (packet "
                          f"{obs.message.packets[0]}) {differs}", step)
            raise _Stop
        entry = self._record(self.cursor.take(), step)
        entry.message, entry.role = name, "sent"
        problems = self._ie_rules(step, spec, parsed, obs.notes, entry)
        for f in problems:                       # the tester is under test too (interoperability)
            self.keeper.add(Finding(f.verdict, f.check, f"(tester) {f.message}", clause=f.clause,
                                    ie_path=f.ie_path, expected=f.expected, observed=f.observed, step=f.step,
                                    evidence=f.evidence))
        self._remarks(obs, entry, step)
        if problems:
            raise _Stop

    def _stimulus_differs(self, step: SendStep, spec, parsed) -> str:
        """What makes the observed tester message another stimulus than the step's ('' if none).

        Only what the step itself states counts (its `fields` and `omit`): template
        values are examples, not part of the test purpose.
        """
        from harness.codec.jsonmap import to_json
        from harness.spec import paths
        for ie in step.omit:
            if ie in parsed.ies:
                return f"carries {ie}, which the test case leaves out"
        fields = self._resolve(dict(step.fields), step)
        observed = {}
        for name, value in parsed.ies.items():
            try:
                observed[name] = to_json(self.env.codec.codec_for_type, spec.ie(name).type_name, value)
            except Exception:
                continue
        for path, want in fields.items():
            try:
                got = paths.get_path(observed, paths.parse_path(path))
            except paths.PathError:
                return f"has no {path}, which the test case sets to {want!r}"
            if got != want:
                return f"has {path} = {got!r} where the test case sends {want!r}"
        return ""

    def _observe_expect(self, step: ExpectStep) -> None:
        timer = self._seconds(step.timer, self.env.timers.expect, step)
        deadline = self.cursor.clock + timer
        wanted = " or ".join(step.messages) if step.messages else "nothing"
        ignore = set(step.ignore) | set(self.tc.ignore)
        while True:
            obs = self.cursor.peek()
            if obs is None:
                if step.nothing:
                    self._finding(Verdict.PASS, "expect.nothing", "the capture ends with no message, as expected",
                                  step)
                    return
                self._finding(Verdict.INCONC, "observe.end",
                              f"the capture ends before {wanted} (and before the expect timer ran out)", step)
                raise _Stop
            if obs.message.time > deadline:
                return self._timer_expired(step, timer, wanted)
            if obs.side == "tester":
                if step.nothing:
                    self._finding(Verdict.PASS, "expect.nothing", "no DUT message before the tester's next one",
                                  step)
                    return
                self._finding(Verdict.INCONC, "observe.diverges",
                              f"the tester sent its next message (packet {obs.message.packets[0]}) before the DUT "
                              f"sent {wanted}", step)
                raise _Stop
            self.cursor.take()
            entry = self._record(obs, step)
            if obs.pdu is None:
                entry.error, entry.role = obs.error, "unexpected"
                self._finding(Verdict.FAIL, "decode", f"the DUT sent a PDU that does not decode: {obs.error}", step,
                              evidence=(entry.index,))
            parsed = self.env.messages.parse(obs.pdu)
            entry.message = parsed.name
            if parsed.name in step.messages:
                entry.role = "matched"
                self._remarks(obs, entry, step)
                return self._check(step, parsed, obs.notes, entry)
            if parsed.name in ignore:
                entry.role = "ignored"
                continue
            entry.role = "unexpected"
            if step.nothing or step.strict:
                # Live, this is a FAIL; in a capture the DUT may have been asked to act by
                # something we cannot see (an operator, another test), so the capture simply
                # does not follow this test case.
                self._finding(Verdict.INCONC, "observe.diverges",
                              f"the capture does not follow this test case: the DUT sent {parsed.name} "
                              f"(packet {obs.message.packets[0]}) where {wanted} was expected", step,
                              evidence=(entry.index,))
                raise _Stop

    def _remarks(self, obs: Observed, entry, step) -> None:
        for n in obs.notes:
            if n.kind == "unknown-key":
                self.keeper.add(Finding(Verdict.PASS, "remark.unknown-ie", f"{n.text} (ignored as E2AP allows)",
                                        clause="O-RAN.WG3.E2AP v03.01 10.3.4 (unknown IEs)", ie_path=n.path,
                                        step=_where(step), evidence=(entry.index,)))


def analyze(messages: Iterable[CapturedMessage], testcases: list[TestCase], env_factory, dut_role: str,
            codec_factory) -> tuple[list[TestResult], list[str]]:
    """Every applicable test case against every association; (results, problems)."""
    problems = []
    per_assoc = associations(messages, dut_role, codec_factory)
    if not per_assoc:
        raise AnalyzeError("no E2 association with an E2 Setup Request in the capture: the roles are unknown")
    results = []
    for key, items in per_assoc.items():
        for tc in testcases:
            env = env_factory()
            runner = ObserverRunner(tc, env, items)
            t0 = time.monotonic()
            started = items[0].message.time
            try:
                runner._steps(tc.steps)
            except _Stop:
                pass
            if runner.keeper.checks == 0 and runner.keeper.verdict < Verdict.ERROR:
                runner.keeper.add(Finding(Verdict.INCONC, "observe.nothing",
                                          "nothing in the capture could be checked for this test case"))
            result = TestResult(tc, runner.keeper.final() if runner.keeper.checks else Verdict.INCONC,
                                list(runner.keeper.findings), runner.exchange, started, time.monotonic() - t0, {})
            result.association = key
            result.packets = runner.packets
            results.append(result)
    return results, problems
