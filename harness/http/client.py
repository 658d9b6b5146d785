"""The harness's HTTP client: stdlib `http.client`, nothing followed or hidden.

Why not a full client library: the harness must see exactly what the DUT did.
Redirects are returned, never followed; a body over the size cap is cut and
reported; every request has a deadline enforced by a watchdog that closes the
socket, so a DUT that drips or hangs cannot stall a lab queue.

Blame is decided here and carried by the exception type:
* `HttpLabError` (verdict ERROR): the URL, TLS material or certificate check,
  connection refused: the lab set-up is wrong, nothing is known about the DUT;
* `HttpDutError` (verdict FAIL): the DUT accepted the connection and then
  timed out, closed early, or sent something that is not HTTP.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from harness.http.messages import HttpMessage, redact

DEFAULT_MAX_BODY = 1 << 20
_connections = itertools.count(1)


class HttpLabError(Exception):
    """The request could not be made because of the lab side (ERROR)."""


class HttpDutError(Exception):
    """The DUT broke the exchange (FAIL). ``check`` names the finding; ``request``/``response`` what was seen."""

    def __init__(self, check: str, message: str, request: HttpMessage | None = None,
                 response: HttpMessage | None = None) -> None:
        super().__init__(message)
        self.check = check
        self.request = request
        self.response = response


@dataclass(frozen=True)
class TlsConfig:
    """TLS material from the lab profile (PEM files)."""

    ca: Path | None = None          # CA bundle that signed the peer; None: the system store
    cert: Path | None = None        # our certificate (client auth towards the DUT, or the server's own)
    key: Path | None = None
    server_name: str | None = None  # reserved: a name to check other than the URL's host (not used yet)

    def client_context(self) -> ssl.SSLContext:
        """Raises HttpLabError naming the file that is wrong."""
        try:
            ctx = ssl.create_default_context(cafile=str(self.ca) if self.ca else None)
        except (OSError, ssl.SSLError) as err:
            raise HttpLabError(f"TLS: cannot load the CA file {self.ca}: {err}") from None
        self._load_cert(ctx)
        return ctx

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if self.cert is None:
            raise HttpLabError("TLS: a server needs tls.cert and tls.key")
        self._load_cert(ctx)
        if self.ca:
            try:
                ctx.load_verify_locations(cafile=str(self.ca))
            except (OSError, ssl.SSLError) as err:
                raise HttpLabError(f"TLS: cannot load the CA file {self.ca}: {err}") from None
            ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def _load_cert(self, ctx: ssl.SSLContext) -> None:
        if self.cert is None:
            return
        try:
            ctx.load_cert_chain(str(self.cert), str(self.key) if self.key else None)
        except (OSError, ssl.SSLError) as err:
            raise HttpLabError(f"TLS: cannot load the certificate {self.cert} / key {self.key}: {err}") from None


@dataclass(frozen=True)
class Exchanged:
    request: HttpMessage
    response: HttpMessage


class HttpClient:
    """Requests to one base URL ('http://host:port' or 'https://...'), one TCP connection each.

    Args:
        base_url: scheme, host, port and optional path prefix of the DUT's API.
        tls: TLS material for https (None: system CAs, no client certificate).
        bearer_token: sent as 'Authorization: Bearer ...'; never recorded.
        max_body: response bodies beyond this many octets are cut and reported.
    """

    def __init__(self, base_url: str, *, tls: TlsConfig | None = None, bearer_token: str | None = None,
                 max_body: int = DEFAULT_MAX_BODY) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpLabError(f"base URL '{base_url}' is not http(s)://host[:port][/prefix]")
        self.base_url = base_url
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.tls = tls or TlsConfig()
        self.context = self.tls.client_context() if self.scheme == "https" else None
        self.bearer_token = bearer_token
        self.max_body = max_body

    def target(self, path: str, query: dict | None = None) -> str:
        target = self.prefix + path
        if query:
            target += "?" + urlencode({k: v if isinstance(v, str) else str(v) for k, v in query.items()})
        return target

    def request(self, method: str, path: str, *, query: dict | None = None, headers: dict | None = None,
                body: bytes = b"", timeout: float = 5.0) -> Exchanged:
        """Send one request and read the whole response within ``timeout`` seconds.

        Raises:
            HttpLabError: the lab side is wrong (URL, TLS, connection refused).
            HttpDutError: the DUT timed out, closed early or sent a malformed response.
        """
        target = self.target(path, query)
        conn_id = next(_connections)
        send_headers = [("Host", f"{self.host}:{self.port}")]
        send_headers += [(k, str(v)) for k, v in (headers or {}).items()]
        names = {k.lower() for k, _ in send_headers}
        if body and "content-length" not in names:
            send_headers.append(("Content-Length", str(len(body))))
        if self.bearer_token and "authorization" not in names:
            send_headers.append(("Authorization", f"Bearer {self.bearer_token}"))
        send_headers.append(("Connection", "close"))
        where = f"{method} {target}"
        deadline = time.monotonic() + timeout
        conn = (http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self.context)
                if self.scheme == "https" else http.client.HTTPConnection(self.host, self.port, timeout=timeout))
        conn.response_class = _WatchedResponse
        try:
            conn.connect()
        except ssl.SSLError as err:
            raise HttpLabError(f"{where}: TLS handshake with {self.host}:{self.port} failed: "
                               f"{getattr(err, 'reason', None) or err}") from None
        except ConnectionRefusedError:
            raise HttpLabError(f"{where}: connection to {self.host}:{self.port} refused (is the DUT URL "
                               f"{self.base_url} right?)") from None
        except (socket.timeout, TimeoutError):
            raise HttpDutError("http.timeout", f"{where}: no TCP connection to {self.host}:{self.port} within "
                                               f"{timeout:g} s") from None
        except OSError as err:
            raise HttpLabError(f"{where}: cannot connect to {self.host}:{self.port}: {err}") from None
        try:
            local = conn.sock.getsockname()[:2]
            remote = conn.sock.getpeername()[:2]
        except OSError as err:            # TLS 1.3: a peer refusing our certificate closes after the handshake
            _close_quietly(conn)
            raise HttpLabError(f"{where}: {self.host}:{self.port} closed the connection right after the TLS "
                               f"handshake ({err.strerror or err}); does it require a client certificate "
                               "the lab profile does not give (a1.tls.cert)?") from None
        sent_at = time.time()
        request = HttpMessage("request", "sent", method, target, 0, "", redact(send_headers), body, sent_at,
                              local, remote, conn_id)
        fired = threading.Event()           # the watchdog closed the socket: whatever was read is partial
        watchdog = threading.Timer(max(deadline - time.monotonic(), 0.0), _expire, (conn, fired))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for k, v in send_headers:
                conn.putheader(k, v)
            conn.endheaders(body or None)
            resp = conn.getresponse()
            if not resp.fp.head_complete:
                raise http.client.HTTPException("the response head ended before its blank line")
            data, truncated = _read_body(resp, self.max_body)
            if fired.is_set():
                raise TimeoutError()
        except (socket.timeout, TimeoutError):
            raise HttpDutError("http.timeout", f"{where}: no complete response within {timeout:g} s",
                               request) from None
        except http.client.HTTPException as err:
            if time.monotonic() >= deadline:
                raise HttpDutError("http.timeout", f"{where}: no complete response within {timeout:g} s",
                                   request) from None
            raise HttpDutError("http.malformed", f"{where}: the response is not valid HTTP/1.1: "
                                                 f"{type(err).__name__} {_printable(str(err))}".rstrip(),
                               request) from None
        except ssl.SSLError as err:
            # A TLS alert after the handshake: the peer refused our certificate (lab material).
            if time.monotonic() >= deadline:
                raise HttpDutError("http.timeout", f"{where}: no complete response within {timeout:g} s",
                                   request) from None
            raise HttpLabError(f"{where}: TLS with {self.host}:{self.port} failed after the handshake: "
                               f"{getattr(err, 'reason', None) or err}; check the client certificate "
                               "(a1.tls.cert)") from None
        except OSError as err:
            if time.monotonic() >= deadline:
                raise HttpDutError("http.timeout", f"{where}: no complete response within {timeout:g} s",
                                   request) from None
            raise HttpDutError("http.closed", f"{where}: the connection broke before a complete response: {err}",
                               request) from None
        finally:
            watchdog.cancel()
            _close_quietly(conn)
        response = HttpMessage("response", "received", "", "", resp.status, resp.reason or "",
                               redact(resp.getheaders()), data, time.time(), local, remote, conn_id, truncated)
        return Exchanged(request, response)


def _read_body(resp: http.client.HTTPResponse, cap: int) -> tuple[bytes, bool]:
    """The body up to ``cap`` octets (chunked or Content-Length framing handled by http.client)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        piece = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
        if not piece:
            return b"".join(chunks), False
        chunks.append(piece)
        size += len(piece)
        if size > cap:
            return b"".join(chunks)[:cap], True


def _printable(text: str, limit: int = 80) -> str:
    """A peer's octets quoted for a one-line finding: escaped, and cut at ``limit`` characters."""
    shown = ascii(text[:limit])[1:-1]
    return shown + (f"... ({len(text)} characters)" if len(text) > limit else "")


class _HeadWatch:
    """Wraps the response's file to see whether the head ended with its blank line or at end of data
    (http.client takes an end of data as the end of the head, so a head cut short would pass as whole)."""

    def __init__(self, fp) -> None:
        self._fp = fp
        self.head_complete = False

    def readline(self, *args):
        line = self._fp.readline(*args)
        if not self.head_complete and line in (b"\r\n", b"\n"):
            self.head_complete = True
        return line

    def __getattr__(self, name):
        return getattr(self._fp, name)


class _WatchedResponse(http.client.HTTPResponse):
    def __init__(self, sock, *args, **kwargs) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = _HeadWatch(self.fp)


def _expire(conn, fired: threading.Event) -> None:
    fired.set()
    _close_quietly(conn)


def _close_quietly(conn) -> None:
    try:
        if conn.sock is not None:
            conn.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        conn.close()
    except OSError:
        pass
