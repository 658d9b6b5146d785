"""Recovery figures: the `restart` step, the objectives (PIXIT) and the verdict of each measured figure.

Theory of operation: `restart` notes when and what it broke (a `RestartMark`) and asks for the
break: the DUT through its adapter (the simulator's real restart, or the lab's `restart` command),
or the harness's own side through the interface environment's ``restart_peer(down_for)``. The
interface's recovery step then measures, from that mark, what the DUT did, and hands each figure to
`judge`: measured against the objective the lab declares as PIXIT (never a default of the
harness), PASS or FAIL, a finding citing the O-RAN clause when O-RAN defines the behaviour, else the
lab's PIXIT. Every figure is kept in ``ctx.figures`` and written to the results (`recovery` in
results.jsonl), the O-RAN JSON and the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness.core.verdict import Finding, Verdict
from harness.runner.basic_steps import run_trigger
from harness.runner.context import StepContext
from harness.runner.registry import register_executor
from harness.spec.model import TriggerStep
from harness.spec.recovery import RestartStep


@dataclass(frozen=True)
class RestartMark:
    """One break: who (dut, peer, or link: a partition or link flap), when (wall-clock and monotonic s), how long."""

    who: str
    wall: float
    mono: float
    down_for: float
    link: str = ""          # the lab link broken (a partition or link flap)

    @property
    def back_at(self) -> float:
        """Wall-clock time the restarted side is due back."""
        return self.wall + self.down_for


@dataclass(frozen=True)
class RecoveryFigure:
    """One measured recovery figure and its verdict (a row of the results' `recovery` section).

    Attributes:
        interface: 'e2', 'a1', 'mplane'.
        figure: 'detection', 'reestablish', 'subscription', 'indication-gap', ...
        value: what was measured (None: never, within the time the harness waited).
        units: 'ms' or 'count'.
        objective: the objective it is compared with (None: a rule, no time).
        pixit: the PIXIT that declares the objective (None: a rule of the specification).
        verdict: 'PASS' or 'FAIL'.
        clause: where the behaviour is defined ('O-RAN.WG3.E2AP v03.01 8.3.1', or 'lab objective PIXIT x').
        subject: what the figure is about (a subscription, a policy), '' for the association.
        detail: further numbers (sequence numbers before and after, ...).
    """

    interface: str
    figure: str
    value: float | None
    units: str
    objective: float | None
    pixit: str | None
    verdict: str
    clause: str
    subject: str = ""
    detail: dict = field(default_factory=dict)


def marks(ctx: StepContext) -> list[RestartMark]:
    """The test case's breaks so far, in order."""
    return ctx.state("recovery.marks", list)


def last_mark(ctx: StepContext) -> RestartMark:
    """The latest break; an ERROR when the spec has none before its recovery step."""
    done = marks(ctx)
    if not done:
        ctx.error("spec.recovery", "a recovery step needs a 'restart' step before it")
    return done[-1]


def _timed(ctx: StepContext, detail: dict | None) -> dict:
    """``detail`` with the break it follows (wall-clock ``restart_at``, ``restart_down_s``): the report's timeline."""
    done = marks(ctx)
    when = {"restart_at": round(done[-1].wall, 3), "restart_down_s": done[-1].down_for} if done else {}
    return {**when, **(detail or {})}


def _walk(steps) -> list:
    out = []
    for s in steps:
        out.append(s)
        out.extend(_walk(getattr(s, "steps", ()) or ()))
    return out


def missing_objectives(ctx: StepContext) -> list[str]:
    """'pixit (figure at file:line)' for each objective the test case's recovery steps name and the lab lacks."""
    pixit = ctx.run_env.pixit
    out = []
    for s in _walk(getattr(ctx.testcase, "steps", ()) or ()):
        for figure, name in (getattr(s, "objectives", None) or {}).items():
            if name not in pixit:
                out.append(f"{name} ({figure} at {s.where})")
    return out


def objective(ctx: StepContext, pixit: str) -> float:
    """The lab's objective in milliseconds; a missing or non-numeric PIXIT is an ERROR."""
    value = ctx.run_env.pixit.get(pixit)
    if value is None:
        ctx.error("recovery.pixit", f"the lab profile declares no PIXIT '{pixit}' (a recovery objective, ms)")
    try:
        number = float(value)
    except (TypeError, ValueError):
        ctx.error("recovery.pixit", f"PIXIT '{pixit}' must be a number of milliseconds, not {value!r}")
    if not number >= 0 or number == float("inf"):
        ctx.error("recovery.pixit", f"PIXIT '{pixit}' must be a finite number of milliseconds >= 0, not {value!r}")
    return number


def lab_clause(pixit: str) -> str:
    return f"lab objective PIXIT {pixit}"


def judge(ctx: StepContext, interface: str, figure: str, value: float | None, pixit: str, *,
          what: str, clause: str = "", subject: str = "", detail: dict | None = None) -> Finding:
    """A time figure against its objective: the finding (not recorded yet) and the figure kept.

    ``clause``: the O-RAN clause that requires the recovery at all (a FAIL when it never
    happened cites it); a late recovery cites the lab's objective.
    """
    goal = objective(ctx, pixit)
    ok = value is not None and value <= goal
    if value is None:
        text = f"{what}: not seen within the time waited (objective {goal:g} ms, PIXIT {pixit})"
        cite = clause or lab_clause(pixit)
    else:
        text = f"{what}: {value:.0f} ms (objective {goal:g} ms, PIXIT {pixit})"
        cite = lab_clause(pixit)
    verdict = Verdict.PASS if ok else Verdict.FAIL
    ctx.figures.append(RecoveryFigure(interface, figure, None if value is None else round(value, 1), "ms", goal,
                                      pixit, verdict.name, cite, subject, _timed(ctx, detail)))
    return ctx.make(verdict, f"recovery.{figure}", text, clause=cite, ie_path=subject or None,
                    expected={"objective_ms": goal, "pixit": pixit},
                    observed=None if value is None else round(value, 1))


def rule(ctx: StepContext, interface: str, figure: str, ok: bool, text: str, clause: str, *,
         value: float | None = None, units: str = "count", subject: str = "", detail: dict | None = None,
         expected: Any = None) -> Finding:
    """A recovery figure the specification itself rules on (duplicates, a policy kept): no PIXIT."""
    verdict = Verdict.PASS if ok else Verdict.FAIL
    ctx.figures.append(RecoveryFigure(interface, figure, value, units, None, None, verdict.name, clause, subject,
                                      _timed(ctx, detail)))
    return ctx.make(verdict, f"recovery.{figure}", text, clause=clause, ie_path=subject or None,
                    expected=expected, observed=value)


def wall_ms(since: float, until: float | None = None) -> float:
    """Milliseconds from wall-clock ``since`` to ``until`` (now)."""
    return ((time.time() if until is None else until) - since) * 1000.0


def run_restart(ctx: StepContext, step: RestartStep) -> None:
    """Break the link on purpose: the DUT restarts (adapter action 'restart') or the harness's side does.

    Every objective the recovery steps name is checked first: a lab without them learns so
    before anything is broken (ERROR `recovery.pixit`).
    """
    missing = missing_objectives(ctx)
    if missing:
        ctx.error("recovery.pixit", "the lab profile declares no PIXIT for the recovery objective(s) "
                  f"{', '.join(missing)}: the harness has no default objectives (add them under pixit:, in ms)")
    down = ctx.seconds(step.down_for, 0.0)
    mark = RestartMark(step.who, time.time(), time.monotonic(), down)
    if step.who == "peer":
        restart_peer = getattr(ctx.env, "restart_peer", None)
        if restart_peer is None:
            ctx.error("restart", "this interface's harness side cannot restart ('who: peer')")
        marks(ctx).append(mark)
        restart_peer(down)
        return
    marks(ctx).append(mark)
    run_trigger(ctx, TriggerStep("restart", {"down_for": down, "who": "dut"},
                                 f"Restart the DUT now and keep it down for {down:g} s", None, step.where))


register_executor(RestartStep, run_restart)
