"""Test steps: YAML step mappings -> typed Step objects, the part every protocol shares.

Dispatch is one table per protocol (harness/spec/protocols.py): the key that
names the step kind selects the reader. This module holds the common kinds
(trigger, wait, save, repeat, use, and `precondition: true` on any step) and
registers them; each interface binding registers its own (E2's send/expect are
in harness/interfaces/e2/steps.py). A `use` step expands a step group in
place; groups that use themselves are an error naming the cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from harness.spec import protocols
from harness.spec.errors import SpecError
from harness.spec.model import PreambleStep, RepeatStep, SaveStep, TriggerStep, WaitStep
from harness.spec.reader import Node, did_you_mean, is_number, type_name
from harness.spec.yamlload import LDict, LList, Source, plain

_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class StepContext:
    """What step reading needs: the protocols' name checks, the library, the test case's defaults.

    Attributes:
        checkers: protocol -> its checker of names, paths and values (`Protocol.make_checker`;
            E2's checks E2AP against the session's codec).
        templates: template name -> Template.
        groups: group name -> (raw step list, its Source).
        clause: the default clause of expect steps (the test case's reference).
        ignore: the test case's ignore list (expect steps without their own take it).
        errors: when a list, step errors are collected here and reading goes on.
        stack: the groups being expanded (cycle detection).
    """

    checkers: dict
    templates: dict
    groups: dict
    clause: str = ""
    ignore: tuple = ()
    errors: list | None = None
    stack: tuple = field(default_factory=tuple)
    kinds: dict | None = None          # step key -> reader; None: the protocol's (every protocol's when None)
    protocol: str | None = None        # the test case's protocol ('e2', 'a1'); None for stand-alone groups

    def step_kinds(self) -> dict:
        return self.kinds if self.kinds is not None else protocols.kinds_for(self.protocol)


def read_steps(value: Any, source: Source, line: int, ctx: StepContext, what: str = "steps") -> tuple:
    """A list of step mappings -> tuple of Steps (groups expanded).

    Raises:
        SpecError: the first problem, unless ``ctx.errors`` collects them.
    """
    if not isinstance(value, list):
        raise source.error(line, f"'{what}' must be a list of steps, not {type_name(value)}")
    if not value:
        raise source.error(line, f"'{what}' is empty")
    out: list = []
    for i, raw in enumerate(value):
        item_line = value.item_line(i) if isinstance(value, LList) else line
        try:
            out.extend(read_step(raw, source, item_line, ctx))
        except SpecError as err:
            if ctx.errors is None:
                raise
            ctx.errors.append(err)
    return tuple(out)


def read_step(raw: Any, source: Source, line: int, ctx: StepContext) -> list:
    table = ctx.step_kinds()
    if isinstance(raw, str) and raw in table:
        raise source.error(line, f"step '{raw}' needs a value ('{raw}: ...')")
    node = Node.of(raw, source, line, "step")
    if "precondition" in node.data:
        return _precondition(node, source, line, ctx)
    kinds = [k for k in node.data if k in table]
    owned = _sub_keys()
    for k in list(kinds):                # 'save' of an expect step, 'expect' of a request step: not kinds
        if k in kinds:
            kinds = [x for x in kinds if x == k or x not in owned.get(k, ())]
    if not kinds:
        first = next(iter(node.data), "")
        raise node.error(node.key_line(first), f"a step needs one of: {', '.join(table)}; "
                         f"found '{first}'{did_you_mean(first, table)}")
    if len(kinds) > 1:
        raise node.error(node.key_line(kinds[1]), f"a step has one kind; this one has {' and '.join(kinds)}",
                         "split it into one step per kind")
    node.what = f"{kinds[0]} step"
    return table[kinds[0]](node, ctx)


def _precondition(node: Node, source: Source, line: int, ctx: StepContext) -> list:
    """`precondition: true` on any step: wrap it in a PreambleStep (its failure is INCONC, not FAIL)."""
    flag = node.data["precondition"]
    if not isinstance(flag, bool):
        raise node.error(node.value_line("precondition"), f"'precondition' takes true or false, not {type_name(flag)}")
    rest = LDict({k: v for k, v in node.data.items() if k != "precondition"})
    if isinstance(node.data, LDict):
        rest.line, rest.column = node.data.line, node.data.column
        rest.key_lines, rest.value_lines = dict(node.data.key_lines), dict(node.data.value_lines)
    inner = read_step(rest, source, line, ctx)
    return [PreambleStep(tuple(inner), node.where())] if flag else inner


def check_var_name(node: Node, name: Any, line: int) -> None:
    """A `save`/`as` variable name: ${name} must be able to refer to it."""
    if not isinstance(name, str) or not _VAR_NAME.match(name):
        raise node.error(line, f"'{name}' is not a variable name (letters, digits and _, not starting with a digit)")


# ------------------------------------------------------------------ the others
def _trigger(node: Node, ctx: StepContext) -> list:
    node.only(["trigger"])
    value = node.data["trigger"]
    if isinstance(value, str):
        return [TriggerStep(value, {}, f"Make the DUT perform: {value}", None, node.where())]
    t = Node.of(value, node.source, node.value_line("trigger"), "trigger")
    t.only(["action", "params", "prompt", "timeout"])
    action = t.get("action", str, required=True)
    timeout = t.get("timeout", float, None, allow_var=True)
    return [TriggerStep(action, plain(t.get("params", dict, {})),
                        t.get("prompt", str, f"Make the DUT perform: {action}"), timeout, node.where())]


def _wait(node: Node, ctx: StepContext) -> list:
    node.only(["wait"])
    seconds = node.get("wait", float, required=True, allow_var=True)
    if is_number(seconds) and seconds < 0:
        raise node.error(node.value_line("wait"), f"'wait' must be 0 seconds or more, not {seconds}")
    return [WaitStep(seconds, node.where())]


def _save(node: Node, ctx: StepContext) -> list:
    node.only(["save"])
    values = node.get("save", dict, required=True)
    for name in values:
        check_var_name(node, name, values.key_line(name) if isinstance(values, LDict) else node.line)
    return [SaveStep(plain(values), node.where())]


def _repeat(node: Node, ctx: StepContext) -> list:
    node.only(["repeat"])
    r = Node.of(node.data["repeat"], node.source, node.value_line("repeat"), "repeat")
    r.only(["count", "steps"])
    count = r.get("count", int, required=True, allow_var=True)
    if isinstance(count, int) and count < 1:
        raise r.error(r.value_line("count"), f"'count' must be 1 or more, not {count}")
    steps = read_steps(r.required("steps"), r.source, r.value_line("steps"), ctx)
    return [RepeatStep(count, steps, node.where())]


def _use(node: Node, ctx: StepContext) -> list:
    node.only(["use"])
    name = node.get("use", str, required=True)
    if name not in ctx.groups:
        raise node.error(node.value_line("use"), f"unknown step group '{name}'{did_you_mean(name, ctx.groups)}",
                         f"groups: {', '.join(sorted(ctx.groups)) or 'none'}")
    if name in ctx.stack:
        cycle = " -> ".join(ctx.stack[ctx.stack.index(name):] + (name,))
        raise node.error(node.value_line("use"), f"step group '{name}' uses itself: {cycle}")
    raw, source, line = ctx.groups[name]
    inner = StepContext(ctx.checkers, ctx.templates, ctx.groups, ctx.clause, ctx.ignore, ctx.errors,
                        ctx.stack + (name,), ctx.kinds, ctx.protocol)
    return list(read_steps(raw, source, line, inner, what=f"group {name}"))


COMMON_KINDS: dict[str, Callable[[Node, StepContext], list]] = {
    "trigger": _trigger, "wait": _wait, "save": _save, "repeat": _repeat, "use": _use,
}
protocols.register_common(COMMON_KINDS)


def _sub_keys() -> dict:
    return protocols.sub_keys()
