"""Test steps: YAML step mappings -> typed Step objects, checked against E2AP.

Dispatch is one table per protocol (harness/spec/protocols.py): the key that
names the step kind selects the reader. This module holds the common kinds
(trigger, wait, save, repeat, use) and E2's own (send, expect), and registers
both; `STEP_KINDS` is the E2 table as before. A `use`
step expands a step group in place; groups that use themselves are an error
naming the cycle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from harness.spec.asncheck import CheckError, E2Checker
from harness.spec import protocols
from harness.spec.errors import SpecError
from harness.spec.match import check_spec
from harness.spec.model import (ExpectStep, Malform, PreambleStep, RepeatStep, SaveStep, SendStep, Template, TriggerStep,
                                WaitStep)
from harness.spec.paths import PathError, parse_path, render_path
from harness.spec.reader import Node, did_you_mean, is_number, is_var, type_name
from harness.spec.yamlload import LDict, LList, Source, plain

MALFORM_KINDS = ("drop-ie", "violate", "flip-bits", "truncate-bits", "insert-bits")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class StepContext:
    """What step reading needs: the E2AP checks, the library, the test case's defaults.

    Attributes:
        checker: E2AP names, paths and values.
        templates: template name -> Template.
        groups: group name -> (raw step list, its Source).
        clause: the default clause of expect steps (the test case's reference).
        ignore: the test case's ignore list (expect steps without their own take it).
        errors: when a list, step errors are collected here and reading goes on.
        stack: the groups being expanded (cycle detection).
    """

    checker: E2Checker
    templates: dict
    groups: dict
    clause: str = ""
    ignore: tuple = ()
    errors: list | None = None
    stack: tuple = field(default_factory=tuple)
    kinds: dict | None = None          # step key -> reader; None: E2's (STEP_KINDS)
    protocol: str | None = None        # the test case's protocol ('e2', 'a1'); None for stand-alone groups

    def step_kinds(self) -> dict:
        return self.kinds if self.kinds is not None else STEP_KINDS


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


def _fail(node: Node, line: int, err: Exception, hint: str | None = None) -> SpecError:
    return node.error(line, str(err), hint)


# ------------------------------------------------------------------ send
def _send(node: Node, ctx: StepContext) -> list:
    node.only(["send", "fields", "params", "omit", "malform", "raw", "stream", "as"])
    name = node.get("send", str, required=True)
    template = ctx.templates.get(name)
    raw = node.get("raw", str)
    if raw is not None and not is_var(raw):
        try:
            bytes.fromhex(raw)
        except ValueError:
            raise node.error(node.value_line("raw"), f"'raw' is not a hex string: {raw[:40]!r}") from None
    msg_name = template.message if template else name
    try:
        spec = ctx.checker.message(msg_name)
    except CheckError as err:
        if raw is not None:
            spec = None                # raw bytes: the name only labels them
        else:
            raise node.error(node.value_line("send"), f"{err}; no template has that name either",
                             f"templates: {', '.join(sorted(ctx.templates)) or 'none'}") from None
    fields = node.get("fields", dict, {})
    params = node.get("params", dict, {})
    omit = node.strings("omit")
    both = set(fields) & set(params)
    if both:
        raise node.error(node.key_line("params"), f"{', '.join(sorted(both))} is in both 'fields' and 'params'",
                         "'fields' make the stimulus what it is; 'params' are values the tester picks")
    if spec is not None:
        for i, ie in enumerate(omit):
            _ie(node, ctx, [spec], ie, _item_line(node, "omit", i))
        for values in (fields, params):
            for key, value in values.items():
                _field(node, ctx, spec, key, value, values.key_line(key))
        if template is None and raw is None:
            given = {parse_path(k)[0] for k in (*fields, *params)} | set(omit)
            missing = [ie.name for ie in spec.ies if ie.presence == "mandatory" and ie.name not in given]
            if missing:
                raise node.error(node.value_line("send"), f"{msg_name} needs its mandatory IE(s) "
                                 f"{', '.join(missing)}: there is no template named {name}",
                                 "give them in 'fields', leave them out on purpose with 'omit', "
                                 "or define a template")
    malform = _malform(node, ctx, spec) if node.has("malform") else None
    stream = node.get("stream", int, 0)
    as_name = node.get("as", str)
    if as_name is not None:
        _check_var_name(node, as_name, node.value_line("as"))
    return [SendStep(name, plain(fields), omit, malform, raw, stream, node.where(), template=template,
                     name=as_name, params=plain(params))]


def _item_line(node: Node, key: str, i: int) -> int:
    value = node.data.get(key)
    return value.item_line(i) if isinstance(value, LList) else node.value_line(key)


def _ie(node: Node, ctx: StepContext, specs: list, name: Any, line: int):
    if not isinstance(name, str):
        raise node.error(line, f"an IE name must be a string, not {type_name(name)}")
    try:
        return ctx.checker.ie(specs, name)
    except CheckError as err:
        raise _fail(node, line, err) from None


def _path(node: Node, text: Any, line: int) -> tuple:
    try:
        return parse_path(text)
    except PathError as err:
        raise node.error(line, f"bad IE path: {err}") from None


def _field(node: Node, ctx: StepContext, spec, key: str, value: Any, line: int) -> None:
    parts = _path(node, key, line)
    ie = _ie(node, ctx, [spec], parts[0], line)
    try:
        desc = ctx.checker.walk(ie.type_name, parts[1:], (parts[0],))
        ctx.checker.check_value(desc, value, parts)
    except CheckError as err:
        raise _fail(node, line, err) from None


def _malform(node: Node, ctx: StepContext, spec) -> Malform:
    m = Node.of(node.data["malform"], node.source, node.value_line("malform"), "malform")
    m.only(["kind", "ie", "field", "value", "bits"])
    kind = m.get("kind", str, required=True, choices=MALFORM_KINDS)
    ie_name = m.get("ie", str, required=True)
    ie_name = ie_name[3:] if ie_name.startswith("id-") else ie_name     # 'id-GlobalRIC-ID' names it too
    ie = _ie(m, ctx, [spec], ie_name, m.value_line("ie")) if spec is not None else None
    fld = m.get("field", str)
    if fld is not None and ie is not None:
        try:
            ctx.checker.walk(ie.type_name, _path(m, fld, m.value_line("field")), (ie_name,))
        except CheckError as err:
            raise _fail(m, m.value_line("field"), err) from None
    if kind == "violate" and not m.has("value"):
        raise m.error(m.line, "malform kind 'violate' needs a 'value' (the out-of-constraint value)")
    bits = m.raw("bits")
    if kind == "insert-bits" and not (isinstance(bits, str) and bits and not set(bits) - {"0", "1"}):
        raise m.error(m.value_line("bits") if m.has("bits") else m.line,
                      "malform kind 'insert-bits' needs 'bits': a string of 0 and 1, such as \"1111\"")
    if kind in ("flip-bits", "truncate-bits") and bits is not None and not (isinstance(bits, int)
                                                                              and not isinstance(bits, bool)
                                                                              and bits >= 0):
        raise m.error(m.value_line("bits"), f"malform kind '{kind}' takes 'bits' as a count of bits")
    if kind == "drop-ie":
        extra = [k for k in ("field", "value", "bits") if m.has(k)]
        if extra:
            raise m.error(m.key_line(extra[0]), f"malform kind 'drop-ie' takes no '{extra[0]}'")
    return Malform(kind, f"id-{ie_name}", fld, plain(m.raw("value")), bits, m.where())


# ------------------------------------------------------------------ expect
def _expect(node: Node, ctx: StepContext) -> list:
    node.only(["expect", "timer", "match", "check_ies", "ignore", "strict", "save", "clause", "fail_on"])
    value = node.required("expect")
    line = node.value_line("expect")
    nothing = value == "nothing"
    names: tuple = ()
    specs: list = []
    if not nothing:
        names = node.strings("expect")
        if not names:
            raise node.error(line, "'expect' must be a message name, a list of them, or 'nothing'")
        for i, n in enumerate(names):
            try:
                specs.append(ctx.checker.message(n))
            except CheckError as err:
                raise _fail(node, _item_line(node, "expect", i) if isinstance(value, list) else line, err,
                            "or 'nothing' to expect silence") from None
    timer = node.get("timer", float, None, allow_var=True)
    if is_number(timer) and timer <= 0:
        raise node.error(node.value_line("timer"), f"'timer' must be more than 0 seconds, not {timer}")
    match = node.get("match", dict, {})
    save = node.get("save", dict, {})
    if nothing and (match or save):
        key = "match" if match else "save"
        raise node.error(node.key_line(key), f"'expect: nothing' takes no '{key}': no message is there to check")
    for key, sub in match.items():
        kline = match.key_line(key) if isinstance(match, LDict) else node.value_line("match")
        for path, problem in check_spec(sub, str(key)):
            raise node.error(_deep_line(match, key, sub, path, kline), f"match {path}: {problem}")
        ie = _ie(node, ctx, specs, key, kline)
        desc = ctx.checker.walk(ie.type_name, (), (key,))
        for path, problem in ctx.checker.check_matcher(desc, sub, (key,)):
            raise node.error(_deep_line(match, key, sub, render_path(path), kline), f"match: {problem}")
    for var, target in save.items():
        vline = save.value_line(var) if isinstance(save, LDict) else node.value_line("save")
        _check_var_name(node, var, save.key_line(var) if isinstance(save, LDict) else vline)
        if not isinstance(target, str):
            raise node.error(vline, f"save '{var}' must name an IE path such as GlobalRIC-ID.ric-ID, "
                             f"not {type_name(target)}")
        parts = _path(node, target, vline)
        ie = _ie(node, ctx, specs, parts[0], vline)
        try:
            ctx.checker.walk(ie.type_name, parts[1:], (parts[0],))
        except CheckError as err:
            raise _fail(node, vline, err) from None
    ignore = _messages(node, ctx, "ignore") if node.has("ignore") else ctx.ignore
    fail_on = _messages(node, ctx, "fail_on") if node.has("fail_on") else ()
    clash = set(fail_on) & set(names)
    if clash:
        raise node.error(node.value_line("fail_on"), f"{', '.join(sorted(clash))} is both expected and in 'fail_on'")
    return [ExpectStep(names, nothing, plain(match), node.get("check_ies", bool, True), timer, ignore,
                       node.get("strict", bool, True), plain(save), node.get("clause", str, ctx.clause),
                       node.where(), fail_on=fail_on)]


def _deep_line(container: Any, key: Any, sub: Any, path: str, default: int) -> int:
    """The line of the deepest node of ``path`` (relative to ``key``) that has one."""
    line = default
    try:
        parts = parse_path(path)
    except PathError:
        return line
    cur = sub
    for part in parts[1:]:
        if isinstance(cur, LDict) and part in cur:
            line = cur.key_line(part)
            cur = cur[part]
        elif isinstance(cur, LList) and isinstance(part, int) and part < len(cur):
            line = cur.item_line(part)
            cur = cur[part]
        else:
            break
    return line


def _messages(node: Node, ctx: StepContext, key: str) -> tuple:
    return message_names(node, ctx.checker, key)


def message_names(node: Node, checker: E2Checker, key: str) -> tuple:
    """The message names listed under ``key`` (one or a list), each checked to exist."""
    names = node.strings(key)
    for i, n in enumerate(names):
        try:
            checker.message(n)
        except CheckError as err:
            raise _fail(node, _item_line(node, key, i), err) from None
    return names


def _check_var_name(node: Node, name: Any, line: int) -> None:
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
        _check_var_name(node, name, values.key_line(name) if isinstance(values, LDict) else node.line)
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
    inner = StepContext(ctx.checker, ctx.templates, ctx.groups, ctx.clause, ctx.ignore, ctx.errors,
                        ctx.stack + (name,), ctx.kinds, ctx.protocol)
    return list(read_steps(raw, source, line, inner, what=f"group {name}"))


COMMON_KINDS: dict[str, Callable[[Node, StepContext], list]] = {
    "trigger": _trigger, "wait": _wait, "save": _save, "repeat": _repeat, "use": _use,
}
E2_KINDS: dict[str, Callable[[Node, StepContext], list]] = {"send": _send, "expect": _expect}
STEP_KINDS: dict[str, Callable[[Node, StepContext], list]] = {
    "send": _send, "expect": _expect, **COMMON_KINDS,
}

E2_INTERFACES = (protocols.Interface("near-rt-ric.e2", "e2", "near-rt-ric", "e2-node"),
                 protocols.Interface("e2-node.e2", "e2", "e2-node", "near-rt-ric"))
protocols.register_common(COMMON_KINDS)
# Registered by the E2 binding (harness/interfaces/e2/).
E2_PROTOCOL = protocols.Protocol("e2", E2_INTERFACES, E2_KINDS, (ExpectStep,), {"expect": {"save"}},
                                 ignore_messages=True,
                                 no_check_hint="add an expect step (or 'expect: nothing' to check silence)")


def _sub_keys() -> dict:
    return protocols.sub_keys()


def read_template(name: str, value: Any, source: Source, line: int, checker: E2Checker):
    """One entry of a `templates:` block (an E2AP message, or with `json:` an HTTP body)."""
    if isinstance(value, dict) and "json" in value:
        from harness.spec.http_steps import read_body_template
        return read_body_template(name, value, source, line)
    node = Node.of(value, source, line, f"template '{name}'")
    node.only(["message", "ies"])
    message = node.get("message", str, name if name in checker.messages.messages else None)
    if message is None:
        raise node.error(line, f"template '{name}' has no 'message' (and '{name}' is no E2AP message name)")
    try:
        spec = checker.message(message)
    except CheckError as err:
        raise node.error(node.value_line("message") if node.has("message") else line, str(err)) from None
    ies = node.get("ies", dict, {})
    for key, v in ies.items():
        _field(node, StepContext(checker, {}, {}), spec, key, v, ies.key_line(key) if isinstance(ies, LDict) else line)
    return Template(name, message, plain(ies), source.where(line))
