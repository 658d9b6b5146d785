"""HTTP steps for A1 (REST/JSON): YAML step mappings -> typed HTTP step objects.

Kinds (registered for protocol 'a1'; NETCONF will register its own):

* `request`: the harness sends a request and checks the response
  (`expect: {status, headers, body, schema, content-type, admits}`, `save`, `timer`,
  `as: NAME` -- the request and response saved as `${NAME.request.body}`, `${NAME.response.status}`,
  `fail_on: [codes]` -- statuses that are a wrong answer);
* `expect-request`: the harness waits for the DUT to send it a request (the
  DUT as A1-P consumer, or a status notification to the callback), with an
  optional inline `respond` and `as: NAME`;
* `respond`: the reply to the request the last expect-request matched.

Everything that can be checked before the run is checked here, with file:line:
methods, status codes, header names, matcher operators, JSON Schema names,
save paths, regexes. Values may hold ${vars}: those are resolved when the step runs.
"""

from __future__ import annotations

import re
from typing import Any

from harness.interfaces.a1.http_schemas import schema_names
from harness.interfaces.a1.recovery import A1RecoverStep, NotificationRetryStep, read_notification_retry, read_recover
from harness.spec.recovery import read_restart
from harness.spec import protocols
from harness.spec.match import check_spec
from harness.spec.model import (
    BodyTemplate,
    ExpectRequestStep,
    HttpReply,
    HttpRequestStep,
    HttpResponseCheck,
    RespondStep,
)
from harness.spec.paths import PathError, parse_path
from harness.spec.reader import Node, did_you_mean, is_number, is_var
from harness.spec.yamlload import LDict, Source, plain

METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS")
SAVE_ROOTS = ("status", "headers", "body", "path", "query")
_HEADER = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def _timer(node: Node) -> Any:
    timer = node.get("timer", float, None, allow_var=True)
    if is_number(timer) and timer <= 0:
        raise node.error(node.value_line("timer"), f"'timer' must be more than 0 seconds, not {timer}")
    return timer


def _matchers(node: Node, key: str, what: str) -> Any:
    if not node.has(key):
        return None
    value = plain(node.raw(key))
    for path, problem in check_spec(value):
        raise node.error(node.value_line(key), f"{what} matcher at {path or '(whole)'}: {problem}")
    return value


def _headers(node: Node, key: str, matchers: bool) -> dict:
    value = node.get(key, dict, {})
    out = {}
    for name, v in value.items():
        line = value.key_line(name) if isinstance(value, LDict) else node.line
        if not isinstance(name, str) or not _HEADER.match(name):
            raise node.error(line, f"'{name}' is not an HTTP header name")
        if matchers:
            for path, problem in check_spec(plain(v)):
                raise node.error(line, f"header {name} matcher {path}: {problem}")
        elif not isinstance(v, (str, int, float)) or isinstance(v, bool):
            raise node.error(line, f"header {name} must be a string, not {type(v).__name__}")
        out[name.lower()] = plain(v) if matchers else str(v)
    return out


def _schema(node: Node, key: str = "schema") -> Any:
    """'TypeName' (an A1-P data model type), {policy-type: ID} or {policy-status: ID} (that type's schemas)."""
    if not node.has(key):
        return None
    value = node.raw(key)
    line = node.value_line(key)
    if isinstance(value, str):
        names = schema_names()
        if value not in names:
            raise node.error(line, f"unknown JSON Schema '{value}'{did_you_mean(value, names)}",
                             f"named types: {', '.join(sorted(names))}; or {{policy-type: ID}}")
        return value
    if isinstance(value, dict) and len(value) == 1 and set(value) <= {"policy-type", "policy-status"} \
            and isinstance(next(iter(value.values())), (str, int)):
        key = next(iter(value))
        return {key: str(value[key])}
    raise node.error(line, "'schema' is a type name, {policy-type: ID} (its policySchema) or {policy-status: ID} "
                           "(its statusSchema)")


def _save(node: Node, roots: tuple = SAVE_ROOTS) -> dict:
    value = node.get("save", dict, {})
    out = {}
    for var, path in value.items():
        line = value.key_line(var) if isinstance(value, LDict) else node.line
        if not isinstance(var, str) or not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", var):
            raise node.error(line, f"'{var}' is not a variable name")
        try:
            parts = parse_path(path)
        except PathError as err:
            raise node.error(line, f"bad save path: {err}") from None
        if parts[0] not in roots:
            raise node.error(line, f"save path '{path}' must start with one of: {', '.join(roots)}")
        out[var] = path
    return out


def _method(node: Node, value: Any, line: int) -> str:
    if not isinstance(value, str) or value.upper() not in METHODS:
        raise node.error(line, f"'{value}' is not an HTTP method{did_you_mean(str(value).upper(), METHODS)}",
                         f"methods: {', '.join(METHODS)}")
    return value.upper()


def _status(node: Node, value: Any, line: int) -> tuple:
    items = value if isinstance(value, list) else [value]
    for v in items:
        if not (isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 599):
            raise node.error(line, f"'status' must be an HTTP status code (100..599) or a list of them, not {v!r}")
    return tuple(items)


def _as(node: Node) -> str | None:
    """`as: NAME`: the step's messages are saved as the variable NAME (`${NAME.request.body}`)."""
    name = node.get("as", str)
    if name is not None and not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
        raise node.error(node.value_line("as"), f"'{name}' is not a variable name (letters, digits and _, "
                         "not starting with a digit)")
    return name


def _fail_on(node: Node, expect: HttpResponseCheck) -> tuple:
    """`fail_on: [codes]`: statuses that are a wrong answer, named as such (never also expected)."""
    if not node.has("fail_on"):
        return ()
    codes = _status(node, node.raw("fail_on"), node.value_line("fail_on"))
    clash = sorted(set(codes) & set(expect.status))
    if clash:
        raise node.error(node.value_line("fail_on"), f"status {clash[0]} is both expected and in 'fail_on'")
    return codes


def _request(node: Node, ctx) -> list:
    node.only(["request", "expect", "timer", "save", "clause", "as", "fail_on"])
    raw = node.required("request")
    line = node.value_line("request")
    if isinstance(raw, str):                          # shorthand 'GET /A1-P/v2/policytypes'
        method, _, path = raw.partition(" ")
        short = LDict({"method": method, "path": path.strip()})
        short.line = line
        r = Node(short, node.source, "request")
    else:
        r = Node.of(raw, node.source, line, "request")
    r.only(["method", "path", "query", "headers", "body", "raw", "template", "fields", "schema"])
    method = _method(r, r.get("method", str, required=True), r.value_line("method"))
    path = r.get("path", str, required=True)
    if not path.startswith("/") and not is_var(path):
        raise r.error(r.value_line("path"),
                      f"path '{path}' must start with '/' (the base URL comes from the lab profile)")
    query = plain(r.get("query", dict, {}))
    headers = _headers(r, "headers", matchers=False)
    given = [k for k in ("body", "raw", "template") if r.has(k)]
    if len(given) > 1:
        raise r.error(r.key_line(given[1]),
                      f"a request has one of body, raw, template; this one has {' and '.join(given)}")
    template = None
    if r.has("template"):
        name = r.get("template", str)
        template = ctx.templates.get(name)
        if not isinstance(template, BodyTemplate):
            bodies = sorted(n for n, t in ctx.templates.items() if isinstance(t, BodyTemplate))
            raise r.error(r.value_line("template"), f"unknown body template '{name}'{did_you_mean(name, bodies)}",
                          f"body templates: {', '.join(bodies) or 'none'}")
    fields = r.get("fields", dict, {})
    if fields and template is None:
        raise r.error(r.key_line("fields"), "'fields' override paths of a body template: give 'template' too")
    for key in fields:
        try:
            parse_path(key)
        except PathError as err:
            raise r.error(fields.key_line(key), f"bad body path: {err}") from None
    raw_body = r.get("raw", str)
    expect = _response_check(node, ctx)
    return [HttpRequestStep(method, path, query, headers, plain(r.raw("body")), raw_body, template, plain(fields),
                            _schema(r), expect, _timer(node), _save(node), node.get("clause", str, ctx.clause),
                            node.where(), name=_as(node), fail_on=_fail_on(node, expect))]


def _response_check(node: Node, ctx) -> HttpResponseCheck:
    if not node.has("expect"):
        raise node.error(node.line, "a request step needs 'expect' (at least the status code)",
                         "for example: expect: {status: 200}")
    e = Node.of(node.raw("expect"), node.source, node.value_line("expect"), "response expectation")
    e.only(["status", "headers", "body", "schema", "content-type", "admits"])
    status = _status(e, e.required("status"), e.value_line("status"))
    ctype = e.get("content-type", str)
    admits = plain(e.raw("admits")) if e.has("admits") else None
    if admits is not None and e.has("schema") and e.raw("schema") != "PolicyTypeObject":
        raise e.error(e.key_line("admits"), "'admits' checks a PolicyTypeObject's policySchema: the response "
                      "schema, when given, is PolicyTypeObject")
    return HttpResponseCheck(status, _headers(e, "headers", matchers=True), _matchers(e, "body", "body"),
                             _schema(e), ctype, e.where(), admits=admits)


def _reply(node: Node, key: str) -> HttpReply:
    r = Node.of(node.raw(key), node.source, node.value_line(key), "respond")
    r.only(["status", "headers", "body"])
    status = _status(r, r.get("status", int, 204), r.value_line("status"))[0]
    return HttpReply(status, _headers(r, "headers", matchers=False), plain(r.raw("body")), r.where())


def _expect_request(node: Node, ctx) -> list:
    node.only(["expect-request", "timer", "save", "clause", "respond", "as"])
    r = Node.of(node.required("expect-request"), node.source, node.value_line("expect-request"), "expect-request")
    r.only(["method", "path", "query", "headers", "body", "schema"])
    method = _method(r, r.get("method", str, required=True), r.value_line("method"))
    path = r.get("path", str, required=True)
    if not is_var(path):
        try:
            re.compile(path)
        except re.error as err:
            raise r.error(r.value_line("path"), f"path pattern /{path}/ does not compile: {err}") from None
    respond = _reply(node, "respond") if node.has("respond") else None
    return [ExpectRequestStep(method, path, _headers(r, "headers", matchers=True), _matchers(r, "body", "body"),
                              _schema(r), _timer(node), _save(node), node.get("clause", str, ctx.clause), respond,
                              node.where(), query=_matchers(r, "query", "query"), name=_as(node))]


def _respond(node: Node, ctx) -> list:
    node.only(["respond"])
    return [RespondStep(_reply(node, "respond"), node.where())]


def read_body_template(name: str, value: Any, source: Source, line: int) -> BodyTemplate:
    node = Node.of(value, source, line, f"template '{name}'")
    node.only(["json"])
    return BodyTemplate(name, plain(node.raw("json")), source.where(line))


def is_body_template(value: Any) -> bool:
    """A `templates:` entry with `json:` is an HTTP body (the others are E2AP messages)."""
    return isinstance(value, dict) and "json" in value


def _read_template(name: str, value: Any, source: Source, line: int, checker: Any) -> BodyTemplate:
    return read_body_template(name, value, source, line)        # A1 registers no name checker


A1_KINDS = {"request": _request, "expect-request": _expect_request, "respond": _respond,
            "restart": read_restart, "recover": read_recover, "notification-retry": read_notification_retry}
A1_INTERFACES = (protocols.Interface("near-rt-ric.a1", "a1", "near-rt-ric", "non-rt-ric"),
                 protocols.Interface("non-rt-ric.a1", "a1", "non-rt-ric", "near-rt-ric"))
# Registered by the A1 binding (harness/interfaces/a1/).
A1_PROTOCOL = protocols.Protocol(
    "a1", A1_INTERFACES, A1_KINDS, (HttpRequestStep, ExpectRequestStep, A1RecoverStep, NotificationRetryStep),
    {"request": {"expect", "save"}, "expect-request": {"save", "respond"}},
    no_check_hint="add a request step (its 'expect' checks the response) or an expect-request step",
    read_template=_read_template, owns_template=is_body_template)
