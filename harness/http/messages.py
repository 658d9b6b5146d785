"""HTTP messages as the harness records them: typed, frozen, secrets already removed.

Every request and response the harness sends or receives becomes an
`HttpMessage` before anything else sees it: the exchange.json, the pcapng and
the failure text are all written from these, so a bearer token that is
redacted here can appear nowhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from harness.core.redact import redact_headers

NOT_JSON = object()


def redact(headers) -> tuple:
    """(name, value) pairs with credential-bearing values replaced (harness.core.redact decides which)."""
    return redact_headers(headers)


class HeaderAccess:
    """Header look-up and path of an HTTP message (live or captured): both carry
    ``headers`` as (name, value) pairs and the request ``target``."""

    headers: tuple
    target: str

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


@dataclass(frozen=True)
class HttpMessage(HeaderAccess):
    """One request or response.

    Attributes:
        kind: 'request' | 'response'.
        direction: 'sent' | 'received' (as the harness sees it).
        method, target: request line (target = path with query string); '' on responses.
        status, reason: status line; 0 / '' on requests.
        headers: (name, value) pairs as on the wire, secrets redacted.
        body: the octets (possibly cut at the size cap: see truncated).
        time: when it was sent or fully received, seconds since the epoch.
        local, remote: (host, port) of the TCP connection (harness side, DUT side).
        connection: a number shared by the messages of one TCP connection.
    """

    kind: str
    direction: Literal["sent", "received"]
    method: str
    target: str
    status: int
    reason: str
    headers: tuple
    body: bytes
    time: float
    local: tuple
    remote: tuple
    connection: int
    truncated: bool = False


    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON; NOT_JSON when it does not parse; None when empty."""
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return NOT_JSON

    def start_line(self) -> str:
        if self.kind == "request":
            return f"{self.method} {self.target} HTTP/1.1"
        return f"HTTP/1.1 {self.status} {self.reason}".rstrip()

    def wire(self) -> bytes:
        """The message as HTTP/1.1 octets (for the pcapng), body framed by Content-Length."""
        lines = [self.start_line()]
        names = {k.lower() for k, _ in self.headers}
        lines += [f"{k}: {v}" for k, v in self.headers if k.lower() != "transfer-encoding"]
        if "content-length" not in names and (self.body or self.kind == "response"):
            lines.append(f"Content-Length: {len(self.body)}")
        elif "transfer-encoding" in names:
            lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"
        return head.encode("latin-1", "replace") + self.body

    def summary(self) -> str:
        size = f"{len(self.body)} octets" + (" (cut at the size cap)" if self.truncated else "")
        return f"{self.start_line()} ({size})"

    def as_json(self) -> dict:
        body = self.json()
        out = {"kind": self.kind, "direction": self.direction, "time": self.time,
               "headers": [[k, v] for k, v in self.headers]}
        if self.kind == "request":
            out.update(method=self.method, path=self.path, target=self.target)
        else:
            out.update(status=self.status, reason=self.reason)
        if body is NOT_JSON:
            out["body_text"] = self.body[:4096].decode("utf-8", "replace")
        elif body is not None:
            out["body"] = body
        if self.truncated:
            out["truncated"] = True
        return out
