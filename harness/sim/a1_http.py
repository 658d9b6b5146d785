"""HTTP(S) plumbing both A1 simulators share: TLS settings, a threaded server, a client.

Theory of operation: `A1HttpServer` is a `ThreadingHTTPServer` whose request
handler reads one request (Content-Length or chunked body, bounded size),
records it as an `HttpRequest`, asks the owner's ``app`` callable for a
`Reply`, and writes status line, headers and body in one write (so Nagle and
delayed ACKs never add 40 ms per request). HTTP/1.1 keep-alive is on. With
TLS the handshake happens in the per-connection thread, with a timeout, so a
client that never speaks cannot stall the accept loop; handshake failures are
recorded in ``tls_errors``. Every wait (slow or hanging replies, idle
keep-alive connections) is bounded and ends when the server stops.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

MAX_REQUEST_BODY = 1 << 20          # 1 MiB: a policy is a few kB
PROBLEM_JSON = "application/problem+json"
JSON = "application/json"


class A1SimError(ValueError):
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 30.0                          # idle keep-alive connections close after this
    server_version = "oran-harness-a1"
    sys_version = ""

    def log_message(self, format, *args) -> None:   # noqa: A002  (base class signature)
        pass

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks, total = [], 0
            while True:
                size = int(self.rfile.readline(100).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1000) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > self.server.max_body:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(10)
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.server.max_body:
            # read and drop it (bounded), so the client sees the 413 instead of a broken pipe
            left = min(length, 64 << 20)
            while left > 0:
                got = self.rfile.read(min(left, 1 << 16))
                if not got:
                    break
                left -= len(got)
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        srv: A1HttpServer = self.server
        try:
            body = self._read_body()
        except ValueError:
            body = b""
            reply = problem(400, "unreadable chunked body", self.path)
        else:
            reply = None
        req = HttpRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                          body or b"", f"{self.client_address[0]}:{self.client_address[1]}", time.time())
        srv.record(req)
        if reply is None:
            if body is None:
                self.close_connection = True
                reply = problem(413, f"request body larger than {srv.max_body} octets", self.path)
            else:
                try:
                    reply = srv.app(req)
                except Exception as err:           # a harness bug: answer 500, keep the evidence
                    srv.errors.append(f"{req.method} {req.path}: {type(err).__name__}: {err}")
                    reply = problem(500, f"simulator error: {type(err).__name__}", self.path)
        if reply.hang:
            srv.stopping.wait(srv.hang_limit)
            self.close_connection = True
            return
        if reply.delay > 0 and srv.stopping.wait(reply.delay):
            self.close_connection = True
            return
        if reply.raw is not None:
            self.close_connection = True
            reply.raw(self.connection, srv.stopping)
            return
        self._write(reply)
        if reply.after is not None:
            reply.after()

    def _write(self, reply: Reply) -> None:
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {reply.status} {phrase}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}"]
        if reply.content_type is not None:
            lines.append(f"Content-Type: {reply.content_type}")
        lines += [f"{k}: {v}" for k, v in reply.headers]
        if reply.status != 204 and reply.status >= 200:
            lines.append(f"Content-Length: {len(reply.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + (reply.body if reply.status != 204 else b""))
            self.wfile.flush()
        except (OSError, ssl.SSLError):
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _dispatch


class A1HttpServer(ThreadingHTTPServer):
    """A loopback HTTP(S) server calling ``app(HttpRequest) -> Reply`` per request."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: Callable[[HttpRequest], Reply], *,
                 tls: TlsServer | None = None, max_body: int = MAX_REQUEST_BODY,
                 hang_limit: float = 300.0, handshake_timeout: float = 10.0) -> None:
        self.app = app
        self.tls = tls
        self.ssl_context = tls.context() if tls is not None else None
        self.max_body = max_body
        self.hang_limit = hang_limit
        self.handshake_timeout = handshake_timeout
        self.stopping = threading.Event()
        self.requests: list[HttpRequest] = []
        self.tls_errors: list[str] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__(address, _Handler)

    @property
    def scheme(self) -> str:
        return "https" if self.tls is not None else "http"

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{host}:{port}"

    def record(self, req: HttpRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def finish_request(self, request, client_address) -> None:
        if self.ssl_context is None:
            return super().finish_request(request, client_address)
        request.settimeout(self.handshake_timeout)
        try:
            tls_sock = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            self.tls_errors.append(f"{client_address[0]}:{client_address[1]}: {err}")
            request.close()
            return
        try:
            super().finish_request(tls_sock, client_address)
        finally:
            try:
                tls_sock.close()
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        import sys
        err = sys.exc_info()[1]
        if not isinstance(err, (ConnectionError, TimeoutError, ssl.SSLError, socket.timeout)):
            self.errors.append(f"{client_address[0]}:{client_address[1]}: {type(err).__name__}: {err}")

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="a1-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self.shutdown()
            self._thread.join(5.0)
        self.server_close()


@dataclass(frozen=True)
class HttpResponse:
    """One response as a client received it (header names lower-cased)."""

    status: int
    headers: dict
    body: bytes
    elapsed: float = 0.0

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


class HttpClient:
    """A keep-alive HTTP(S) client for one origin, reconnecting when the peer closed."""

    def __init__(self, base_url: str, *, tls: TlsClient | None = None, timeout: float = 10.0,
                 max_body: int = 64 << 20) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise A1SimError(f"not an http(s) URL: {base_url!r}")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.tls = tls
        self.timeout = timeout
        self.max_body = max_body
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            ctx = self.tls.context() if self.tls is not None else ssl.create_default_context()
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> HttpResponse:
        """Send one request; ``path`` is appended to the base URL's path.

        Raises:
            OSError / ssl.SSLError / http.client.HTTPException: the peer broke or
                is unreachable (not retried, except once on a stale keep-alive).
        """
        with self._lock:
            for attempt in (0, 1):
                fresh = self._conn is None
                if fresh:
                    self._conn = self._connect()
                start = time.monotonic()
                try:
                    self._conn.request(method, self.prefix + path, body=body, headers=headers or {})
                    resp = self._conn.getresponse()
                    data = resp.read(self.max_body + 1)
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    self.close_locked()
                    if fresh or attempt:
                        raise
                    continue
                except BaseException:
                    self.close_locked()
                    raise
                if len(data) > self.max_body:
                    self.close_locked()
                    raise http.client.HTTPException(f"{method} {path}: body larger than {self.max_body} octets")
                if resp.will_close:
                    self.close_locked()
                return HttpResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data,
                                    time.monotonic() - start)
        raise AssertionError("unreachable")

    def close_locked(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        with self._lock:
            self.close_locked()
