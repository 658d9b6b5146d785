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
from collections.abc import Callable

from harness.core.errors import LabError
from harness.impair.links import LabLinks
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


def _mark(ctx: StepContext, seconds: float, link: str) -> None:
    """A break a recovery step measures from (who 'link'); its objectives checked before breaking."""
    missing = missing_objectives(ctx)
    if missing:
        ctx.error("recovery.pixit", "the lab profile declares no PIXIT for the recovery objective(s) "
                  f"{', '.join(missing)}: the harness has no default objectives (add them under pixit:, in ms)")
    marks(ctx).append(RestartMark("link", time.time(), time.monotonic(), seconds, link))


def _break(ctx: StepContext, kind: str, link: str, value,
           act: Callable[[LabLinks, float], threading.Timer | None]) -> float:
    """Link-flap and partition: bounded by the guard timer, marked, then ``act`` on the link.

    ``act`` blocks for the break and returns None (the step idles that long), or returns at once
    with the timer that ends the break (partition ``wait: false``): the link's timer then, which
    the finisher cancels so the test case never leaves the path cut.
    """
    links = _links(ctx, link)
    seconds = _bounded(ctx, value, kind)
    touched = _touched(ctx)
    touched.setdefault(link, None)
    _mark(ctx, seconds, link)
    try:
        timer = act(links, seconds)
    except LabError as err:
        ctx.error(kind, f"link '{link}': {err}")
    if timer is not None:
        old = touched.get(link)
        if old is not None:
            old.cancel()
        touched[link] = timer
    else:
        ctx.add_idle(seconds)
    return seconds


def run_flap(ctx: StepContext, step: LinkFlapStep) -> None:
    seconds = _break(ctx, "link-flap", step.link, step.down_for,
                     lambda links, s: links.flap(step.link, s, ctx.where()))
    _note(ctx, f"link-flap {step.link}: down {seconds} s")


def run_partition(ctx: StepContext, step: PartitionStep) -> None:
    seconds = _break(ctx, "partition", step.link, step.duration,
                     lambda links, s: links.partition(step.link, s, ctx.where(), block=step.wait))
    _note(ctx, f"partition {step.link}: {seconds} s" + ("" if step.wait else " (the steps go on meanwhile)"))


register_executor(ImpairStep, run_impair)
register_executor(ClearImpairmentStep, run_clear)
register_executor(LinkFlapStep, run_flap)
register_executor(PartitionStep, run_partition)
