"""Non-RT RIC A1-P consumer simulator: a client plus a callback server for notifications.

It stands in for a Non-RT RIC (O-RAN.WG2.A1AP-v03.01 clause 5: the consumer
of the A1-P service) when the DUT is a Near-RT RIC: on each trigger it sends
one A1-P request to the target and returns what came back; a loopback HTTP
server at ``callback_url`` receives the status notifications the DUT POSTs
(answering 204) and keeps them in ``notifications``.

Faults (`harness.interfaces.a1.sim.faults.NONRT_FAULTS`) bend the requests it sends, so
the harness can show that a Near-RT RIC DUT rejects them.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import quote

from harness.interfaces.a1 import model
from harness.http.client import Exchanged, HttpClient, HttpDutError, HttpLabError
from harness.interfaces.a1.sim.faults import NONRT_FAULTS, active, parse_faults
from harness.interfaces.a1.sim.http import (
    JSON,
    A1HttpServer,
    A1SimError,
    HttpRequest,
    Reply,
    TlsClient,
    TlsServer,
)

NOTIFY_PATH = "/a1-notifications"
MAX_ANSWER = 64 << 20            # the longest answer read (a 'huge-body' fault sends 8 MiB)
_WRONG_METHOD = {"GET": "POST", "PUT": "POST", "DELETE": "PATCH"}


class A1NonRtRicSim:
    """Args:
        target_base_url: the Near-RT RIC's apiRoot, e.g. 'https://10.0.0.5:8443'.
        faults: fault names, ``name`` or ``name@operation,...``.
        tls: CA (and client cert for mutual TLS) to reach an https target.
        bearer_token: sent as ``Authorization: Bearer <token>``.
        callback_host, callback_port: where the notification server listens.
        callback_tls: serve the callback over HTTPS.
        timeout: seconds to wait for each answer.
    """

    ACTIONS = ("query-types", "query-type", "query-policies", "query-policy", "create-policy",
               "update-policy", "delete-policy", "query-status")

    def __init__(self, target_base_url: str, faults=(), tls: TlsClient | None = None,
                 bearer_token: str | None = None, callback_host: str = "127.0.0.1", *,
                 callback_port: int = 0, callback_tls: TlsServer | None = None, timeout: float = 10.0) -> None:
        self.target_base_url = target_base_url.rstrip("/")
        self.faults = parse_faults(faults, NONRT_FAULTS)
        self.bearer_token = bearer_token
        try:
            self.client = HttpClient(self.target_base_url, tls=tls.config() if tls else None, timeout=timeout,
                                     keep_alive=True, max_body=MAX_ANSWER)
        except HttpLabError as err:
            raise A1SimError(str(err)) from None
        self.exchanges: list[tuple[str, str, Exchanged | None]] = []   # (method, path, exchange)
        self._callback = A1HttpServer((callback_host, callback_port), self._on_notification, tls=callback_tls)
        self._arrived = threading.Condition()

    # ------------------------------------------------------------------ control
    @property
    def callback_url(self) -> str:
        return self._callback.base_url + NOTIFY_PATH

    @property
    def notifications(self) -> list[HttpRequest]:
        return self._callback.requests

    def start(self) -> None:
        self._callback.start()

    def stop(self) -> None:
        self.client.close()
        self._callback.stop()

    def __enter__(self) -> A1NonRtRicSim:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_notifications(self, count: int, timeout: float = 5.0) -> list[HttpRequest]:
        """The notifications once at least ``count`` arrived, or all there are after ``timeout``."""
        end = time.monotonic() + timeout
        with self._arrived:
            while len(self.notifications) < count and time.monotonic() < end:
                self._arrived.wait(max(0.0, end - time.monotonic()))
        return list(self.notifications)

    def _on_notification(self, req: HttpRequest) -> Reply:
        with self._arrived:
            self._arrived.notify_all()
        return Reply(204)

    # ------------------------------------------------------------------ requests
    def trigger(self, action: str, params: dict | None = None) -> dict:
        """Send the request of ``action`` and return {status, headers, body, raw, elapsed}.

        ``body`` is the parsed JSON when the answer parses, else its text;
        ``raw`` the octets. Params: policy_type_id, policy_id, body (a policy,
        for create/update), notification_destination (create/update; default
        the callback URL on create).

        Raises:
            A1SimError: unknown action or missing parameter.
            HttpDutError: the target broke (timed out, closed, not HTTP/1.1, answer over 64 MiB).
            HttpLabError: the target cannot be reached or its TLS is refused.
        """
        if action not in self.ACTIONS:
            raise A1SimError(f"A1NonRtRicSim has no action '{action}'; known: {', '.join(self.ACTIONS)}")
        p = dict(params or {})
        try:
            method, path, body, headers = self._build(action, p)
        except KeyError as err:
            raise A1SimError(f"trigger {action}: missing parameter {err}") from None
        self.exchanges.append((method, path, None))
        ex = self.client.request(method, path, body=body, headers=headers)
        self.exchanges[-1] = (method, path, ex)
        resp = ex.response
        if resp.truncated:
            raise HttpDutError("http.body-size", f"{method} {path}: the answer is over {MAX_ANSWER} octets")
        return {"status": resp.status, "headers": {k.lower(): v for k, v in resp.headers},
                "body": _decode(resp.body), "raw": resp.body, "elapsed": ex.elapsed}

    def _build(self, action: str, p: dict) -> tuple[str, str, bytes | None, dict]:
        on = lambda name: active(self.faults, name, action)   # noqa: E731
        paths = {
            "query-types": lambda: model.policy_types_path(),
            "query-type": lambda: model.policy_type_path(p["policy_type_id"]),
            "query-policies": lambda: model.policies_path(p["policy_type_id"]),
            "query-status": lambda: model.policy_status_path(p["policy_type_id"], p["policy_id"]),
        }
        path = paths[action]() if action in paths else model.policy_path(p["policy_type_id"], p["policy_id"])
        method = {"create-policy": "PUT", "update-policy": "PUT", "delete-policy": "DELETE"}.get(action, "GET")
        headers: dict = {"Accept": f"{JSON}, application/problem+json"}
        body = None
        if method == "PUT":
            value = p["body"]
            if on("bad-policy"):
                value = [value]              # an array where every A1TD policySchema wants an object
            body = json.dumps(value).encode()
            if on("malformed-json"):
                body = body[:max(1, len(body) // 2)]
            headers["Content-Type"] = "text/plain" if on("wrong-content-type") else JSON
            dest = p.get("notification_destination")
            if dest is None and action == "create-policy":
                dest = self.callback_url
            if dest and not on("no-callback"):
                path += "?notificationDestination=" + quote(dest, safe="")
        if on("wrong-method"):
            method = _WRONG_METHOD[method]
        if on("wrong-version"):
            path = path.replace(model.API_ROOT, "/A1-P/v1", 1)
        if self.bearer_token is not None and not on("no-token"):
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        return method, path, body, headers


def _decode(raw: bytes):
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return raw.decode("utf-8", "replace")
