"""HTTP entries of a test case's exchange (exchange.json) and their pcapng recorder.

An `HttpEntry` is one HTTP message with the spec step that sent or awaited it.
`HttpPcapRecorder` turns the entries into a pcapng of TCP segments with
consistent sequence and acknowledgement numbers (handshake, data, FIN), one
TCP connection per `HttpMessage.connection`, so Wireshark/tshark reassemble
and dissect HTTP. Secrets were redacted in the `HttpMessage` already.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from harness.evidence.tcpflow import TcpFlow, TcpFlowRecorder
from harness.http.messages import HttpMessage

SIM_HARNESS_IP = "127.0.1.1"
SIM_DUT_IP = "127.0.1.2"


@dataclass
class HttpEntry:
    index: int
    http: HttpMessage
    step: str
    message: str = ""               # 'PUT /A1-P/v2/...' or '201 Created'
    role: str = ""                  # 'sent' | 'matched' | 'unexpected' | 'unread'
    error: str | None = None
    notes: list = field(default_factory=list)

    @property
    def packet(self):               # E2 entries have one; HTTP ones answer with the message
        return self.http

    def summary(self) -> str:
        arrow = "->" if self.http.direction == "sent" else "<-"
        return f"#{self.index} {arrow} {self.http.summary()} {self.role}".rstrip()

    def as_json(self) -> dict:
        return {"index": self.index, "protocol": "http", "step": self.step, "message": self.message,
                "role": self.role, "error": self.error, "notes": self.notes, **self.http.as_json()}


class HttpPcapRecorder(TcpFlowRecorder):
    """Callable for `Exchange.on_add`; writes each message as it happens (a killed run keeps them)."""

    def __call__(self, entry) -> None:
        if not isinstance(entry, HttpEntry):
            return
        m = entry.http
        self.open(f"{self.test_id} ({self.mode}; HTTP over TCP, segments rebuilt from the messages as exchanged)")
        # The harness is the client when it sent a request first on this connection.
        client_is_local = (m.kind == "request") == (m.direction == "sent")
        flow, _ = self.flow(m.connection, lambda writer: TcpFlow(
            writer, local=_addr(m.local, SIM_HARNESS_IP), remote=_addr(m.remote, SIM_DUT_IP),
            client="local" if client_is_local else "remote", time=m.time))
        flow.send(m.wire(), direction=m.direction, time=m.time, comment=f"#{entry.index} {entry.step}")
        if m.kind == "response":
            self.end(m.connection, m.time)


def _addr(pair, fallback_ip: str) -> tuple:
    host, port = (pair or ("", 0))[:2]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        host = fallback_ip
    return host, int(port or 80)
