"""Executors of the steps every interface shares: trigger, wait, save, repeat, preamble.

A trigger asks the DUT adapter to act (whatever goes wrong there is the lab's:
ERROR); a lab command or operator prompt runs beside the next steps and is
collected before the test case ends (harness/runner/adapters.py); wait
pauses within the guard timer. In observe mode both are the tester's business
and are skipped; save and repeat do no I/O and run as live.
"""

from __future__ import annotations

import time

from harness.core.verdict import Verdict
from harness.runner.adapters import RunningTrigger, TriggerError, runs_in_background
from harness.runner.context import StepContext
from harness.runner.registry import register_executor
from harness.spec.model import PreambleStep, RepeatStep, SaveStep, TriggerStep, WaitStep


def run_trigger(ctx: StepContext, step: TriggerStep) -> None:
    """Ask the adapter to make the DUT act; a lab command or an operator prompt runs in the background.

    A background trigger must not block: the DUT may call the harness back while the command still
    runs, and only the next steps (expect-request, expect) can answer it. It is collected, and its
    failure judged (ERROR: the lab's side), after every other finisher of the test case.
    """
    if ctx.adapter is None:
        ctx.error("trigger", f"no DUT adapter to perform '{step.action}'")
    own = getattr(ctx.adapter, "prompt_timeout", None)     # an operator's time: the lab profile's prompt_timeout
    timeout = own or min(ctx.seconds(step.timeout, ctx.timers.trigger), max(ctx.remaining(), 0.0))
    params = ctx.resolve(dict(step.params))
    if runs_in_background(ctx.adapter):
        running = RunningTrigger(ctx.adapter, step.action, params, step.prompt, timeout)
        _triggers(ctx).append((running, step))
        return
    try:
        ctx.adapter.trigger(step.action, params, step.prompt, timeout)
    except TriggerError as err:
        ctx.error("trigger", str(err))


def _triggers(ctx: StepContext) -> list:
    """The test case's background triggers, (RunningTrigger, step); made with their finisher."""
    def make() -> list:
        running: list = []
        ctx.add_finisher(lambda: _collect(ctx, running), last=True)
        return running
    return ctx.state("triggers", make)


def _collect(ctx: StepContext, running: list) -> None:
    """Wait for every background trigger (bounded by its timeout); each failure is an ERROR at its step."""
    problems = []
    for trigger, step in running:
        why = trigger.collect()
        if why is not None:
            note = " (the FAIL above may follow from it)" if ctx.keeper.verdict >= Verdict.FAIL else ""
            problems.append(ctx.make(Verdict.ERROR, "trigger", why + note, step=step))
    ctx.add_all(problems, rule=True)


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
