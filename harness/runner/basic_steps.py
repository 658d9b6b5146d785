"""Executors of the steps every interface shares: trigger, wait, save, repeat, preamble.

A trigger asks the DUT adapter to act (whatever goes wrong there is the lab's:
ERROR); wait pauses within the guard timer. In observe mode both are the
tester's business and are skipped; save and repeat do no I/O and run as live.
"""

from __future__ import annotations

import time

from harness.runner.adapters import TriggerError
from harness.runner.context import StepContext
from harness.runner.registry import register_executor
from harness.spec.model import PreambleStep, RepeatStep, SaveStep, TriggerStep, WaitStep


def run_trigger(ctx: StepContext, step: TriggerStep) -> None:
    if ctx.adapter is None:
        ctx.error("trigger", f"no DUT adapter to perform '{step.action}'")
    timeout = ctx.seconds(step.timeout, ctx.timers.trigger)
    try:
        ctx.adapter.trigger(step.action, ctx.resolve(dict(step.params)), step.prompt,
                            min(timeout, max(ctx.remaining(), 0.0)))
    except TriggerError as err:
        ctx.error("trigger", str(err))


def run_wait(ctx: StepContext, step: WaitStep) -> None:
    pause = max(0.0, min(ctx.seconds(step.seconds, 0.0), ctx.remaining()))
    time.sleep(pause)
    ctx.add_idle(pause)


def run_save(ctx: StepContext, step: SaveStep) -> None:
    ctx.vars.update(ctx.resolve(dict(step.variables)))


def run_repeat(ctx: StepContext, step: RepeatStep) -> None:
    for _ in range(int(ctx.resolve(step.count))):
        ctx.run_steps(step.steps)


def run_preamble(ctx: StepContext, step: PreambleStep) -> None:
    """Steps marked `precondition: true`: a FAIL among them is INCONC (see StepContext.add)."""
    ctx.preamble += 1
    try:
        ctx.run_steps(step.steps)
    finally:
        ctx.preamble -= 1


register_executor(TriggerStep, run_trigger)
register_executor(WaitStep, run_wait)
register_executor(SaveStep, run_save, pure=True)
register_executor(RepeatStep, run_repeat, pure=True)
register_executor(PreambleStep, run_preamble, pure=True)
