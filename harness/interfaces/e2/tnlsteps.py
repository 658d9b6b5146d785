"""E2 over several TNL associations: the `tnl-add` and `tnl-join` steps (E2AP v03.01 8.3.6, 8.3.5).

Theory of operation: E2 Setup makes the first TNL association of the E2 interface; the Near-RT RIC
adds others with E2 Connection Update. The E2 node sets each one up, names itself on it with an
E2 Node Configuration Update carrying its Global E2 Node ID (so the RIC knows whose association it
is), and acknowledges the update listing what it set up and what failed. After either step the
test case's transport is a `TnlGroup` (harness/transport/group.py): later steps read every
association and answer where a request came from, and `recover: {association: failover}`
(harness/interfaces/e2/recovery.py) judges the interface when one of them is cut.

* ``tnl-add`` (the harness is the RIC, the DUT the E2 node): the harness offers the lab's further
  endpoints (``transport.tnl``) and checks, per endpoint, that the E2 node listed it as set up,
  that an association really arrived there and that the E2 node named itself on it with the Global
  E2 Node ID of its E2 Setup. An acknowledgement that claims an association nobody made is a FAIL.
* ``tnl-join`` (the harness is the E2 node, the DUT the RIC): after the RIC's E2 Connection Update
  the harness dials each address offered, names itself there and acknowledges; an offered address
  that takes no association, or a RIC that never answers the naming, is a FAIL.

Every wait is the lab's expect timer (or three times the step's ``setup`` objective), cut to the
guard timer. The messages are evidence like any other step's, each noted with the TNL association
it went or came through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness.core.verdict import Finding, Verdict
from harness.interfaces.e2 import tnl
from harness.interfaces.e2.executors import E2AP_CLAUSE, E2Env
from harness.interfaces.e2.recovery import WINDOW, Msg, Wire, history
from harness.interfaces.e2.sim.content import item, items_of
from harness.runner.context import StepContext
from harness.runner.recovery import judge, objective, wall_ms
from harness.runner.registry import register_executor
from harness.spec.model import Where
from harness.spec.reader import Node
from harness.spec.recovery import objectives
from harness.transport.group import TnlGroup

UPDATE_CLAUSE = f"{E2AP_CLAUSE} 8.3.6.2 (E2 Connection Update: the E2 node sets up each TNL association to add)"
NAME_CLAUSE = (f"{E2AP_CLAUSE} 8.3.5.2 (E2 Node Configuration Update with the Global E2 Node ID names the E2 node "
               "on a new TNL association)")
ANSWERS = ("E2connectionUpdateAcknowledge", "E2connectionUpdateFailure")
FIRST_LINK = "e2"        # the lab link of the first TNL association (harness/interfaces/e2/run.py)


@dataclass(frozen=True)
class TnlAddStep:
    """The harness (RIC) adds its further TNL endpoints; see the module docstring.

    Attributes:
        usage: the TNL usage offered (ric-service, support-function, both).
        objectives: 'setup' -> PIXIT (ms): update sent to the last association named.
    """

    usage: str
    objectives: dict
    where: Where
    kind: str = "tnl-add"


@dataclass(frozen=True)
class TnlJoinStep:
    """The harness (E2 node) sets up the TNL associations the RIC's E2 Connection Update asks for."""

    objectives: dict
    where: Where
    kind: str = "tnl-join"


def read_tnl_add(node: Node, ctx: Any) -> list:
    """``tnl-add: {usage: ric-service|support-function|both, setup: PIXIT}`` (both optional)."""
    r = node.body("tnl-add", ["usage", "setup"])
    return [TnlAddStep(r.get("usage", str, "both", choices=tnl.USAGES), objectives(r, ("setup",)), node.where())]


def read_tnl_join(node: Node, ctx: Any) -> list:
    """``tnl-join: {setup: PIXIT}`` (optional)."""
    r = node.body("tnl-join", ["setup"])
    return [TnlJoinStep(objectives(r, ("setup",)), node.where())]


def _group(ctx: StepContext) -> tuple[E2Env, TnlGroup]:
    env = ctx.env
    if not isinstance(env, E2Env) or env.transport is None:
        ctx.error("e2.env", "this run has no E2 association to add TNL associations to")
    links = getattr(ctx.run_env, "links", None)
    group = TnlGroup.of(env.transport, link=FIRST_LINK if links is not None and FIRST_LINK in links.specs else None)
    env.transport = group
    return env, group


def _wait(ctx: StepContext, goals: dict) -> float:
    return ctx.timer(None, WINDOW * goals["setup"] if "setup" in goals else ctx.timers.expect)


def _next_tid(past: list) -> int:
    used = [ies.get("TransactionID") for d, _, ies, _ in past if d == "sent" and "TransactionID" in ies]
    return (max([t for t in used if isinstance(t, int)], default=0) + 1) % 256


def _via(ctx: StepContext, group: TnlGroup, msg_or_entry: Any) -> str:
    label = group.via.label if group.via is not None else "?"
    entry = getattr(msg_or_entry, "entry", msg_or_entry)
    if entry is not None and hasattr(entry, "notes"):
        entry.notes.append(f"TNL association: {label}")
    return label


def _begin(ctx: StepContext, env: E2Env, step: Any, direction: str) -> tuple[dict, list, Any]:
    """(objectives in s, the test case's messages so far, the Global E2 Node ID of its E2 Setup Request
    sent in ``direction``); no E2 Setup before is the spec's ERROR."""
    goals = {f: objective(ctx, p) / 1000.0 for f, p in step.objectives.items()}
    past = history(ctx, env)
    node_id = next((ies.get("GlobalE2node-ID") for d, n, ies, _ in past if d == direction and n == "E2setupRequest"),
                   None)
    if node_id is None:
        ctx.error(f"spec.{step.kind}", f"no E2 Setup Request before {step.kind}: the E2 node names itself on a new "
                                       "TNL association with the Global E2 Node ID of its E2 Setup")
    return goals, past, node_id


# ---------------------------------------------------------------------------------------------- tnl-add
@dataclass
class _Offer:
    address: tnl.TnlAddress
    accept: Any
    link: str | None
    info: dict
    label: str | None = None
    arrived: float | None = None
    named: Any = None               # the GlobalE2node-ID it named itself with
    named_at: float | None = None
    unnamed: list = field(default_factory=list)   # other messages that came first on it


def run_tnl_add(ctx: StepContext, step: TnlAddStep) -> None:
    env, group = _group(ctx)
    if ctx.testcase.dut_role != "e2-node":
        ctx.error("spec.tnl-add", "tnl-add is the RIC's E2 Connection Update: the harness plays the RIC only "
                                  "for an E2 node DUT (use tnl-join for a Near-RT RIC DUT)")
    if not env.tnl_offer:
        ctx.error("e2.tnl", "the lab offers no further TNL endpoint: add transport.tnl: [{listen: HOST:PORT}] to the "
                            "lab profile (docs/resilience.md)")
    goals, past, node_id = _begin(ctx, env, step, "received")
    offers = [_Offer(a, accept, link, tnl.information(a.host, a.port)) for a, accept, link in env.tnl_offer]
    tid = _next_tid(past)
    wire = Wire(ctx, env)
    sent = wire.send("E2connectionUpdate", {"TransactionID": tid, "E2connectionUpdateAdd": [
        item("E2connectionUpdate-Item", {"tnlInformation": o.info, "tnlUsage": step.usage}) for o in offers]})
    _via(ctx, group, ctx.exchange.entries[-1])
    until = time.time() + _wait(ctx, goals)
    answer: Msg | None = None

    def take(m: Msg) -> bool:
        nonlocal answer
        label = _via(ctx, group, m)
        if m.name in ANSWERS and m.ies.get("TransactionID") == tid:
            answer = m
        offer = next((o for o in offers if o.label == label), None)
        if offer is not None and offer.named_at is None:
            if m.name == "E2nodeConfigurationUpdate":
                offer.named, offer.named_at = m.ies.get("GlobalE2node-ID"), m.at
                wire.send("E2nodeConfigurationUpdateAcknowledge", {"TransactionID": m.ies.get("TransactionID")},
                          on=label)
                _via(ctx, group, ctx.exchange.entries[-1])
            else:
                offer.unnamed.append(m.name)
        return answer is not None and all(o.named_at is not None for o in offers)

    while time.time() < until and ctx.remaining() > 0:
        for o in offers:
            if o.label is None:
                transport = o.accept(0.0)
                if transport is not None:
                    o.label, o.arrived = group.add(transport, link=o.link), time.time()
        if wire.read(min(until, time.time() + 0.05), take) is not None:
            break
    ctx.add_all(_judge_add(ctx, step, offers, answer, node_id, sent))


def _judge_add(ctx: StepContext, step: TnlAddStep, offers: list[_Offer], answer: Msg | None, node_id: Any,
               sent: float) -> list[Finding]:
    out: list[Finding] = []
    if answer is None:
        return [ctx.make(Verdict.FAIL, "e2.tnl.answer", "no E2 CONNECTION UPDATE ACKNOWLEDGE (or FAILURE) within "
                         "the time waited", clause=UPDATE_CLAUSE, evidence=())]
    if answer.name == "E2connectionUpdateFailure":
        return [ctx.make(Verdict.FAIL, "e2.tnl.answer", f"the E2 node refused the E2 Connection Update: cause "
                         f"{answer.ies.get('Cause')}", clause=UPDATE_CLAUSE, evidence=(answer.entry.index,))]
    listed = [v.get("tnlInformation") for v in items_of(answer.ies.get("E2connectionSetup"))]
    failed = {_key(v.get("tnlInformation")): v.get("cause")
              for v in items_of(answer.ies.get("E2connectionSetupFailed"))}
    for o in offers:
        where = str(o.address)
        if _key(o.info) in failed:
            out.append(ctx.make(Verdict.FAIL, "e2.tnl.setup", f"TNL {where}: the E2 node could not set it up "
                                f"(cause {failed[_key(o.info)]})", clause=UPDATE_CLAUSE,
                                evidence=(answer.entry.index,)))
            continue
        if _key(o.info) not in {_key(i) for i in listed}:
            out.append(ctx.make(Verdict.FAIL, "e2.tnl.setup", f"TNL {where}: neither in the E2 Connection Setup "
                                "list nor in the failed list of the acknowledgement", clause=UPDATE_CLAUSE,
                                ie_path="E2connectionSetup", evidence=(answer.entry.index,)))
            continue
        if o.label is None:
            out.append(ctx.make(Verdict.FAIL, "e2.tnl.association", f"TNL {where}: listed as set up, but no SCTP "
                                "association arrived there within the time waited", clause=UPDATE_CLAUSE,
                                evidence=(answer.entry.index,)))
            continue
        if o.named_at is None:
            first = f" (it sent {', '.join(o.unnamed)} first)" if o.unnamed else ""
            out.append(ctx.make(Verdict.FAIL, "e2.tnl.named", f"TNL {where} ({o.label}): the E2 node never named "
                                f"itself on it with an E2 Node Configuration Update{first}", clause=NAME_CLAUSE))
            continue
        if o.named != node_id:
            out.append(ctx.make(Verdict.FAIL, "e2.tnl.named", f"TNL {where} ({o.label}): the Global E2 Node ID "
                                f"{'is missing' if o.named is None else 'differs from the one of E2 Setup'}",
                                clause=NAME_CLAUSE, ie_path="GlobalE2node-ID", expected=node_id, observed=o.named))
            continue
        out.append(ctx.make(Verdict.PASS, "e2.tnl.setup", f"TNL {where} ({o.label}): set up, acknowledged and "
                            "named with the E2 node's Global E2 Node ID", clause=UPDATE_CLAUSE))
    if "setup" in step.objectives and not any(f.verdict >= Verdict.FAIL for f in out):
        last = max(o.named_at for o in offers if o.named_at is not None)
        out.append(judge(ctx, "e2", "tnl-setup", wall_ms(sent, last), step.objectives["setup"],
                         what="E2 Connection Update to every new TNL association named", clause=UPDATE_CLAUSE,
                         detail={"associations": [o.label for o in offers]}))
    return out


def _key(info: Any) -> tuple:
    """A TNLinformation value as comparable bytes (address bits and length, port)."""
    if not isinstance(info, dict):
        return ()
    address, length = info.get("tnlAddress", (b"", 0))
    port = info.get("tnlPort")
    return bytes(address), length, bytes(port[0]) if port else None


# --------------------------------------------------------------------------------------------- tnl-join
def run_tnl_join(ctx: StepContext, step: TnlJoinStep) -> None:
    env, group = _group(ctx)
    if ctx.testcase.dut_role != "near-rt-ric":
        ctx.error("spec.tnl-join", "tnl-join answers the RIC's E2 Connection Update: the harness plays the E2 node "
                                   "only for a Near-RT RIC DUT (use tnl-add for an E2 node DUT)")
    if env.dial_tnl is None:
        ctx.error("e2.tnl", "this run cannot dial a further TNL association (no E2 transport to dial with)")
    goals, past, node_id = _begin(ctx, env, step, "sent")
    wire = Wire(ctx, env)
    wait = _wait(ctx, goals)
    update = wire.read(time.time() + wait, lambda m: m.name == "E2connectionUpdate")
    if update is None:
        ctx.fail("e2.tnl.update", "no E2 CONNECTION UPDATE from the Near-RT RIC within the time waited",
                 clause=UPDATE_CLAUSE)
    update_on = _via(ctx, group, update)
    started = update.at
    setup, failed, found = [], [], []
    for i, value in enumerate(items_of(update.ies.get("E2connectionUpdateAdd"))):
        info = value.get("tnlInformation") or {}
        path = f"E2connectionUpdateAdd[{i}].tnlInformation"
        try:
            where = tnl.address(info)
        except tnl.TnlError as err:
            found.append(ctx.make(Verdict.FAIL, "e2.tnl.address", f"the RIC offers an unusable TNL address: {err}",
                                  clause="O-RAN.WG3.E2AP v03.01 9.2.29 (TNL Information)", ie_path=path,
                                  evidence=(update.entry.index,)))
            failed.append(tnl.failed_item(info))
            continue
        label = _dial(ctx, env, group, where, time.time() + wait)
        if label is None:
            found.append(ctx.make(Verdict.FAIL, "e2.tnl.association", f"TNL {where}: the RIC offered it, but no SCTP "
                                  "association could be made there within the time waited (or the lab does not "
                                  "route it)", clause=UPDATE_CLAUSE, ie_path=path, evidence=(update.entry.index,)))
            failed.append(tnl.failed_item(info))
            continue
        tid = _next_tid(history(ctx, env))
        wire.send("E2nodeConfigurationUpdate", {"TransactionID": tid, "GlobalE2node-ID": node_id}, on=label)
        _via(ctx, group, ctx.exchange.entries[-1])
        ack = wire.read(time.time() + wait, _answer_to(tid))
        if ack is None or ack.name != "E2nodeConfigurationUpdateAcknowledge":
            found.append(ctx.make(Verdict.FAIL, "e2.tnl.named", f"TNL {where} ({label}): the RIC "
                                  + ("never answered" if ack is None else "refused") + " the E2 Node Configuration "
                                  "Update that names this E2 node on it", clause=NAME_CLAUSE))
            failed.append(tnl.failed_item(info))
            continue
        _via(ctx, group, ack)
        setup.append(item("E2connectionUpdate-Item", value))
        found.append(ctx.make(Verdict.PASS, "e2.tnl.setup", f"TNL {where} ({label}): set up and named; the RIC "
                              "acknowledged", clause=UPDATE_CLAUSE))
    ies: dict = {"TransactionID": update.ies.get("TransactionID")}
    if setup:
        ies["E2connectionSetup"] = setup
    if failed:
        ies["E2connectionSetupFailed"] = failed
    done = wire.send("E2connectionUpdateAcknowledge", ies, on=update_on)
    _via(ctx, group, ctx.exchange.entries[-1])
    if not setup and not failed:
        found.append(ctx.make(Verdict.FAIL, "e2.tnl.update", "the RIC's E2 Connection Update adds no TNL association",
                              clause=UPDATE_CLAUSE, ie_path="E2connectionUpdateAdd", evidence=(update.entry.index,)))
    if "setup" in step.objectives and setup and not failed:
        found.append(judge(ctx, "e2", "tnl-setup", wall_ms(started, done), step.objectives["setup"],
                           what="E2 Connection Update to every new TNL association named", clause=UPDATE_CLAUSE))
    ctx.add_all(found)


def _answer_to(tid: int) -> Any:
    def want(m: Msg) -> bool:
        return m.name in ("E2nodeConfigurationUpdateAcknowledge", "E2nodeConfigurationUpdateFailure") \
            and m.ies.get("TransactionID") == tid
    return want


def _dial(ctx: StepContext, env: E2Env, group: TnlGroup, where: tnl.TnlAddress, until: float) -> str | None:
    """A new member association to ``where``, tried until ``until``; its label."""
    while time.time() < until and ctx.remaining() > 0:
        transport, link = env.dial_tnl(where.host, where.port)
        if transport is not None:
            return group.add(transport, link=link)
        time.sleep(0.2)
    return None


register_executor(TnlAddStep, run_tnl_add)
register_executor(TnlJoinStep, run_tnl_join)
