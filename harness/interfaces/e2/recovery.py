"""E2 recovery after a restart: the `recover` step, its figures and their verdicts.

Theory of operation: after a `restart` step (harness/runner/recovery.py) the `recover` step
measures, on the wire, what the association went through, from the restart mark:

* detection: when the harness saw the association lost (the DUT restarting closes it; across a
  partition longer than SCTP failure detection, the heartbeat and retransmission limits of the
  lab's ``transport.timers`` end it -- a ``partition`` with ``wait: false`` lets this step watch
  the association while the path is cut, so the time is the loss, not the end of the partition);
* reestablish: from when the restarted side was due back to E2 Setup completed on a new
  association (the harness accepts, or dials, and takes its part of E2 Setup again);
* subscriptions, per subscription held before: re-created on the new association (E2 Setup
  erases the application level configuration, E2AP v03.01 8.3.1.1): as the RIC, the harness
  sends its subscription request again; as the E2 node, it waits for the RIC's;
* indication_gap (harness as RIC): per subscription, the last RIC Indication SN before and the
  first after, missing and duplicate SNs, and the gap in ms.

After a `partition` or `link-flap` shorter than SCTP failure detection (the mark's ``who`` is
'link'), ``association: kept`` turns the step around: the same association must carry on (no
loss, no E2 Setup again; rule `recovery.association`), and the indication gap counts the SNs on
from the last one before the break (an old SN again is a duplicate, a skipped one is missing).

The step reuses the harness's own earlier messages of the test case (its E2 Setup Response or
Request, its subscription requests and responses) with the new transaction keys, so a spec need
not repeat them. Each figure is judged against the lab's PIXIT objective it names.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from harness.codec.errors import CodecError, DecodeError
from harness.core.verdict import Finding, Verdict
from harness.interfaces.e2.association import learn_from
from harness.interfaces.e2.executors import E2AP_CLAUSE, E2Env, json_pdu
from harness.interfaces.e2.monitor import live_observe
from harness.runner.context import StepContext
from harness.runner.recovery import RestartMark, judge, last_mark, objective, rule, wall_ms
from harness.runner.registry import register_executor
from harness.spec.model import Where
from harness.spec.reader import Node
from harness.spec.recovery import objectives
from harness.transport.base import PeerClosed, TransportError
from harness.transport.group import TnlGroup

FIGURES = ("detection", "dut_detection", "reestablish", "subscriptions", "indication_gap")
LINK = "e2"              # the lab link E2 runs through (harness/interfaces/e2/run.py)
SETUP_CLAUSE = f"{E2AP_CLAUSE} 8.3.1 (E2 Setup: the first E2AP procedure on a new TNL association)"
SUB_CLAUSE = f"{E2AP_CLAUSE} 8.3.1.1 (E2 Setup erases the subscriptions) and 8.2.1 (RIC Subscription)"
SN_CLAUSE = f"{E2AP_CLAUSE} 8.2.3 (RIC Indication) and 9.2 (RIC Indication SN)"
DETECTION_CLAUSE = ("RFC 9260 8.1 and 8.3 (an endpoint declares its peer unreachable after Association.Max.Retrans "
                    "unanswered retransmissions or heartbeats; the lab's transport.timers set them)")
WINDOW = 3.0            # the harness waits this many times an objective before calling it 'never'


@dataclass(frozen=True)
class RecoverStep:
    """Measure E2 recovery after the last restart.

    Attributes:
        objectives: figure -> the PIXIT name of its objective (ms); only these figures are judged.
        indications: RIC Indications per subscription action to collect after recovery.
        where: the YAML file:line.
        kept: ``association: kept``: the break (a partition, a link flap) was shorter than SCTP failure
            detection, so the same association must carry on: no loss, no E2 Setup again.
        failover: ``association: failover``: E2 runs over several TNL associations (tnl-add, tnl-join)
            and the break cut one: that one may end, E2 carries on over the others (E2AP v03.01 8.3.6).
    """

    objectives: dict
    indications: int
    where: Where
    kept: bool = False
    failover: bool = False
    kind: str = "recover"


def read_recover(node: Node, ctx: Any) -> list:
    """``recover: {detection: PIXIT, dut_detection: PIXIT, reestablish: PIXIT, subscriptions: PIXIT,
    indication_gap: PIXIT, indications: N, association: lost|kept|failover}``."""
    r = node.body("recover", [*FIGURES, "indications", "association"])
    named = objectives(r, FIGURES)
    association = r.get("association", str, "lost", choices=("lost", "kept", "failover"))
    kept = association == "kept"
    if association == "failover":
        wrong = [f for f in named if f not in ("detection", "indication_gap")]
        if wrong:
            raise r.error(r.value_line(wrong[0]), f"'{wrong[0]}' measures a new E2 Setup; with 'association: "
                                                  "failover' E2 carries on: only detection and indication_gap apply")
        return [RecoverStep(named, r.number("indications", int, 3, least=1), node.where(), failover=True)]
    if kept:
        wrong = [f for f in named if f != "indication_gap"]
        if wrong:
            raise r.error(r.value_line(wrong[0]), f"'{wrong[0]}' measures a new association; with "
                                                  "'association: kept' only indication_gap applies")
        return [RecoverStep(named, r.number("indications", int, 3, least=1), node.where(), kept=True)]
    if not named:
        raise r.error(r.line, f"'recover' judges nothing: name the PIXIT objective of at least one of "
                              f"{', '.join(FIGURES)}")
    return [RecoverStep(named, r.number("indications", int, 3, least=1), node.where())]


@dataclass
class Msg:
    name: str | None
    ies: dict
    at: float            # wall-clock arrival
    entry: Any


class Wire:
    """Reading and sending on the (current) association, with the evidence and the monitor fed."""

    def __init__(self, ctx: StepContext, env: E2Env) -> None:
        self.ctx, self.env = ctx, env

    def read(self, until: float, want: Callable[[Msg], bool]) -> Msg | None:
        """The first message ``want`` accepts before wall-clock ``until``; the others are evidence.

        Raises:
            PeerClosed: the association was lost.
        """
        ctx, env = self.ctx, self.env
        while True:
            left = min(until - time.time(), ctx.remaining())
            if left <= 0 or env.transport is None:
                return None
            try:
                packet = env.transport.recv(min(left, 0.2))
            except PeerClosed:
                raise
            except TransportError as err:
                ctx.error("transport", f"receiving failed: {err}")
            if packet is None:
                continue
            entry = ctx.exchange.add(packet, ctx.where())
            notes: list = []
            try:
                pdu = env.codec.decode(packet.data, notes=notes)
            except DecodeError as err:
                entry.error, entry.role = str(err), "unexpected"
                ctx.fail("decode", f"the DUT sent a PDU that does not decode: {err}",
                         clause=f"{E2AP_CLAUSE} 9 (ASN.1)", evidence=(entry.index,), rule=True)
            parsed = env.messages.parse(pdu)
            entry.message = parsed.name or f"procedure {parsed.procedure_code} {parsed.kind}"
            entry.decoded = json_pdu(env, pdu)
            learn_from(env.codec, parsed.name, pdu)
            live_observe(ctx, env.monitor, parsed, "dut", packet.data, notes, entry)
            msg = Msg(parsed.name, parsed.ies, packet.time, entry)
            if want(msg):
                entry.role = "matched"
                return msg
            entry.role = "ignored"

    def send(self, name: str, ies: dict, on: str | None = None) -> float:
        """Build, send and record one message; its wall-clock send time. ``on``: the TNL association
        (a `TnlGroup` member's label) to send it on; None: the transport's own choice."""
        ctx, env = self.ctx, self.env
        try:
            pdu = env.messages.build(name, ies)
            data = env.codec.encode(pdu)
        except (CodecError, ValueError, KeyError) as err:
            ctx.error("recovery.build", f"cannot build {name} again: {err}")
        learn_from(env.codec, name, pdu)
        if env.transport is None:
            ctx.error("e2.env", f"no association to send {name} on")
        try:
            packet = TnlGroup.of(env.transport).send_on(on, data) if on is not None else env.transport.send(data)
        except TransportError as err:
            ctx.fail("transport.peer-closed", f"the association failed while sending {name}: {err}")
        entry = ctx.exchange.add(packet, ctx.where(), message=name, role="sent")
        entry.decoded = json_pdu(env, pdu)
        live_observe(ctx, env.monitor, env.messages.parse(pdu), "harness", data, (), entry)
        return packet.time


def history(ctx: StepContext, env: E2Env) -> list[tuple[str, str, dict, float]]:
    """(direction, message name, IEs, time) of every E2AP message of the test case so far."""
    out = []
    for e in ctx.exchange.entries:
        packet = getattr(e, "packet", None)
        if packet is None or getattr(e, "error", None):
            continue
        try:
            parsed = env.messages.parse(env.codec.decode(packet.data))
        except Exception:   # noqa: BLE001, S112 -- what cannot be read was judged when it arrived
            continue
        if parsed.name:
            out.append((packet.direction, parsed.name, parsed.ies, packet.time))
    return out


def sub_key(ies: dict) -> tuple:
    rid = ies.get("RICrequestID") or {}
    return (rid.get("ricRequestorID"), rid.get("ricInstanceID"), ies.get("RANfunctionID"))


def label(key: tuple) -> str:
    return f"subscription {key[0]}/{key[1]} RAN function {key[2]}"


def run_recover(ctx: StepContext, step: RecoverStep) -> None:
    if not isinstance(ctx.env, E2Env):
        ctx.error("e2.env", "this run has no E2 set-up")
    env: E2Env = ctx.env
    mark = last_mark(ctx)
    harness_is_ric = ctx.testcase.dut_role == "e2-node"
    if "indication_gap" in step.objectives and not harness_is_ric:
        ctx.error("spec.recover", "indication_gap is measured where the harness is the RIC (an E2 node DUT)")
    goals = {f: objective(ctx, p) / 1000.0 for f, p in step.objectives.items()}
    past = history(ctx, env)
    wire = Wire(ctx, env)
    found: list[Finding] = []
    if step.kept:
        _kept(ctx, wire, step, mark, goals, past, found)
        ctx.add_all(found)
        return
    if step.failover:
        _failover(ctx, wire, step, mark, goals, past, found)
        ctx.add_all(found)
        return
    if "dut_detection" in goals and (mark.who != "link" or not harness_is_ric):
        ctx.error("spec.recover", "dut_detection is timed after a partition or link flap, where the DUT is the E2 node "
                                  "(its first SCTP INIT of a new association)")
    try:
        _detect(ctx, env, wire, step, mark, goals, found)
        setup_done = _reestablish(ctx, env, wire, step, mark, goals, past, harness_is_ric, found)
        if "dut_detection" in goals:
            _dut_detection(ctx, step, mark, found)
        if setup_done is not None:
            _subscriptions(ctx, wire, step, goals, past, harness_is_ric, setup_done, found)
    except PeerClosed as err:
        found.append(ctx.make(Verdict.FAIL, "transport.peer-closed",
                              f"the DUT closed the association again during recovery: {err}"))
    ctx.add_all(found)


def _window(goals: dict, figure: str, default: float) -> float:
    return WINDOW * goals[figure] if figure in goals else default


def _detect(ctx, env, wire, step, mark: RestartMark, goals, found) -> None:
    if mark.who == "peer":
        return                               # the harness closed it itself: nothing to detect
    cut = mark.who == "link"                 # a partition or link flap: SCTP failure detection ends it
    after = "after the partition began" if cut else "after the restart"
    clause = DETECTION_CLAUSE if cut else f"{E2AP_CLAUSE} 7 (E2 over SCTP: a restart ends the association)"
    until = mark.wall + _window(goals, "detection", mark.down_for + 10.0)
    try:
        wire.read(until, lambda m: False)    # whatever is still in flight is evidence
    except PeerClosed:
        if env.transport is not None:
            env.transport.close()
        if "detection" in goals:
            seen = judge(ctx, "e2", "detection", wall_ms(mark.wall), step.objectives["detection"],
                         what=f"association loss seen by the harness {after}", clause=clause if cut else "")
            found.append(_lab_side(ctx, seen) if cut else seen)
        return
    if "detection" in goals:
        never = judge(ctx, "e2", "detection", None, step.objectives["detection"],
                      what=f"association loss {after}", clause=clause)
        found.append(_lab_side(ctx, never) if cut else never)
    else:
        found.append(ctx.make(Verdict.ERROR if cut else Verdict.FAIL, "recovery.detection",
                              f"the association was not lost {after}", clause=clause))
    ctx.add_all(found)


def _dut_detection(ctx: StepContext, step: RecoverStep, mark: RestartMark, found: list) -> None:
    """The E2 node DUT's own failure detection, as the path shows it: its first SCTP INIT after the break
    began (it gave the association up and dials again), noted by the lab's UDP relay even while the
    partition drops it. Read after re-establishment, so a late INIT (a DUT that learnt of the loss only
    from the harness's ABORT once the path was back) is measured too."""
    links = getattr(ctx.run_env, "links", None)
    if links is None or not links.relay_for(LINK, "udp"):
        ctx.error("recovery.link", f"dut_detection is read from the lab's '{LINK}' UDP relay (the E2 node's first "
                                   "SCTP INIT after the break); this lab routes E2 through none")
    inits = links.sctp_inits(LINK, "a->b", mark.wall)
    found.append(judge(ctx, "e2", "dut-detection", wall_ms(mark.wall, inits[0]) if inits else None,
                       step.objectives["dut_detection"],
                       what="the E2 node's new association (its first SCTP INIT on the path) after the partition began",
                       clause=DETECTION_CLAUSE, detail={"inits_seen": len(inits),
                                                        "down_for_ms": round(mark.down_for * 1000.0, 1)}))


def _lab_side(ctx: StepContext, seen: Finding) -> Finding:
    """Across a partition the loss is declared by the harness's own SCTP stack under the lab's timers,
    so a late detection is the lab's ERROR (its transport.timers do not give that time), not the DUT's FAIL."""
    if seen.verdict != Verdict.FAIL:
        return seen
    ctx.figures[-1] = replace(ctx.figures[-1], verdict=Verdict.ERROR.name)
    return replace(seen, verdict=Verdict.ERROR, message=seen.message + ": the harness's own SCTP stack declares "
                   "this loss, so the lab's transport.timers do not meet the objective (not the DUT's failure)")


def _reestablish(ctx, env, wire, step, mark: RestartMark, goals, history, harness_is_ric, found) -> float | None:
    """A new association and E2 Setup on it; the wall-clock time E2 Setup completed (None: never)."""
    until = mark.back_at + _window(goals, "reestablish", 10.0)
    pause = mark.back_at - time.time()
    if mark.who == "peer" and pause > 0:
        time.sleep(min(pause, max(ctx.remaining(), 0.0)))
        ctx.add_idle(pause)
    transport = None
    while transport is None and time.time() < until and ctx.remaining() > 0:
        if env.accept is not None:
            transport = env.accept(0.05)
        elif env.dial is not None:
            transport = env.dial()
            if transport is None:
                time.sleep(0.05)
        else:
            ctx.error("recovery.link", "this run cannot make a new E2 association (no listener, nothing to dial)")
    done = None
    if transport is not None:
        env.renew(transport)
        if harness_is_ric:
            request = wire.read(until, lambda m: m.name == "E2setupRequest")
            if request is not None:
                done = wire.send("E2setupResponse", _again(ctx, history, "sent", "E2setupResponse",
                                                           TransactionID=request.ies.get("TransactionID")))
        else:
            wire.send("E2setupRequest", _again(ctx, history, "sent", "E2setupRequest"))
            answer = wire.read(until, lambda m: m.name in ("E2setupResponse", "E2setupFailure"))
            if answer is not None and answer.name == "E2setupResponse":
                done = answer.at
    after = "after the partition" if mark.who == "link" else "after the restart"
    what = f"E2 Setup again {after}" if transport is not None else f"a new E2 association {after}"
    if "reestablish" in goals:
        found.append(judge(ctx, "e2", "reestablish", None if done is None else max(wall_ms(mark.back_at, done), 0.0),
                           step.objectives["reestablish"], what=what, clause=SETUP_CLAUSE,
                           detail={"down_for_ms": round(mark.down_for * 1000.0, 1),
                                   "outage_ms": None if done is None else round(wall_ms(mark.wall, done), 1)}))
    elif done is None:
        found.append(ctx.make(Verdict.FAIL, "recovery.reestablish", f"no {what}", clause=SETUP_CLAUSE))
    return done


def _again(ctx, history, direction: str, name: str, **override: Any) -> Any:
    """The IEs of the harness's earlier ``name`` of this test case, with ``override`` applied."""
    for d, n, ies, _ in reversed(history):
        if d == direction and n == name:
            return {**ies, **{k: v for k, v in override.items() if v is not None}}
    ctx.error("spec.recover", f"the harness sent no {name} before the restart: 'recover' repeats the "
                              "harness's own part of the procedures it ran before")


def _subscriptions(ctx, wire, step, goals, history, harness_is_ric, setup_done: float, found) -> None:
    if harness_is_ric:
        held = {sub_key(ies): ies for d, n, ies, _ in history if d == "sent" and n == "RICsubscriptionRequest"}
        answered = {sub_key(ies) for d, n, ies, _ in history if d == "received" and n == "RICsubscriptionResponse"}
    else:
        held = {sub_key(ies): ies for d, n, ies, _ in history if d == "received" and n == "RICsubscriptionRequest"}
        answered = {sub_key(ies) for d, n, ies, _ in history if d == "sent" and n == "RICsubscriptionResponse"}
    keys = [k for k in held if k in answered]
    if not keys and ("subscriptions" in goals or "indication_gap" in goals):
        ctx.error("spec.recover", "no subscription was set up before the restart: nothing to re-create")
    until = setup_done + _window(goals, "subscriptions", 10.0)
    recreated: list[tuple] = []
    for key in keys:
        if harness_is_ric:
            wire.send("RICsubscriptionRequest", held[key])
            answer = wire.read(until, lambda m, k=key: m.name in ("RICsubscriptionResponse", "RICsubscriptionFailure")
                               and sub_key(m.ies) == k)
            at = answer.at if answer is not None and answer.name == "RICsubscriptionResponse" else None
        else:
            request = wire.read(until, lambda m, k=key: m.name == "RICsubscriptionRequest" and m.ies.get(
                "RANfunctionID") == k[2])
            at = None
            if request is not None:
                at = request.at
                wire.send("RICsubscriptionResponse", _again(
                    ctx, history, "sent", "RICsubscriptionResponse", RICrequestID=request.ies.get("RICrequestID"),
                    RANfunctionID=request.ies.get("RANfunctionID")))
        if at is not None:
            recreated.append(key)
        if "subscriptions" in goals:
            found.append(judge(ctx, "e2", "subscription", None if at is None else max(wall_ms(setup_done, at), 0.0),
                               step.objectives["subscriptions"], subject=label(key),
                               what=f"{label(key)} re-created after E2 Setup",
                               clause=SUB_CLAUSE if harness_is_ric else "",
                               detail={"outcome": "re-created" if at is not None else "lost"}))
    if "indication_gap" in goals:
        _indications(ctx, wire, step, goals, history, recreated, found)


def sn_gaps(sns: list, after: Any = None) -> tuple[list, list]:
    """(missing, duplicate) RIC Indication SNs of ``sns`` in arrival order; with ``after`` (the last SN
    before, on an association that carried on) the count continues from it and an old SN again is a
    duplicate. The 16-bit wrap (65535 -> 0) is not followed: a run that long is not measured here."""
    numbers = [sn for sn in sns if isinstance(sn, int)]
    dups = {sn for sn in numbers if numbers.count(sn) > 1}
    if isinstance(after, int):
        dups |= {sn for sn in numbers if sn <= after}
    low = after + 1 if isinstance(after, int) else (min(numbers) if numbers else 0)
    missing = sorted(set(range(low, max(numbers) + 1)) - set(numbers)) if numbers else []
    return missing, sorted(dups)


KEPT_CLAUSE = ("RFC 9260 8.1 (an association is lost only after Association.Max.Retrans retransmissions) and "
               f"{E2AP_CLAUSE} 8.3.1 (E2 Setup starts a new TNL association, not a kept one)")
HOLD = 2.0      # kept, nothing to count: the harness watches the association this long after the break


def _reporting(ctx, past, goals) -> list[tuple]:
    """The harness's subscriptions (as the RIC) that the DUT accepted before the break: whose reports to follow."""
    keys = [sub_key(ies) for d, n, ies, _ in past if d == "sent" and n == "RICsubscriptionRequest"]
    keys = [k for k in keys if any(d == "received" and n == "RICsubscriptionResponse" and sub_key(ies) == k
                                   for d, n, ies, _ in past)]
    if "indication_gap" in goals and not keys:
        ctx.error("spec.recover", "no subscription was set up before the break: no indications to follow")
    return keys


def _kept(ctx, wire, step, mark: RestartMark, goals, past, found) -> None:
    """The break was shorter than failure detection: the association carries on, the reports resume."""
    env = wire.env
    keys = _reporting(ctx, past, goals)
    lost = None
    measured: list[Finding] = []
    try:
        if "indication_gap" in goals:
            _indications(ctx, wire, step, goals, past, keys, measured, kept=True)
        else:
            wire.read(max(time.time(), mark.back_at) + HOLD, lambda m: False)
    except PeerClosed as err:
        lost = str(err) or "the association ended"
    again = [n for d, n, _, at in history(ctx, env) if at >= mark.wall and n in ("E2setupRequest", "E2setupResponse")]
    what = f"the association across the {mark.down_for:g} s break"
    text = (f"{what}: lost ({lost})" if lost else f"{what}: E2 Setup again ({', '.join(again)})" if again
            else f"{what}: kept, no E2 Setup again")
    found.append(rule(ctx, "e2", "association", lost is None and not again, text, KEPT_CLAUSE,
                      value=float(bool(lost)) + len(again),    # losses and E2 Setups seen: 0 when kept
                      detail={"break": mark.who, "down_for_s": mark.down_for, "lost": lost, "setup_again": again},
                      expected=0))
    found.extend(measured)


FAILOVER_CLAUSE = (f"{E2AP_CLAUSE} 8.3.6 (E2 runs over every TNL association E2 Setup and E2 Connection Update set "
                   "up; losing one that is not the last leaves E2 up: no E2 Setup again, subscriptions kept)")


def _failover(ctx, wire, step, mark: RestartMark, goals, past, found) -> None:
    """One TNL association was cut: it may be lost, E2 and its reports carry on over the others."""
    env = wire.env
    group = env.transport
    if not isinstance(group, TnlGroup) or group.joined < 2:
        ctx.error("spec.recover", "'association: failover' needs E2 over several TNL associations: run tnl-add "
                                  "(harness as the RIC) or tnl-join (harness as the E2 node) before the break")
    on_cut = [m.label for m in group.members if m.link == mark.link] + \
        [x.label for x in group.lost if x.link == mark.link]
    if not on_cut:
        ctx.error("recovery.link", f"no TNL association of this test case runs through the link '{mark.link}' that "
                                   "was cut (the lab's transport.tnl names each further association's link; the "
                                   "first one runs through 'e2')")
    survivors = [m.label for m in group.members if m.link != mark.link]
    keys = _reporting(ctx, past, goals)
    ended = None
    measured: list[Finding] = []

    def cut_lost():
        return next((x for x in group.lost if x.label in on_cut), None)

    try:
        if "indication_gap" in goals:
            _indications(ctx, wire, step, goals, past, keys, measured, kept=True, judge_missing=False)
        until = mark.wall + _window(goals, "detection", mark.down_for + 10.0)
        while cut_lost() is None and time.time() < until and ctx.remaining() > 0:
            wire.read(min(until, time.time() + 0.2), lambda m: False)
        # Watch E2 until the path is back and HOLD on: the DUT has had the whole break to notice the loss
        # (or learns it from the harness's ABORT once the path is back), so a DUT that lets the loss of one
        # association take the others with it shows here.
        wire.read(min(max(mark.back_at, time.time()) + HOLD, time.time() + max(ctx.remaining() - 1.0, 0.0)),
                  lambda m: False)
    except PeerClosed as err:
        ended = str(err) or "every TNL association ended"
    gone = cut_lost()
    if "detection" in goals:
        seen = judge(ctx, "e2", "detection", None if gone is None else wall_ms(mark.wall, gone.at),
                     step.objectives["detection"], subject=", ".join(on_cut),
                     what=f"loss of the cut TNL association ({', '.join(on_cut)}) seen by the harness after the "
                          "partition began", clause=DETECTION_CLAUSE)
        found.append(_lab_side(ctx, seen))
    dropped = [x for x in group.lost if x.label in survivors]
    again = [n for d, n, _, at in history(ctx, env) if at >= mark.wall and n in ("E2setupRequest", "E2setupResponse")]
    ok = ended is None and not dropped and not again
    text = (f"E2 across the cut of '{mark.link}' ({', '.join(on_cut)}): "
            + (f"every TNL association ended ({ended})" if ended else
               f"{', '.join(x.label for x in dropped)} lost too, though its path was not cut ({dropped[0].why})"
               if dropped else f"E2 Setup again ({', '.join(again)})" if again else
               f"carried on over {', '.join(survivors)}, no E2 Setup again"))
    found.append(rule(ctx, "e2", "tnl-failover", ok, text, FAILOVER_CLAUSE,
                      value=float(len(dropped) + len(again) + (1 if ended else 0)),
                      detail={"cut": on_cut, "survivors": survivors, "cut_lost": gone is not None,
                              "lost": [{"label": x.label, "why": x.why, "link": x.link} for x in group.lost],
                              "setup_again": again, "ended": ended}, expected=0))
    found.extend(measured)


def _indications(ctx, wire, step, goals, history, keys: list[tuple], found, kept: bool = False,
                 judge_missing: bool = True) -> None:
    before: dict[tuple, tuple[Any, float]] = {}
    for d, n, ies, at in history:
        if d == "received" and n == "RICindication":
            before[sub_key(ies) + (ies.get("RICactionID"),)] = (ies.get("RICindicationSN"), at)
    wanted = {k for k in before if k[:3] in keys}
    after: dict[tuple, list[tuple[Any, float]]] = {k: [] for k in wanted}
    until = time.time() + _window(goals, "indication_gap", 10.0)

    def take(m: Msg) -> bool:
        if m.name == "RICindication":
            k = sub_key(m.ies) + (m.ies.get("RICactionID"),)
            if k in after:
                after[k].append((m.ies.get("RICindicationSN"), m.at))
        return all(len(v) >= step.indications for v in after.values())

    if wanted:
        wire.read(until, take)
    pixit = step.objectives["indication_gap"]
    for k in sorted(wanted, key=str):
        last_sn, last_at = before[k]
        seen = after[k]
        subject = f"{label(k[:3])} action {k[3]}"
        sns = [sn for sn, _ in seen]
        first_sn = sns[0] if sns else None
        missing, dups = sn_gaps(sns, last_sn if kept else None)
        detail = {"last_sn_before": last_sn, "first_sn_after": first_sn, "missing": missing, "duplicates": dups,
                  "received_after": len(sns), "association": "kept" if kept else "new"}
        found.append(judge(ctx, "e2", "indication-gap", None if not seen else wall_ms(last_at, seen[0][1]), pixit,
                           subject=subject, what=f"RIC Indications stopped for {subject}",
                           clause=SN_CLAUSE if kept else SUB_CLAUSE, detail=detail))
        found.append(rule(ctx, "e2", "indication-duplicates", not dups,
                          f"{subject}: {len(dups)} RIC Indication SN(s) repeated after recovery"
                          + (f" ({', '.join(map(str, dups))})" if dups else ""), SN_CLAUSE,
                          value=len(dups), subject=subject, detail=detail, expected=0))
        if judge_missing:      # a failover may lose what was in flight on the cut association: reported, not judged
            found.append(rule(ctx, "e2", "indication-missing", not missing,
                              f"{subject}: {len(missing)} RIC Indication SN(s) missing after recovery"
                              + (f" ({', '.join(map(str, missing[:10]))})" if missing else ""), SN_CLAUSE,
                              value=len(missing), subject=subject, detail=detail, expected=0))


register_executor(RecoverStep, run_recover)
