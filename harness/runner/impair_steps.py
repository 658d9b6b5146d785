"""Executors of the impairment steps: impair, clear-impairment, link-flap, partition.

They act on the lab's links (`RunEnv.links`, a harness.impair.links.LabLinks). A lab that
cannot act (no such link, no netem, a relay that cannot start) is the lab's problem: ERROR.
Whatever a test case applied is cleared when it ends, whatever its outcome, so the next
test case starts on a clean path. `impair ... for: S` clears itself after S seconds in the
background (the next steps run under the impairment); link-flap and partition block for
their duration, within the guard timer, and mark the break (like `restart`) for a recovery
step to measure from. Every action is an evidence note (StepContext.vars `_impairments`) and
goes to the links' timeline (impairments.json in the results).
"""

from __future__ import annotations

import threading
import time

from harness.core.errors import LabError
from harness.impair.model import ImpairmentError
from harness.runner.context import StepContext
from harness.runner.recovery import RestartMark, marks, missing_objectives
from harness.runner.registry import register_executor
from harness.spec.impair_steps import ClearImpairmentStep, ImpairStep, LinkFlapStep, PartitionStep


def _links(ctx: StepContext, link: str):
    links = ctx.run_env.links
    if links is None:
        ctx.error("impair", f"link '{link}': the lab profile defines no links: (docs/resilience.md)")
    why = links.problem(link, action="clear")
    if why:
        ctx.error("impair", why)
    return links


def _touched(ctx: StepContext) -> dict:
    """Links this test case impaired -> its background timers; cleared by a finisher at the end."""
    def make() -> dict:
        touched: dict = {}

        def finish() -> None:
            for link, timer in touched.items():
                if timer is not None:
                    timer.cancel()
                ctx.run_env.links.clear(link, f"end of {ctx.testcase.id}")
        ctx.add_finisher(finish)
        return touched
    return ctx.state("impaired-links", make)


def _note(ctx: StepContext, text: str) -> None:
    ctx.vars.setdefault("_impairments", []).append({"time": time.time(), "step": ctx.where(), "action": text})


def run_impair(ctx: StepContext, step: ImpairStep) -> None:
    links = _links(ctx, step.link)
    try:
        imp = links.resolve(step.profile, step.impairment)
        links.apply(step.link, imp, ctx.where())
    except (LabError, ImpairmentError) as err:
        ctx.error("impair", f"link '{step.link}': {err}")
    touched = _touched(ctx)
    old = touched.get(step.link)
    if old is not None:
        old.cancel()
    timer = None
    if step.duration is not None:
        seconds = ctx.seconds(step.duration, 0.0)
        timer = threading.Timer(seconds, links.clear, args=(step.link, f"{ctx.where()}: for {seconds} s"))
        timer.daemon = True
        timer.start()
    touched[step.link] = timer
    _note(ctx, f"impair {step.link}: {step.profile or imp.describe()}"
               + (f" for {step.duration} s" if step.duration is not None else ""))


def run_clear(ctx: StepContext, step: ClearImpairmentStep) -> None:
    links = _links(ctx, step.link)
    timer = _touched(ctx).pop(step.link, None)
    if timer is not None:
        timer.cancel()
    try:
        links.clear(step.link, ctx.where())
    except LabError as err:
        ctx.error("clear-impairment", f"link '{step.link}': {err}")
    _note(ctx, f"clear {step.link}")


def _bounded(ctx: StepContext, value, what: str) -> float:
    seconds = ctx.seconds(value, 0.0)
    if seconds > ctx.remaining():
        ctx.error(what, f"{what} of {seconds} s outlasts the guard timer ({ctx.remaining():.1f} s left)")
    return seconds


def _mark(ctx: StepContext, seconds: float) -> None:
    """A break a recovery step measures from (who 'link'); its objectives checked before breaking."""
    missing = missing_objectives(ctx)
    if missing:
        ctx.error("recovery.pixit", "the lab profile declares no PIXIT for the recovery objective(s) "
                  f"{', '.join(missing)}: the harness has no default objectives (add them under pixit:, in ms)")
    marks(ctx).append(RestartMark("link", time.time(), time.monotonic(), seconds))


def run_flap(ctx: StepContext, step: LinkFlapStep) -> None:
    links = _links(ctx, step.link)
    seconds = _bounded(ctx, step.down_for, "link-flap")
    _touched(ctx).setdefault(step.link, None)
    _mark(ctx, seconds)
    try:
        links.flap(step.link, seconds, ctx.where())
    except LabError as err:
        ctx.error("link-flap", f"link '{step.link}': {err}")
    ctx.add_idle(seconds)
    _note(ctx, f"link-flap {step.link}: down {seconds} s")


def run_partition(ctx: StepContext, step: PartitionStep) -> None:
    links = _links(ctx, step.link)
    seconds = _bounded(ctx, step.duration, "partition")
    _touched(ctx).setdefault(step.link, None)
    _mark(ctx, seconds)
    try:
        links.partition(step.link, seconds, ctx.where())
    except LabError as err:
        ctx.error("partition", f"link '{step.link}': {err}")
    ctx.add_idle(seconds)
    _note(ctx, f"partition {step.link}: {seconds} s")


register_executor(ImpairStep, run_impair)
register_executor(ClearImpairmentStep, run_clear)
register_executor(LinkFlapStep, run_flap)
register_executor(PartitionStep, run_partition)
