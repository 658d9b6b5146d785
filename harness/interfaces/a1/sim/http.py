"""HTTP(S) plumbing both A1 simulators share: TLS settings and a threaded server.

Theory of operation: `A1HttpServer` sits on the harness's `Listener`
(harness/http/listener.py) and h11 framing (harness/http/wire.py), like the
harness's own server. Each connection thread reads one request (body bounded
by ``max_body``; a request h11 rejects, e.g. a negative Content-Length or chunk
size, is answered 400 and noted in ``protocol_errors``), records it as an
`HttpRequest`, asks the owner's ``app`` callable for a `Reply`, and writes
status line, headers and body in one write (so Nagle and delayed ACKs never add
40 ms per request). HTTP/1.1 keep-alive is on. With TLS the handshake happens
in the per-connection thread, with a timeout; handshake failures are recorded
in ``tls_errors``. Every wait (slow or hanging replies, idle keep-alive
connections) is bounded and ends when the server stops. The simulators' client
is the harness's `harness.http.client.HttpClient` with ``keep_alive=True``.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path

import h11

from harness.core.errors import UserError
from harness.http.client import TlsConfig
from harness.http.listener import Listener
from harness.http.wire import PeerBroke, Wire, WireError

MAX_REQUEST_BODY = 1 << 20          # 1 MiB: a policy is a few kB
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"


class A1SimError(UserError, ValueError):
    """The simulator was misused (bad trigger, unknown fault): the message says how."""


@dataclass(frozen=True)
class TlsServer:
    """TLS for a simulator's server side; ``client_ca_file`` turns on mutual TLS."""

    cert_file: str | Path
    key_file: str | Path
    client_ca_file: str | Path | None = None

    def context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        _load(ctx.load_cert_chain, f"server certificate {self.cert_file} / key {self.key_file}",
              str(self.cert_file), str(self.key_file))
        if self.client_ca_file is not None:
            ctx.verify_mode = ssl.CERT_REQUIRED
            _load(ctx.load_verify_locations, f"client CA {self.client_ca_file}", str(self.client_ca_file))
        return ctx


@dataclass(frozen=True)
class TlsClient:
    """TLS for a client: the CA that signed the server, and a client cert for mutual TLS."""

    ca_file: str | Path
    cert_file: str | Path | None = None
    key_file: str | Path | None = None

    def context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context()
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        _load(ctx.load_verify_locations, f"CA {self.ca_file}", str(self.ca_file))
        if self.cert_file is not None:
            _load(ctx.load_cert_chain, f"client certificate {self.cert_file} / key {self.key_file}",
                  str(self.cert_file), str(self.key_file) if self.key_file else None)
        return ctx

    def config(self) -> TlsConfig:
        """The same material for the harness's `HttpClient`."""
        return TlsConfig(ca=Path(self.ca_file), cert=Path(self.cert_file) if self.cert_file else None,
                         key=Path(self.key_file) if self.key_file else None)


def _load(method, what: str, *args) -> None:
    """Call an SSLContext loader; a failure names the file(s) in one line."""
    try:
        method(*args)
    except (OSError, ssl.SSLError) as err:
        raise A1SimError(f"TLS: cannot load {what}: {err.strerror or err}") from None


@dataclass(frozen=True)
class HttpRequest:
    """One request as received (header names lower-cased)."""

    method: str
    path: str                      # with the query string, as sent
    headers: dict = field(compare=False)
    body: bytes = b""
    peer: str = ""
    time: float = 0.0

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self):
        """The body parsed as JSON (raises ValueError when it is not)."""
        return json.loads(self.body)


@dataclass
class Reply:
    """What to answer; the fault knobs say how badly."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list = field(default_factory=list)      # (name, value)
    delay: float = 0.0                               # seconds before answering
    hang: bool = False                               # never answer; close at stop
    after: Callable[[], None] | None = None           # run once the reply is written
    raw: Callable | None = None                       # hostile modes: writes raw octets instead (sim/a1_hostile.py)


def json_reply(status: int, value, content_type: str = JSON, **kw) -> Reply:
    return Reply(status, json.dumps(value).encode(), content_type, **kw)


def problem(status: int, detail: str, instance: str = "", **kw) -> Reply:
    """An RFC 7807 ProblemDetails reply (A1AP v03.01 clause 6.4)."""
    body = {"title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if instance:
        body["instance"] = instance
    return json_reply(status, body, PROBLEM_JSON, **kw)


SERVER_NAME = "oran-harness-a1"
IDLE_TIMEOUT = 30.0                  # idle keep-alive connections close after this
DRAIN_LIMIT = 64 << 20               # a refused body is read and dropped up to this, so the client sees the 413


class A1HttpServer:
    """A loopback HTTP(S) server calling ``app(HttpRequest) -> Reply`` per request."""

    def __init__(self, address: tuple[str, int], app: Callable[[HttpRequest], Reply], *,
                 tls: TlsServer | None = None, max_body: int = MAX_REQUEST_BODY,
                 hang_limit: float = 300.0, handshake_timeout: float = 10.0) -> None:
        self.app = app
        self.tls = tls
        self.max_body = max_body
        self.hang_limit = hang_limit
        self.stopping = threading.Event()
        self.requests: list[HttpRequest] = []
        self.protocol_errors: list[str] = []        # requests h11 rejected (the peer's fault)
        self._lock = threading.Lock()
        self.listener = Listener(address, self._serve, ssl_context=tls.context() if tls is not None else None,
                                 handshake_timeout=handshake_timeout)
        self.server_address = self.listener.server_address

    @property
    def tls_errors(self) -> list[str]:
        return self.listener.tls_errors

    @property
    def errors(self) -> list[str]:
        """Harness bugs: the app raised, or a connection thread failed unexpectedly."""
        return self.listener.errors

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def base_url(self) -> str:
        host, port = str(self.server_address[0]), self.server_address[1]
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{port}"

    def record(self, req: HttpRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def start(self) -> None:
        self.listener.start("a1-http")

    def stop(self) -> None:
        self.stopping.set()
        self.listener.stop()

    # ------------------------------------------------------------------ one connection
    def _serve(self, wire: Wire, client_address: tuple) -> None:
        peer = f"{client_address[0]}:{client_address[1]}"
        while not self.stopping.is_set():
            reply: Reply | None = None
            close = False
            try:
                msg = wire.receive(time.monotonic() + IDLE_TIMEOUT, self.max_body, refuse_early=True)
            except PeerBroke as err:
                self.protocol_errors.append(f"{peer}: {err}")
                head = err.head or ("request", "?", "?", 0, "", ())
                msg, close = None, True
                reply = problem(err.status_hint, f"the request is not valid HTTP/1.1: {err}", head[2])
                self.record(HttpRequest(head[1], head[2], {k.lower(): v for k, v in head[5]}, b"", peer,
                                        time.time()))
            except (WireError, OSError):
                return
            if msg is None and reply is None:
                return                        # the client closed between requests
            if msg is not None:
                req = HttpRequest(msg.method, msg.target, {k.lower(): v for k, v in msg.headers}, msg.body, peer,
                                  time.time())
                self.record(req)
                if msg.truncated:
                    close = True
                    reply = problem(413, f"request body larger than {self.max_body} octets", msg.target)
                    try:
                        wire.drain(time.monotonic() + IDLE_TIMEOUT, DRAIN_LIMIT)
                    except (WireError, OSError):
                        return
                else:
                    try:
                        reply = self.app(req)
                    except Exception as err:  # noqa: BLE001 -- a harness bug: answer 500, keep the evidence
                        self.errors.append(f"{req.method} {req.path}: {type(err).__name__}: {err}")
                        reply = problem(500, f"simulator error: {type(err).__name__}", msg.target)
            if reply is None:                 # not reached: a request or a broken head always has an answer
                return
            if reply.hang:
                self.stopping.wait(self.hang_limit)
                return
            if reply.delay > 0 and self.stopping.wait(reply.delay):
                return
            if reply.raw is not None:
                reply.raw(wire.sock, self.stopping)
                return
            if not self._write(wire, reply, close, msg is not None and msg.method == "HEAD"):
                return
            if reply.after is not None:
                reply.after()
            if close or not wire.reusable():
                return

    def _write(self, wire: Wire, reply: Reply, close: bool, head: bool) -> bool:
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        headers = [("Server", SERVER_NAME), ("Date", formatdate(usegmt=True))]
        if reply.content_type is not None:
            headers.append(("Content-Type", reply.content_type))
        headers += list(reply.headers)
        body = reply.body
        if reply.status >= 200 and reply.status not in (204, 304):
            headers.append(("Content-Length", str(len(body))))
        else:
            body = b""
        if close:
            headers.append(("Connection", "close"))
        events: list[h11.Response | h11.Data] = [h11.Response(status_code=reply.status, headers=headers,
                                                              reason=phrase)]
        if body and not head:
            events.append(h11.Data(data=body))
        try:
            wire.send(*events, h11.EndOfMessage(), deadline=time.monotonic() + IDLE_TIMEOUT)
        except (WireError, OSError):
            return False
        return True
