"""The `indication-flow` step: do RIC Indications keep coming at the subscribed period on this path?

Theory of operation: on an impaired link (a GEO satellite hop, a long-haul cable) an E2 node's
reports still have to arrive regularly enough for the xApps that subscribed. With the harness as
the RIC, the step takes every subscription the test case set up (request sent, response received),
collects ``indications`` RIC Indications per subscription action (those already read count: they
carry their arrival time) and measures, each against the lab's PIXIT objective it names (ms, no
default):

* first: the harness's RIC Subscription Request -> the first RIC Indication (a round trip plus a
  period: the figure a long path cannot shorten);
* interval: the longest time between two consecutive RIC Indications (a lost datagram SCTP must
  retransmit shows here);
* median: the median time between consecutive RIC Indications (the period the xApp sees).

The sequence numbers are judged by E2AP itself (no PIXIT): no repeated and no missing RIC
Indication SN between the first and the last one seen (E2AP v03.01 8.2.3, 9.2). Every figure is a
RecoveryFigure (harness/runner/recovery.py): results, O-RAN JSON and report show them.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

from harness.core.verdict import Finding
from harness.interfaces.e2.executors import E2Env
from harness.interfaces.e2.recovery import SN_CLAUSE, Msg, Wire, history, label, sub_key, sn_gaps
from harness.runner.context import StepContext
from harness.runner.recovery import judge, objective, rule, wall_ms
from harness.runner.registry import register_executor
from harness.spec.model import Where
from harness.spec.reader import Node
from harness.spec.recovery import objectives

FIGURES = ("first", "interval", "median")
FLOW_CLAUSE = "O-RAN.WG3.E2AP v03.01 8.2.3 (RIC Indication: reports at the subscription's event trigger)"


@dataclass(frozen=True)
class IndicationFlowStep:
    """Collect RIC Indications and judge their timing and sequence numbers.

    Attributes:
        objectives: figure ('first', 'interval', 'median') -> the PIXIT name of its objective (ms).
        indications: RIC Indications per subscription action to judge.
        where: the YAML file:line.
    """

    objectives: dict
    indications: int
    where: Where
    kind: str = "indication-flow"


def read_flow(node: Node, ctx: Any) -> list:
    """``indication-flow: {indications: N, first: PIXIT, interval: PIXIT, median: PIXIT}``."""
    node.only(["indication-flow"])
    r = Node.of(node.data["indication-flow"], node.source, node.value_line("indication-flow"), "indication-flow")
    r.only([*FIGURES, "indications"])
    named = objectives(r, FIGURES)
    if not named:
        raise r.error(r.line, f"'indication-flow' judges nothing: name the PIXIT objective of at least one of "
                              f"{', '.join(FIGURES)}")
    count = r.get("indications", int, 10)
    if count < 2:
        raise r.error(r.value_line("indications"), f"'indications' must be 2 or more (an interval needs two), "
                                                   f"not {count}")
    return [IndicationFlowStep(named, count, node.where())]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_flow(ctx: StepContext, step: IndicationFlowStep) -> None:
    if not isinstance(ctx.env, E2Env):
        ctx.error("e2.env", "this run has no E2 set-up")
    if ctx.testcase.dut_role != "e2-node":
        ctx.error("spec.indication-flow", "indication-flow is measured where the harness is the RIC (an E2 node DUT)")
    env: E2Env = ctx.env
    goals = {f: objective(ctx, p) for f, p in step.objectives.items()}   # a missing PIXIT: ERROR before waiting
    past = history(ctx, env)
    asked: dict[tuple, float] = {}
    for d, n, ies, at in past:
        if d == "sent" and n == "RICsubscriptionRequest":
            asked[sub_key(ies)] = at
    answered = {sub_key(ies) for d, n, ies, _ in past if d == "received" and n == "RICsubscriptionResponse"}
    keys = [k for k in asked if k in answered]
    if not keys:
        ctx.error("spec.indication-flow", "no subscription was set up before indication-flow: nothing reports")
    seen: dict[tuple, list[tuple[Any, float]]] = {}
    for d, n, ies, at in past:
        if d == "received" and n == "RICindication" and sub_key(ies) in keys and at >= asked[sub_key(ies)]:
            seen.setdefault(sub_key(ies) + (ies.get("RICactionID"),), []).append((ies.get("RICindicationSN"), at))

    def take(m: Msg) -> bool:
        if m.name == "RICindication" and sub_key(m.ies) in keys:
            seen.setdefault(sub_key(m.ies) + (m.ies.get("RICactionID"),), []).append(
                (m.ies.get("RICindicationSN"), m.at))
        return bool(seen) and all(len(v) >= step.indications for v in seen.values())

    if not (seen and all(len(v) >= step.indications for v in seen.values())):
        # each indication may take the longest interval the lab accepts, the first its own objective
        wait = (goals.get("interval", max(goals.values())) * step.indications + goals.get("first", 0.0)) / 1000.0
        Wire(ctx, env).read(time.time() + max(wait, 1.0), take)
    found: list[Finding] = []
    if not seen:
        for key in keys:
            found.append(judge(ctx, "e2", "indication-first", None, step.objectives.get("first")
                               or next(iter(step.objectives.values())), subject=label(key),
                               what=f"RIC Indications of {label(key)}", clause=FLOW_CLAUSE))
    for k in sorted(seen, key=str):
        found.extend(_judge_one(ctx, step, k, seen[k][:step.indications], asked[k[:3]]))
    ctx.add_all(found)


def _judge_one(ctx: StepContext, step: IndicationFlowStep, k: tuple, got: list, asked_at: float) -> list[Finding]:
    subject = f"{label(k[:3])} action {k[3]}"
    times = [at for _, at in got]
    gaps = [(b - a) * 1000.0 for a, b in zip(times, times[1:], strict=False)]
    sns = [sn for sn, _ in got]
    missing, dups = sn_gaps(sns)
    detail = {"count": len(got), "first_sn": sns[0] if sns else None, "last_sn": sns[-1] if sns else None,
              "missing": missing, "duplicates": dups}
    if gaps:
        detail.update({"interval_median_ms": round(statistics.median(gaps), 1),
                       "interval_p95_ms": round(_p95(gaps), 1), "interval_min_ms": round(min(gaps), 1),
                       "interval_max_ms": round(max(gaps), 1)})
    short = len(got) < step.indications
    out = []
    if "first" in step.objectives:
        out.append(judge(ctx, "e2", "indication-first", wall_ms(asked_at, times[0]) if times else None,
                         step.objectives["first"], subject=subject, clause=FLOW_CLAUSE, detail=detail,
                         what=f"{subject}: RIC Subscription Request to the first RIC Indication"))
    if "interval" in step.objectives:
        out.append(judge(ctx, "e2", "indication-interval", None if short or not gaps else max(gaps),
                         step.objectives["interval"], subject=subject, clause=FLOW_CLAUSE, detail=detail,
                         what=f"{subject}: longest time between RIC Indications "
                              f"({len(got)} of {step.indications} received)"))
    if "median" in step.objectives:
        out.append(judge(ctx, "e2", "indication-interval-median", None if short or not gaps
                         else statistics.median(gaps), step.objectives["median"], subject=subject,
                         clause=FLOW_CLAUSE, detail=detail,
                         what=f"{subject}: median time between RIC Indications"))
    out.append(rule(ctx, "e2", "indication-duplicates", not dups,
                    f"{subject}: {len(dups)} RIC Indication SN(s) repeated"
                    + (f" ({', '.join(map(str, dups))})" if dups else ""), SN_CLAUSE,
                    value=len(dups), subject=subject, detail=detail, expected=0))
    out.append(rule(ctx, "e2", "indication-missing", not missing,
                    f"{subject}: {len(missing)} RIC Indication SN(s) missing"
                    + (f" ({', '.join(map(str, missing[:10]))})" if missing else ""), SN_CLAUSE,
                    value=len(missing), subject=subject, detail=detail, expected=0))
    return out


register_executor(IndicationFlowStep, run_flow)
