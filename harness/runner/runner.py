"""Execute one test case: its steps, timers and checks, with evidence.

Theory of operation: the runner walks the test case's steps in order and hands
each to its executor from the step table (harness/runner/registry.py) with one
`StepContext` (harness/runner/context.py) -- the public step API through which
executors record findings, resolve variables, read timers and add evidence.
Checks produce `Finding`s into a `VerdictKeeper`, whose verdict only gets
worse. The first FAIL or ERROR stops the steps: later steps depend on earlier
ones.

Two modes, one table. ``live``: the executors act on the DUT; every step is
bounded by the test's guard timer, so a silent DUT never hangs a lab queue; a
test case that checked nothing is an ERROR. ``observe``: a capture stands in
for the DUT and the harness (``capture``, a cursor the analyser provides);
capture time is the clock, and a test case the capture let nobody check is
INCONC, not a pass.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness.runner import basic_steps  # noqa: F401 -- registers trigger, wait, save, repeat
from harness.runner import impair_steps  # noqa: F401 -- registers impair, clear-impairment, link-flap, partition
from harness.runner import recovery  # noqa: F401 -- registers restart
from harness.runner.context import (
    LIVE,
    OBSERVE,
    RunEnv,
    StepContext,
    StepStop,
    Timers,
    where,
)
from harness.runner.exchange import Exchange
from harness.runner.registry import executor_for, register_executor, register_observer
from harness.spec.model import TestCase
from harness.core.verdict import Finding, Verdict

__all__ = [
    "LIVE",
    "OBSERVE",
    "RunEnv",
    "Runner",
    "StepEvent",
    "TestResult",
    "Timers",
    "register_executor",
    "register_observer",
    "run_testcase",
    "where",
]


@dataclass(frozen=True)
class StepEvent:
    """A step starting or ending, for reporters (one allure step per spec step)."""

    phase: str                 # 'start' | 'end'
    label: str                 # 'expect E2setupResponse (specs/x.yaml:12)'
    kind: str                  # 'send' | 'expect' | ...
    verdict: Verdict | None    # at 'end': the worst finding the step recorded (None: none)
    findings: tuple = ()       # at 'end': the findings the step recorded
    messages: tuple = ()       # at 'end': the exchange entries the step sent or received (allure attaches them)


@dataclass
class TestResult:
    testcase: TestCase
    verdict: Verdict
    findings: list
    exchange: Exchange
    started: float
    duration: float
    variables: dict
    idle: float = 0.0          # seconds spent waiting on purpose (wait steps, 'expect: nothing' timers)
    association: Any = None    # observe mode: which part of the capture the test case was judged on
    packets: dict = field(default_factory=dict)   # observe mode: exchange entry index -> capture packet numbers
    recovery: tuple = ()       # RecoveryFigure... the recovery checks measured (harness/runner/recovery.py)


class Runner:
    """Runs one test case's steps, live or over a capture.

    Args:
        testcase: the test case.
        env: what it runs against (``env.interface``: the interface's own environment).
        mode: ``"live"`` or ``"observe"``.
        capture: observe mode: the capture cursor; it has ``kind`` ('e2', 'http'), choosing the
            observe executors, and ``start``, the capture time the test case starts at.
        variables: extra ``${variables}`` (in observe mode, the URLs the capture shows).
    """

    def __init__(self, testcase: TestCase, env: RunEnv, *, mode: str = LIVE, capture: Any = None,
                 variables: dict | None = None) -> None:
        if mode not in (LIVE, OBSERVE):
            raise ValueError(f"runner mode {mode!r}: expected {LIVE!r} or {OBSERVE!r}")
        self.tc = testcase
        self.env = env
        self.mode = mode
        self.capture = capture
        self.ctx = StepContext(testcase, env, mode=mode, capture=capture, run_steps=self._steps)
        for p in testcase.pixit:
            self.ctx.vars[p.name] = env.pixit.get(p.name, p.default)
        for name, value in env.pixit.items():       # the lab's PIXIT (nothing_window, policy bodies, ...)
            self.ctx.vars.setdefault(name, value)
        self.ctx.vars.setdefault("nothing_window", nothing_window(env.pixit))
        provided = getattr(env.interface, "variables", None)
        if callable(provided):
            self.ctx.vars.update(provided())
        self.ctx.vars.update(variables or {})
        self._guard_s = env.timers.guard

    # ------------------------------------------------------------------ run
    def run(self) -> TestResult:
        ctx = self.ctx
        started = time.time() if self.mode == LIVE else getattr(self.capture, "start", 0.0)
        t0 = time.monotonic()
        if self.mode == LIVE:
            ctx.deadline = t0 + self._guard_s
        try:
            if self.mode == LIVE and self.tc.guard is not None:
                self._guard_s = ctx.seconds(self.tc.guard, self.env.timers.guard)
                ctx.deadline = t0 + self._guard_s
            self._steps(self.tc.steps)
        except StepStop:
            pass
        except Exception as err:  # noqa: BLE001 -- a harness bug must still give a verdict, with its evidence
            what = "harness" if self.mode == LIVE else "analysis"
            ctx.keeper.add(Finding(Verdict.ERROR, "harness.internal",
                                   f"the {what} failed: {type(err).__name__}: {err}"))
        ctx.finish()
        keeper = ctx.keeper
        if self.mode == LIVE:
            if keeper.checks == 0 and keeper.verdict < Verdict.ERROR:
                keeper.add(Finding(Verdict.ERROR, "no-check", "the test case evaluated no check; that is not a pass"))
            verdict = keeper.final()
        else:
            if keeper.checks == 0 and keeper.verdict < Verdict.ERROR:
                keeper.add(Finding(Verdict.INCONC, "observe.nothing",
                                   "nothing in the capture could be checked for this test case"))
            verdict = keeper.final() if keeper.checks else Verdict.INCONC
        idle = ctx.idle if self.mode == LIVE else 0.0       # observe: nobody waited
        return TestResult(self.tc, verdict, list(keeper.findings), ctx.exchange, started, time.monotonic() - t0,
                          dict(ctx.vars), idle, recovery=tuple(ctx.figures))

    def _steps(self, steps) -> None:
        ctx = self.ctx
        kind = getattr(self.capture, "kind", None)
        for step in steps:
            outer, ctx.step = ctx.step, step
            mark = self._announce("start", step, len(ctx.keeper.findings))
            try:
                if self.mode == LIVE and ctx.remaining() <= 0:
                    ctx.fail("guard-timer",
                             f"the guard timer expired before this step ({self._guard_s:g} s for the test case)")
                execute = executor_for(type(step), self.mode, kind)
                if execute is None:
                    ctx.error("spec.step", f"unknown step {type(step).__name__}")
                execute(ctx, step)
            finally:
                self._announce("end", step, mark)
                ctx.step = outer

    def _announce(self, phase: str, step, mark: int) -> int:
        """Tell the step listeners (allure steps) a step starts or ends, with its findings."""
        if self.env.step_listeners:
            findings = tuple(self.ctx.keeper.findings[mark:]) if phase == "end" else ()
            worst = max((f.verdict for f in findings), default=None)
            label = where(step)
            messages = tuple(e for e in self.ctx.exchange.entries if getattr(e, "step", None) == label) \
                if phase == "end" else ()
            event = StepEvent(phase, label, getattr(step, "kind", type(step).__name__), worst, findings, messages)
            for listener in self.env.step_listeners:
                listener(event)
        return mark


NOTHING_PERIODS = 3          # 'expect: nothing' listens this many reporting periods by default


def nothing_window(pixit: dict) -> float:
    """Seconds an `expect: nothing` listens (``${nothing_window}``): the lab PIXIT ``nothing_window``,
    else NOTHING_PERIODS times the PIXIT reporting period ``period_ms`` (default 100 ms)."""
    if "nothing_window" in pixit:
        return pixit["nothing_window"]
    return NOTHING_PERIODS * float(pixit.get("period_ms", 100)) / 1000


def run_testcase(testcase: TestCase, env: RunEnv) -> TestResult:
    """Run one test case live and return its verdict, findings and evidence."""
    return Runner(testcase, env).run()
