"""The impairment steps: strict reading with file:line, refusal before the run, and execution on a relay."""

import time

import pytest

from harness.core.verdict import Verdict
from harness.impair.links import LabLinks, LinkSpec
from harness.impair.model import Impairment
from harness.profiles.paths import check_steps, load_path, load_paths
from harness.profiles.schema import LAB_SCHEMA, check
from harness.runner.context import RunEnv
from harness.runner.context import StepContext as Ctx
from harness.runner.registry import executor_for
from harness.runner.context import StepStop
from harness.spec.errors import ProfileError, SpecError
from harness.spec.impair_steps import IMPAIR_KINDS, ImpairStep, PartitionStep
from harness.spec.model import Reference
from harness.spec.steps import StepContext, read_steps
from harness.spec.yamlload import load_text
from tests.impair.support import UdpSink


def steps(text: str):
    data, source = load_text(text, "t.yaml")
    return read_steps(data, source, 1, StepContext({}, {}, {}, kinds=dict(IMPAIR_KINDS)))


def error(text: str) -> str:
    with pytest.raises(SpecError) as err:
        steps(text)
    return f"{err.value.where}: {err.value.message}"


def test_steps_read():
    got = steps("- impair: {link: e2, profile: geo-satellite}\n- impair: {link: a1, delay_ms: 50, for: 2}\n"
                "- clear-impairment: e2\n- link-flap: {link: e2, down_for: 1.5}\n- partition: {link: e2, for: 3}\n")
    assert [s.kind for s in got] == ["impair", "impair", "clear-impairment", "link-flap", "partition"]
    assert got[1] == ImpairStep("a1", None, Impairment(delay_ms=50), 2, got[1].where)
    assert isinstance(got[4], PartitionStep) and got[4].duration == 3 and str(got[4].where) == "t.yaml:5"


@pytest.mark.parametrize(("text", "message"), [
    ("- impair: {link: e2, delay: 5}", "t.yaml:1: unknown key 'delay' in impair step (did you mean delay_ms?)"),
    ("- impair: {link: e2}", "t.yaml:1: impair step has neither profile: NAME nor an impairment field"),
    ("- impair: {link: e2,\n    loss: 2}", "t.yaml:2: loss must be a probability between 0 and 1, not 2"),
    ("- impair: {link: e2, profile: x, loss: 0.1}", "t.yaml:1: 'loss' beside profile 'x'"),
    ("- partition: {link: e2}", "t.yaml:1: partition step has no 'for'"),
    ("- link-flap: {link: e2, down_for: -1}", "t.yaml:1: 'down_for' must be more than 0 seconds, not -1"),
    ("- impair: {link: e2, delay_ms: .nan}", "t.yaml:1: '.nan' is not a finite number"),
])
def test_step_errors_name_file_and_line(text, message):
    assert error(text).startswith(message)


def _links(sink=None):
    specs = {"e2": LinkSpec("e2", "udp-relay", ("127.0.0.1", 0), sink.address if sink else ("127.0.0.1", 9)),
             "a1": LinkSpec("a1", "tcp-relay", ("127.0.0.1", 0), ("127.0.0.1", 9)),
             "fh": LinkSpec("fh", "netem", dev="lo")}
    return LabLinks(specs, load_paths())


def test_refused_before_the_run():
    links = _links()
    with pytest.raises(SpecError, match=r"^t.yaml:1: partition: unknown link 'e3' \(the lab profile's links: a1, e2"):
        check_steps(steps("- partition: {link: e3, for: 1}"), links)
    with pytest.raises(SpecError, match="unknown path profile 'moon-relay'"):
        check_steps(steps("- impair: {link: e2, profile: moon-relay}"), links)
    with pytest.raises(SpecError, match="relays a TCP byte stream: loss"):
        check_steps(steps("- impair: {link: a1, profile: lossy-microwave}"), links)
    with pytest.raises(SpecError, match="the lab profile has no links"):
        check_steps(steps("- clear-impairment: e2"), None)
    try:
        check_steps(steps("- impair: {link: fh, delay_ms: 5}"), links)
    except SpecError as err:
        assert "sch_netem" in err.message and str(err.where) == "t.yaml:1"
    check_steps(steps("- impair: {link: e2, profile: geo-satellite}\n- partition: {link: a1, for: 1}"), links)


def test_lab_profile_links_schema():
    def lab(text):
        data, source = load_text(text, "lab.yaml", ProfileError)
        check(data, LAB_SCHEMA, source)
    lab("links:\n  e2: {relay: udp, listen: 127.0.0.1:39900, upstream: 127.0.0.1:9900}\n"
        "  fh: {mechanism: netem, dev: eth1}\n")
    for text, message in [
        ("links:\n  e2: {relay: sctp, upstream: 127.0.0.1:1}\n", "lab.yaml:2: 'links.e2.relay' is 'sctp', not one of"),
        ("links:\n  e2: {relay: udp}\n", "lab.yaml:2: 'links.e2' is a relay and needs upstream"),
        ("links:\n  e2: {relay: udp, upstream: x, dev: a}\n", "lab.yaml:2: 'links.e2.upstream' not an address"),
        ("links:\n  e2:\n    mechanism: netem\n    devv: eth0\n", "lab.yaml:4: unknown key 'links.e2.devv'"),
    ]:
        with pytest.raises(ProfileError) as err:
            lab(text)
        assert f"{err.value.where}: {err.value.message}".startswith(message), err.value.message


def test_path_profiles_state_their_source(tmp_path):
    for name in ("submarine-long-haul", "geo-satellite", "lossy-microwave"):
        got, imp, info = load_path(f"fixtures/profiles/paths/{name}.yaml")
        assert got == name and info["source"]["reference"] and info["rtt_ms"] > 0
        assert abs(2 * imp.delay_ms - info["rtt_ms"]) <= 10 or name == "lossy-microwave"
    bad = tmp_path / "x.yaml"
    bad.write_text("name: x\nrtt_ms: 5\nsource: {reference: r}\nimpairment:\n  delay_ms: 5\n  loss: 3\n")
    with pytest.raises(ProfileError) as err:
        load_path(bad)
    assert str(err.value.where).endswith("x.yaml:6") and "loss must be a probability" in err.value.message
    bad.write_text("name: x\nrtt_ms: 5\nimpairment: {delay_ms: 5}\n")
    with pytest.raises(ProfileError, match="path profile has no 'source'"):
        load_path(bad)


def _relay_case():
    """A UDP sink behind link e2's relay, and a test case's step context (30 s guard) using it."""
    sink = UdpSink()
    links = _links(sink)
    tc = type("TC", (), {"id": "T1", "reference": Reference("X", "v1", "1")})()
    ctx = Ctx(tc, RunEnv(links=links))
    ctx.deadline = time.monotonic() + 30
    return sink, links, ctx


def test_executors_apply_and_clear_on_a_relay():
    """The steps through the runner's executors, on a real relay; the finisher clears what was applied."""
    sink, links, ctx = _relay_case()
    try:
        for step in steps("- impair: {link: e2, delay_ms: 20, for: 0.3}\n- partition: {link: e2, for: 0.2}\n"):
            ctx.step = step
            executor_for(type(step))(ctx, step)
        assert links.mechanism("e2").impairment == Impairment(delay_ms=20)     # restored after the partition
        time.sleep(0.4)
        assert links.mechanism("e2").impairment == Impairment()                 # `for: 0.3` ran out
        step = steps("- impair: {link: e2, profile: geo-satellite}")[0]
        ctx.step = step
        executor_for(type(step))(ctx, step)
        ctx.step = None
        ctx.run_finishers() if hasattr(ctx, "run_finishers") else [f() for f in ctx._finishers]
        assert links.mechanism("e2").impairment == Impairment()
        actions = [(e["link"], e["action"]) for e in links.timeline()]
        assert actions[:4] == [("e2", "apply"), ("e2", "apply"), ("e2", "apply"), ("e2", "clear")]
        assert [n["action"].split(":")[0] for n in ctx.vars["_impairments"]] == ["impair e2", "partition e2",
                                                                                   "impair e2"]
        assert ctx.keeper.verdict <= Verdict.PASS
        bad = steps("- partition: {link: e2, for: 60}")[0]
        ctx.step = bad
        with pytest.raises(StepStop):              # the ERROR ends the steps
            executor_for(type(bad))(ctx, bad)
        assert ctx.keeper.verdict == Verdict.ERROR
    finally:
        links.close()
        sink.close()


def test_a_partition_that_does_not_wait_returns_at_once_ends_by_itself_and_never_outlives_the_case():
    """`partition: {wait: false}`: the step returns as the path is cut (a recover step then watches the
    association meanwhile); the partition ends by itself, and the finisher ends it early if the case ends."""
    sink, links, ctx = _relay_case()
    try:
        read = steps("- partition: {link: e2, for: 0.4, wait: false}\n- partition: {link: e2, for: 20, wait: false}\n")
        assert [s.wait for s in read] == [False, False]
        t0 = time.monotonic()
        ctx.step = read[0]
        executor_for(PartitionStep)(ctx, read[0])
        assert time.monotonic() - t0 < 0.2                                        # did not block
        assert links.mechanism("e2").impairment == Impairment(partition=True)
        time.sleep(0.6)
        assert links.mechanism("e2").impairment == Impairment()                   # ended by itself
        ctx.step = read[1]
        executor_for(PartitionStep)(ctx, read[1])
        assert links.mechanism("e2").impairment == Impairment(partition=True)
        ctx.step = None
        [f() for f in ctx._finishers]                                             # the case ends at once
        assert links.mechanism("e2").impairment == Impairment()
        time.sleep(0.2)
        assert links.mechanism("e2").impairment == Impairment()                   # and nothing cuts it again
        assert "(the steps go on meanwhile)" in ctx.vars["_impairments"][0]["action"]
        assert error("- partition: {link: e2, for: 1, wait: later}").startswith("t.yaml:1: ")
    finally:
        links.close()
        sink.close()
