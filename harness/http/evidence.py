"""HTTP entries of a test case's exchange (exchange.json) and their pcapng recorder.

An `HttpEntry` is one HTTP message with the spec step that sent or awaited it.
`HttpPcapRecorder` turns the entries into a pcapng of TCP segments with
consistent sequence and acknowledgement numbers (handshake, data, FIN), one
TCP connection per `HttpMessage.connection`, so Wireshark/tshark reassemble
and dissect HTTP. Secrets were redacted in the `HttpMessage` already.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

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


class HttpPcapRecorder:
    """Callable for `Exchange.on_add`; writes each message as it happens (a killed run keeps them)."""

    def __init__(self, path: Path, test_id: str, mode: str) -> None:
        self.path = Path(path)
        self.test_id = test_id
        self.mode = mode
        self.writer = None
        self.flows: dict = {}

    def __call__(self, entry) -> None:
        if not isinstance(entry, HttpEntry):
            return
        from harness.evidence.pcapng import PcapngWriter
        from harness.evidence.tcpflow import TcpFlow
        m = entry.http
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = PcapngWriter(self.path, comment=f"{self.test_id} ({self.mode}; HTTP over TCP, segments "
                                                          "rebuilt from the messages as exchanged)")
        flow = self.flows.get(m.connection)
        if flow is None:
            # The harness is the client when it sent a request first on this connection.
            client_is_local = (m.kind == "request") == (m.direction == "sent")
            flow = self.flows[m.connection] = TcpFlow(self.writer, local=_addr(m.local, SIM_HARNESS_IP),
                                                      remote=_addr(m.remote, SIM_DUT_IP),
                                                      client="local" if client_is_local else "remote", time=m.time)
        flow.send(m.wire(), direction=m.direction, time=m.time, comment=f"#{entry.index} {entry.step}")
        if m.kind == "response":
            flow.close(time=m.time)
            self.flows.pop(m.connection, None)

    def close(self) -> None:
        for flow in self.flows.values():
            flow.close()
        self.flows.clear()
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _addr(pair, fallback_ip: str) -> tuple:
    host, port = (pair or ("", 0))[:2]
    try:
        import ipaddress
        ipaddress.ip_address(host)
    except ValueError:
        host = fallback_ip
    return host, int(port or 80)
