"""HTTP/1.1 messages out of the TCP byte runs of a capture (RFC 9112 framing).

Theory of operation: `harness/capture/tcp.py` gives, per connection and
direction, in-order pieces of the byte stream (`CapturedMessage`, transport
'tcp'). `HttpFramer` keeps one parser per direction: it buffers bytes until a
whole start line and header block are in, then takes the body by
Content-Length, by chunked transfer coding, or (responses only) up to the
close. One TCP run may hold several messages (pipelining) and one message may
span many runs; every message keeps the packet numbers its bytes came from, so
findings can cite them. Responses are paired with requests per connection in
order (HTTP/1.1 answers in request order); a response to HEAD, a 1xx, 204 or
304 has no body.

Bad input never raises: a start line or header that is not HTTP, a bogus
Content-Length or chunk size, a head or body over the caps, bytes missing
(a TCP gap) become a `CaptureIssue` naming the first packet of the message;
that direction then waits for the next run that starts like an HTTP message.
Buffers are bounded (MAX_HEAD, MAX_BODY): a larger body is cut and marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from harness.capture.model import CapturedMessage, CaptureIssue
from harness.http.messages import HeaderAccess

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE")
_REQUEST_LINE = re.compile(rb"^([A-Z]+) (\S+) HTTP/1\.[01]$")
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3})(?: (.*))?$")
_TOKEN = re.compile(rb"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_CHUNK_SIZE = re.compile(rb"^([0-9A-Fa-f]{1,16})(;.*)?$")


@dataclass(frozen=True)
class CapturedHttp(HeaderAccess):
    """One HTTP message seen in a capture.

    Attributes:
        kind: 'request' | 'response'.
        method, target: request line ('' on responses).
        status, reason: status line (0 / '' on requests).
        headers: (name, value) pairs as on the wire.
        body: the body after undoing chunked coding (cut at MAX_BODY: see truncated).
        packets: packet numbers the message's octets came from.
        time: capture time of its last octet.
        src, dst: 'ip:port' of sender and receiver; connection: the TCP connection key.
        framing: 'content-length' | 'chunked' | 'close' | 'none'.
    """

    kind: str
    method: str
    target: str
    status: int
    reason: str
    headers: tuple
    body: bytes
    packets: tuple
    time: float
    src: str
    dst: str
    connection: str
    framing: str
    truncated: bool = False


    @property
    def first_packet(self) -> int:
        return self.packets[0] if self.packets else 0

    def label(self) -> str:
        return f"{self.method} {self.target}" if self.kind == "request" else f"{self.status} {self.reason}".strip()


@dataclass(frozen=True)
class HttpTransaction:
    """A request and its response (None when the capture has none) on one connection."""

    request: CapturedHttp
    response: CapturedHttp | None
    connection: str

    @property
    def client(self) -> str:
        return self.request.src

    @property
    def server(self) -> str:
        return self.request.dst


class _Bad(Exception):
    """Framing broken at this point; the message names what."""


class _Direction:
    """The parser of one direction of one connection."""

    def __init__(self, src: str, dst: str, conn: str) -> None:
        self.src, self.dst, self.conn = src, dst, conn
        self.buf = bytearray()
        self.spans: list = []          # (end offset in buf, packets, time) of the runs in buf
        self.state = "head"            # head | body | chunk-size | chunk-data | chunk-trailer | close | broken
        self.head: tuple | None = None # (kind, method, target, status, reason, headers, framing)
        self.body = bytearray()
        self.remaining = 0
        self.truncated = False
        self.packets: list = []        # packets of the message being read
        self.time = 0.0
        self.gaps = 0

    # -- bytes in / out, with packet bookkeeping
    def add(self, data: bytes, packets: tuple, time: float) -> None:
        self.buf += data
        self.spans.append((len(self.buf), packets, time))

    def take(self, n: int) -> bytes:
        """Consume n octets; the packets of the runs they came from join the message being read."""
        out = bytes(self.buf[:n])
        del self.buf[:n]
        start, keep = 0, []
        for end, packets, time in self.spans:
            if start < n and end > start:
                self._note(packets, time)
            if end > n:
                keep.append((end - n, packets, time))
            start = end
        self.spans = keep
        return out

    def _note(self, packets: tuple, time: float) -> None:
        for p in packets:
            if p not in self.packets:
                self.packets.append(p)
        self.time = max(self.time, time)

    def first_packet(self) -> int:
        if self.packets:
            return self.packets[0]
        return self.spans[0][1][0] if self.spans and self.spans[0][1] else 0

    def reset_message(self) -> None:
        self.head = None
        self.body = bytearray()
        self.remaining = 0
        self.truncated = False
        self.packets = []
        self.time = 0.0


class HttpFramer:
    """Feed it the capture's TCP runs in order; it returns HTTP messages and records issues.

    Args:
        issues: CaptureIssue list to append framing problems to.
        max_body: bodies beyond this many octets are cut (and marked truncated).
    """

    def __init__(self, issues: list, max_body: int = MAX_BODY) -> None:
        self.issues = issues
        self.max_body = max_body
        self.dirs: dict = {}
        self.pending_methods: dict = {}      # connection -> request methods awaiting responses, per client

    def feed(self, msg: CapturedMessage) -> list[CapturedHttp]:
        if msg.transport != "tcp":
            return []
        key = (msg.src, msg.dst)
        d = self.dirs.get(key)
        if d is None:
            d = self.dirs[key] = _Direction(msg.src, msg.dst, msg.association)
        out: list = []
        if msg.stream != d.gaps:             # bytes are missing before this run (tcp.py skipped a gap)
            d.gaps = msg.stream
            if d.buf or d.head is not None:
                self._issue(d, "octets missing in the TCP stream (a gap in the capture)", msg.packets[0])
            d.buf.clear()
            d.spans.clear()
            d.reset_message()
            d.state = "head"
        if not msg.data:                      # FIN: the end of this direction
            if d.state == "close" and d.head is not None:
                out.append(self._done(d))
            elif d.buf.strip() or d.head is not None:
                self._issue(d, f"the connection closed inside a message ({self._where(d)})")
            d.buf.clear()
            d.spans.clear()
            d.reset_message()
            d.state = "head"
            return out
        if d.state == "broken":
            if not _looks_like_start(msg.data):
                return out
            d.state = "head"
            d.buf.clear()
            d.spans.clear()
            d.reset_message()
        d.add(msg.data, msg.packets, msg.time)
        try:
            self._parse(d, out)
        except _Bad as bad:
            self._issue(d, str(bad))
            d.state = "broken"
            d.buf.clear()
            d.spans.clear()
            d.reset_message()
        return out

    def flush(self) -> list[CapturedHttp]:
        """The end of the capture: close-delimited bodies end here; cut messages become issues."""
        out = []
        for d in self.dirs.values():
            if d.state == "close" and d.head is not None:
                out.append(self._done(d))
            elif d.state not in ("broken",) and (d.head is not None or d.buf.strip()):
                self._issue(d, f"the capture ends inside a message ({self._where(d)})")
        self.dirs.clear()
        return out

    # ------------------------------------------------------------------ parsing
    def _where(self, d: _Direction) -> str:
        if d.head is None:
            return "in its header block"
        kind, method, target, status, reason = d.head[:5]
        name = f"{method} {target}" if kind == "request" else f"response {status}"
        return f"{name}, body incomplete"

    def _issue(self, d: _Direction, text: str, packet: int | None = None) -> None:
        self.issues.append(CaptureIssue(packet or d.first_packet(), f"HTTP {d.src} -> {d.dst}: {text}"))

    def _parse(self, d: _Direction, out: list) -> None:
        while True:
            if d.state == "head":
                if not d.buf:
                    return
                while d.buf[:2] == b"\r\n":        # stray CRLF between messages is allowed (RFC 9112 2.2)
                    d.take(2)
                    d.packets = []
                end = d.buf.find(b"\r\n\r\n")
                if end < 0:
                    if len(d.buf) > MAX_HEAD:
                        raise _Bad(f"no end of the header block within {MAX_HEAD} octets")
                    if d.buf and not _looks_like_start(bytes(d.buf[:16])):
                        raise _Bad(f"not an HTTP message: starts with {bytes(d.buf[:24])!r}")
                    return
                self._head(d, d.take(end + 4)[:-4])
            elif d.state == "body":
                n = min(d.remaining, len(d.buf))
                if n == 0 and d.remaining:
                    return
                self._body(d, d.take(n))
                d.remaining -= n
                if d.remaining == 0:
                    out.append(self._done(d))
            elif d.state == "chunk-size":
                end = d.buf.find(b"\r\n")
                if end < 0:
                    if len(d.buf) > 1024:
                        raise _Bad("chunk size line over 1024 octets")
                    return
                line = d.take(end + 2)[:-2].strip()
                m = _CHUNK_SIZE.match(line)
                if not m:
                    raise _Bad(f"bad chunk size line {line[:40]!r} ({self._where(d)})")
                d.remaining = int(m.group(1), 16)
                d.state = "chunk-data" if d.remaining else "chunk-trailer"
            elif d.state == "chunk-data":
                if len(d.buf) < d.remaining + 2:
                    n = min(len(d.buf), d.remaining)
                    if n:
                        self._body(d, d.take(n))
                        d.remaining -= n
                    return
                self._body(d, d.take(d.remaining))
                if d.take(2) != b"\r\n":
                    raise _Bad(f"chunk data not followed by CRLF ({self._where(d)})")
                d.remaining = 0
                d.state = "chunk-size"
            elif d.state == "chunk-trailer":
                end = d.buf.find(b"\r\n")
                if end < 0:
                    if len(d.buf) > MAX_HEAD:
                        raise _Bad("chunked trailer section too long")
                    return
                line = d.take(end + 2)
                if line == b"\r\n":
                    out.append(self._done(d))
            elif d.state == "close":
                if d.buf:
                    self._body(d, d.take(len(d.buf)))
                return
            else:
                return

    def _head(self, d: _Direction, raw: bytes) -> None:
        lines = raw.split(b"\r\n")
        start = lines[0]
        m_req, m_resp = _REQUEST_LINE.match(start), _STATUS_LINE.match(start)
        if not m_req and not m_resp:
            raise _Bad(f"not an HTTP/1.x start line: {start[:60]!r}")
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not _TOKEN.match(name):
                raise _Bad(f"bad header line {line[:60]!r}")
            headers.append((name.decode("latin-1"), value.strip().decode("latin-1")))
        names = {k.lower(): v for k, v in headers}
        if m_req:
            kind, method, target, status, reason = "request", m_req.group(1).decode(), m_req.group(2).decode(
                "latin-1"), 0, ""
            self.pending_methods.setdefault((d.src, d.dst), []).append(method)
        else:
            kind, method, target = "response", "", ""
            status, reason = int(m_resp.group(1)), (m_resp.group(2) or b"").decode("latin-1")
        d.head = (kind, method, target, status, reason, tuple(headers), "none")
        te = names.get("transfer-encoding", "").lower()
        if kind == "response" and (100 <= status < 200 or status in (204, 304) or self._answers_head(d)):
            d.remaining = 0
        elif te:
            if te.split(",")[-1].strip() != "chunked":
                raise _Bad(f"Transfer-Encoding {te!r} is not chunked-last; cannot frame")
            d.head = d.head[:6] + ("chunked",)
            d.state = "chunk-size"
            return
        elif "content-length" in names:
            cl = names["content-length"]
            if not cl.isdigit():
                raise _Bad(f"bad Content-Length {cl!r}")
            d.remaining = int(cl)
            d.head = d.head[:6] + ("content-length",)
        elif kind == "response":
            d.head = d.head[:6] + ("close",)
            d.state = "close"
            return
        else:
            d.remaining = 0
        if d.remaining:
            d.state = "body"
        else:
            if kind == "response" and 100 <= status < 200:
                self._pop_method(d, interim=True)
                d.reset_message()
                return
            d.state = "body"                           # zero-length: completed at once by _parse

    def _answers_head(self, d: _Direction) -> bool:
        queue = self.pending_methods.get((d.dst, d.src)) or []
        return bool(queue) and queue[0] == "HEAD"

    def _pop_method(self, d: _Direction, interim: bool = False) -> None:
        queue = self.pending_methods.get((d.dst, d.src))
        if queue and not interim:
            queue.pop(0)

    def _body(self, d: _Direction, data: bytes) -> None:
        room = self.max_body - len(d.body)
        if len(data) > room:
            d.body += data[:max(room, 0)]
            d.truncated = True
        else:
            d.body += data

    def _done(self, d: _Direction) -> CapturedHttp:
        kind, method, target, status, reason, headers, framing = d.head
        if kind == "response":
            self._pop_method(d)
        msg = CapturedHttp(kind, method, target, status, reason, headers, bytes(d.body), tuple(d.packets), d.time,
                           d.src, d.dst, d.conn, framing, d.truncated)
        d.reset_message()
        d.state = "head"
        return msg


def _looks_like_start(data: bytes) -> bool:
    if data.startswith(b"HTTP/1."):
        return True
    word = data.split(b" ", 1)[0]
    return word.decode("latin-1") in METHODS or (len(data) < 8 and any(m.startswith(data.decode("latin-1", "replace"))
                                                                        for m in METHODS + ("HTTP/1.",)))


def http_messages(messages: Iterable[CapturedMessage], issues: list,
                  max_body: int = MAX_BODY) -> list[CapturedHttp]:
    """Every HTTP message in the TCP runs, in the order their last octet was captured."""
    framer = HttpFramer(issues, max_body)
    out: list = []
    for m in messages:
        out.extend(framer.feed(m))
    out.extend(framer.flush())
    return out


def pair(messages: Iterable[CapturedHttp], issues: list) -> list[HttpTransaction]:
    """Requests with their responses, per connection in order; ordered by request time.

    A response with no request before it on its connection is an issue naming its packet.
    """
    waiting: dict = {}          # (client, server) -> list of [request, response-slot]
    out: list = []
    for m in messages:
        if m.kind == "request":
            slot = [m, None]
            waiting.setdefault((m.src, m.dst), []).append(slot)
            out.append(slot)
        else:
            queue = waiting.get((m.dst, m.src))
            if not queue:
                issues.append(CaptureIssue(m.first_packet, f"HTTP {m.src} -> {m.dst}: response {m.status} "
                                                           "with no request before it on its connection"))
                continue
            queue.pop(0)[1] = m
    return [HttpTransaction(req, resp, req.connection) for req, resp in out]
