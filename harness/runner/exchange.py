"""The exchange: every message sent and received in a test case, decoded.

It is the evidence a reviewer reads (and, with the live transports, the
source of the pcapng): each entry keeps the bytes, what they decode to, and
the spec step that sent or awaited them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.transport.base import Packet


@dataclass
class Entry:
    index: int
    packet: Packet
    step: str                          # 'send E2setupRequest (specs/x.yaml:12)'
    message: str | None = None         # E2AP message name, when decoded
    decoded: Any = None                # JSON mapping of the whole PDU
    error: str | None = None           # decode error text
    notes: list = field(default_factory=list)
    role: str = ""                     # 'matched' | 'ignored' | 'unexpected' | 'sent'

    def summary(self) -> str:
        arrow = "->" if self.packet.direction == "sent" else "<-"
        what = self.message or ("undecodable: " + self.error if self.error else "?")
        return f"#{self.index} {arrow} {what} ({len(self.packet.data)} octets) {self.role}".rstrip()

    def as_json(self) -> dict:
        return {"index": self.index, "direction": self.packet.direction, "time": self.packet.time,
                "stream": self.packet.stream, "ppid": self.packet.ppid, "hex": self.packet.data.hex(),
                "step": self.step, "message": self.message, "decoded": self.decoded, "error": self.error,
                "notes": self.notes, "role": self.role}


class Exchange:
    """The entries in order; ``on_add`` (e.g. the pcapng recorder) sees each one as it happens."""

    def __init__(self, on_add=None) -> None:
        self.entries: list[Entry] = []
        self.on_add = on_add

    def add(self, packet: Packet, step: str, **kw) -> Entry:
        return self.add_entry(lambda index: Entry(index, packet, step, **kw))

    def add_entry(self, make):
        """Append ``make(index)`` (an Entry, or another protocol's entry such as HttpEntry)."""
        entry = make(len(self.entries) + 1)
        self.entries.append(entry)
        if self.on_add is not None:
            self.on_add(entry)
        return entry
