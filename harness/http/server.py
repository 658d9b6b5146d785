"""The harness's HTTP server: requests the DUT sends to it wait in a queue for the runner.

Used when the DUT is the client: a Non-RT RIC DUT (A1-P consumer) calling the
harness as Near-RT RIC, or a Near-RT RIC DUT posting status notifications to
the harness's callback. Each request is read by a connection thread (h11
framing, harness/http/wire.py), recorded as an `HttpMessage`, queued, and held
until the runner replies (an `expect-request` or `respond` step) or
`reply_timeout` passes: then the server answers 503 itself, marks the request
(`Incoming.auto`) and lists it in `auto_answered`, so the run reports it as the
harness's failure (an ERROR, never a PASS).
Bodies over the size cap are refused with 413; a request that is not HTTP/1.1
(a negative Content-Length, a bad chunk size, a broken head) is answered 400
and queued as an `http.malformed` problem naming what h11 rejected.

Theory of operation: nothing is judged here; the server only moves bytes and
records them. Lab problems (port in use, TLS files) raise `HttpLabError` at start.
One request per connection (the reply carries 'Connection: close').
"""

from __future__ import annotations

import hmac
import itertools
import json
import queue
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus

import h11

from harness.http.client import DEFAULT_MAX_BODY, HttpLabError, TlsConfig
from harness.http.listener import Listener
from harness.http.messages import HttpMessage, redact
from harness.http.wire import PeerBroke, Wire, WireError

_connections = itertools.count(100001)


@dataclass
class Incoming:
    """A request from the DUT, held open until the runner replies."""

    request: HttpMessage
    problem: str | None = None               # e.g. 'body over the size cap' (the DUT's fault)
    check: str = "http.request-size"         # the finding a problem gives
    status: int = 413                        # what the server answered a problem with
    replied: threading.Event = field(default_factory=threading.Event)
    reply: tuple[int, dict, bytes] | None = None     # (status, headers dict, body bytes)
    response: HttpMessage | None = None      # what was actually sent back
    auto: str | None = None                  # why the server answered on its own (no reply from the runner)
    reported: bool = False                   # the runner has turned `auto` into a finding already

    def answer(self, status: int, headers: dict | None = None, body: bytes = b"", timeout: float = 5.0) -> None:
        self.reply = (status, dict(headers or {}), body)
        self.replied.set()
        deadline = time.monotonic() + timeout
        while self.response is None and time.monotonic() < deadline:   # wait until it is on the wire
            time.sleep(0.002)


class HttpServer:
    """A threaded HTTP(S) server on (host, port); `port=0` picks a free one.

    Args:
        tls: server certificate (and a CA to require client certificates).
        bearer_token: require 'Authorization: Bearer <token>' (RFC 6750); else 401, and the
            request is queued with the problem so the runner reports it (compared before the
            header is redacted; the value is never recorded).
        reply_timeout: how long a request waits for the runner's reply.
        max_body: request bodies beyond this size are refused (413).
        read_timeout: how long a connection may take to deliver its whole request.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls: TlsConfig | None = None,
                 reply_timeout: float = 10.0, max_body: int = DEFAULT_MAX_BODY,
                 bearer_token: str | None = None, read_timeout: float = 30.0) -> None:
        self.bearer_token = bearer_token
        self.requests: queue.Queue[Incoming] = queue.Queue()
        self.auto_answered: list[Incoming] = []      # requests answered without the runner's reply (503)
        self.after_close: list[Incoming] = []        # requests that came after `close_intake` (answered 503 at once)
        self._intake_open = True
        self._intake = threading.Lock()
        self.reply_timeout = reply_timeout
        self.read_timeout = read_timeout
        self.max_body = max_body
        self.scheme = "http"
        ctx = None
        if tls is not None and tls.cert is not None:
            ctx = tls.server_context()
            self.scheme = "https"
        self._ssl = ctx
        try:
            self.listener = Listener((host, port), self._serve, ssl_context=ctx)
        except OSError as err:
            raise HttpLabError(f"cannot listen on {host}:{port}: {err}") from None
        bound = self.listener.server_address
        self.host, self.port = str(bound[0]), int(bound[1])

    @property
    def errors(self) -> list[str]:
        """Connections that broke before a request was whole (no request to report them on)."""
        return self.listener.errors

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> HttpServer:
        self.listener.start(f"http-server-{self.port}")
        return self

    def stop(self) -> None:
        # Release requests still waiting for a reply so their threads end.
        while True:
            try:
                item = self.requests.get_nowait()
            except queue.Empty:
                break
            if not item.replied.is_set():
                item.auto = "the harness stopped before any step read it"
                self.auto_answered.append(item)
                item.reply = (503, {}, b"")
                item.replied.set()
        self.listener.stop()

    def pause(self) -> None:
        """Close the listening port (connections are refused, as from a server that is down); `resume` reopens it."""
        self.listener.stop()

    def resume(self) -> None:
        """Listen again on the same port after `pause`.

        Raises:
            HttpLabError: the port was taken meanwhile.
        """
        try:
            listener = Listener((self.host, self.port), self._serve, ssl_context=self._ssl)
        except OSError as err:
            raise HttpLabError(f"cannot listen again on {self.host}:{self.port}: {err}") from None
        listener.errors[:0] = self.listener.errors
        self.listener = listener
        self.listener.start(f"http-server-{self.port}")

    def close_intake(self) -> None:
        """The test case's steps are over: answer what the DUT still sends at once (503, kept in
        `after_close` as evidence) instead of holding it for a step that will never come."""
        with self._intake:
            self._intake_open = False

    def unreported(self) -> list[Incoming]:
        """Requests the server answered 503 on its own that no step has reported yet (the harness's
        fault, never the DUT's: a run with one is not a PASS)."""
        return [item for item in list(self.auto_answered) if not item.reported]

    def next_request(self, timeout: float) -> Incoming | None:
        try:
            return self.requests.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    # ------------------------------------------------------------------ one connection, one request
    def _serve(self, wire: Wire, client_address: tuple) -> None:
        conn_id = next(_connections)
        local, remote = wire.sock.getsockname()[:2], client_address[:2]
        deadline = time.monotonic() + self.read_timeout
        check, code, extra = "http.request-size", 413, {}
        problem: str | None = None
        try:
            msg = wire.receive(deadline, self.max_body, refuse_early=True)
        except PeerBroke as err:
            method, target, headers = _best_effort_head(err)
            problem = f"the request is not valid HTTP/1.1: {err.reason if err.head else err}"
            check, code = "http.malformed", err.status_hint
            request = HttpMessage("request", "received", method, target, 0, "", redact(headers), b"", time.time(),
                                  local, remote, conn_id)
        except (WireError, OSError) as err:
            self.errors.append(f"{remote[0]}:{remote[1]}: {err}")
            return
        else:
            if msg is None:                   # connected and closed without a request
                return
            if msg.truncated:
                problem = (f"request body of {msg.declared} octets is over the harness's cap of {self.max_body}"
                           if msg.declared is not None
                           else f"chunked request body is over the harness's cap of {self.max_body} octets")
            elif self.bearer_token is not None:
                auth = next((v for k, v in msg.headers if k.lower() == "authorization"), None)
                if auth is None or not hmac.compare_digest(auth.encode(), f"Bearer {self.bearer_token}".encode()):
                    problem = ("no Authorization header: the A1-P producer requires an OAuth2 bearer token"
                               if auth is None else "the bearer token is not the one the lab profile names")
                    check, code = "http.auth", 401
                    extra = {"WWW-Authenticate": 'Bearer realm="A1-P"' + ("" if auth is None
                                                                         else ', error="invalid_token"')}
            request = HttpMessage("request", "received", msg.method, msg.target, 0, "", redact(msg.headers),
                                  msg.body, time.time(), local, remote, conn_id)
        item = Incoming(request, problem, check, code)
        with self._intake:
            held = self._intake_open
            (self.requests.put if held else self.after_close.append)(item)
        reply = None
        if problem:
            pass
        elif not held:
            reply = (503, {"Content-Type": "application/problem+json"},
                     json.dumps({"status": 503, "title": "the test case has ended"}).encode())
        elif item.replied.wait(self.reply_timeout):
            reply = item.reply
        else:
            item.auto = f"no step answered it within the reply timeout of {self.reply_timeout:g} s"
            self.auto_answered.append(item)
        if reply is None:
            status, reply_headers, data = (code if problem else 503), \
                {"Content-Type": "application/problem+json", **extra}, \
                json.dumps({"status": code if problem else 503,
                            "title": problem or "the test harness did not reply in time"}).encode()
        else:
            status, reply_headers, data = reply
        sent_headers = [(k, str(v)) for k, v in reply_headers.items()
                        if k.lower() not in ("content-length", "connection")]
        if status >= 200 and status not in (204, 304):
            sent_headers.insert(0, ("Content-Length", str(len(data))))
        else:
            data = b""
        sent_headers.append(("Connection", "close"))
        if request.method == "HEAD":
            data = b""
        reason = _phrase(status)
        try:
            events: list[h11.Response | h11.Data] = [h11.Response(status_code=status, headers=sent_headers,
                                                                  reason=reason)]
            if data:
                events.append(h11.Data(data=data))
            wire.send(*events, h11.EndOfMessage(), deadline=time.monotonic() + self.read_timeout)
        except (WireError, OSError, h11.LocalProtocolError) as err:
            self.errors.append(f"{request.method} {request.target}: {err}")
        finally:
            item.response = HttpMessage("response", "sent", "", "", status, reason, tuple(sent_headers), data,
                                        time.time(), local, remote, conn_id)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _best_effort_head(err: PeerBroke) -> tuple[str, str, tuple]:
    """Method, target and headers of a request h11 rejected: from its head when that parsed, else from
    the words of its first line (only to name it in the finding)."""
    if err.head is not None:
        return err.head[1], err.head[2], err.head[5]
    words = err.start.split(" ")
    if len(words) == 3 and words[2].startswith("HTTP/"):
        return words[0], words[1], ()
    return "?", "?", ()
