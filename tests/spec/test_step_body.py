"""Node.body / Node.number: the one strict reading of a step's `kind: {...}` body, errors at file:line."""

import pytest

from harness.spec.errors import SpecError
from harness.spec.reader import Node
from harness.spec.yamlload import load_text


def step(text: str) -> Node:
    data, source = load_text(text, "s.yaml")
    return Node.of(data[0], source, 1, "step")


def refusal(call) -> str:
    with pytest.raises(SpecError) as err:
        call()
    return f"{err.value.where}: {err.value.message}"


def test_body_reads_the_mapping_and_refuses_unknown_keys_at_their_line():
    body = step("- cut:\n    for: 2\n").body("cut", ["for"])
    assert body.get("for", float) == 2 and body.line == 2
    assert refusal(lambda: step("- cut:\n    for: 2\n    fro: 3\n").body("cut", ["for"])) == \
        "s.yaml:3: unknown key 'fro' in cut (did you mean for?)"
    assert refusal(lambda: step("- cut: {for: 2}\n  timer: 1\n").body("cut", ["for"])) == \
        "s.yaml:2: unknown key 'timer' in step"
    assert step("- cut: {for: 2}\n  timer: 1\n").body("cut", ["for"], besides=["timer"]).has("for")


def test_body_null_shorthand_and_not_a_mapping():
    assert refusal(lambda: step("- recover: 3\n").body("recover", [])) == \
        "s.yaml:1: recover must be a mapping, not a number"
    assert refusal(lambda: step("- stop:\n").body("stop", [])) == \
        "s.yaml:1: stop must be a mapping, not nothing (null)"
    assert not step("- stop:\n").body("stop", [], empty=True).data
    short = step("- flap: e2\n").body("flap", ["link", "down_for"], what="flap step", shorthand="link")
    assert short.get("link", str) == "e2"
    assert refusal(lambda: short.get("down_for", float, required=True)) == "s.yaml:1: flap step has no 'down_for'"


@pytest.mark.parametrize(("text", "kwargs", "message"), [
    ("n: 0", {"above": 0, "unit": " seconds"}, "s.yaml:1: 'n' must be more than 0 seconds, not 0"),
    ("n: -1.5", {"above": 0}, "s.yaml:1: 'n' must be more than 0, not -1.5"),
    ("n: 0", {"kind": int, "least": 1}, "s.yaml:1: 'n' must be 1 or more, not 0"),
    ("n: x", {"kind": int, "least": 1}, "s.yaml:1: 'n' must be an integer, not a string ('x')"),
])
def test_number_bounds_name_the_line(text, kwargs, message):
    data, source = load_text(text, "s.yaml")
    node = Node.of(data, source, 1, "it")
    assert refusal(lambda: node.number("n", **kwargs)) == message


def test_number_passes_variables_and_defaults():
    data, source = load_text("n: ${x}", "s.yaml")
    node = Node.of(data, source, 1, "it")
    assert node.number("n", above=0, allow_var=True) == "${x}"
    assert node.number("m", int, 3, least=1) == 3
