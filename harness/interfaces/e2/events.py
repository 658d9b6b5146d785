"""What an E2 endpoint reports, and the two error families kept apart.

`ProtocolViolation` events mean the PEER broke E2AP (a candidate DUT finding);
`LocalMisuse` exceptions mean OUR caller asked for something E2AP does not
allow in the current state (a harness or test-spec bug, never a DUT verdict).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.interfaces.e2.view import ParsedMessage
from harness.core.errors import LabError


class LocalMisuse(LabError):
    """The caller asked the endpoint for something E2AP forbids here.

    Attributes:
        clause: the E2AP v03.01 clause that forbids it, when one does.
    """

    def __init__(self, text: str, clause: str | None = None) -> None:
        self.clause = clause
        super().__init__(f"{text} (E2AP v03.01 clause {clause})" if clause else text)


@dataclass(frozen=True)
class Event:
    """Base of everything `E2Endpoint.receive` and `tick` return."""


@dataclass(frozen=True)
class MessageReceived(Event):
    """A PDU arrived and was named.

    part: request | success | failure (of its procedure).
    key: the correlation key (TransactionID,) or (requestor, instance, RAN function),
        None when the message carries none.
    """

    message: ParsedMessage
    procedure: str
    part: str
    key: tuple | None

    @property
    def name(self) -> str:
        return self.message.name or "?"

    @property
    def ies(self) -> dict:
        return self.message.ies


@dataclass(frozen=True)
class ProcedureCompleted(Event):
    """A procedure this endpoint started got its outcome.

    outcome: 'success' | 'failure'.
    """

    procedure: str
    key: tuple
    outcome: str
    message: ParsedMessage
    clause: str


@dataclass(frozen=True)
class ProtocolViolation(Event):
    """The peer broke a rule of E2AP.

    kind: 'unknown-message' | 'wrong-direction' | 'state' | 'unknown-transaction'
        | 'duplicate-transaction' | 'unknown-subscription' | 'missing-ie'
        | 'criticality' | 'transfer-syntax'.
    ie: (IE name, IE id, criticality in the object set) for IE-level findings.
    """

    reason: str
    clause: str
    kind: str
    message: str | None = None
    procedure_code: int | None = None
    ie: tuple | None = None

    def __str__(self) -> str:
        return f"E2AP v03.01 clause {self.clause}: {self.reason}"


@dataclass(frozen=True)
class TimerExpired(Event):
    """The guard timer of a procedure we started ran out (driven by `tick`)."""

    procedure: str
    key: tuple
    clause: str
    deadline: float


@dataclass(frozen=True)
class ConnectionChanged(Event):
    old: str
    new: str
    cause: str            # the message name or timer that moved it


@dataclass(frozen=True)
class SubscriptionChanged(Event):
    key: tuple
    old: str
    new: str
    cause: str


@dataclass(frozen=True)
class Pending:
    """One request awaiting an answer (ours: with a deadline; the peer's: none)."""

    procedure: str
    key: tuple
    request: str
    started: float
    deadline: float | None
    details: dict = field(default_factory=dict, compare=False)

    def __hash__(self) -> int:
        return hash((self.procedure, self.key))


__all__ = ["LocalMisuse", "Event", "MessageReceived", "ProcedureCompleted", "ProtocolViolation",
           "TimerExpired", "ConnectionChanged", "SubscriptionChanged", "Pending"]
