"""Executing HTTP steps (A1): request, expect-request, respond.

Theory of operation: `HttpEnv` holds the client towards the DUT's API (the DUT
is the server) and the harness's own server (the DUT is the client, or posts
notifications to the callback). A `request` step sends one request and checks
the response in a fixed order -- wrong answer (`fail_on`), redirect, status, size,
headers, content type, JSON, JSON Schema, body matchers, `admits` -- reporting
every problem at once. An
`expect-request` takes the next request the DUT sent within its timer and
checks it the same way; its reply is the inline `respond`, else the next
`respond` step, else 204 when the next step starts.

A relative `Location` is resolved against the request URI (RFC 7231 7.1.2, RFC
3986 5.2) before any check or save sees it. `as: NAME` saves the request and the
response (`${NAME.request.body}`, `{$echo: NAME.response.headers.location}`), so
a later step refers to what was sent instead of copying it. A step marked
`precondition: true` (a PreambleStep) turns its FAILs into INCONC: the DUT was
not judged on the test purpose.

Blame: whatever the DUT sends or fails to send is a FAIL; the lab's URL, TLS
material, a policy type the harness does not know, or a request the spec
itself builds wrongly is an ERROR. Every message names the method and path.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from harness.http.client import HttpClient, HttpDutError, HttpLabError
from harness.http.evidence import HttpEntry
from harness.http.messages import NOT_JSON, HttpMessage
from harness.interfaces.a1.http_schemas import SchemaLookupError
from harness.interfaces.a1.http_schemas import problems as schema_problems
from harness.interfaces.a1.schemas import check_schema, validate
from harness.runner.context import StepContext
from harness.runner.registry import register_executor
from harness.spec import match as matching
from harness.spec import paths
from harness.spec.model import (
    ExpectRequestStep,
    HttpReply,
    HttpRequestStep,
    RespondStep,
)
from harness.core.verdict import Finding, Verdict

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


@dataclass
class HttpEnv:
    """What HTTP steps run against.

    Attributes:
        client: requests to the DUT's API (None when the DUT is only a client).
        server: the harness's server (None when the DUT only serves).
        policy_types: policy type id -> PolicyType, for `schema: {policy-type: ID}`.
        callback_url: where the DUT sends notifications (the server's URL + path prefix).
        policy_variables: the lab's policy PIXIT (harness/interfaces/a1/policy.py): ${policy_type_id}, ...
    """

    client: HttpClient | None = None
    server: Any = None
    policy_types: dict = field(default_factory=dict)
    callback_url: str | None = None
    policy_variables: dict = field(default_factory=dict)

    def variables(self) -> dict:
        out = dict(self.policy_variables)
        if self.server is not None:
            out["harness_url"] = self.server.base_url
        if self.callback_url:
            out["callback_url"] = self.callback_url
        if self.client is not None:
            out["dut_url"] = self.client.base_url
        return out


class _State:
    """Per-run HTTP state: the request awaiting a reply."""

    def __init__(self) -> None:
        self.pending: tuple | None = None        # (Incoming, step) the last expect-request matched, not yet answered


def _state(ctx: StepContext) -> _State:
    def make() -> _State:
        ctx.add_finisher(lambda: _finish(ctx))
        return _State()
    return ctx.state("http", make)


def _env(ctx: StepContext) -> HttpEnv:
    if not isinstance(ctx.env, HttpEnv):
        ctx.error("http.env", "this run has no HTTP set-up (the lab profile has no a1: block)")
    return ctx.env


def record(ctx: StepContext, message: HttpMessage, step, role: str, label: str | None = None) -> HttpEntry:
    what = label or (f"{message.method} {message.path}" if message.kind == "request"
                     else f"{message.status} {message.reason}".strip())
    return ctx.exchange.add_entry(lambda i: HttpEntry(i, message, ctx.where(step) if step else "after the last step",
                                                      what, role))


def _fail(ctx: StepContext, out: list, step, check: str, message: str, entry=None, **kw) -> None:
    out.append(Finding(Verdict.FAIL, check, message, clause=ctx.clause(step),
                       step=ctx.where(step), evidence=(entry.index,) if entry else (), **kw))


def _stop_if(ctx: StepContext, found: list) -> None:
    ctx.add_all(found)


def _seconds(ctx: StepContext, step) -> float:
    return ctx.timer(step.timer, ctx.timers.expect)


# ---------------------------------------------------------------------- shared checks
def _check_message(ctx: StepContext, step, msg: HttpMessage, entry, where: str, *, headers: dict, body: Any,
                   schema: Any, content_type: str | None, out: list, resolved: dict | None = None) -> Any:
    """Headers, content type, JSON, body matchers and schema of ``msg``; returns the parsed body.

    ``resolved``: header values to judge instead of the raw ones (a relative Location made absolute).
    """
    resolved = resolved or {}
    for name, matcher in headers.items():
        expected = ctx.resolve(matcher)
        raw = msg.header(name)
        observed = resolved.get(name, raw)
        note = f" (Location {raw!r} resolved against the request URI: {observed})" if observed != raw else ""
        for miss in matching.match(expected, matching.ABSENT if observed is None else observed, f"headers.{name}",
                                   ctx.vars):
            _fail(ctx, out, step, "http.header", f"{where}: {miss}{note}", entry, ie_path=miss.path,
                  expected=miss.expected, observed=miss.observed)
    wants_json = body is not None or schema is not None or content_type is not None
    if not wants_json:
        return msg.json()
    want_type = content_type or (PROBLEM_JSON if schema == "ProblemDetails" else JSON)
    if msg.media_type != want_type:
        _fail(ctx, out, step, "http.content-type",
              f"{where}: Content-Type is {msg.media_type or 'absent'!s}, expected {want_type}", entry,
              expected=want_type, observed=msg.header("content-type"))
    parsed = msg.json()
    if msg.truncated:
        return parsed
    if parsed is NOT_JSON:
        _fail(ctx, out, step, "http.json", f"{where}: the body is not JSON: {_json_error(msg.body)}", entry)
        return parsed
    if parsed is None:
        _fail(ctx, out, step, "http.body", f"{where}: the body is empty, expected JSON", entry)
        return parsed
    if schema is not None:                   # the shape first: a matcher on a wrongly shaped body says less
        ref = ctx.resolve(schema)
        try:
            found = schema_problems(parsed, ref, _env(ctx).policy_types)
        except SchemaLookupError as err:
            ctx.error("http.schema-lookup", f"{where}: {err}")
        name = ref if isinstance(ref, str) else _schema_label(ref)
        for p in found:
            _fail(ctx, out, step, "http.schema", f"{where}: body is not a valid {name}: {p}", entry,
                  ie_path=p.json_path)
    if body is not None:
        for miss in matching.match(ctx.resolve(body), parsed, "body", ctx.vars):
            _fail(ctx, out, step, "http.body", f"{where}: {miss}", entry, ie_path=miss.path,
                  expected=miss.expected, observed=miss.observed)
    return parsed


def _schema_label(ref: dict) -> str:
    kind, type_id = next(iter(ref.items()))
    return f"{'policy' if kind == 'policy-type' else 'policy status'} of type {type_id}"


def _json_error(data: bytes) -> str:
    try:
        json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        return f"not UTF-8 ({err.reason} at octet {err.start})"
    except json.JSONDecodeError as err:
        return f"{err.msg} at line {err.lineno} column {err.colno}"
    return "?"


def _save(ctx: StepContext, step, spec: dict, msg: HttpMessage, parsed: Any, extra: dict | None = None,
          resolved: dict | None = None) -> None:
    resolved = resolved or {}
    for var, text in spec.items():
        parts = paths.parse_path(text)
        root = parts[0]
        value: Any
        if root == "status":
            value = msg.status
        elif root == "headers":
            value = resolved.get(str(parts[1]).lower(), msg.header(str(parts[1]))) if len(parts) > 1 \
                else {**dict(msg.headers), **resolved}
            if value is None:
                ctx.fail("http.save", f"cannot save {text}: no {parts[1]} header")
        elif root == "path":
            value = msg.path
        elif root == "query":
            q = {k: v[0] for k, v in parse_qs(urlsplit(msg.target).query).items()}
            value = q.get(str(parts[1])) if len(parts) > 1 else q
        else:
            try:
                value = paths.get_path({"body": parsed}, parts)
            except paths.PathError as err:
                ctx.fail("http.save", f"cannot save {text}: {err}")
        ctx.vars[var] = value
    ctx.vars.update(extra or {})


def _json_or_none(msg: HttpMessage) -> Any:
    parsed = msg.json()
    return None if parsed is NOT_JSON else parsed


def message_view(msg: HttpMessage, resolved: dict | None = None, uri: str | None = None) -> dict:
    """What `as: NAME` keeps of one message: a plain mapping the specs can walk (header names in lower case).

    A request: method, path, query, headers, body (JSON, else None), uri. A response: status, headers
    (a relative Location resolved), body, location.
    """
    headers = {str(k).lower(): v for k, v in msg.headers}
    headers.update(resolved or {})
    if msg.kind == "request":
        return {"method": msg.method, "path": msg.path, "uri": uri,
                "query": {k: v[-1] for k, v in parse_qs(urlsplit(msg.target).query).items()},
                "headers": headers, "body": _json_or_none(msg)}
    return {"status": msg.status, "headers": headers, "body": _json_or_none(msg),
            "location": headers.get("location")}


def request_uri(base_url: str, target: str) -> str:
    """The absolute URI of a request: scheme and authority of the base URL, then the request target."""
    base = urlsplit(base_url)
    return f"{base.scheme}://{base.netloc}{target}"


def _resolved_location(resp: HttpMessage, uri: str | None) -> dict:
    """{'location': absolute URI} for a Location header (relative ones resolved against ``uri``)."""
    location = resp.header("location")
    if location is None or not uri:
        return {}
    return {"location": urljoin(uri, location.strip())}


def _admits(ctx: StepContext, step, parsed: Any, entry, where: str, out: list) -> None:
    """`expect.admits`: the returned PolicyTypeObject's policySchema accepts the given policy.

    A DUT whose type does not accept the lab's body may rightly refuse it; in a `precondition: true`
    step this FAIL becomes INCONC, so a lab body that does not fit the DUT never counts against it.
    """
    policy = ctx.resolve(step.expect.admits)
    schema = parsed.get("policySchema") if isinstance(parsed, dict) else None
    bad = check_schema(schema)
    if bad or not isinstance(schema, dict):
        _fail(ctx, out, step, "http.admits", f"{where}: the body has no usable policySchema: "
              f"{bad[0] if bad else 'not a JSON object'}", entry)
        return
    for p in validate(policy, schema)[:3]:
        _fail(ctx, out, step, "http.admits", f"{where}: the DUT's policySchema does not accept the lab's policy "
              f"(a1.policy): {p}", entry, ie_path=p.json_path)


# ---------------------------------------------------------------------- request
def _body_bytes(ctx: StepContext, step: HttpRequestStep) -> tuple[bytes, Any]:
    if step.raw_body is not None:
        return ctx.resolve(step.raw_body).encode("utf-8"), None
    if step.template is not None:
        value = copy.deepcopy(step.template.body)
        for path, v in step.fields.items():
            try:
                value = paths.set_path(value, paths.parse_path(path), copy.deepcopy(v))
            except paths.PathError as err:
                ctx.error("spec.request", f"body field {path}: {err}")
    elif step.body is not None:
        value = step.body
    else:
        return b"", None
    value = ctx.resolve(value)
    return json.dumps(value).encode("utf-8"), value


def run_request(ctx: StepContext, step: HttpRequestStep) -> None:
    env = _env(ctx)
    _flush(ctx, step)
    if env.client is None:
        ctx.error("http.env", "the DUT profile gives no A1-P URL (endpoints.a1) to send to")
    path = ctx.resolve(step.path)
    query = ctx.resolve(dict(step.query))
    headers = ctx.resolve(dict(step.headers))
    data, value = _body_bytes(ctx, step)
    where = f"{step.method} {env.client.target(path, query)}"
    if step.schema is not None and value is not None:
        try:
            found = schema_problems(value, ctx.resolve(step.schema), env.policy_types)
        except SchemaLookupError as err:
            ctx.error("http.schema-lookup", f"{where}: {err}")
        if found:
            ctx.error("spec.request-schema",
                      f"{where}: the spec's own request body breaks its schema: {found[0]}")
    if data and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = JSON
    timer = _seconds(ctx, step)
    try:
        done = env.client.request(step.method, path, query=query, headers=headers, body=data, timeout=timer)
    except HttpLabError as err:
        ctx.error("http.lab", str(err))
    except HttpDutError as err:
        entry = record(ctx, err.request, step, "sent") if err.request is not None else None
        ctx.fail(err.check, str(err), evidence=(entry.index,) if entry else ())
    record(ctx, done.request, step, "sent")
    resp = done.response
    entry = record(ctx, resp, step, "matched")
    uri = request_uri(env.client.base_url, done.request.target)
    _stop_if(ctx, judge_response(ctx, step, where, resp, entry, env.client.max_body, request=done.request,
                                 uri=uri))


def judge_response(ctx: StepContext, step: HttpRequestStep, where: str, resp: HttpMessage, entry,
                   max_body: int, *, request: HttpMessage | None = None, uri: str | None = None) -> list:
    """Every check of ``step.expect`` on ``resp``; the FAIL findings (none: PASS recorded, saves done).

    ``uri`` is the request's absolute URI (a relative Location is resolved against it); ``request``
    the request as sent (with ``uri``, kept by `as:`). Shared by the live runner and the capture
    observer (harness/interfaces/a1/observe.py).
    """
    check = step.expect
    out: list = []
    resolved = _resolved_location(resp, uri)
    if step.name:
        ctx.vars[step.name] = {"request": message_view(request, uri=uri) if request is not None else None,
                               "response": message_view(resp, resolved)}
    where_status = f"{where} answered {resp.status}"
    if resp.status in step.fail_on:
        _fail(ctx, out, step, "http.wrong-answer", f"{where_status}: a wrong answer, expected "
              f"{_codes(check.status) or 'another status'}{_problem_detail(resp)}", entry,
              expected=list(check.status), observed=resp.status)
    elif 300 <= resp.status < 400 and resp.status not in check.status:
        _fail(ctx, out, step, "http.redirect", f"{where_status} (redirect to {resp.header('location') or '?'}); "
              "the harness does not follow redirects", entry, expected=list(check.status), observed=resp.status)
    elif check.status and resp.status not in check.status:
        detail = _problem_detail(resp)
        _fail(ctx, out, step, "http.status", f"{where_status}, expected {_codes(check.status)}{detail}", entry,
              expected=list(check.status), observed=resp.status)
    if resp.truncated:
        _fail(ctx, out, step, "http.body-size", f"{where}: the response body is over the harness's cap of "
              f"{max_body} octets", entry)
    if out:
        return out
    parsed = _check_message(ctx, step, resp, entry, where, headers=check.headers, body=check.body,
                            schema=check.schema, content_type=check.content_type, out=out, resolved=resolved)
    if not out and check.admits is not None:
        _admits(ctx, step, parsed, entry, where, out)
    if out:
        return out
    ctx.pass_("http.response", f"{where_status} and every check on the response passed",
              evidence=(entry.index,))
    _save(ctx, step, step.save, resp, parsed, resolved=resolved)
    return out


def _codes(codes: tuple) -> str:
    return " or ".join(map(str, codes))


def _problem_detail(resp: HttpMessage) -> str:
    body = resp.json()
    if isinstance(body, dict) and (body.get("detail") or body.get("title")):
        return f" ({str(body.get('detail') or body.get('title'))[:120]})"
    return ""


# ---------------------------------------------------------------------- expect-request / respond
def run_expect_request(ctx: StepContext, step: ExpectRequestStep) -> None:
    env = _env(ctx)
    _flush(ctx, step)
    if env.server is None:
        ctx.error("http.env", "the harness has no HTTP server for the DUT to call")
    pattern = ctx.resolve(step.path)
    wanted = f"{step.method} {pattern}"
    timer = _seconds(ctx, step)
    deadline = time.monotonic() + timer
    incoming = env.server.next_request(deadline - time.monotonic())
    if incoming is None:
        ctx.fail("http.expect-request.timer",
                 f"no request {wanted} from the DUT within {timer:g} s")
    msg = incoming.request
    where = f"{msg.method} {msg.path}"
    entry = record(ctx, msg, step, "matched")
    state = _state(ctx)
    if incoming.auto:                        # the server gave up waiting for the runner: the reply is gone
        _answered(ctx, incoming, step)
    if incoming.problem:
        entry.role = "unexpected"
        _answered(ctx, incoming, step)
        ctx.fail(incoming.check, f"{where}: {incoming.problem}",
                 evidence=(entry.index,))
    _name_request(ctx, step, msg)
    m, out, _parsed = judge_request(ctx, step, msg, entry, pattern)
    if m is None:
        entry.role = "unexpected"
        incoming.answer(404, {"Content-Type": PROBLEM_JSON},
                        json.dumps({"status": 404, "title": "not what the test case expected"}).encode())
        _answered(ctx, incoming, step)
        ctx.fail("http.request", f"received {where} while waiting for {wanted}",
                 expected=wanted, observed=where, evidence=(entry.index,))
    if out:
        incoming.answer(400, {"Content-Type": PROBLEM_JSON},
                        json.dumps({"status": 400, "title": "the request broke the test case's checks"}).encode())
        _answered(ctx, incoming, step)
    _stop_if(ctx, out)
    if step.respond is not None:
        _reply(ctx, incoming, step.respond, step)
    else:
        state.pending = (incoming, step)


def judge_request(ctx: StepContext, step: ExpectRequestStep, msg: HttpMessage, entry, pattern: str):
    """(path match or None when method/path are not the step's, FAIL findings, parsed body).

    With no findings, the PASS is recorded and the step's saves are done. Shared by the
    live runner and the capture observer.
    """
    where = f"{msg.method} {msg.path}"
    try:
        m = re.fullmatch(pattern, msg.path)
    except re.error as err:
        ctx.error("spec.path", f"path pattern /{pattern}/ does not compile: {err}")
    if msg.method != step.method or m is None:
        return None, [], None
    out: list = []
    if step.query is not None:
        observed = {k: v[-1] for k, v in parse_qs(urlsplit(msg.target).query).items()}
        for miss in matching.match(ctx.resolve(step.query), observed, "query", ctx.vars):
            _fail(ctx, out, step, "http.query", f"{where}: {miss}", entry, ie_path=miss.path,
                  expected=miss.expected, observed=miss.observed)
    parsed = _check_message(ctx, step, msg, entry, where, headers=step.headers, body=step.body,
                            schema=step.schema, content_type=None, out=out)
    if out:
        return m, out, parsed
    ctx.pass_("http.request", f"received {where} and every check on it passed",
              evidence=(entry.index,))
    _save(ctx, step, step.save, msg, parsed, {k: v for k, v in m.groupdict().items() if v is not None})
    return m, out, parsed


def _name_request(ctx: StepContext, step: ExpectRequestStep, msg: HttpMessage) -> None:
    """`as: NAME` on an expect-request: the DUT's request, before any check (a later step may echo it)."""
    if step.name:
        ctx.vars[step.name] = {"request": message_view(msg), "response": None}


def run_respond(ctx: StepContext, step: RespondStep) -> None:
    state = _state(ctx)
    if state.pending is None:
        ctx.error("spec.respond", "no request to respond to (respond follows an expect-request "
                  "without its own respond)")
    incoming, _ = state.pending
    state.pending = None
    _reply(ctx, incoming, step.reply, step)


def _reply(ctx: StepContext, incoming, reply: HttpReply, step) -> None:
    headers = ctx.resolve(dict(reply.headers))
    body = ctx.resolve(reply.body)
    data = b""
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = PROBLEM_JSON if reply.status >= 400 else JSON
    incoming.answer(reply.status, headers, data)
    _answered(ctx, incoming, step)


def _answered(ctx: StepContext, incoming, step) -> None:
    """Record what was sent back; an answer the server gave on its own (503) is an ERROR."""
    late = _recorded_answer(ctx, incoming, step)
    if late is not None:
        ctx.add(late)


def _recorded_answer(ctx: StepContext, incoming, step) -> Finding | None:
    if incoming.response is not None:
        record(ctx, incoming.response, step, "sent")
    if not incoming.auto or incoming.reported:
        return None
    incoming.reported = True
    return late_finding(incoming, ctx.clause(step), ctx.where(step) if step is not None else None)


def late_finding(incoming, clause: str = "", step: str | None = None) -> Finding:
    """The ERROR for a request the harness's server answered 503 on its own (the harness's fault)."""
    msg = incoming.request
    status = incoming.response.status if incoming.response is not None else 503
    return Finding(Verdict.ERROR, "http.harness-reply",
                   f"{msg.method} {msg.path}: the harness answered {status} without the test case's reply "
                   f"({incoming.auto}); the harness failed here, not the DUT", clause=clause, step=step)


def after_the_steps(exchange, server) -> list[Finding]:
    """What the DUT sent once the steps were over, for a run to add after the server stopped.

    Requests that came after the steps (answered 503 at once: the test case had ended) are evidence
    only. Requests the server answered on its own that no step saw are ERRORs (the harness's fault).
    """
    for incoming in list(server.after_close):
        _evidence(exchange, incoming)
    out = []
    for incoming in server.unreported():
        incoming.reported = True
        evidence = _evidence(exchange, incoming)
        out.append(dataclasses.replace(late_finding(incoming), evidence=evidence))
    return out


def _evidence(exchange, incoming) -> tuple:
    """Add a request nobody read, and what the server answered, to the evidence; their indexes."""
    indexes = []
    for message, role in ((incoming.request, "unread"), (incoming.response, "sent")):
        if message is not None:
            what = (f"{message.method} {message.path}" if message.kind == "request"
                    else f"{message.status} {message.reason}".strip())
            indexes.append(exchange.add_entry(
                lambda i, m=message, w=what, r=role: HttpEntry(i, m, "after the last step", w, r)).index)
    return tuple(indexes)


def _flush(ctx: StepContext, step) -> None:
    """Answer a request still waiting (204) before the next step goes on."""
    state = _state(ctx)
    if state.pending is not None:
        incoming, by = state.pending
        state.pending = None
        incoming.answer(204)
        _answered(ctx, incoming, by)


def _finish(ctx: StepContext) -> None:
    _flush(ctx, None)
    server = ctx.env.server if isinstance(ctx.env, HttpEnv) else None
    if server is None:
        return
    server.close_intake()                        # from now on the server answers at once (evidence: run.py)
    late = []
    while True:                                  # evidence: requests nobody awaited
        incoming = server.next_request(0)
        if incoming is None:
            break
        incoming.answer(503)
        record(ctx, incoming.request, None, "unread")
        finding = _recorded_answer(ctx, incoming, None)
        if finding is not None:
            late.append(finding)
    ctx.add_all(late)


register_executor(HttpRequestStep, run_request)
register_executor(ExpectRequestStep, run_expect_request)
register_executor(RespondStep, run_respond)
