"""The public step API: an executor written against StepContext alone, live and in observe mode."""

from __future__ import annotations

from dataclasses import dataclass

from harness.runner.registry import register_executor, register_observer
from harness.runner.runner import OBSERVE, RunEnv, Runner, run_testcase
from harness.spec import model
from harness.spec.model import Reference, SaveStep, TriggerStep, Where
from harness.core.verdict import Verdict


@dataclass(frozen=True)
class ProbeStep:
    """A step type of a made-up interface: checks that ${value} equals ``want``."""

    want: str
    where: Where
    clause: str = ""
    kind: str = "probe"
    message: str = "probe"


@dataclass
class ProbeEnv:
    seen: list

    def variables(self) -> dict:
        return {"value": "42"}


def run_probe(ctx, step: ProbeStep) -> None:
    got = ctx.resolve("${value}")
    ctx.env.seen.append(got)
    if got != step.want:
        ctx.fail("probe.value", f"value is {got}, expected {step.want}", expected=step.want, observed=got)
    ctx.pass_("probe.value", f"value is {got}")


def observe_probe(ctx, step: ProbeStep) -> None:
    ctx.capture.read.append(step.want)
    ctx.inconc("probe.observed", "the capture shows no probe", stop=True)


@dataclass
class ProbeCapture:
    read: list
    kind: str = "probe"
    start: float = 1000.0


register_executor(ProbeStep, run_probe)
register_observer(ProbeStep, "probe", observe_probe)


def _case(*steps) -> model.TestCase:
    return model.TestCase("X-v1:1", "probe", Reference("X", "v1", "1"), "dut.probe", "dut", "tester", "optional", None,
                    (), (), tuple(steps), (), (), None, (), Where("x.yaml", 1))


def _probe(want: str, line: int) -> ProbeStep:
    return ProbeStep(want, Where("x.yaml", line))


def test_an_executor_gets_variables_and_records_findings_at_its_step():
    env = ProbeEnv([])
    result = run_testcase(_case(_probe("42", 3)), RunEnv(env))
    assert result.verdict == Verdict.PASS
    assert env.seen == ["42"]
    f = result.findings[0]
    assert (f.check, f.clause, f.step) == ("probe.value", "X-v1:1", "probe probe (x.yaml:3)")


def test_a_fail_stops_the_steps():
    env = ProbeEnv([])
    result = run_testcase(_case(_probe("7", 3), _probe("42", 4)), RunEnv(env))
    assert result.verdict == Verdict.FAIL
    assert env.seen == ["42"]                       # the second probe never ran
    assert result.findings[-1].message == "value is 42, expected 7"


def test_observe_mode_uses_the_observer_and_skips_what_it_cannot_observe():
    capture = ProbeCapture([])
    trigger = TriggerStep("do-it", {}, "", None, Where("x.yaml", 2))
    save = SaveStep({"saved": "${value}"}, Where("x.yaml", 3))
    result = Runner(_case(trigger, save, _probe("1", 4), _probe("2", 5)), RunEnv(ProbeEnv([])), mode=OBSERVE,
                    capture=capture).run()
    assert capture.read == ["1"]                    # stopped by the INCONC
    assert result.variables["saved"] == "42"        # save is pure: it ran in observe mode too
    assert result.verdict == Verdict.INCONC
    assert result.started == 1000.0                 # capture time
    assert [f.check for f in result.findings] == ["probe.observed"]


def test_an_unknown_variable_is_an_error_naming_it():
    result = run_testcase(_case(_probe("42", 3)), RunEnv(None))
    assert result.verdict == Verdict.ERROR
    assert result.findings[0].check == "spec.variable"
    assert "value" in result.findings[0].message
