"""The public step API: what a step executor receives, and what it may do.

Theory of operation: the runner walks a test case's steps; for each one it
looks up the step type's executor in one table (harness/runner/registry.py)
and calls ``execute(ctx, step)``. The `StepContext` is the executor's whole
world: it records findings (with the spec clause and the step's location),
resolves ``${variables}``, reads timers, appends evidence to the exchange,
and hands out the interface's own environment (``ctx.env``: an `E2Env`,
`HttpEnv` or `MplaneEnv`). An executor never touches the runner itself.

The same table serves two modes. ``live``: the executors talk to the DUT.
``observe``: a capture stands in for the DUT and the harness; the step
types' observe executors read it through ``ctx.capture`` (a cursor the
capture analyser provides), on capture time.

Invariants: verdicts only worsen (the `VerdictKeeper`); recording a FAIL or
ERROR ends the steps (`StepStop`), since later steps depend on earlier ones;
every finding names its clause (the step's, else the test case's reference)
and the step it came from.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, NoReturn, Protocol, overload

from harness.core.errors import HarnessError
from harness.runner.exchange import Exchange
from harness.spec import vars as variables_mod
from harness.spec.model import ExpectStep
from harness.core.verdict import Finding, Verdict, VerdictKeeper

LIVE = "live"
OBSERVE = "observe"


class StepStop(HarnessError):
    """Ends the steps after a finding that stops them (FAIL, ERROR, or an INCONC asked to stop)."""


@dataclass
class Timers:
    """Default timers, seconds: a step without its own timer uses these."""

    expect: float = 5.0
    guard: float = 30.0
    trigger: float = 30.0


class InterfaceEnv(Protocol):
    """An interface's own environment (E2Env, HttpEnv, MplaneEnv).

    It may offer ``variables() -> dict``: the ``${variables}`` it provides to
    every test case (the A1 URLs, for instance).
    """


@dataclass
class RunEnv:
    """What a test case runs against; the session builds one per test case.

    Attributes:
        interface: the interface's own environment (E2Env, HttpEnv, MplaneEnv), read by its executors
            as ``ctx.env``; None when the run needs none (a capture analysis with no set-up).
        adapter: how `trigger` steps make the DUT act (None: no adapter; a trigger is then an ERROR).
        templates: message template name -> harness.spec.model.Template.
        timers: default timers.
        pixit: the lab's PIXIT overrides.
        recorder: called with every exchange entry (the pcapng evidence).
        step_listeners: called with a StepEvent at each step's start and end (allure steps).
        links: the lab's named links (harness.impair.links.LabLinks) for the impairment steps; None: none.
    """

    interface: Any = None
    adapter: Any = None
    templates: dict = field(default_factory=dict)
    timers: Timers = field(default_factory=Timers)
    pixit: dict = field(default_factory=dict)
    recorder: Any = None
    step_listeners: list = field(default_factory=list)
    links: Any = None              # harness.impair.links.LabLinks: the lab's named links (impairment steps)


def where(step: Any) -> str:
    """'expect E2setupResponse (specs/x.yaml:12)': the step, as a lab engineer finds it."""
    if isinstance(step, ExpectStep):
        what = " or ".join(step.messages) or "nothing"
    else:
        what = getattr(step, "message", "") or getattr(step, "action", "") or \
            f"{getattr(step, 'method', '')} {getattr(step, 'path', '')}".strip()   # HTTP steps
    return f"{step.kind} {what} ({_relative(step.where)})".replace("  ", " ")


def _relative(at: Any) -> str:
    try:
        return f"{os.path.relpath(at.file)}:{at.line}"
    except ValueError:
        return str(at)


class StepContext:
    """What an executor gets with its step: findings, variables, timers, evidence, the interface.

    Attributes:
        testcase: the test case being run (its reference, ignore list, ...).
        env: the interface's own environment (``RunEnv.interface``).
        run_env: the whole RunEnv (adapter, templates, timers, PIXIT).
        mode: ``"live"`` or ``"observe"``.
        capture: in observe mode, the capture cursor the analyser provides (None live).
        vars: the test case's ``${variables}``; executors save into it.
        exchange: the evidence; executors append what they send and read.
        keeper: the verdict so far (read it; record through the methods below).
        step: the step being executed (None between steps and in finishers).
    """

    def __init__(self, testcase: Any, run_env: RunEnv, *, mode: str = LIVE, capture: Any = None,
                 run_steps: Callable[[Iterable], None] | None = None) -> None:
        self.testcase = testcase
        self.run_env = run_env
        self.env = run_env.interface
        self.mode = mode
        self.capture = capture
        self.keeper = VerdictKeeper()
        self.exchange = Exchange(run_env.recorder)
        self.vars: dict = {}
        self.step: Any = None
        self.deadline = float("inf")
        self.idle = 0.0
        self.figures: list = []          # RecoveryFigure... (harness/runner/recovery.py)
        self._finishers: list[Callable[[], None]] = []
        self._late_finishers: list[Callable[[], None]] = []
        self._state: dict = {}
        self._run_steps = run_steps
        self.preamble = 0          # > 0 while a `precondition: true` step runs: its FAILs become INCONC

    # ------------------------------------------------------------------ the run's settings
    @property
    def timers(self) -> Timers:
        return self.run_env.timers

    @property
    def adapter(self) -> Any:
        return self.run_env.adapter

    @property
    def templates(self) -> dict:
        return self.run_env.templates

    @property
    def observing(self) -> bool:
        return self.mode == OBSERVE

    # ------------------------------------------------------------------ findings
    def where(self, step: Any = None) -> str:
        """The location label of ``step`` (default: the current step) for evidence entries."""
        step = step if step is not None else self.step
        return where(step) if step is not None else "after the last step"

    def clause(self, step: Any = None) -> str:
        """The clause a finding cites by default: the step's, else the test case's reference."""
        step = step if step is not None else self.step
        return getattr(step, "clause", "") or str(self.testcase.reference)

    def make(self, verdict: Verdict, check: str, message: str, **kw: Any) -> Finding:
        """A Finding at the current step with the default clause, not yet recorded.

        ``step=`` names another step than the current one; ``clause=`` overrides the clause.
        """
        step = kw.pop("step", None) or self.step
        clause = kw.pop("clause", None) or self.clause(step)
        return Finding(verdict, check, message, clause=clause, step=where(step) if step is not None else None, **kw)

    def finding(self, verdict: Verdict, check: str, message: str, *, rule: bool = False, **kw: Any) -> None:
        """Record one finding (see `make` for the keywords); a FAIL or ERROR stops the steps.

        ``rule=True``: the finding judges a protocol rule every message must keep (a PDU that
        does not decode, a wrong PPID, the protocol monitor's checks), not the test purpose, so a
        DUT's violation is FAIL even inside a preamble (`precondition: true`).
        """
        self.add(self.make(verdict, check, message, **kw), rule=rule)

    def pass_(self, check: str, message: str, **kw: Any) -> None:
        """Record a PASS: a check that held."""
        self.finding(Verdict.PASS, check, message, **kw)

    @overload
    def inconc(self, check: str, message: str, *, stop: Literal[True], **kw: Any) -> NoReturn: ...

    @overload
    def inconc(self, check: str, message: str, *, stop: bool = False, **kw: Any) -> None: ...

    def inconc(self, check: str, message: str, *, stop: bool = False, **kw: Any) -> None:
        """Record an INCONC (nothing can be said about the DUT); ``stop=True`` ends the steps."""
        self.finding(Verdict.INCONC, check, message, **kw)
        if stop:
            raise StepStop

    def fail(self, check: str, message: str, *, rule: bool = False, **kw: Any) -> NoReturn:
        """Record a FAIL (the DUT broke the spec) and end the steps (``rule``: see `finding`)."""
        self.finding(Verdict.FAIL, check, message, rule=rule, **kw)
        raise StepStop   # not reached: finding() stops on a FAIL

    def error(self, check: str, message: str, **kw: Any) -> NoReturn:
        """Record an ERROR (the spec, the lab or the harness broke) and end the steps."""
        self.finding(Verdict.ERROR, check, message, **kw)
        raise StepStop   # not reached

    def _unmet(self, finding: Finding) -> Finding:
        """In a preamble, a FAIL says the set-up did not happen, not that the DUT broke the test purpose."""
        if self.preamble and finding.verdict == Verdict.FAIL:
            return dataclasses.replace(finding, verdict=Verdict.INCONC,
                                       message=f"precondition not met: {finding.message}")
        return finding

    def add(self, finding: Finding, *, rule: bool = False) -> None:
        """Record a prepared finding as it is; a FAIL or ERROR stops the steps.

        In a preamble (`precondition: true`) a FAIL is recorded as INCONC, and still stops the steps.
        """
        stops = finding.verdict >= Verdict.FAIL
        self.keeper.add(finding if rule else self._unmet(finding))
        if stops:
            raise StepStop

    def add_all(self, findings: Iterable[Finding], *, stop: bool = True, rule: bool = False) -> None:
        """Record every finding (all the problems at once), then stop if any is a FAIL or worse.

        ``stop=False`` records them without stopping (the caller adds more, then calls `stop`).
        ``rule=True``: the findings judge protocol rules (see `finding`): FAIL even in a preamble.
        """
        findings = list(findings)
        for f in findings:
            self.keeper.add(f if rule else self._unmet(f))
        if stop and any(f.verdict >= Verdict.FAIL for f in findings):
            raise StepStop

    def stop(self) -> NoReturn:
        """End the steps now (after recording why)."""
        raise StepStop

    # ------------------------------------------------------------------ values and timers
    def resolve(self, value: Any) -> Any:
        """``value`` with its ``${variables}`` substituted; an unknown variable is an ERROR."""
        try:
            return variables_mod.substitute(value, self.vars)
        except variables_mod.VariableError as err:
            self.error("spec.variable", str(err))

    def seconds(self, value: Any, default: float) -> float:
        """A timer value in seconds (``default`` when None); not a number is an ERROR."""
        value = default if value is None else self.resolve(value)
        try:
            seconds = float(value)
        except (TypeError, ValueError, OverflowError):
            self.error("spec.timer", f"timer {value!r} is not a number of seconds")
        if not math.isfinite(seconds):       # min(nan, remaining) is nan: the guard timer would not hold
            self.error("spec.timer", f"timer {value!r} is not a finite number of seconds")
        return seconds

    def remaining(self) -> float:
        """Seconds left on the test case's guard timer (infinite in observe mode: capture time rules)."""
        return self.deadline - time.monotonic()

    def timer(self, value: Any, default: float) -> float:
        """A step's timer (``value`` or ``default``), cut to what the guard timer leaves."""
        return min(self.seconds(value, default), max(self.remaining(), 0.0))

    def add_idle(self, seconds: float) -> None:
        """Count time spent waiting on purpose (wait steps, 'expect nothing' timers)."""
        self.idle += seconds

    # ------------------------------------------------------------------ executor state
    def state(self, key: str, make: Callable[[], Any]) -> Any:
        """Per-run state of an interface's executors (made on first use, kept for the test case)."""
        if key not in self._state:
            self._state[key] = make()
        return self._state[key]

    def add_finisher(self, finish: Callable[[], None], *, last: bool = False) -> None:
        """Run ``finish()`` once after the steps, whatever their outcome (clean-up, late evidence).

        ``last=True``: after every other finisher (collecting background triggers, which may need the
        interfaces' finishers to answer what the DUT sent first).
        """
        (self._late_finishers if last else self._finishers).append(finish)

    def run_steps(self, steps: Iterable) -> None:
        """Execute nested steps (a `repeat` step's body) with the same context."""
        if self._run_steps is None:
            raise RuntimeError("this StepContext runs no steps")
        self._run_steps(steps)

    def finish(self) -> None:
        """Run the finishers (the runner calls this once)."""
        self.step = None
        for finish in [*self._finishers, *self._late_finishers]:
            try:
                finish()
            except StepStop:
                pass
