"""HTTP/1.1 messages out of the TCP byte runs of a capture (h11 framing, as the live client and servers).

Theory of operation: `harness/capture/tcp.py` gives, per connection and
direction, in-order pieces of the byte stream (`CapturedMessage`, transport
'tcp'). `HttpFramer` keeps one `h11.Connection` per direction and feeds it the
runs: the client-to-server direction to a server-role connection (it reads
requests), the other to a client-role one (it reads responses). h11 needs each
side's own half of the exchange to move on, so the framer mirrors it: after a
request it "sends" an empty response, and before a response it "sends" a
request with the method seen on that connection (a response to HEAD has no
body). One TCP run may hold several messages (pipelining) and one message may
span many runs; every message keeps the packet numbers its bytes came from
(h11's unconsumed ``trailing_data`` says which octets each event took), so
findings can cite them. Responses are paired with requests per connection in
order (HTTP/1.1 answers in request order).

Bad input never raises: what h11 rejects (a start line or header that is not
HTTP, a bogus Content-Length or chunk size, a head over MAX_HEAD), bytes
missing (a TCP gap), a connection or capture that ends inside a message become
a `CaptureIssue` naming the first packet of the message; that direction then
waits for the next run that starts like an HTTP message. Bodies are cut at
MAX_BODY and marked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import h11

from harness.capture.issues import CappedIssues, capped
from harness.capture.model import CapturedMessage, CaptureIssue
from harness.core.errors import DutError
from harness.core.redact import redact_headers, redact_text
from harness.http.messages import HeaderAccess
from harness.http.wire import MAX_HEAD, PeerBroke, first_line, framing, message_head

MAX_BODY = 16 * 1024 * 1024
MAX_DIRECTIONS = 4096        # connection directions parsed at once; the oldest is forgotten past it
MAX_PIPELINED = 1024         # request methods remembered per connection awaiting their responses
METHODS = ("GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE")
_MIRROR_HOST = [("Host", "capture")]


@dataclass(frozen=True)
class CapturedHttp(HeaderAccess):
    """One HTTP message seen in a capture.

    Attributes:
        kind: 'request' | 'response'.
        method, target: request line ('' on responses).
        status, reason: status line (0 / '' on requests).
        headers: (name, value) pairs as on the wire, credentials redacted.
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


class _Bad(DutError):
    """Framing broken at this point; the message names what (never leaves this module)."""


class _Direction:
    """The h11 parser of one direction of one connection, with packet bookkeeping."""

    head: h11.Request | h11.Response | None      # the head of the message being read (reset_message)
    time: float                                  # when its last octets arrived

    def __init__(self, src: str, dst: str, conn: str) -> None:
        self.src, self.dst, self.conn = src, dst, conn
        self.h11: h11.Connection | None = None   # made at the first run: its role follows the first octets
        self.fed = 0                   # octets given to h11 since it was made
        self.consumed = 0              # ... of which h11 has turned into events
        self.spans: list = []          # (end offset in fed octets, packets, time) of runs not wholly consumed
        self.broken = False
        self.gaps = 0
        self.reset_message()

    def start(self, data: bytes) -> None:
        role = h11.CLIENT if data.startswith(b"HTTP/") else h11.SERVER
        self.h11 = h11.Connection(role, max_incomplete_event_size=MAX_HEAD)
        self.fed = self.consumed = 0
        self.spans = []

    @property
    def parser(self) -> h11.Connection:
        """The h11 connection; `start` makes it before the first octets are added."""
        if self.h11 is None:
            raise RuntimeError(f"HTTP {self.src} -> {self.dst}: octets added before the direction was started")
        return self.h11

    @property
    def reads_responses(self) -> bool:
        return self.h11 is not None and self.h11.our_role is h11.CLIENT

    def add(self, data: bytes, packets: tuple, time: float) -> None:
        self.fed += len(data)
        self.spans.append((self.fed, packets, time))
        self.parser.receive_data(data)

    def took(self) -> None:
        """Octets h11 consumed since the last call join the message being read (their packets, time)."""
        now = self.fed - len(self.parser.trailing_data[0])
        keep = []
        begin = self.consumed
        for end, packets, time in self.spans:
            if begin < now:
                for p in packets:
                    if p not in self.packets:
                        self.packets.append(p)
                self.time = max(self.time, time)
            if end > now:
                keep.append((end, packets, time))
            begin = end
        self.spans = keep
        self.consumed = now

    def first_packet(self) -> int:
        if self.packets:
            return self.packets[0]
        return self.spans[0][1][0] if self.spans and self.spans[0][1] else 0

    def at_boundary(self) -> bool:
        return self.head is None and self.consumed == self.fed

    def reset_message(self) -> None:
        self.head = None               # the h11 Request/Response being read
        self.method = b""              # the request method a response answers
        self.body = bytearray()
        self.truncated = False
        self.packets: list = []        # packets of the message being read
        self.time = 0.0

    def reset(self) -> None:
        self.h11 = None
        self.fed = self.consumed = 0
        self.spans = []
        self.reset_message()


class HttpFramer:
    """Feed it the capture's TCP runs in order; it returns HTTP messages and records issues.

    Args:
        issues: CaptureIssue list to append framing problems to.
        max_body: bodies beyond this many octets are cut (and marked truncated).
    """

    def __init__(self, issues: list | CappedIssues, max_body: int = MAX_BODY) -> None:
        self.issues = capped(issues)      # bounded: a flood of broken messages cannot grow it per packet
        self.max_body = max_body
        self.dirs: dict = {}
        self.pending_methods: dict = {}      # (client, server) -> request methods awaiting responses

    def feed(self, msg: CapturedMessage) -> list[CapturedHttp]:
        if msg.transport != "tcp":
            return []
        key = (msg.src, msg.dst)
        d = self.dirs.get(key)
        if d is None:
            if len(self.dirs) >= MAX_DIRECTIONS:
                old = self.dirs.pop(next(iter(self.dirs)))
                if old.h11 is not None and not old.broken and not old.at_boundary():
                    self._issue(old, f"more than {MAX_DIRECTIONS} connections open at once; the oldest "
                                     "is no longer followed")
                self.pending_methods.pop((old.src, old.dst), None)
            d = self.dirs[key] = _Direction(msg.src, msg.dst, msg.association)
        out: list = []
        if msg.stream != d.gaps:             # bytes are missing before this run (tcp.py skipped a gap)
            d.gaps = msg.stream
            if d.h11 is not None and not d.broken and not d.at_boundary():
                self._issue(d, "octets missing in the TCP stream (a gap in the capture)", msg.packets[0])
            d.reset()
            d.broken = False
        if not msg.data:                      # FIN: the end of this direction
            if d.h11 is not None and not d.broken:
                self._eof(d, out, "the connection closed inside a message")
            d.reset()
            d.broken = False
            return out
        data = msg.data
        if d.broken:
            if not _looks_like_start(data):
                return out
            d.reset()
            d.broken = False
        if d.h11 is None or d.at_boundary():   # stray CRLF between messages is allowed (RFC 9112 2.2)
            data = data.lstrip(b"\r\n")
            if not data:
                return out
            if d.h11 is None:
                d.start(data)
        d.add(data, msg.packets, msg.time)
        try:
            self._pump(d, out)
        except _Bad as bad:
            self._issue(d, str(bad))
            d.reset()
            d.broken = True
        return out

    def flush(self) -> list[CapturedHttp]:
        """The end of the capture: close-delimited bodies end here; cut messages become issues."""
        out: list = []
        for d in self.dirs.values():
            if d.h11 is not None and not d.broken:
                self._eof(d, out, "the capture ends inside a message")
        self.dirs.clear()
        self.issues.summary()
        return out

    # ------------------------------------------------------------------ parsing
    def _eof(self, d: _Direction, out: list, text: str) -> None:
        if d.at_boundary():
            return
        d.parser.receive_data(b"")
        try:
            self._pump(d, out)
        except _Bad:
            self._issue(d, f"{text} ({self._where(d)})")

    def _where(self, d: _Direction) -> str:
        if d.head is None:
            return "in its header block"
        kind, method, target, status = message_head(d.head)[:4]
        name = f"{method} {target}" if kind == "request" else f"response {status}"
        return f"{name}, body incomplete"

    def _issue(self, d: _Direction, text: str, packet: int | None = None) -> None:
        self.issues.append(CaptureIssue(packet or d.first_packet(), f"HTTP {d.src} -> {d.dst}: {text}"))

    def _pump(self, d: _Direction, out: list) -> None:
        c = d.parser
        while True:
            waiting, closed = c.trailing_data
            if d.reads_responses and c.our_state is h11.IDLE:
                if not waiting:
                    return
                self._mirror_request(d)
            pending = waiting if d.head is None else b""
            if pending and not _looks_like_start(pending[:16]):
                raise _Bad(f"not an HTTP message: starts with {pending[:24]!r}")
            try:
                event = c.next_event()
            except h11.RemoteProtocolError as err:
                if closed and (d.head is not None or pending):
                    raise _Bad("closed") from None
                reason = (f"no end of the header block within {MAX_HEAD} octets" if err.error_status_hint == 431
                          else str(PeerBroke(str(err), first_line(pending))))
                if d.head is not None:
                    reason += f" ({self._where(d)})"
                raise _Bad(reason) from None
            if event is h11.NEED_DATA or event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
                return
            d.took()
            if isinstance(event, h11.InformationalResponse):
                d.packets = []
            elif isinstance(event, (h11.Request, h11.Response)):
                d.head = event
                if isinstance(event, h11.Request):
                    queue = self.pending_methods.setdefault((d.src, d.dst), [])
                    queue.append(event.method)
                    if len(queue) > MAX_PIPELINED:
                        del queue[0]
            elif isinstance(event, h11.Data):
                room = self.max_body - len(d.body)
                if len(event.data) > room:
                    d.body += event.data[:max(room, 0)]
                    d.truncated = True
                else:
                    d.body += event.data
            elif isinstance(event, h11.EndOfMessage):
                out.append(self._done(d))
                c = self._next_cycle(d)

    def _next_cycle(self, d: _Direction) -> h11.Connection:
        """After a whole message: finish our mirrored half and start the next cycle (or a new connection
        when the message ended this one and more octets follow)."""
        c = d.parser
        if not d.reads_responses:
            c.send(h11.Response(status_code=404, headers=[("Content-Length", "0")]))
            c.send(h11.EndOfMessage())
        if c.our_state is h11.DONE and c.their_state is h11.DONE:
            c.start_next_cycle()
            return c
        data, closed = c.trailing_data
        d.h11 = h11.Connection(c.our_role, max_incomplete_event_size=MAX_HEAD)
        d.h11.receive_data(data)
        if closed:
            d.h11.receive_data(b"")
        return d.h11

    def _mirror_request(self, d: _Direction) -> None:
        """Tell a response-reading h11 connection which request it answers (the method decides the framing)."""
        queue = self.pending_methods.get((d.dst, d.src))
        d.method = queue.pop(0) if queue else b"GET"
        d.parser.send(h11.Request(method=d.method, target="/", headers=_MIRROR_HOST))
        d.parser.send(h11.EndOfMessage())

    def _done(self, d: _Direction) -> CapturedHttp:
        if d.head is None:                 # h11 ends a message only after its head
            raise _Bad("a message ended before its header block")
        kind, method, target, status, reason, headers = message_head(d.head)
        # Captured credentials (Authorization, Cookie, access_token=) go no further: not into exchanges,
        # findings, reports or printed output (harness.core.redact).
        msg = CapturedHttp(kind, method, redact_text(target), status, reason, redact_headers(headers), bytes(d.body),
                           tuple(d.packets), d.time,
                           d.src, d.dst, d.conn, framing(d.head, d.method or None), d.truncated)
        d.reset_message()
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
