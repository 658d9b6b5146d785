"""The harness's one HTTP client: h11 framing (harness/http/wire.py), nothing followed or hidden.

Used by the runner towards an A1 DUT and by the A1 simulators towards their peers.
Why no full client library: the harness must see exactly what the peer did.
Redirects are returned, never followed; a body over the size cap is cut and
reported; every request has a deadline on every read, so a DUT that drips or
hangs cannot stall a lab queue. With ``keep_alive`` one connection is reused
while the peer allows it (and opened again once if the peer closed it idle).

Blame is decided here and carried by the exception type:
* `HttpLabError` (verdict ERROR): the URL, TLS material or certificate check,
  connection refused: the lab set-up is wrong, nothing is known about the DUT;
* `HttpDutError` (verdict FAIL): the DUT accepted the connection and then
  timed out, closed early, or sent something that is not HTTP/1.1.
"""

from __future__ import annotations

import itertools
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import h11

from harness.core.errors import DutError, HarnessError, LabError
from harness.http.messages import HttpMessage, redact
from harness.http.wire import PeerBroke, PeerClosed, Wire, WireTimeout, printable

DEFAULT_MAX_BODY = 1 << 20
_connections = itertools.count(1)


class HttpLabError(LabError):
    """The request could not be made because of the lab side (ERROR)."""


class HttpDutError(DutError):
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
    """A request as sent and the response as received; ``elapsed``: seconds from sending to the end."""

    request: HttpMessage
    response: HttpMessage
    elapsed: float = 0.0


class HttpClient:
    """Requests to one base URL ('http://host:port' or 'https://...').

    Args:
        base_url: scheme, host, port and optional path prefix of the peer's API.
        tls: TLS material for https (None: system CAs, no client certificate).
        bearer_token: sent as 'Authorization: Bearer ...'; never recorded.
        max_body: response bodies beyond this many octets are cut and reported.
        keep_alive: reuse one connection (a simulator's client); else one connection per request.
        timeout: the default deadline of `request`, in seconds.

    Raises:
        HttpLabError: the URL or the TLS material is wrong.
    """

    def __init__(self, base_url: str, *, tls: TlsConfig | None = None, bearer_token: str | None = None,
                 max_body: int = DEFAULT_MAX_BODY, keep_alive: bool = False, timeout: float = 5.0) -> None:
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
        self.keep_alive = keep_alive
        self.timeout = timeout
        self._wire: Wire | None = None
        self._wire_id = 0
        self._lock = threading.Lock()

    def target(self, path: str, query: dict | None = None) -> str:
        target = self.prefix + path
        if query:
            target += "?" + urlencode({k: v if isinstance(v, str) else str(v) for k, v in query.items()})
        return target

    def request(self, method: str, path: str, *, query: dict | None = None, headers: dict | None = None,
                body: bytes | None = b"", timeout: float | None = None) -> Exchanged:
        """Send one request and read the whole response within ``timeout`` seconds.

        Raises:
            HttpLabError: the lab side is wrong (URL, TLS, connection refused).
            HttpDutError: the DUT timed out, closed early or sent a malformed response.
        """
        timeout = self.timeout if timeout is None else timeout
        body = body or b""
        target = self.target(path, query)
        send_headers = [("Host", f"{self.host}:{self.port}")]
        send_headers += [(k, str(v)) for k, v in (headers or {}).items()]
        names = {k.lower() for k, _ in send_headers}
        if "content-length" not in names and "transfer-encoding" not in names and (
                body or method in ("PUT", "POST", "PATCH")):
            send_headers.append(("Content-Length", str(len(body))))
        if self.bearer_token and "authorization" not in names:
            send_headers.append(("Authorization", f"Bearer {self.bearer_token}"))
        if not self.keep_alive:
            send_headers.append(("Connection", "close"))
        where = f"{method} {target}"
        with self._lock:
            for attempt in (0, 1):
                reused = self._wire is not None
                try:
                    return self._exchange(method, target, send_headers, body, timeout, where)
                except _Stale:
                    if not reused or attempt:
                        raise HttpDutError("http.closed", f"{where}: the connection broke before a complete "
                                                          "response: the peer closed it", None) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        if self._wire is not None:
            self._wire.close()
            self._wire = None

    def _exchange(self, method: str, target: str, send_headers: list, body: bytes, timeout: float,
                  where: str) -> Exchanged:
        deadline = time.monotonic() + timeout
        wire = self._wire
        reused = wire is not None
        if wire is None:
            wire = self._connect(where, timeout)
        self._wire = wire
        try:
            local = wire.sock.getsockname()[:2]
            remote = wire.sock.getpeername()[:2]
        except OSError as err:            # TLS 1.3: a peer refusing our certificate closes after the handshake
            self._drop()
            raise HttpLabError(f"{where}: {self.host}:{self.port} closed the connection right after the TLS "
                               f"handshake ({err.strerror or err}); does it require a client certificate "
                               "the lab profile does not give (a1.tls.cert)?") from None
        sent_at, start = time.time(), time.monotonic()
        request = HttpMessage("request", "sent", method, target, 0, "", redact(send_headers), body, sent_at,
                              local, remote, self._wire_id)
        got = None
        try:
            events: list[h11.Request | h11.Data] = [h11.Request(method=method, target=target, headers=send_headers)]
            if body:
                events.append(h11.Data(data=body))
            wire.send(*events, h11.EndOfMessage(), deadline=deadline)
            got = wire.receive(deadline, self.max_body)
        except h11.LocalProtocolError as err:
            self._drop()
            raise HttpLabError(f"{where}: the harness cannot send this request: {err}") from None
        except WireTimeout:
            self._drop()
            raise HttpDutError("http.timeout", f"{where}: no complete response within {timeout:g} s",
                               request) from None
        except PeerClosed as err:
            self._drop()
            if reused and err.in_head and not str(err).endswith("blank line"):
                raise _Stale() from None
            check = "http.malformed" if str(err).endswith("blank line") else "http.closed"
            text = ("the response is not valid HTTP/1.1: the response head ended before its blank line"
                    if check == "http.malformed"
                    else f"the connection broke before a complete response: {err}")
            raise HttpDutError(check, f"{where}: {text}", request) from None
        except PeerBroke as err:
            self._drop()
            raise HttpDutError("http.malformed", f"{where}: the response is not valid HTTP/1.1: "
                                                 f"{printable(str(err), 160)}", request) from None
        except ssl.SSLError as err:
            # A TLS alert after the handshake: the peer refused our certificate (lab material).
            self._drop()
            raise HttpLabError(f"{where}: TLS with {self.host}:{self.port} failed after the handshake: "
                               f"{getattr(err, 'reason', None) or err}; check the client certificate "
                               "(a1.tls.cert)") from None
        except OSError as err:
            self._drop()
            if reused and isinstance(err, (BrokenPipeError, ConnectionResetError)) and got is None:
                raise _Stale() from None
            raise HttpDutError("http.closed", f"{where}: the connection broke before a complete response: {err}",
                               request) from None
        if got is None:                   # closed between messages: a stale keep-alive connection
            self._drop()
            if reused:
                raise _Stale()
            raise HttpDutError("http.closed", f"{where}: the connection broke before a complete response: "
                                              "the peer closed it without answering", request)
        if got.truncated or not self.keep_alive or not wire.reusable():
            self._drop()
        response = HttpMessage("response", "received", "", "", got.status, got.reason, redact(got.headers),
                               got.body, time.time(), local, remote, request.connection, got.truncated)
        return Exchanged(request, response, time.monotonic() - start)

    def _connect(self, where: str, timeout: float) -> Wire:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except ConnectionRefusedError:
            raise HttpLabError(f"{where}: connection to {self.host}:{self.port} refused (is the DUT URL "
                               f"{self.base_url} right?)") from None
        except TimeoutError:
            raise HttpDutError("http.timeout", f"{where}: no TCP connection to {self.host}:{self.port} within "
                                               f"{timeout:g} s") from None
        except OSError as err:
            raise HttpLabError(f"{where}: cannot connect to {self.host}:{self.port}: {err}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.context is not None:
            try:
                sock = self.context.wrap_socket(sock, server_hostname=self.host)
            except ssl.SSLError as err:
                sock.close()
                raise HttpLabError(f"{where}: TLS handshake with {self.host}:{self.port} failed: "
                                   f"{getattr(err, 'reason', None) or err}") from None
            except TimeoutError:
                sock.close()
                raise HttpDutError("http.timeout", f"{where}: no TLS handshake with {self.host}:{self.port} "
                                                   f"within {timeout:g} s") from None
            except OSError as err:
                sock.close()
                raise HttpLabError(f"{where}: TLS handshake with {self.host}:{self.port} failed: {err}") from None
        self._wire_id = next(_connections)
        return Wire(sock, h11.CLIENT)


class _Stale(HarnessError):
    """A reused keep-alive connection was closed by the peer before this request: open a new one."""
