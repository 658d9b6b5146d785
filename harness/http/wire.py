"""HTTP/1.1 framing for the whole harness: h11 (sans-I/O) driven over one socket, with caps and deadlines.

Theory of operation: h11 does all the framing (start lines, header syntax,
Content-Length, chunked coding, close-delimited bodies, keep-alive, HEAD and
1xx/204/304 rules) and rejects what RFC 9112 forbids, among them a negative or
non-numeric Content-Length and a bad chunk size. This module only moves octets
between a socket (plain or TLS) and an ``h11.Connection`` and adds what a test
harness needs on top:

* a deadline on every read, so a peer that drips or hangs cannot stall a lab queue;
* a body cap: bodies are kept up to ``cap`` octets; past it the message is cut
  (``truncated``) and, if asked, refused at its head when its Content-Length says
  so already;
* errors that say whose fault it is and where: `PeerBroke` (the peer's octets are
  not HTTP/1.1, with h11's reason and the message's first line), `PeerClosed`
  (the connection ended inside a message), `WireTimeout`.

The capture side (harness/capture/http.py) uses the same h11 connections, fed
recorded byte runs instead of a socket, and `message_head` / `framing` below.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass

import h11

from harness.core.errors import DutError

MAX_HEAD = 64 * 1024          # a start line and header block longer than this is the peer's fault
_RECV = 65536
_EOF_REASONS = ("peer unexpectedly closed", "peer closed connection")   # h11's words for an end of data
_BYTEARRAY = re.compile(r"bytearray\((b(['\"]).*?\2)\)")


class WireError(DutError):
    """Base of the peer-side failures below (callers turn them into their own findings).

    ``head`` is `message_head` of the message being read when it broke (None: in its head).
    """

    head: tuple | None = None


class PeerBroke(WireError):
    """The peer's octets are not HTTP/1.1 (h11's RemoteProtocolError).

    Attributes:
        reason: h11's one-line reason, e.g. 'bad Content-Length'.
        start: the first line of the offending message as far as it was received ('' if none).
        status_hint: the status h11 suggests answering with (400, 431, 501).
    """

    def __init__(self, reason: str, start: str = "", status_hint: int = 400) -> None:
        reason = _BYTEARRAY.sub(r"\1", reason)
        super().__init__(reason + (f" (in the message starting {start!r})" if start else ""))
        self.reason = reason
        self.start = start
        self.status_hint = status_hint


class PeerClosed(WireError):
    """The connection ended (FIN or reset) inside a message; ``in_head``: before its blank line."""

    def __init__(self, message: str, in_head: bool) -> None:
        super().__init__(message)
        self.in_head = in_head


class WireTimeout(WireError):
    """The deadline passed before the message was complete."""


@dataclass(frozen=True)
class Message:
    """One HTTP message as received.

    Attributes:
        kind: 'request' | 'response'.
        method, target: request line ('' on responses).
        status, reason: status line (0 / '' on requests).
        headers: (name, value) pairs in received order and spelling.
        body: the body after undoing chunked coding, at most the cap.
        truncated: the body went over the cap and was cut (or refused at its head).
        declared: the Content-Length the head announced (None: chunked or close-delimited).
    """

    kind: str
    method: str
    target: str
    status: int
    reason: str
    headers: tuple
    body: bytes
    truncated: bool = False
    declared: int | None = None


Head = tuple[str, str, str, int, str, tuple[tuple[str, str], ...]]


def message_head(event: h11.Request | h11.Response | h11.InformationalResponse) -> Head:
    """(kind, method, target, status, reason, headers) of an h11 Request/Response event."""
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items())
    if isinstance(event, h11.Request):
        return "request", event.method.decode("latin-1"), event.target.decode("latin-1"), 0, "", headers
    return "response", "", "", event.status_code, event.reason.decode("latin-1"), headers


def declared_length(event) -> int | None:
    """The Content-Length of an h11 head event (h11 validated it), None when absent or chunked."""
    names = dict(event.headers)
    if b"transfer-encoding" in names:
        return None
    value = names.get(b"content-length")
    return int(value) if value is not None else None


def framing(event, request_method: bytes | None = None) -> str:
    """How the body of an h11 head event is delimited: 'content-length' | 'chunked' | 'close' | 'none'."""
    names = dict(event.headers)
    if isinstance(event, h11.Response) and (event.status_code in (204, 304) or request_method == b"HEAD"):
        return "none"
    if b"transfer-encoding" in names:
        return "chunked"
    if b"content-length" in names:
        return "content-length"
    return "close" if isinstance(event, h11.Response) else "none"


def printable(text: str | bytes, limit: int = 80) -> str:
    """A peer's octets quoted for a one-line finding: escaped, and cut at ``limit`` characters."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    shown = ascii(text[:limit])[1:-1]
    return shown + (f"... ({len(text)} characters)" if len(text) > limit else "")


def first_line(data: bytes) -> str:
    """The first line of ``data`` (a message head as received), printable, for error texts."""
    return printable(data.split(b"\n", 1)[0].rstrip(b"\r"), 60) if data else ""


class Wire:
    """One connected socket (plain or TLS) and its h11 connection.

    Args:
        sock: the connected socket; `Wire.close` closes it.
        role: h11.CLIENT or h11.SERVER (our side).
        max_head: the longest head accepted (h11's max_incomplete_event_size).
    """

    def __init__(self, sock: socket.socket, role, max_head: int = MAX_HEAD) -> None:
        self.sock = sock
        self.conn = h11.Connection(role, max_incomplete_event_size=max_head)

    # ------------------------------------------------------------------ sending
    def send(self, *events, deadline: float | None = None) -> None:
        """Frame ``events`` with h11 and write them in one sendall (no Nagle/delayed-ACK stall)."""
        data = b"".join(self.conn.send(e) or b"" for e in events)
        if deadline is not None:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise WireTimeout("sending timed out") from None

    # ------------------------------------------------------------------ receiving
    def next_event(self, deadline: float):
        """The next h11 event, reading the socket as needed until ``deadline`` (time.monotonic()).

        Raises:
            PeerBroke, PeerClosed, WireTimeout; OSError (incl. ssl.SSLError) from the socket.
        """
        head = self.conn.their_state in (h11.IDLE, h11.SEND_RESPONSE)
        while True:
            seen = self.conn.trailing_data[0][:200] if head else b""
            try:
                event = self.conn.next_event()
            except h11.RemoteProtocolError as err:
                data, closed = self.conn.trailing_data
                if closed and (not data or str(err).startswith(_EOF_REASONS)):
                    raise PeerClosed(_closed_text(str(err), head, seen), in_head=head) from None
                raise PeerBroke(str(err), first_line(seen), err.error_status_hint) from None
            if event is not h11.NEED_DATA:
                return event
            left = deadline - time.monotonic()
            if left <= 0:
                raise WireTimeout("the deadline passed")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(_RECV)
            except TimeoutError:
                raise WireTimeout("the deadline passed") from None
            self.conn.receive_data(data)
            if head and self.conn.our_role is h11.CLIENT:
                got = self.conn.trailing_data[0]
                if len(got) >= 5 and not got.startswith(b"HTTP/"):   # garbage: say so now, not at the head cap
                    raise PeerBroke("the status line does not start with HTTP/", first_line(got))

    def receive(self, deadline: float, cap: int, refuse_early: bool = False) -> Message | None:
        """One whole message (interim 1xx responses skipped); None if the peer closed between messages.

        Args:
            cap: bodies are kept up to this many octets; past it reading stops and the
                message comes back cut (``truncated``): the connection is then unusable.
            refuse_early: when the head's Content-Length is over ``cap``, return at once
                (empty body, ``truncated``) without reading the body.
        """
        head = None
        declared = None
        body = bytearray()
        while True:
            try:
                event = self.next_event(deadline)
            except WireError as err:
                err.head = message_head(head) if head is not None else None
                raise
            if isinstance(event, (h11.Request, h11.Response)):
                head, declared = event, declared_length(event)
                if refuse_early and declared is not None and declared > cap:
                    return self._message(head, b"", True, declared)
            elif isinstance(event, h11.Data):
                room = cap - len(body)
                if len(event.data) > room:
                    body += event.data[:max(room, 0)]
                    return self._message(head, bytes(body), True, declared)
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return self._message(head, bytes(body), False, declared)
            elif isinstance(event, h11.ConnectionClosed):
                return None
            elif event is h11.PAUSED:
                raise PeerBroke("the peer sent more after a message that ended the connection")

    def drain(self, deadline: float, limit: int) -> bool:
        """Read and drop the rest of the current body (up to ``limit`` octets); True when it ended."""
        left = limit
        while left > 0:
            event = self.next_event(deadline)
            if isinstance(event, h11.Data):
                left -= len(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return True
        return False

    def reusable(self) -> bool:
        """Start the next request/response cycle if both sides finished one and keep-alive holds."""
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
            return True
        return False

    @staticmethod
    def _message(head, body: bytes, truncated: bool, declared: int | None) -> Message:
        return Message(*message_head(head), body, truncated, declared)

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


def _closed_text(reason: str, in_head: bool, seen: bytes) -> str:
    if in_head:
        return "the head ended before its blank line" if seen.strip() else "the connection closed before any message"
    return reason.replace("peer closed connection", "the connection closed")
