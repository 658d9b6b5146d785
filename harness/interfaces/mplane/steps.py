"""NETCONF step kinds for M-plane test cases: YAML -> typed steps, checked at collection.

Kinds (registered for protocol 'mplane', interface 'o-ru.mplane'):

* `connect`: SSH + hello to the O-RU (`outcome: ok | auth-failure | refused |
  no-hello`, optional `username` / `password` / `call_home`);
* `disconnect`: close-session and drop SSH;
* `rpc`: a named operation (RFC 6241 get, get-config, edit-config, lock, unlock,
  commit, cancel-commit, discard-changes, validate, close-session, kill-session;
  RFC 6022 get-schema; RFC 5277 create-subscription; O-RAN supervision-watchdog-reset)
  with `filter`, `config`, `params` (each operation's own keys, `RPC_PARAMS`,
  checked here with file:line), or `body:` raw XML (with ${vars}); `timer` bounds the wait for the reply; `as: NAME`
  saves the rpc as sent (`${NAME.params.x}`, `${NAME.message-id}`); every reply must echo
  the sent message-id (checked by the executor, never written in a spec);
* `expect-reply`: checks the last reply: `ok`, `rpc-error` (error-type, -tag, -severity,
  -path, -app-tag, -message, and `error-info` leaves such as session-id, each a matcher),
  `data` (XPath -> value or `$` matcher), `time-ahead` (a date-time leaf
  N +/- T seconds after the reply), `save` (variable -> XPath);
* `expect-notification`: the next notification named `name` within `timer`,
  with `match` (XPath -> matcher) and `save`;
* `expect-session-end`: the O-RU ends the session within `timer`.

XML given in a spec is parsed here (after blanking ${vars}), so a broken tag
is a spec error with file:line, not a red DUT result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from harness.interfaces.mplane import labsteps
from harness.interfaces.mplane import recovery_steps
from harness.spec import protocols
from harness.spec.match import check_spec
from harness.spec.reader import Node, is_number
from harness.spec.recovery import read_restart
from harness.spec.yamlload import LDict, plain

DATASTORES = ("running", "candidate", "startup")
WD_MODES = ("report-all", "report-all-tagged", "trim", "explicit")
# operation -> {param: allowed values (None: any)}; RFC 6241 clause 7 and 8, RFC 6243 4.5, RFC 6022 3.1
RPC_PARAMS: dict[str, dict[str, tuple | None]] = {
    "get": {"with-defaults": WD_MODES},
    "get-config": {"datastore": DATASTORES, "with-defaults": WD_MODES},
    "edit-config": {"datastore": DATASTORES, "default-operation": ("merge", "replace", "none"),
                    "test-option": ("test-then-set", "set", "test-only"),
                    "error-option": ("stop-on-error", "continue-on-error", "rollback-on-error")},
    "lock": {"datastore": DATASTORES},
    "unlock": {"datastore": DATASTORES},
    "commit": {"confirmed": (True, False), "confirm-timeout": None, "persist": None, "persist-id": None},
    "cancel-commit": {"persist-id": None},
    "discard-changes": {},
    "validate": {"datastore": DATASTORES},
    "get-schema": {"identifier": None, "version": None, "format": None},
    "kill-session": {"session-id": None},
    "close-session": {},
    "create-subscription": {"stream": None},
    "supervision-watchdog-reset": {"supervision-notification-interval": None, "guard-timer-overhead": None},
}
REQUIRED_PARAMS = {"get-schema": ("identifier",), "kill-session": ("session-id",)}
OPERATIONS = tuple(RPC_PARAMS)
RPC_ERROR_FIELDS = ("error-type", "error-tag", "error-severity", "error-app-tag", "error-path", "error-message",
                    "error-info")
OUTCOMES = ("ok", "auth-failure", "refused", "no-hello")
NAMESPACES = {
    "nc": "urn:ietf:params:xml:ns:netconf:base:1.0",
    "notif": "urn:ietf:params:xml:ns:netconf:notification:1.0",
    "sup": "urn:o-ran:supervision:1.0",
    "fm": "urn:o-ran:fm:1.0",
    "ops": "urn:o-ran:operations:1.0",
    "hw": "urn:ietf:params:xml:ns:yang:ietf-hardware",
}
_VAR = re.compile(r"\$\{[^}]*\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class ConnectStep:
    outcome: str
    username: Any
    password: Any
    call_home: bool
    timer: Any
    clause: str
    where: Any
    kind: str = "connect"


@dataclass(frozen=True)
class DisconnectStep:
    where: Any
    kind: str = "disconnect"


@dataclass(frozen=True)
class RpcStep:
    operation: str                 # a name from OPERATIONS, or 'raw' (then `body`)
    filter: tuple | None           # ('subtree', xml) | ('xpath', expression)
    config: str | None             # edit-config <config> content (XML text, ${vars} allowed)
    params: dict                   # operation parameters (watchdog: interval, guard; edit-config: default-operation)
    body: str | None               # raw operation XML (operation 'raw')
    timer: Any
    where: Any
    kind: str = "rpc"
    name: str | None = None        # `as:` the rpc as sent ({operation, message-id, params}) is saved as this variable


@dataclass(frozen=True)
class ExpectReplyStep:
    ok: bool
    rpc_error: dict | None         # {'error-tag': .., 'error-type': ..} (matchers allowed)
    data: dict                     # XPath -> matcher
    time_ahead: dict | None        # {'xpath': .., 'seconds': .., 'tolerance': ..}
    namespaces: dict
    save: dict                     # variable -> XPath
    clause: str
    where: Any
    kind: str = "expect-reply"


@dataclass(frozen=True)
class ExpectNotificationStep:
    name: str                      # local name of the notification's content element
    match: dict
    namespaces: dict
    save: dict
    timer: Any
    clause: str
    where: Any
    kind: str = "expect-notification"


@dataclass(frozen=True)
class ExpectSessionEndStep:
    timer: Any
    clause: str
    where: Any
    kind: str = "expect-session-end"


def _timer(node: Node) -> Any:
    timer = node.get("timer", float, None, allow_var=True)
    if is_number(timer) and timer <= 0:
        raise node.error(node.value_line("timer"), f"'timer' must be more than 0 seconds, not {timer}")
    return timer


def _xml(node: Node, key: str, text: str, what: str) -> None:
    """Refuse XML that does not parse (variables blanked first)."""
    try:
        etree.fromstring(_VAR.sub("0", text).encode())
    except etree.XMLSyntaxError as err:
        raise node.error(node.value_line(key), f"{what} is not well-formed XML: {err}") from None


def _namespaces(node: Node) -> dict:
    value = node.get("namespaces", dict, {})
    for prefix, uri in value.items():
        if not isinstance(uri, str) or not _NAME.match(str(prefix)):
            raise node.error(node.value_line("namespaces"), f"namespace prefix '{prefix}' needs a URI string")
    return {**NAMESPACES, **plain(value)}


def _xpath(node: Node, key: str, expr: Any, namespaces: dict, line: int) -> None:
    if not isinstance(expr, str):
        raise node.error(line, f"'{key}' needs XPath expressions as keys, not {expr!r}")
    try:
        etree.XPath(_VAR.sub("0", expr), namespaces=namespaces)
    except etree.XPathSyntaxError as err:
        raise node.error(line, f"bad XPath {expr!r}: {err}") from None
    except etree.XPathEvalError as err:   # unknown prefix
        raise node.error(line, f"XPath {expr!r}: {err} (prefixes: {', '.join(sorted(namespaces))})") from None


def _xpath_map(node: Node, key: str, namespaces: dict, matchers: bool) -> dict:
    value = node.get(key, dict, {})
    for expr, sub in value.items():
        line = value.key_line(expr) if isinstance(value, LDict) else node.value_line(key)
        _xpath(node, key, expr, namespaces, line)
        if matchers:
            for path, problem in check_spec(plain(sub)):
                raise node.error(line, f"{key} {expr}: matcher {path or '(whole)'}: {problem}")
        elif not isinstance(sub, str) or not _NAME.match(str(expr)):
            pass
    return plain(value)


def _save(node: Node, namespaces: dict) -> dict:
    value = node.get("save", dict, {})
    for var, expr in value.items():
        line = value.key_line(var) if isinstance(value, LDict) else node.value_line("save")
        if not isinstance(var, str) or not _NAME.match(var):
            raise node.error(line, f"'{var}' is not a variable name")
        _xpath(node, "save", expr, namespaces, line)
    return plain(value)


# ---------------------------------------------------------------------- readers
def _connect(node: Node, ctx) -> list:
    node.only(["connect"])
    value = node.data["connect"]
    c = Node.of(value if value is not None else {}, node.source, node.value_line("connect"), "connect")
    c.only(["outcome", "username", "password", "call_home", "timer", "clause"])
    return [ConnectStep(c.get("outcome", str, "ok", choices=OUTCOMES), c.get("username", str, None, allow_var=True),
                        c.get("password", str, None, allow_var=True), c.get("call_home", bool, False), _timer(c),
                        c.get("clause", str, ctx.clause), node.where())]


def _disconnect(node: Node, ctx) -> list:
    node.only(["disconnect"])
    return [DisconnectStep(node.where())]


def _rpc(node: Node, ctx) -> list:
    node.only(["rpc", "filter", "config", "params", "body", "timer", "as"])
    op = node.get("rpc", str, required=True, choices=OPERATIONS + ("raw",))
    filt = None
    if node.has("filter"):
        f = Node.of(node.data["filter"], node.source, node.value_line("filter"), "filter")
        f.only(["subtree", "xpath"])
        if f.has("subtree") == f.has("xpath"):
            raise f.error(f.line, "a filter is either 'subtree' (XML) or 'xpath' (an expression)")
        if f.has("subtree"):
            text = f.get("subtree", str, required=True)
            _xml(f, "subtree", f"<f>{text}</f>", "the subtree filter")
            filt = ("subtree", text)
        else:
            text = f.get("xpath", str, required=True)
            _xpath(f, "xpath", text, NAMESPACES, f.value_line("xpath"))
            filt = ("xpath", text)
        if op not in ("get", "get-config"):
            raise node.error(node.key_line("filter"), f"'filter' belongs to get or get-config, not {op}")
    config = node.get("config", str, None)
    if config is not None:
        _xml(node, "config", f"<c>{config}</c>", "'config'")
    if config is not None and op != "edit-config":
        raise node.error(node.key_line("config"), f"'config' belongs to edit-config, not {op}")
    if op == "edit-config" and config is None:
        raise node.error(node.value_line("rpc"), "edit-config needs 'config' (the XML to merge)")
    body = node.get("body", str, None)
    if op == "raw":
        if body is None:
            raise node.error(node.value_line("rpc"), "rpc: raw needs 'body' (the operation's XML)")
        _xml(node, "body", body, "'body'")
    elif body is not None:
        raise node.error(node.key_line("body"), f"'body' is for rpc: raw; {op} is built from its parameters")
    name = node.get("as", str)
    if name is not None and not _NAME.match(name):
        raise node.error(node.value_line("as"), f"'{name}' is not a variable name")
    if op == "commit" and node.has("params"):
        p = node.data["params"] or {}
        if ("confirm-timeout" in p or "persist" in p) and p.get("confirmed") is not True:
            raise node.error(node.value_line("params"), "confirm-timeout and persist belong to a confirmed "
                             "commit: add 'confirmed: true' (RFC 6241 8.4.5.1)")
    return [RpcStep(op, filt, config, _params(node, op), body, _timer(node), node.where(), name=name)]


def _params(node: Node, op: str) -> dict:
    """The operation's parameters: only its own keys, values from their choices (unless ${vars})."""
    value = node.get("params", dict, {})
    allowed = RPC_PARAMS.get(op)
    if allowed is None:              # raw: the body says it all
        if value:
            raise node.error(node.key_line("params"), "rpc: raw takes no 'params': put them in 'body'")
        return {}
    for key, v in value.items():
        line = value.key_line(key) if isinstance(value, LDict) else node.value_line("params")
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            raise node.error(line, f"{op} has no parameter '{key}' (its parameters: {known})")
        choices = allowed[key]
        if choices is not None and not (isinstance(v, str) and _VAR.search(v)) and v not in choices:
            raise node.error(line, f"{op} {key}: {v!r} is not one of {', '.join(map(str, choices))}")
        if choices is None and isinstance(v, (dict, list)):
            raise node.error(line, f"{op} {key}: needs a single value, not {type(v).__name__}")
    for key in REQUIRED_PARAMS.get(op, ()):
        if key not in value:
            raise node.error(node.value_line("rpc"), f"{op} needs params: {{{key}: ...}}")
    return plain(value)


def _expect_reply(node: Node, ctx) -> list:
    node.only(["expect-reply", "namespaces", "save", "clause"])
    value = node.data["expect-reply"]
    if value == "ok":
        value = {"ok": True}
    e = Node.of(value, node.source, node.value_line("expect-reply"), "expect-reply")
    e.only(["ok", "rpc-error", "data", "time-ahead"])
    ns = _namespaces(node)
    rpc_error = None
    if e.has("rpc-error"):
        r = Node.of(e.data["rpc-error"], e.source, e.value_line("rpc-error"), "rpc-error")
        r.only(list(RPC_ERROR_FIELDS))
        rpc_error = plain(r.data)
        for path, problem in check_spec(rpc_error):
            raise r.error(r.line, f"rpc-error matcher {path}: {problem}")
    ok = e.get("ok", bool, False)
    data = _xpath_map(e, "data", ns, matchers=True)
    if ok and (rpc_error is not None or data):
        raise e.error(e.key_line("ok"), "a reply is either <ok/>, an rpc-error or data; pick one")
    if not ok and rpc_error is None and not data and not e.has("time-ahead"):
        raise e.error(e.line, "expect-reply needs 'ok', 'rpc-error', 'data' or 'time-ahead': it would check nothing")
    ahead = None
    if e.has("time-ahead"):
        t = Node.of(e.data["time-ahead"], e.source, e.value_line("time-ahead"), "time-ahead")
        t.only(["xpath", "seconds", "tolerance"])
        xp = t.get("xpath", str, required=True)
        _xpath(t, "xpath", xp, ns, t.value_line("xpath"))
        ahead = {"xpath": xp, "seconds": t.get("seconds", float, required=True, allow_var=True),
                 "tolerance": t.get("tolerance", float, 1.0, allow_var=True)}
    return [ExpectReplyStep(ok, rpc_error, data, ahead, ns, _save(node, ns), node.get("clause", str, ctx.clause),
                            node.where())]


def _expect_notification(node: Node, ctx) -> list:
    node.only(["expect-notification", "match", "namespaces", "save", "timer", "clause"])
    name = node.get("expect-notification", str, required=True)
    ns = _namespaces(node)
    return [ExpectNotificationStep(name, _xpath_map(node, "match", ns, matchers=True), ns, _save(node, ns),
                                   _timer(node), node.get("clause", str, ctx.clause), node.where())]


def _expect_session_end(node: Node, ctx) -> list:
    node.only(["expect-session-end"])
    value = node.data["expect-session-end"]
    e = Node.of(value if value is not None else {}, node.source, node.value_line("expect-session-end"),
                "expect-session-end")
    e.only(["timer", "clause"])
    return [ExpectSessionEndStep(_timer(e), e.get("clause", str, ctx.clause), node.where())]


MPLANE_KINDS = {"connect": _connect, "disconnect": _disconnect, "rpc": _rpc, "expect-reply": _expect_reply,
                "expect-notification": _expect_notification, "expect-session-end": _expect_session_end,
                **labsteps.LAB_KINDS,      # the lab's file server, the CU-plane cross-check (labsteps.py)
                **recovery_steps.KINDS, "restart": read_restart}   # supervision loss and recovery
MPLANE_INTERFACES = (protocols.Interface("o-ru.mplane", "mplane", "o-ru", "o-du"),)
# Registered by the M-plane binding (harness/interfaces/mplane/).
MPLANE_PROTOCOL = protocols.Protocol(
    "mplane", MPLANE_INTERFACES, MPLANE_KINDS,
    (ConnectStep, ExpectReplyStep, ExpectNotificationStep, ExpectSessionEndStep, *labsteps.CHECKING_STEPS,
     recovery_steps.RecoverStep),
    {"expect-reply": {"save"}, "expect-notification": {"save"}},
    no_check_hint="add a request step (its 'expect' checks the response) or an expect-request step")
