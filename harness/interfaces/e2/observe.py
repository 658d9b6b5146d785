"""Passive conformance: judge a captured E2 exchange with the same YAML specs.

Theory of operation: the harness observes instead of sending: the runner runs
in observe mode (harness/runner/runner.py) with an `E2Capture` cursor, and the
send and expect steps use the observe executors registered here. For each E2
association in the capture the E2 node is whoever sent the E2 Setup Request;
the DUT is the side the DUT profile names, the "tester" the other side. Each
applicable test case is walked over the association's messages in capture
order, in capture time:

* a `send` step is matched by the tester's next message: same message name,
  or the capture does not follow this test case (INCONC: nothing can be said
  about the DUT when the stimulus differs). Only the kind of stimulus counts
  (the message, the IEs the step leaves out, its `fields`): the values the
  tester picks (`params`, template values: request ids, periods, action ids)
  are read from the captured message, which becomes the step's `as:` name, so
  the expect steps check the DUT against what was really sent. The tester's
  message is checked against the ASN.1 object sets too; a fault in it is the
  peer's, never the DUT's: INCONC (the DUT was given a faulty stimulus);
* an `expect` step is matched by the DUT's next message with exactly the
  checks of a live run (matchers, IE presence and criticality, E2SM payloads);
  its timer runs on capture time; a capture that ends before the timer ran out
  is INCONC, not FAIL;
* `trigger` and `wait` steps are the tester's business: nothing to observe;
* a DUT message other than the one expected means the capture does not follow
  this test case (INCONC): whatever made the DUT send it is not in the capture;
  except a message the step's `fail_on` names: that is the DUT's wrong answer
  to a stimulus the capture shows (FAIL).

Findings cite packet numbers. An IE the receiver does not know (an extension
from a newer version) is not a failure but a remark; a PASS with remarks is
reported as such ('successful with remarks' in E2TS interoperability terms).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from harness.capture import dispatch
from harness.capture.model import CapturedMessage
from harness.codec.jsonmap import to_json
from harness.core.errors import UserError
from harness.core.verdict import Finding, Verdict, worse
from harness.interfaces.e2 import executors as e2
from harness.interfaces.e2.association import E2Association
from harness.interfaces.e2.monitor import E2Monitor, as_finding
from harness.runner.context import StepContext
from harness.runner.exchange import Entry, Exchange
from harness.runner.runner import OBSERVE, Runner, TestResult, register_observer
from harness.spec import paths
from harness.spec.model import ExpectStep, Reference, SendStep, TestCase, Where
from harness.transport.base import Packet


@dataclass
class Observed:
    message: CapturedMessage
    side: str                  # 'dut' | 'tester'
    pdu: object
    notes: list
    error: str | None
    monitor: tuple = ()        # the protocol monitor's findings on this message (MonitorFinding...)


class AnalyzeError(UserError):
    """The capture cannot be analysed as asked (no E2, no E2 Setup to tell the roles)."""


def associations(messages: Iterable[CapturedMessage], dut_role: str, codec_factory, dut=None) -> dict:
    """association key -> list of Observed, decoded statefully, sides assigned, judged by the monitor.

    The protocol monitor (harness/interfaces/e2/monitor.py) sees every message of the
    association in order, with the state the codec had when it arrived; ``dut`` (the DUT
    profile) adds its declaration checks.
    """
    by_assoc: dict = {}
    for m in messages:
        if dispatch.is_e2ap(m):
            by_assoc.setdefault(m.association, []).append(m)
    out = {}
    dut_is_node = dut_role == "e2-node"
    for key, msgs in by_assoc.items():
        assoc = E2Association(codec_factory())
        monitor = E2Monitor(assoc.codec, assoc.view, dut_role, dut)
        decoded, judged = [], []
        for m in msgs:
            d = assoc.feed(m.data, m.src, m.time)
            decoded.append(d)
            side = None if d.side is None else ("dut" if (d.side == "e2-node") == dut_is_node else "peer")
            judged.append(tuple(monitor.observe(d.parsed, side, data=m.data, notes=d.notes, packets=m.packets))
                          if side is not None else ())
        if assoc.e2_node is None:
            continue                   # roles unknown: reported by the caller
        out[key] = [Observed(m, "dut" if (m.src == assoc.e2_node) == dut_is_node else "tester", d.pdu,
                             list(d.notes), d.error, found)
                    for m, d, found in zip(msgs, decoded, judged, strict=True)]
    return out


class E2Capture:
    """The capture cursor of one association (``ctx.capture`` in observe mode): its messages in
    capture order, the capture clock, and the packet numbers behind each exchange entry."""

    kind = "e2"

    def __init__(self, items: list[Observed]) -> None:
        self.items = items
        self.i = 0
        self.clock = items[0].message.time if items else 0.0
        self.start = self.clock
        self.packets: dict[int, tuple] = {}

    def peek(self) -> Observed | None:
        return self.items[self.i] if self.i < len(self.items) else None

    def take(self) -> Observed:
        item = self.items[self.i]
        self.i += 1
        self.clock = item.message.time
        return item

    def record(self, ctx: StepContext, obs: Observed, step) -> Entry:
        """Put ``obs`` in the exchange (the tester's as sent, the DUT's as received), citing its packets."""
        m = obs.message
        direction = "received" if obs.side == "dut" else "sent"
        packet = Packet(m.data, direction, m.time, m.stream, m.ppid, m.association, m.src, m.dst)
        entry = ctx.exchange.add(packet, ctx.where(step) if step is not None else "observed, ignored")
        self.packets[entry.index] = m.packets
        entry.notes = [f"{n.path}: {n.text}" for n in obs.notes] + [f"packets {', '.join(map(str, m.packets))}"]
        return entry


def _skip_ignored(ctx: StepContext, cap: E2Capture, ignore: set) -> Observed | None:
    """The next message, after DUT messages the test case ignores (periodic indications)."""
    while True:
        obs = cap.peek()
        if obs is None or obs.pdu is None:
            return obs
        name = ctx.env.messages.parse(obs.pdu).name
        if obs.side == "dut" and name in ignore:
            entry = cap.record(ctx, cap.take(), None)
            entry.message, entry.role = name, "ignored"
            continue
        return obs


def observe_send(ctx: StepContext, step: SendStep) -> None:
    """A `send` is matched by the tester's next message, which is judged by the IE rules too."""
    cap: E2Capture = ctx.capture
    messages = ctx.env.messages
    template = step.template or ctx.templates.get(step.message)
    wanted = template.message if template else step.message
    obs = _skip_ignored(ctx, cap, set(ctx.testcase.ignore))
    if obs is None:
        ctx.inconc("observe.end", f"the capture ends before the tester sends {wanted}", stop=True)
    name = messages.parse(obs.pdu).name if obs.pdu is not None else None
    if obs.side != "tester" or name != wanted:
        who = "the DUT" if obs.side == "dut" else "the tester"
        ctx.inconc("observe.diverges",
                   f"the capture does not follow this test case: expected the tester to send {wanted}, "
                   f"found {who}'s {name or 'undecodable message'} (packet {obs.message.packets[0]})", stop=True)
    parsed = messages.parse(obs.pdu)
    spec = messages.spec(name)
    differs = _stimulus_differs(ctx, step, spec, parsed, obs.error is None and not any(
        n.kind in ("e2sm-error", "repair") for n in obs.notes))
    if differs:
        ctx.inconc("observe.diverges", f"the capture does not follow this test case: the tester's {name} (packet "
                   f"{obs.message.packets[0]}) {differs}", stop=True)
    entry = cap.record(ctx, cap.take(), step)
    entry.message, entry.role = name, "sent"
    if step.name:                            # what the capture's tester sent is what `as:` refers to
        ctx.vars[step.name] = e2.sent_ies(ctx.env, name, obs.pdu)
    problems = e2.ie_rules(ctx, step, spec, parsed, obs.notes, entry)
    # The peer's faults are findings, marked as its own, and never the DUT's: the DUT was given a
    # faulty stimulus, so nothing can be said about it (INCONC).
    ctx.add_all([dataclasses.replace(f, verdict=Verdict.INCONC,
                                     message=f"(peer) {f.message}; the DUT cannot be judged on this stimulus")
                 for f in problems], stop=False)
    _remarks(ctx, obs, entry)
    if problems:
        ctx.stop()


def _stimulus_differs(ctx: StepContext, step: SendStep, spec, parsed, obs_clean: bool = True) -> str:
    """What makes the observed tester message another stimulus than the step's ('' if none).

    Only what the step itself states counts (its `fields` and `omit`): template
    values are examples, not part of the test purpose.
    """
    if step.malform is not None or step.raw:
        if obs_clean:
            return "is well formed, where the test case sends a malformed one"
    for ie in step.omit:
        if ie in parsed.ies:
            return f"carries {ie}, which the test case leaves out"
    fields = ctx.resolve(dict(step.fields))
    observed = {}
    for name, value in parsed.ies.items():
        try:
            observed[name] = to_json(ctx.env.codec.codec_for_type, spec.ie(name).type_name, value)
        except Exception:   # noqa: BLE001, S112 -- an IE we cannot map cannot be compared; the stimulus check skips it
            continue
    for path, want in fields.items():
        try:
            got = paths.get_path(observed, paths.parse_path(path))
        except paths.PathError:
            return f"has no {path}, which the test case sets to {want!r}"
        if got != want:
            return f"has {path} = {got!r} where the test case sends {want!r}"
    return ""


def observe_expect(ctx: StepContext, step: ExpectStep) -> None:
    """An `expect` is matched by the DUT's next message, with a live run's checks, on capture time."""
    cap: E2Capture = ctx.capture
    timer = ctx.seconds(step.timer, ctx.timers.expect)
    deadline = cap.clock + timer
    wanted = " or ".join(step.messages) if step.messages else "nothing"
    ignore = set(step.ignore) | set(ctx.testcase.ignore)
    while True:
        obs = cap.peek()
        if obs is None:
            if step.nothing:
                ctx.pass_("expect.nothing", "the capture ends with no message, as expected")
                return
            ctx.inconc("observe.end", f"the capture ends before {wanted} (and before the expect timer ran out)",
                       stop=True)
        if obs.message.time > deadline:
            return e2.timer_expired(ctx, step, timer, wanted)
        if obs.side == "tester" and obs.pdu is not None and ctx.env.messages.parse(obs.pdu).name in ignore:
            entry = cap.record(ctx, cap.take(), None)     # the peer's traffic the test case ignores
            entry.message, entry.role = ctx.env.messages.parse(obs.pdu).name, "ignored"
            continue
        if obs.side == "tester":
            if step.nothing:
                ctx.pass_("expect.nothing", "no DUT message before the tester's next one")
                return
            ctx.inconc("observe.diverges", f"the tester sent its next message (packet {obs.message.packets[0]}) "
                       f"before the DUT sent {wanted}", stop=True)
        cap.take()
        entry = cap.record(ctx, obs, step)
        if obs.pdu is None:
            entry.error, entry.role = obs.error, "unexpected"
            ctx.fail("decode", f"the DUT sent a PDU that does not decode: {obs.error}", evidence=(entry.index,))
        parsed = ctx.env.messages.parse(obs.pdu)
        entry.message = parsed.name
        if parsed.name in step.messages:
            entry.role = "matched"
            _remarks(ctx, obs, entry)
            return e2.check_expect(ctx, step, parsed, obs.notes, entry)
        if parsed.name in step.fail_on:
            e2.wrong_answer(ctx, step, entry, wanted)
        if parsed.name in ignore:
            entry.role = "ignored"
            continue
        entry.role = "unexpected"
        if step.nothing or step.strict:
            # Live, this is a FAIL; in a capture the DUT may have been asked to act by
            # something we cannot see (an operator, another test), so the capture simply
            # does not follow this test case.
            ctx.inconc("observe.diverges", f"the capture does not follow this test case: the DUT sent "
                       f"{parsed.name} (packet {obs.message.packets[0]}) where {wanted} was expected",
                       evidence=(entry.index,), stop=True)


def _remarks(ctx: StepContext, obs: Observed, entry) -> None:
    for n in obs.notes:
        if n.kind == "unknown-key":
            ctx.add(ctx.make(Verdict.PASS, "remark.unknown-ie", f"{n.text} (ignored as E2AP allows)",
                             clause="O-RAN.WG3.E2AP v03.01 10.3.4 (unknown IEs)", ie_path=n.path,
                             evidence=(entry.index,)))


# What a step judges that no capture holds: a further TNL association and the naming on it (tnl-add, tnl-join:
# a capture is analysed one association at a time), what follows a break of the lab's (recover), the
# timing of reports the harness asked for on a path it impaired (indication-flow).
UNSUPPORTED = {"tnl-add": "a further TNL association and the naming on it, and a capture is analysed one "
                          "association at a time",
               "tnl-join": "a further TNL association and the naming on it, and a capture is analysed one "
                           "association at a time",
               "recover": "what follows a break the lab made (a restart, a partition), which a capture does not show",
               "indication-flow": "reports against the lab's objectives on a path it impaired"}


def observe_unsupported(ctx: StepContext, step) -> None:
    """Observe mode for a judging step a capture cannot show: the test case is not followed (`oran-harness
    analyze --all` says why), never PASSed on the messages before it alone."""
    ctx.inconc("observe.unsupported", f"{step.kind} judges {UNSUPPORTED.get(step.kind, 'what a capture does not show')}"
                                      ": this test case cannot be judged from a capture; run it live", stop=True)


register_observer(SendStep, E2Capture.kind, observe_send)
register_observer(ExpectStep, E2Capture.kind, observe_expect)


def analyze(messages: Iterable[CapturedMessage], testcases: list[TestCase], env_factory, dut_role: str,
            codec_factory, dut=None) -> tuple[list[TestResult], list[str]]:
    """Every applicable test case against every association, and one protocol monitor row per
    association (`monitor_result`); (results, problems).

    ``env_factory()`` gives a RunEnv whose interface is an `E2Env` (codec and messages, no transport).
    The monitor's findings on a message a test case took part in are added to that test case too.
    """
    problems: list[str] = []
    per_assoc = associations(messages, dut_role, codec_factory, dut)
    if not per_assoc:
        raise AnalyzeError("no E2 association with an E2 Setup Request in the capture: the roles are unknown")
    results = []
    for key, items in per_assoc.items():
        found = [f for obs in items for f in obs.monitor]
        for tc in testcases:
            capture = E2Capture(items)
            result = Runner(tc, env_factory(), mode=OBSERVE, capture=capture).run()
            result.association = key
            result.packets = capture.packets
            attach_monitor(result, found)
            results.append(result)
        results.append(monitor_result(key, dut_role, found, items))
    return results, problems


def attach_monitor(result: TestResult, found: list) -> None:
    """Add the monitor findings on messages in ``result``'s exchange to it.

    Only a test case the capture followed to a verdict (PASS or FAIL) takes them all. One that
    the capture left (INCONC) takes only the DUT's findings on the message where it left: a
    DUT message that breaks the protocol is the DUT's fault, not another test's traffic.
    """
    if result.verdict not in (Verdict.PASS, Verdict.FAIL, Verdict.INCONC):
        return
    by_packet = {}
    for index, packets in result.packets.items():
        for p in packets:
            by_packet[p] = index
    last = max(result.packets, default=None)
    for f in found:
        index = next((by_packet[p] for p in f.packets if p in by_packet), None)
        if index is None:
            continue
        if result.verdict == Verdict.INCONC and (f.side != "dut" or index != last):
            continue
        finding = as_finding(f, live=False, evidence=(index,))
        result.findings.append(finding)
        result.verdict = worse(result.verdict, finding.verdict)


def monitor_result(key, dut_role: str, found: list, items: list) -> TestResult:
    """The protocol monitor's row of one association: FAIL on a DUT finding, INCONC on the peer's only."""
    title = "E2 protocol monitor: every message of the association, in both directions"
    tc = TestCase(f"MONITOR:e2/{key}", title, Reference("oran-harness", "monitor", "e2"), f"{dut_role}.e2",
                  dut_role, "e2-node" if dut_role != "e2-node" else "near-rt-ric", "mandatory", None, (), (), (),
                  (), (), 0, (), Where("harness/interfaces/e2/monitor.py", 1))
    exchange = Exchange()
    packets: dict = {}
    findings: list = []
    for obs in items:
        if not obs.monitor:
            continue
        m = obs.message
        direction = "received" if obs.side == "dut" else "sent"
        entry = exchange.add(Packet(m.data, direction, m.time, m.stream, m.ppid, m.association, m.src, m.dst),
                             "observed by the protocol monitor")
        packets[entry.index] = m.packets
        findings.extend(as_finding(f, live=False, evidence=(entry.index,)) for f in obs.monitor)
    verdict = Verdict.PASS
    for f in findings:
        verdict = worse(verdict, f.verdict)
    if not findings:
        findings.append(Finding(Verdict.PASS, "monitor", f"{len(items)} message(s) judged; none broke a rule the "
                                "monitor checks", clause="O-RAN.WG3.E2AP v03.01 8, 9, 10"))
    start = items[0].message.time if items else 0.0
    end = items[-1].message.time if items else 0.0
    result = TestResult(tc, verdict, findings, exchange, start, end - start, {})
    result.association, result.packets = key, packets
    return result
