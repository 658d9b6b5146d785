"""One E2 association, decoded statefully: bytes in, named PDUs out, no I/O.

Theory of operation (sans-I/O, as h11's ``Connection``): the caller hands over each
message of one association in order (``feed``), from a capture, a live transport or a
replay; the association owns the `E2Codec` and the state a real peer keeps, and
returns one frozen `DecodedE2` per message. The state, as Wireshark's E2AP dissector
keeps it per association:

* the RAN functions: E2 Setup Request and RIC Service Update name each RAN
  function's E2SM by OID; learned here, they choose the E2SM of every later
  payload (RIC Subscription, RIC Indication, RIC Control ...);
* the roles: whoever sends the (first) E2 Setup Request is the E2 node, the other
  side the Near-RT RIC.

Invariants: ``feed`` never raises for bad bytes; an undecodable message is a record
with ``error`` set and ``pdu`` None, so the caller judges it (a DUT FAIL live, a
finding in a capture). Only `CodecError` counts as undecodable: anything else is a
harness bug and propagates, so it is never mistaken for the DUT's fault.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from harness.codec.codec import Note
from harness.codec.e2 import E2Codec
from harness.codec.errors import CodecError
from harness.interfaces.e2.view import E2Messages, ParsedMessage

__all__ = ["E2_NODE", "LEARNING_MESSAGES", "RIC", "DecodedE2", "E2Association", "learn_from"]

# The messages that declare RAN functions with their E2SM OIDs (E2AP v03.01 8.3.1, 8.3.4).
LEARNING_MESSAGES = frozenset({"E2setupRequest", "RICserviceUpdate"})
E2_NODE, RIC = "e2-node", "ric"


def learn_from(codec: E2Codec, name: str | None, pdu: Any) -> bool:
    """Teach ``codec`` the RAN functions of ``pdu`` when message ``name`` declares them.

    The one rule for every E2 decoder (capture, replay, bench, live runner): only
    E2 Setup Request and RIC Service Update declare RAN functions. True when learned.
    """
    if pdu is None or name not in LEARNING_MESSAGES:
        return False
    codec.learn(pdu)
    return True


@dataclass(frozen=True)
class DecodedE2:
    """One message of the association, decoded.

    Attributes:
        pdu: the decoded E2AP-PDU (E2SM payloads included), None when undecodable.
        name: the message name ('RICindication'), None when undecodable or unknown.
        label: what to show: the name, 'procedure N kind' for an unknown procedure,
            'undecodable' for bytes that do not decode.
        notes: what the decode noticed without failing (unknown IEs, E2SM guesses).
        error: the codec's error (IE path, bit offset, version hint), or None.
        sender: who sent it, as the caller named it ('ip:port', 'dut', ...).
        side: 'e2-node' | 'ric' for the sender, None while no E2 Setup Request told.
        time: the time the caller gave (capture or arrival time), or None.
        parsed: the PDU by name (IEs by name), None when undecodable.
        data: the bytes as fed.
    """

    pdu: Any
    name: str | None
    label: str
    notes: tuple[Note, ...]
    error: str | None
    sender: Hashable | None
    side: str | None
    time: float | None
    parsed: ParsedMessage | None
    data: bytes

    @property
    def ok(self) -> bool:
        return self.error is None

    def note_lines(self) -> list[str]:
        """The notes as 'IE path: text' lines (evidence and CLI form)."""
        return [f"{n.path}: {n.text}" for n in self.notes]


class E2Association:
    """Stateful decoder of one E2 association; see the module docstring.

    Args:
        codec: the association's own codec (it learns RAN functions, so never share
            one between associations); a default `E2Codec` when None.
        messages: an `E2Messages` view of ``codec.e2ap`` to reuse (built when None).
    """

    def __init__(self, codec: E2Codec | None = None, messages: E2Messages | None = None) -> None:
        self.codec = codec if codec is not None else E2Codec()
        self.view = messages if messages is not None else E2Messages(self.codec.e2ap)
        self.e2_node: Hashable | None = None     # sender of the first E2 Setup Request

    def role(self, sender: Hashable | None) -> str | None:
        """'e2-node' | 'ric' for ``sender``; None before an E2 Setup Request was seen."""
        if self.e2_node is None or sender is None:
            return None
        return E2_NODE if sender == self.e2_node else RIC

    def feed(self, data: bytes, sender: Hashable | None = None, time: float | None = None) -> DecodedE2:
        """Decode the next message of the association and learn from it.

        Args:
            data: one whole E2AP message.
            sender: who sent it ('ip:port' in a capture); tells the roles.
            time: its capture or arrival time, kept in the record.

        Returns:
            The record; ``error`` set (never an exception) when the bytes do not decode.
        """
        notes: list = []
        try:
            pdu = self.codec.decode(data, notes=notes)
        except CodecError as err:
            return DecodedE2(None, None, "undecodable", tuple(notes), str(err), sender, self.role(sender), time,
                             None, bytes(data))
        return self._named(pdu, sender, time, tuple(notes), bytes(data))

    def observe(self, pdu: Any, sender: Hashable | None = None, time: float | None = None,
                data: bytes = b"") -> DecodedE2:
        """Take a PDU already in decoded form (one the caller built or decoded) as the next message.

        It is named and learned from exactly as ``feed`` would, without a decode.
        """
        return self._named(pdu, sender, time, (), data)

    def _named(self, pdu: Any, sender: Hashable | None, time: float | None, notes: tuple,
               data: bytes) -> DecodedE2:
        parsed = self.view.parse(pdu)
        name = parsed.name
        if name == "E2setupRequest" and self.e2_node is None and sender is not None:
            self.e2_node = sender
        learn_from(self.codec, name, pdu)
        label = name or f"procedure {parsed.procedure_code} {parsed.kind}"
        return DecodedE2(pdu, name, label, notes, None, sender, self.role(sender), time, parsed, data)
