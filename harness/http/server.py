"""The harness's HTTP server: requests the DUT sends to it wait in a queue for the runner.

Used when the DUT is the client: a Non-RT RIC DUT (A1-P consumer) calling the
harness as Near-RT RIC, or a Near-RT RIC DUT posting status notifications to
the harness's callback. Each request is read by a server thread, recorded as an
`HttpMessage`, queued, and held until the runner replies (an `expect-request`
or `respond` step) or `reply_timeout` passes (then 503, and the test case
already has a finding). Bodies over the size cap are refused with 413.

Theory of operation: nothing is judged here; the server only moves bytes and
records them. Lab problems (port in use, TLS files) raise `HttpLabError` at start.
"""

from __future__ import annotations

import hmac
import itertools
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness.http.client import DEFAULT_MAX_BODY, HttpLabError, TlsConfig
from harness.http.messages import HttpMessage, redact

_connections = itertools.count(100001)


@dataclass
class Incoming:
    """A request from the DUT, held open until the runner replies."""

    request: HttpMessage
    problem: str | None = None               # e.g. 'body over the size cap' (the DUT's fault)
    check: str = "http.request-size"         # the finding a problem gives
    status: int = 413                        # what the server answered a problem with
    replied: threading.Event = field(default_factory=threading.Event)
    reply: tuple | None = None               # (status, headers dict, body bytes)
    response: HttpMessage | None = None      # what was actually sent back

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
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls: TlsConfig | None = None,
                 reply_timeout: float = 10.0, max_body: int = DEFAULT_MAX_BODY,
                 bearer_token: str | None = None) -> None:
        self.bearer_token = bearer_token
        self.requests: queue.Queue[Incoming] = queue.Queue()
        self.reply_timeout = reply_timeout
        self.max_body = max_body
        self.errors: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:      # no stderr noise; everything is recorded
                return

            def _any(self) -> None:
                outer._handle(self)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any

        try:
            self.httpd = _Listener((host, port), Handler)
        except OSError as err:
            raise HttpLabError(f"cannot listen on {host}:{port}: {err}") from None
        self.httpd.daemon_threads = True
        self.scheme = "http"
        if tls is not None and tls.cert is not None:
            ctx = tls.server_context()
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True, name=f"http-server-{self.port}")

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def start(self) -> "HttpServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        # Release requests still waiting for a reply so their threads end.
        while True:
            try:
                item = self.requests.get_nowait()
            except queue.Empty:
                break
            if not item.replied.is_set():
                item.reply = (503, {}, b"")
                item.replied.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def next_request(self, timeout: float) -> Incoming | None:
        try:
            return self.requests.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            return None

    # ------------------------------------------------------------------ one request
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        conn_id = next(_connections)
        try:
            local = h.connection.getsockname()[:2]
            remote = h.client_address[:2]
            problem = None
            length = h.headers.get("Content-Length")
            body = b""
            if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body, problem = _read_chunked(h.rfile, self.max_body)
            elif length is not None:
                try:
                    n = int(length)
                except ValueError:
                    n, problem = 0, f"Content-Length '{length}' is not a number"
                if n > self.max_body:
                    problem = f"request body of {n} octets is over the harness's cap of {self.max_body}"
                else:
                    body = h.rfile.read(n)
            check, code, extra = "http.request-size", 413, {}
            if problem is None and self.bearer_token is not None:
                auth = h.headers.get("Authorization")
                if auth is None or not hmac.compare_digest(auth.encode(), f"Bearer {self.bearer_token}".encode()):
                    problem = ("no Authorization header: the A1-P producer requires an OAuth2 bearer token"
                               if auth is None else "the bearer token is not the one the lab profile names")
                    check, code = "http.auth", 401
                    extra = {"WWW-Authenticate": 'Bearer realm="A1-P"' + ("" if auth is None
                                                                         else ', error="invalid_token"')}
            request = HttpMessage("request", "received", h.command, h.path, 0, "", redact(h.headers.items()),
                                  body, time.time(), local, remote, conn_id)
            item = Incoming(request, problem, check, code)
            self.requests.put(item)
            if problem or not item.replied.wait(self.reply_timeout):
                status, headers, data = (code if problem else 503), \
                    {"Content-Type": "application/problem+json", **extra}, \
                    json.dumps({"status": code if problem else 503,
                                "title": problem or "the test harness did not reply in time"}).encode()
            else:
                status, headers, data = item.reply
            h.send_response(status)
            sent_headers = [("Content-Length", str(len(data)))] + [(k, str(v)) for k, v in headers.items()]
            for k, v in sent_headers:
                h.send_header(k, v)
            h.send_header("Connection", "close")
            h.end_headers()
            if data and h.command != "HEAD":
                h.wfile.write(data)
            h.wfile.flush()
            h.close_connection = True
            reason = h.responses.get(status, ("",))[0]
            item.response = HttpMessage("response", "sent", "", "", status, reason,
                                        tuple(sent_headers) + (("Connection", "close"),), data, time.time(),
                                        local, remote, conn_id)
        except (OSError, socket.timeout) as err:
            self.errors.append(f"{h.command} {h.path}: {err}")


class _Listener(ThreadingHTTPServer):
    # The stdlib's backlog of 5 drops the SYNs of a burst of DUT connections (a flood of notifications
    # took 33 s to get in, by SYN retransmits); 128 takes bursts in at once.
    request_queue_size = 128


def _read_chunked(rfile, cap: int) -> tuple[bytes, str | None]:
    out = b""
    while True:
        line = rfile.readline(1024)
        try:
            size = int(line.split(b";")[0].strip() or b"x", 16)
        except ValueError:
            return out, f"chunk size line {line[:20]!r} is not hexadecimal"
        if size == 0:
            rfile.readline(1024)
            return out, None
        if len(out) + size > cap:
            return out, f"chunked request body is over the harness's cap of {cap} octets"
        out += rfile.read(size)
        rfile.readline(1024)
