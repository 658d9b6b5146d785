"""E2's step kinds and templates: YAML -> typed Steps, checked against the E2AP ASN.1.

Kinds (registered for protocol 'e2', interfaces near-rt-ric.e2 and e2-node.e2):

* `send`: the harness sends an E2AP message (a template or a message name,
  `fields`, `params`, `omit`, `malform`, `raw` bytes, `stream`, `as`);
* `expect`: the next E2AP message(s) the DUT sends, or `nothing`, with
  `match`, `save`, `ignore`, `fail_on`, `timer`.

Also E2's part of the library: a `templates:` entry without `json:` is an
E2AP message template (`read_template`), and a test case's `ignore:` lists
E2AP message names (`message_names`). Every name, IE path and value is
checked here with `E2Checker` (asncheck.py), so a typo is a spec error with
file:line. The common kinds (trigger, wait, save, repeat, use) are in
harness/spec/steps.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.interfaces.e2.asncheck import CheckError, E2Checker
from harness.spec import protocols
from harness.spec.errors import SourceError
from harness.interfaces.e2.flow import IndicationFlowStep, read_flow
from harness.interfaces.e2.observe import E2Capture, observe_unsupported
from harness.interfaces.e2.recovery import RecoverStep, read_recover
from harness.interfaces.e2.tnlsteps import TnlAddStep, TnlJoinStep, read_tnl_add, read_tnl_join
from harness.runner.registry import register_observer
from harness.spec.match import check_spec
from harness.spec.recovery import read_restart
from harness.spec.model import ExpectStep, Malform, SendStep, Template
from harness.spec.paths import PathError, parse_path, render_path
from harness.spec.reader import Node, is_number, is_var, type_name
from harness.spec.steps import StepContext, check_var_name
from harness.spec.yamlload import LDict, LList, Source, plain

MALFORM_KINDS = ("drop-ie", "violate", "flip-bits", "truncate-bits", "insert-bits")
PROTOCOL = "e2"


def _checker(ctx: StepContext) -> E2Checker:
    """The E2AP checks of this read (built by the library from the session's codec)."""
    return ctx.checkers[PROTOCOL]


def _fail(node: Node, line: int, err: Exception, hint: str | None = None) -> SourceError:
    return node.error(line, str(err), hint)


# ------------------------------------------------------------------ send
def _send(node: Node, ctx: StepContext) -> list:
    node.only(["send", "fields", "params", "omit", "malform", "raw", "stream", "as"])
    checker = _checker(ctx)
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
        spec = checker.message(msg_name)
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
            _ie(node, checker, [spec], ie, _item_line(node, "omit", i))
        for values in (fields, params):
            for key, value in values.items():
                _field(node, checker, spec, key, value, values.key_line(key))
        if template is None and raw is None:
            given = {parse_path(k)[0] for k in (*fields, *params)} | set(omit)
            missing = [ie.name for ie in spec.ies if ie.presence == "mandatory" and ie.name not in given]
            if missing:
                raise node.error(node.value_line("send"), f"{msg_name} needs its mandatory IE(s) "
                                 f"{', '.join(missing)}: there is no template named {name}",
                                 "give them in 'fields', leave them out on purpose with 'omit', "
                                 "or define a template")
    malform = _malform(node, checker, spec) if node.has("malform") else None
    stream = node.get("stream", int, 0)
    as_name = node.get("as", str)
    if as_name is not None:
        check_var_name(node, as_name, node.value_line("as"))
    return [SendStep(name, plain(fields), omit, malform, raw, stream, node.where(), template=template,
                     name=as_name, params=plain(params))]


def _item_line(node: Node, key: str, i: int) -> int:
    value = node.data.get(key)
    return value.item_line(i) if isinstance(value, LList) else node.value_line(key)


def _ie(node: Node, checker: E2Checker, specs: list, name: Any, line: int):
    if not isinstance(name, str):
        raise node.error(line, f"an IE name must be a string, not {type_name(name)}")
    try:
        return checker.ie(specs, name)
    except CheckError as err:
        raise _fail(node, line, err) from None


def _path(node: Node, text: Any, line: int) -> tuple:
    try:
        return parse_path(text)
    except PathError as err:
        raise node.error(line, f"bad IE path: {err}") from None


def _field(node: Node, checker: E2Checker, spec, key: str, value: Any, line: int) -> None:
    parts = _path(node, key, line)
    ie = _ie(node, checker, [spec], parts[0], line)
    try:
        desc = checker.walk(ie.type_name, parts[1:], (parts[0],))
        checker.check_value(desc, value, parts)
    except CheckError as err:
        raise _fail(node, line, err) from None


def _malform(node: Node, checker: E2Checker, spec) -> Malform:
    m = Node.of(node.data["malform"], node.source, node.value_line("malform"), "malform")
    m.only(["kind", "ie", "field", "value", "bits"])
    kind = m.get("kind", str, required=True, choices=MALFORM_KINDS)
    ie_name = m.get("ie", str, required=True)
    ie_name = ie_name[3:] if ie_name.startswith("id-") else ie_name     # 'id-GlobalRIC-ID' names it too
    ie = _ie(m, checker, [spec], ie_name, m.value_line("ie")) if spec is not None else None
    fld = m.get("field", str)
    if fld is not None and ie is not None:
        try:
            checker.walk(ie.type_name, _path(m, fld, m.value_line("field")), (ie_name,))
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
    checker = _checker(ctx)
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
                specs.append(checker.message(n))
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
        ie = _ie(node, checker, specs, key, kline)
        desc = checker.walk(ie.type_name, (), (key,))
        for ie_path, problem in checker.check_matcher(desc, sub, (key,)):
            raise node.error(_deep_line(match, key, sub, render_path(ie_path), kline), f"match: {problem}")
    for var, target in save.items():
        vline = save.value_line(var) if isinstance(save, LDict) else node.value_line("save")
        check_var_name(node, var, save.key_line(var) if isinstance(save, LDict) else vline)
        if not isinstance(target, str):
            raise node.error(vline, f"save '{var}' must name an IE path such as GlobalRIC-ID.ric-ID, "
                             f"not {type_name(target)}")
        parts = _path(node, target, vline)
        ie = _ie(node, checker, specs, parts[0], vline)
        try:
            checker.walk(ie.type_name, parts[1:], (parts[0],))
        except CheckError as err:
            raise _fail(node, vline, err) from None
    ignore = message_names(node, checker, "ignore") if node.has("ignore") else ctx.ignore
    fail_on = message_names(node, checker, "fail_on") if node.has("fail_on") else ()
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


def message_names(node: Node, checker: E2Checker, key: str) -> tuple:
    """The message names listed under ``key`` (one or a list), each checked to exist."""
    names = node.strings(key)
    for i, n in enumerate(names):
        try:
            checker.message(n)
        except CheckError as err:
            raise _fail(node, _item_line(node, key, i), err) from None
    return names


# ------------------------------------------------------------------ templates
def read_template(name: str, value: Any, source: Source, line: int, checker: E2Checker) -> Template:
    """One E2AP message entry of a `templates:` block (`message`, `ies`), checked with ``checker``."""
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
        _field(node, checker, spec, key, v, ies.key_line(key) if isinstance(ies, LDict) else line)
    return Template(name, message, plain(ies), source.where(line))


def make_checker(codec: Any) -> E2Checker:
    """The E2AP checks for the codec's E2AP version (None: the newest)."""
    return E2Checker(codec)


for _judging in (RecoverStep, IndicationFlowStep, TnlAddStep, TnlJoinStep):
    register_observer(_judging, E2Capture.kind, observe_unsupported)

E2_KINDS: dict[str, Callable[[Node, StepContext], list]] = {"send": _send, "expect": _expect,
                                                            "restart": read_restart, "recover": read_recover,
                                                            "indication-flow": read_flow,
                                                            "tnl-add": read_tnl_add, "tnl-join": read_tnl_join}
E2_INTERFACES = (protocols.Interface("near-rt-ric.e2", "e2", "near-rt-ric", "e2-node"),
                 protocols.Interface("e2-node.e2", "e2", "e2-node", "near-rt-ric"))
# Registered by the E2 binding (harness/interfaces/e2/binding.py). Its templates are the default
# kind: a `templates:` entry no other protocol claims (A1 claims those with `json:`) is E2AP.
E2_PROTOCOL = protocols.Protocol("e2", E2_INTERFACES, E2_KINDS, (ExpectStep, RecoverStep, IndicationFlowStep,
                                                                 TnlAddStep, TnlJoinStep),
                                 {"expect": {"save"}},
                                 no_check_hint="add an expect step (or 'expect: nothing' to check silence)",
                                 make_checker=make_checker, read_template=read_template,
                                 message_names=message_names)
