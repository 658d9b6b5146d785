"""Near-RT RIC A1-P producer simulator: a real HTTP(S) server on loopback.

It plays the Near-RT RIC of O-RAN.WG2.A1AP-v03.01 when the DUT is a Non-RT
RIC (and is the reference peer for the harness's own A1 client): policy types
come from files (`harness.interfaces.a1.model.load_policy_types`), policies live in
memory, and the procedures of clause 5 behave as clause 6.2 lists:

* create (PUT on a new policy id) validates the body against the type's
  policySchema (400 ProblemDetails naming the JSON path otherwise), answers 201
  with a Location header and the policy, and sends a first status notification
  to the ``notificationDestination`` query parameter when one was given;
* update (PUT on an existing id) answers 200; delete answers 204; GET answers
  the policy, its status, the type, or the id lists;
* unknown types or policies are 404, a method a resource does not take is 405
  with Allow, a body that is not JSON is 400, a non-JSON content type 415, a
  missing or wrong OAuth2 bearer token 401 with WWW-Authenticate (RFC 6750),
  and a simulator made unavailable (trigger ``set-available``) 503 with
  Retry-After.

Restart (trigger ``restart`` {down_for}): the server closes its port for real and opens it
again after ``down_for`` seconds; the policies survive when the simulator is `persistent`
(the DUT profile's ``a1.persistent_policies``, default true). A status notification whose
destination is down (refused, 5xx) is tried again every ``retry_interval`` seconds for up to
``retry_for`` seconds. Faults no-recover, slow-recover, lose-policies and
no-notification-retry break these on purpose.

Faults (`harness.interfaces.a1.sim.faults.RIC_FAULTS`) bend only successful answers and
notifications, so the error paths stay a reliable reference. Redirected
requests (under ``/moved``) are served without faults.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from harness.interfaces.a1 import model, schemas
from harness.interfaces.a1.model import A1PathError, PolicyType
from harness.http.client import HttpClient, HttpDutError, HttpLabError
from harness.interfaces.a1.sim import hostile as a1_hostile
from harness.interfaces.a1.sim.faults import RIC_FAULTS, active, parse_faults
from harness.interfaces.a1.sim.http import (
    JSON,
    A1HttpServer,
    A1SimError,
    HttpRequest,
    Reply,
    TlsClient,
    TlsServer,
    json_reply,
    problem,
)

DEFAULT_STATUS = {"enforceStatus": "ENFORCED"}
MOVED = "/moved"
_OPERATIONS = {  # (resource kind, method) -> operation; PUT on a policy is create or update
    (model.POLICY_TYPES, "GET"): "query-types",
    (model.POLICY_TYPE, "GET"): "query-type",
    (model.POLICIES, "GET"): "query-policies",
    (model.POLICY, "GET"): "query-policy",
    (model.POLICY, "DELETE"): "delete-policy",
    (model.POLICY_STATUS, "GET"): "query-status",
}
_WRONG_STATUS = {201: 200, 200: 201, 204: 200}


@dataclass
class PolicyRecord:
    policy_type_id: str
    policy_id: str
    body: object
    status: object
    notification_destination: str | None


@dataclass(frozen=True)
class NotificationAttempt:
    """One status notification the simulator tried to POST."""

    url: str
    body: bytes
    status: int | None          # the destination's HTTP status; None when it failed
    error: str | None = None


class A1RicSim:
    """Args:
        host, port: where to listen (port 0: any free port).
        faults: fault names, ``name`` or ``name@operation,...``.
        policy_types_dir: folder of ``<policyTypeId>.json`` (default: the bundled specs/a1/policy-types).
        tls: serve HTTPS (mutual TLS when it names a client CA).
        bearer_token: require ``Authorization: Bearer <token>`` on every request.
        notify_tls: CA (and client cert) for https notification destinations.
        slow_delay: seconds a 'slow' answer waits; huge_size: octets of a 'huge-body'.
        notify_timeout: seconds to wait for a notification destination.
    """

    ACTIONS = ("status-change", "notify", "add-policy-type", "remove-policy-type", "set-available",
               "delete-all", "state", "restart")

    def __init__(self, host: str = "127.0.0.1", port: int = 0, faults=(), policy_types_dir=None,
                 tls: TlsServer | None = None, bearer_token: str | None = None, *,
                 notify_tls: TlsClient | None = None, slow_delay: float = 2.0, huge_size: int = 8 << 20,
                 notify_timeout: float = 5.0, persistent: bool = True, retry_interval: float = 0.25,
                 retry_for: float = 30.0) -> None:
        self.faults = parse_faults(faults, RIC_FAULTS)
        self.persistent = persistent
        self.retry_interval = retry_interval
        self.retry_for = retry_for
        self.restarts: list[dict] = []               # each restart: when, how long down, policies kept
        self.policy_types: dict[str, PolicyType] = model.load_policy_types(
            Path(policy_types_dir) if policy_types_dir is not None else None)
        self.bearer_token = bearer_token
        self.notify_tls = notify_tls
        self.slow_delay = slow_delay
        self.huge_size = huge_size
        self.notify_timeout = notify_timeout
        self.available = True
        self.policies: dict[tuple[str, str], PolicyRecord] = {}
        self.notifications_sent: list[NotificationAttempt] = []
        self.flood_counts: list[int] = []            # hostile 'flood': notifications sent per flood
        self._lock = threading.RLock()
        self._outbox: queue.Queue = queue.Queue()
        self._tls = tls
        self._server = A1HttpServer((host, port), self._app, tls=tls)
        self._address = (str(self._server.server_address[0]), int(self._server.server_address[1]))
        self._down = threading.Event()
        self._stopped = threading.Event()
        self._worker: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + model.API_ROOT

    @property
    def requests(self) -> list[HttpRequest]:
        return self._server.requests

    @property
    def tls_errors(self) -> list[str]:
        return self._server.tls_errors

    @property
    def errors(self) -> list[str]:
        return self._server.errors

    def start(self) -> None:
        self._worker = threading.Thread(target=self._deliver_loop, name="a1-ric-notify", daemon=True)
        self._worker.start()
        self._server.start()

    def stop(self) -> None:
        self._stopped.set()
        self._server.stop()
        self._outbox.put(None)
        if self._worker is not None:
            self._worker.join(self.notify_timeout + 1.0)

    def __enter__(self) -> A1RicSim:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def trigger(self, action: str, params: dict | None = None) -> dict:
        """Do ``action`` now and say what happened.

        Actions: ``status-change`` {policy_type_id, policy_id, status} sets the
        status and notifies (synchronously); ``notify`` {policy_type_id,
        policy_id} re-sends the current status; ``add-policy-type``
        {policy_type_id, definition}; ``remove-policy-type`` {policy_type_id};
        ``set-available`` {available}; ``delete-all``; ``state``.

        Raises:
            A1SimError: unknown action, missing parameter, unknown policy.
        """
        p = dict(params or {})
        try:
            if action == "restart":
                return self.restart(float(p.get("down_for", 0.0)))
            if action in ("status-change", "notify"):
                with self._lock:
                    rec = self._record(p["policy_type_id"], p["policy_id"])
                    if action == "status-change":
                        rec.status = p["status"]
                return {"ok": True, "notification": self._notify_now(rec)}
            if action == "add-policy-type":
                problems = schemas.check_policy_type(p["definition"])
                if problems:
                    raise A1SimError(f"add-policy-type: not a PolicyTypeObject: {problems[0]}")
                with self._lock:
                    self.policy_types[p["policy_type_id"]] = PolicyType(p["policy_type_id"], p["definition"])
                return {"ok": True}
            if action == "remove-policy-type":
                with self._lock:
                    removed = self.policy_types.pop(p["policy_type_id"], None) is not None
                    for key in [k for k in self.policies if k[0] == p["policy_type_id"]]:
                        del self.policies[key]
                return {"ok": True, "removed": removed}
            if action == "set-available":
                self.available = bool(p.get("available", True))
                return {"ok": True, "available": self.available}
            if action == "delete-all":
                with self._lock:
                    n = len(self.policies)
                    self.policies.clear()
                return {"ok": True, "deleted": n}
            if action == "state":
                with self._lock:
                    return {"ok": True, "policy_types": sorted(self.policy_types),
                            "policies": [[r.policy_type_id, r.policy_id] for r in self.policies.values()]}
        except KeyError as err:
            raise A1SimError(f"trigger {action}: missing parameter {err}") from None
        raise A1SimError(f"A1RicSim has no action '{action}'; known: {', '.join(self.ACTIONS)}")

    def restart(self, down_for: float) -> dict:
        """Close the port now and serve again after ``down_for`` seconds (in the background), as a
        restarted Near-RT RIC would; the policies are kept only when the simulator is persistent."""
        if self._down.is_set():
            raise A1SimError("restart: the simulator is restarting already")
        extra = self.slow_delay if active(self.faults, "slow-recover", "query-types") else 0.0
        never = active(self.faults, "no-recover", "query-types")
        keep = self.persistent and not active(self.faults, "lose-policies", "query-types")
        self._down.set()
        self._server.stop()
        with self._lock:
            if not keep:
                self.policies.clear()
        self.restarts.append({"at": time.time(), "down_for": down_for + extra, "kept": keep, "back": not never})
        if not never:
            threading.Thread(target=self._come_back, args=(down_for + extra,), daemon=True,
                             name="a1-ric-restart").start()
        return {"ok": True, "down_for": down_for + extra, "policies_kept": keep}

    def _come_back(self, after: float) -> None:
        if self._stopped.wait(after):
            return
        old = self._server
        self._server = A1HttpServer(self._address, self._app, tls=self._tls)
        self._server.requests[:0] = old.requests           # the evidence spans the restart
        self._server.start()
        self._down.clear()

    def _record(self, policy_type_id: str, policy_id: str) -> PolicyRecord:
        rec = self.policies.get((policy_type_id, policy_id))
        if rec is None:
            raise A1SimError(f"no policy {policy_id!r} of type {policy_type_id!r}")
        return rec

    # ------------------------------------------------------------------ notifications
    def _notification(self, rec: PolicyRecord) -> tuple[bytes, str]:
        status, ctype = rec.status, JSON
        if active(self.faults, "bad-body", "notify"):
            status = ["ENFORCED"]
        body = json.dumps(status).encode()
        if active(self.faults, "malformed-json", "notify"):
            body = body[:-1]
        if active(self.faults, "wrong-content-type", "notify"):
            ctype = "text/plain"
        return body, ctype

    def _post(self, url: str, body: bytes, ctype: str) -> NotificationAttempt:
        try:
            client = HttpClient(url, tls=self.notify_tls.config() if self.notify_tls else None,
                                timeout=self.notify_timeout)
            path = urlsplit(url)
            target = (path.path or "/") + (f"?{path.query}" if path.query else "")
            client.prefix = ""
            ex = client.request("POST", target, body=body, headers={"Content-Type": ctype})
            attempt = NotificationAttempt(url, body, ex.response.status)
        except (HttpLabError, HttpDutError) as err:   # the destination broke: keep the evidence
            attempt = NotificationAttempt(url, body, None, f"{type(err).__name__}: {err}")
        with self._lock:
            self.notifications_sent.append(attempt)
        return attempt

    def _notify_now(self, rec: PolicyRecord) -> dict | None:
        if rec.notification_destination is None or active(self.faults, "no-notification", "notify"):
            return None
        item = (rec.notification_destination, *self._notification(rec))
        a = self._post(*item)
        if _failed(a) and not active(self.faults, "no-notification-retry", "notify"):
            self._outbox.put((*item, time.monotonic()))      # the delivery thread tries again
        return {"url": a.url, "status": a.status, "error": a.error}

    def _queue_notification(self, rec: PolicyRecord) -> None:
        if rec.notification_destination is None or active(self.faults, "no-notification", "notify"):
            return
        self._outbox.put((rec.notification_destination, *self._notification(rec)))

    def _deliver_loop(self) -> None:
        """Sends queued notifications in order; one whose destination is down is tried again
        (every ``retry_interval`` s, for ``retry_for`` s from its first try) unless the fault says not."""
        while True:
            item = self._outbox.get()
            if item is None:
                return
            url, body, ctype, *first = item
            if first:                                     # already tried once (a trigger's synchronous send)
                self._stopped.wait(self.retry_interval)
            since = first[0] if first else time.monotonic()
            while not self._stopped.is_set():
                attempt = self._post(url, body, ctype)
                if not _failed(attempt) or active(self.faults, "no-notification-retry", "notify") \
                        or time.monotonic() - since > self.retry_for:
                    break
                self._stopped.wait(self.retry_interval)

    # ------------------------------------------------------------------ requests
    def _app(self, req: HttpRequest) -> Reply:
        split = urlsplit(req.path)
        path, redirected = split.path, False
        if path.startswith(MOVED + "/"):
            path, redirected = path[len(MOVED):], True
        if self.bearer_token is not None:
            auth = req.header("authorization") or ""
            if not auth:
                return problem(401, "A1-P requires an OAuth2 bearer token", req.path,
                               headers=[("WWW-Authenticate", 'Bearer realm="A1-P"')])
            if auth != f"Bearer {self.bearer_token}":
                return problem(401, "the bearer token is not valid", req.path,
                               headers=[("WWW-Authenticate", 'Bearer realm="A1-P", error="invalid_token"')])
        if not self.available:
            return problem(503, "the Near-RT RIC is unavailable (simulated)", req.path,
                           headers=[("Retry-After", "1")])
        try:
            res = model.parse_path(path)
        except A1PathError as err:
            return problem(404, str(err), req.path)
        if req.method not in model.ALLOWED_METHODS[res.kind]:
            return problem(405, f"{req.method} is not allowed on {res.kind}", req.path,
                           headers=[("Allow", ", ".join(model.ALLOWED_METHODS[res.kind]))])
        with self._lock:
            if res.kind == model.POLICY and req.method == "PUT":
                operation = "update-policy" if (res.policy_type_id, res.policy_id) in self.policies \
                    else "create-policy"
            else:
                operation = _OPERATIONS[(res.kind, req.method)]
            if not redirected and active(self.faults, "redirect", operation):
                return Reply(307, b"", None, [("Location", self.base_url + MOVED + req.path)])
            reply = getattr(self, "_" + operation.replace("-", "_"))(res, req, parse_qs(split.query))
        if 200 <= reply.status < 300 and not redirected:
            self._bend(reply, operation)
        if active(self.faults, "hang", operation):
            reply.hang = True
        elif active(self.faults, "slow", operation):
            reply.delay = self.slow_delay
        self._hostile(reply, operation, parse_qs(split.query))
        return reply

    def _hostile(self, reply: Reply, operation: str, query: dict) -> None:
        """Hostile modes (harness/interfaces/a1/sim/hostile.py): raw octets in place of the reply, or a flood first."""
        for f in self.faults:
            if not f.applies(operation) or f.name not in a1_hostile.HOSTILE_RIC:
                continue
            if f.name == "flood":
                url = (query.get("notificationDestination") or [None])[0]
                if url:           # before the answer, so the flood is queued ahead of any real notification
                    self.flood_counts.append(a1_hostile.flood_raw(url, self._server.stopping))
            else:
                reply.raw = a1_hostile.writer(f.name, reply.status, reply.body)

    def _type(self, res) -> PolicyType | None:
        return self.policy_types.get(res.policy_type_id)

    def _unknown_type(self, req, res) -> Reply:
        return problem(404, f"no policy type {res.policy_type_id!r}", req.path)

    def _query_types(self, res, req, query) -> Reply:
        return json_reply(200, sorted(self.policy_types))

    def _query_type(self, res, req, query) -> Reply:
        ptype = self._type(res)
        return json_reply(200, ptype.definition) if ptype else self._unknown_type(req, res)

    def _query_policies(self, res, req, query) -> Reply:
        if not self._type(res):
            return self._unknown_type(req, res)
        return json_reply(200, sorted(pid for tid, pid in self.policies if tid == res.policy_type_id))

    def _lookup(self, res, req) -> PolicyRecord | Reply:
        if not self._type(res):
            return self._unknown_type(req, res)
        rec = self.policies.get((res.policy_type_id, res.policy_id))
        if rec is None:
            return problem(404, f"no policy {res.policy_id!r} of type {res.policy_type_id!r}", req.path)
        return rec

    def _query_policy(self, res, req, query) -> Reply:
        rec = self._lookup(res, req)
        return rec if isinstance(rec, Reply) else json_reply(200, rec.body)

    def _query_status(self, res, req, query) -> Reply:
        rec = self._lookup(res, req)
        return rec if isinstance(rec, Reply) else json_reply(200, rec.status)

    def _delete_policy(self, res, req, query) -> Reply:
        rec = self._lookup(res, req)
        if isinstance(rec, Reply):
            return rec
        del self.policies[(res.policy_type_id, res.policy_id)]
        return Reply(204)

    def _put(self, res, req, query, *, create: bool) -> Reply:
        ptype = self._type(res)
        if ptype is None:
            return self._unknown_type(req, res)
        ctype = (req.header("content-type") or "").split(";")[0].strip().lower()
        if ctype != JSON:
            return problem(415, f"a policy must be sent as {JSON}, not {ctype or 'no content type'}", req.path)
        try:
            body = json.loads(req.body)
        except (ValueError, UnicodeDecodeError) as err:
            where = f" at line {err.lineno} column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
            return problem(400, f"the policy is not JSON{where}", req.path)
        problems = schemas.check_policy(body, ptype.definition)
        if problems:
            shown = "; ".join(str(p) for p in problems[:5])
            more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
            return problem(400, f"the policy breaks the policySchema of {ptype.policy_type_id}: {shown}{more}",
                           req.path)
        dest = (query.get("notificationDestination") or [None])[-1]
        if dest is not None:
            d = urlsplit(dest)
            if d.scheme not in ("http", "https") or not d.hostname:
                return problem(400, f"notificationDestination {dest!r} is not an absolute http(s) URI", req.path)
        key = (res.policy_type_id, res.policy_id)
        if create:
            rec = PolicyRecord(*key, body, dict(DEFAULT_STATUS), dest)
            self.policies[key] = rec
            return json_reply(201, body, headers=[("Location", self.base_url + res.path)],
                              after=lambda: self._queue_notification(rec))
        rec = self.policies[key]
        rec.body = body
        if dest is not None:
            rec.notification_destination = dest
        return json_reply(200, body)

    def _create_policy(self, res, req, query) -> Reply:
        return self._put(res, req, query, create=True)

    def _update_policy(self, res, req, query) -> Reply:
        return self._put(res, req, query, create=False)

    # ------------------------------------------------------------------ faults
    def _bend(self, reply: Reply, operation: str) -> None:
        """Apply the body, header and status faults to a successful reply (in place)."""
        on = lambda name: active(self.faults, name, operation)   # noqa: E731
        if on("wrong-status"):
            reply.status = _WRONG_STATUS.get(reply.status, reply.status)
        if on("no-location"):
            reply.headers = [h for h in reply.headers if h[0].lower() != "location"]
        if not reply.body:
            return
        if on("bad-body"):
            value = json.loads(reply.body)
            broken = {"query-types": lambda v: {"ids": v}, "query-policies": lambda v: {"ids": v},
                      "query-type": lambda v: {"schema": v.get("policySchema")},
                      "query-status": lambda v: ["ENFORCED"]}.get(operation, lambda v: [v])
            reply.body = json.dumps(broken(value)).encode()
        if on("huge-body"):
            value = json.loads(reply.body)
            pad = max(0, self.huge_size - len(reply.body))
            if isinstance(value, list):
                value = value + [f"padding-{i:08d}" for i in range(pad // 20 + 1)]
            else:
                value = {"value": value, "padding": "x" * pad} if not isinstance(value, dict) \
                    else {**value, "padding": "x" * pad}
            reply.body = json.dumps(value).encode()
        if on("malformed-json"):
            reply.body = reply.body[:max(1, len(reply.body) // 2)]
        if on("wrong-content-type"):
            reply.content_type = "text/plain"


def _failed(attempt: NotificationAttempt) -> bool:
    """A notification that did not reach a working destination (refused, timed out, 5xx): worth another try."""
    return attempt.status is None or attempt.status >= 500
