"""E2AP v03.01 procedures, sans-I/O, for either end of an E2 association.

Theory of operation (after h11): an `E2Endpoint` is a pure state machine. It
is fed decoded PDU values (`receive`) and asked for PDU values to send
(`send`, `respond`, the ``start_*`` helpers); it never touches a socket, a
thread or a clock. Time enters only as numbers: every request it sends gets a
guard deadline ``now + timeout`` in the `pending` table, and the caller drives
expiry with `tick(now)`. The transitions live in `harness.interfaces.e2.tables` as dicts;
this module only interprets them.

Two error channels, never mixed:
  * the peer breaking E2AP is reported as a `ProtocolViolation` event (the
    message is still reported as `MessageReceived`, so a simulator can answer
    with the failure or Error Indication the specification prescribes);
  * our caller breaking E2AP raises `LocalMisuse` and changes nothing, unless
    the caller says ``force=True`` (negative tests that break rules on purpose).

Invariants:
  * `pending` holds exactly the class 1 requests we sent that have neither an
    outcome nor an expired timer; `awaiting` the peer's class 1 requests we
    have not answered. Keys are (procedure, correlation key).
  * a subscription is in `subscriptions` iff its state is not ABSENT.
  * a call that raises `LocalMisuse` leaves the endpoint unchanged.
  * `receive` never raises for anything the peer sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.interfaces.e2.events import (
    ConnectionChanged,
    Event,
    LocalMisuse,
    MessageReceived,
    Pending,
    ProcedureCompleted,
    ProtocolViolation,
    SubscriptionChanged,
    TimerExpired,
)
from harness.interfaces.e2.tables import (
    BY_RIC_REQUEST,
    BY_TRANSACTION,
    CLAUSE_ABSTRACT_SYNTAX,
    CLAUSE_LOGICAL,
    CLAUSE_TRANSFER_SYNTAX,
    CLEAR,
    E2_NODE,
    MESSAGE_INDEX,
    NEAR_RT_RIC,
    PROCEDURES,
    ROLES,
    SUBSCRIPTION_TABLE,
    UNCORRELATED,
    Conn,
    ProcedureDef,
    Sub,
    connection_transition,
)
from harness.interfaces.e2.view import E2Messages, MessageError, ParsedMessage

DEFAULT_TIMEOUT = 5.0       # seconds; E2AP leaves guard timer values to the implementation


@dataclass
class Subscription:
    """What an endpoint knows of one RIC subscription."""

    key: tuple                       # (ricRequestorID, ricInstanceID, ranFunctionID)
    state: Sub
    request: dict = field(default_factory=dict)     # IEs of the RIC Subscription Request
    admitted: set = field(default_factory=set)      # admitted RIC action IDs

    @property
    def ran_function_id(self) -> int:
        return self.key[2]

    @property
    def ric_request_id(self) -> dict:
        return {"ricRequestorID": self.key[0], "ricInstanceID": self.key[1]}


def correlation_key(proc: ProcedureDef, ies: Mapping) -> tuple | None:
    """The key that ties the messages of one instance of ``proc`` together."""
    if proc.correlation == BY_TRANSACTION:
        return (ies["TransactionID"],) if "TransactionID" in ies else None
    if proc.correlation == BY_RIC_REQUEST:
        req, rf = ies.get("RICrequestID"), ies.get("RANfunctionID")
        if not isinstance(req, dict) or rf is None:
            return None
        return (req.get("ricRequestorID"), req.get("ricInstanceID"), rf)
    return None


def expects_answer(proc: ProcedureDef, ies: Mapping) -> bool:
    """Class 1, and not a RIC Control Request that asked for no acknowledgement (8.2.4)."""
    return proc.class1 and ies.get("RICcontrolAckRequest") != "noAck"


def describe_key(proc: ProcedureDef, key: tuple | None) -> str:
    if key is None:
        return "no key"
    if proc.correlation == BY_TRANSACTION:
        return f"TransactionID {key[0]}"
    return f"RIC request ID {key[0]}/{key[1]}, RAN function {key[2]}"


class E2Endpoint:
    """One end of an E2 association: the E2 node or the Near-RT RIC.

    Args:
        role: 'e2-node' or 'near-rt-ric'.
        messages: the E2AP message catalogue (`harness.interfaces.e2.view.E2Messages`).
        timeouts: guard timer per procedure name (``{'E2setup': 2.0}``), seconds.
        default_timeout: for procedures not in ``timeouts``.
    """

    def __init__(self, role: str, messages: E2Messages, *, timeouts: Mapping[str, float] | None = None,
                 default_timeout: float = DEFAULT_TIMEOUT) -> None:
        if role not in ROLES:
            raise LocalMisuse(f"role must be one of {', '.join(ROLES)}, not '{role}'")
        self.role = role
        self.peer_role = NEAR_RT_RIC if role == E2_NODE else E2_NODE
        self.messages = messages
        self.timeouts = dict(timeouts or {})
        self.default_timeout = default_timeout
        self.state = Conn.DISCONNECTED
        self.subscriptions: dict[tuple, Subscription] = {}
        self.pending: dict[tuple, Pending] = {}
        self.awaiting: dict[tuple, Pending] = {}
        self._next_tid = 0

    # ------------------------------------------------------------------ helpers
    def _lookup(self, name: str) -> tuple[ProcedureDef, str]:
        try:
            self.messages.spec(name)
        except MessageError as err:
            raise LocalMisuse(str(err)) from None
        found = MESSAGE_INDEX.get(name)
        if found is None:
            raise LocalMisuse(f"{name} belongs to no procedure this endpoint implements")
        return found

    def timeout_of(self, procedure: str) -> float:
        return self.timeouts.get(procedure, self.default_timeout)

    def allocate_transaction_id(self, procedure: str) -> int:
        """A TransactionID (0..255) not used by any ongoing ``procedure`` we started."""
        used = {k[1][0] for k in self.pending if k[0] == procedure}
        for _ in range(256):
            tid, self._next_tid = self._next_tid, (self._next_tid + 1) % 256
            if tid not in used:
                return tid
        raise LocalMisuse(f"all 256 TransactionIDs of {procedure} are in use")

    def subscription_state(self, key: tuple) -> Sub:
        sub = self.subscriptions.get(key)
        return sub.state if sub else Sub.ABSENT

    def _set_connection(self, new: Conn, action: str | None, cause: str, events: list) -> None:
        if new != self.state:
            events.append(ConnectionChanged(self.state.value, new.value, cause))
            self.state = new
        if action == CLEAR:
            for key, sub in list(self.subscriptions.items()):
                events.append(SubscriptionChanged(key, sub.state.value, Sub.ABSENT.value, cause))
            self.subscriptions.clear()

    def _set_subscription(self, key: tuple, new: Sub, cause: str, events: list) -> Subscription | None:
        old = self.subscription_state(key)
        if new == Sub.ABSENT:
            self.subscriptions.pop(key, None)
            sub = None
        else:
            sub = self.subscriptions.setdefault(key, Subscription(key, new))
            sub.state = new
        if old != new:
            events.append(SubscriptionChanged(key, old.value, new.value, cause))
        return sub

    def _record(self, name: str, key: tuple, ies: Mapping) -> None:
        """Keep what later checks need: requested and admitted actions."""
        sub = self.subscriptions.get(key)
        if sub is None:
            return
        if name == "RICsubscriptionRequest":
            sub.request = dict(ies)
        elif name == "RICsubscriptionResponse":
            sub.admitted = {item["value"][1]["ricActionID"] for item in ies.get("RICactions-Admitted", ())
                            if isinstance(item.get("value"), tuple)}
        elif name == "RICsubscriptionModificationResponse":
            for ie_name, add in (("RICactionsAddedForModification-List", True),
                                 ("RICactionsRemovedForModification-List", False)):
                for item in ies.get(ie_name, ()):
                    action = item["value"][1]["ricActionID"]
                    (sub.admitted.add if add else sub.admitted.discard)(action)

    # ------------------------------------------------------------------ sending
    def send(self, name: str, ies: Mapping, *, now: float = 0.0, force: bool = False) -> Any:
        """The PDU value for message ``name``, after checking E2AP allows it now.

        A missing TransactionID of a request is allocated. Answers to the peer's
        requests are better sent with `respond`, which copies the key.

        Args:
            now: the caller's clock, for the guard timer of a request.
            force: send even what E2AP forbids here (negative tests); the
                tables are applied where they have an entry.

        Raises:
            LocalMisuse: the message is unknown, ours to receive only, missing a
                mandatory IE, answers nothing, or not allowed in this state.
        """
        proc, part = self._lookup(name)
        ies = dict(ies)
        spec = self.messages.spec(name)
        if part == "request" and proc.correlation == BY_TRANSACTION and "TransactionID" not in ies:
            ies["TransactionID"] = self.allocate_transaction_id(proc.name)
        problems = []
        if part == "request" and not proc.may_initiate(self.role):
            problems.append(f"{proc.title} is started by the {proc.initiator}, not the {self.role}")
        missing = [ie.name for ie in spec.ies if ie.presence == "mandatory" and ie.name not in ies]
        if missing:
            problems.append(f"{name} needs {', '.join(missing)}")
        key = correlation_key(proc, ies)
        slot = (proc.name, key)
        if part == "request" and expects_answer(proc, ies) and slot in self.pending:
            problems.append(f"a {proc.title} with {describe_key(proc, key)} is already ongoing")
        if part != "request" and slot not in self.awaiting:
            waiting = [describe_key(proc, k[1]) for k in self.awaiting if k[0] == proc.name] or ["none"]
            problems.append(f"{name} with {describe_key(proc, key)} answers no {proc.request} "
                            f"(awaiting an answer: {', '.join(waiting)})")
        conn = connection_transition(self.state, name, part == "request")
        if conn is None:
            problems.append(f"{name} may not be sent in state {self.state.value}")
        sub_next = None
        if proc.subscription and key is not None:
            sub_next = SUBSCRIPTION_TABLE.get((self.subscription_state(key), name))
            if sub_next is None:
                problems.append(f"{name} may not be sent for a subscription in state "
                                f"{self.subscription_state(key).value} ({describe_key(proc, key)})")
        if problems and not force:
            raise LocalMisuse("; ".join(problems), proc.clause)
        try:
            pdu = self.messages.build(name, ies)
        except MessageError as err:
            raise LocalMisuse(str(err), proc.clause) from None
        events: list = []
        if part == "request" and expects_answer(proc, ies) and key is not None:
            self.pending[slot] = Pending(proc.name, key, name, now, now + self.timeout_of(proc.name))
        elif part != "request":
            self.awaiting.pop(slot, None)
        if conn is not None:
            self._set_connection(conn[0], conn[1], name, events)
        if sub_next is not None and key is not None:
            self._set_subscription(key, sub_next, name, events)
            self._record(name, key, ies)
        return pdu

    def respond(self, request: MessageReceived | ParsedMessage, name: str, ies: Mapping | None = None, *,
                now: float = 0.0, force: bool = False) -> Any:
        """Answer a request of the peer: its key IEs are copied unless given.

        Raises:
            LocalMisuse: as `send`.
        """
        message = request.message if isinstance(request, MessageReceived) else request
        out = dict(ies or {})
        for ie_name in ("TransactionID", "RICrequestID", "RANfunctionID"):
            if ie_name in message.ies and ie_name not in out and ie_name in {
                    i.name for i in self.messages.spec(name).ies}:
                out[ie_name] = message.ies[ie_name]
        return self.send(name, out, now=now, force=force)

    # ------------------------------------------------------------------ receiving
    def receive(self, pdu: Any) -> list[Event]:
        """Take one decoded PDU from the peer; what it meant, as events.

        Never raises for anything the peer sent: rule breaking is reported as
        `ProtocolViolation` events and the offending transition is not applied.
        """
        events: list[Event] = []
        parsed = self.messages.parse(pdu)
        if parsed.name is None or parsed.name not in MESSAGE_INDEX:
            events.append(ProtocolViolation(
                f"procedure code {parsed.procedure_code} ({parsed.kind}) is not an E2AP v03.01 message",
                CLAUSE_ABSTRACT_SYNTAX, "unknown-message", parsed.name, parsed.procedure_code))
            return events
        name = parsed.name
        proc, part = MESSAGE_INDEX[name]
        key = correlation_key(proc, parsed.ies)
        events.append(MessageReceived(parsed, proc.name, part, key))
        events.extend(self.check_ies(parsed))

        def violation(kind: str, reason: str, clause: str = proc.clause) -> list[Event]:
            events.append(ProtocolViolation(reason, clause, kind, name, parsed.procedure_code))
            return events

        if part == "request" and not proc.may_initiate(self.peer_role):
            return violation("wrong-direction", f"{name} came from the {self.peer_role}, but "
                                                f"{proc.title} is started by the {proc.initiator}")
        if key is None:
            if proc.correlation != UNCORRELATED:
                return events                               # the missing key IE is already reported
            key = ()                    # class 2, nothing to answer: no transaction or subscription to track
        conn = connection_transition(self.state, name, part == "request")
        if conn is None:
            return violation("state", f"{name} is not expected in state {self.state.value}", CLAUSE_LOGICAL)
        slot = (proc.name, key)
        if part == "request" and expects_answer(proc, parsed.ies):
            if slot in self.awaiting:
                violation("duplicate-transaction", f"{name} reuses {describe_key(proc, key)} of a "
                                                   f"{proc.title} still awaiting our answer")
            else:
                self.awaiting[slot] = Pending(proc.name, key, name, 0.0, None)
        elif part != "request":
            started = self.pending.pop(slot, None)
            if started is None:
                ongoing = [describe_key(proc, k[1]) for k in self.pending if k[0] == proc.name] or ["none"]
                return violation("unknown-transaction",
                                 f"{name} with {describe_key(proc, key)} answers no {proc.request} of ours "
                                 f"(ongoing: {', '.join(ongoing)})")
            events.append(ProcedureCompleted(proc.name, key, "success" if part == "success" else "failure",
                                             parsed, proc.clause))
        self._set_connection(conn[0], conn[1], name, events)
        if proc.subscription:
            current = self.subscription_state(key)
            nxt = SUBSCRIPTION_TABLE.get((current, name))
            if nxt is None:
                kind = "unknown-subscription" if current == Sub.ABSENT else "state"
                return violation(kind, f"{name} for {'an unknown' if current == Sub.ABSENT else 'a ' + current.value} "
                                       f"subscription ({describe_key(proc, key)})")
            sub = self._set_subscription(key, nxt, name, events)
            self._record(name, key, parsed.ies)
            if name == "RICindication" and sub is not None and sub.admitted \
                    and parsed.ies.get("RICactionID") not in sub.admitted:
                violation("unknown-action", f"RICindication for RIC action {parsed.ies.get('RICactionID')}, "
                                            f"which was not admitted (admitted: {sorted(sub.admitted)})")
        if name == "RICsubscriptionDeleteRequired":
            for item in parsed.ies.get("RICsubscriptionToBeRemoved", ()):
                value = item["value"][1] if isinstance(item.get("value"), tuple) else {}
                req = value.get("ricRequestID", {})
                skey = (req.get("ricRequestorID"), req.get("ricInstanceID"), value.get("ranFunctionID"))
                if skey not in self.subscriptions:
                    violation("unknown-subscription", f"{name} lists an unknown subscription "
                                                      f"(RIC request ID {skey[0]}/{skey[1]}, RAN function {skey[2]})")
        return events

    def check_ies(self, parsed: ParsedMessage) -> list[ProtocolViolation]:
        """IE-level findings: missing mandatory IEs, unknown IEs, wrong criticality (clause 10.3)."""
        out: list[ProtocolViolation] = []
        if parsed.name is None:             # not an E2AP message: reported as unknown-message
            return out
        spec = self.messages.spec(parsed.name)
        present = {entry[1] for entry in parsed.ie_list}
        for ie in spec.ies:
            if ie.presence == "mandatory" and ie.id not in present:
                out.append(ProtocolViolation(f"{parsed.name} lacks mandatory IE {ie.name} (id {ie.id})",
                                             CLAUSE_ABSTRACT_SYNTAX, "missing-ie", parsed.name,
                                             parsed.procedure_code, (ie.name, ie.id, ie.criticality)))
        by_id = {ie.id: ie for ie in spec.ies}
        for ie_name, ie_id, crit, _ in parsed.ie_list:
            known = by_id.get(ie_id)
            if known is None:
                out.append(ProtocolViolation(f"{parsed.name} carries IE id {ie_id} ({ie_name or 'unknown'}), "
                                             "which this message does not have", CLAUSE_ABSTRACT_SYNTAX,
                                             "unknown-ie", parsed.name, parsed.procedure_code,
                                             (ie_name, ie_id, crit)))
            elif crit != known.criticality:
                out.append(ProtocolViolation(f"{parsed.name} IE {known.name} has criticality {crit}, "
                                             f"E2AP gives {known.criticality}", CLAUSE_ABSTRACT_SYNTAX,
                                             "criticality", parsed.name, parsed.procedure_code,
                                             (known.name, known.id, known.criticality)))
        return out

    def receive_undecodable(self, reason: str) -> list[Event]:
        """Report bytes from the peer that do not decode as E2AP (clause 10.2)."""
        return [ProtocolViolation(f"undecodable PDU: {reason}", CLAUSE_TRANSFER_SYNTAX, "transfer-syntax")]

    # ------------------------------------------------------------------ timers
    def next_deadline(self) -> float | None:
        deadlines = [p.deadline for p in self.pending.values() if p.deadline is not None]
        return min(deadlines) if deadlines else None

    def tick(self, now: float) -> list[Event]:
        """Expire guard timers whose deadline is at or before ``now``."""
        events: list[Event] = []
        for slot, p in sorted(self.pending.items(), key=lambda kv: kv[1].deadline or 0.0):
            if p.deadline is None or p.deadline > now:
                continue
            del self.pending[slot]
            proc = PROCEDURES[p.procedure]
            events.append(TimerExpired(p.procedure, p.key, proc.clause, p.deadline))
            trigger = f"{p.procedure}:timeout"
            conn = connection_transition(self.state, trigger, False)
            if conn is not None:
                self._set_connection(conn[0], conn[1], trigger, events)
            if proc.subscription:
                nxt = SUBSCRIPTION_TABLE.get((self.subscription_state(p.key), trigger))
                if nxt is not None:
                    self._set_subscription(p.key, nxt, trigger, events)
        return events

    # ------------------------------------------------------------------ named procedures
    def start_e2_setup(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """E2 Setup (8.3.1), E2 node: the first procedure on a new association."""
        return self.send("E2setupRequest", ies, now=now)

    def start_reset(self, cause: tuple = ("misc", "om-intervention"), *, now: float = 0.0) -> Any:
        """Reset (8.3.2), either end."""
        return self.send("ResetRequest", {"Cause": cause}, now=now)

    def send_error_indication(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """Error Indication (8.3.3), either end."""
        return self.send("ErrorIndication", ies, now=now)

    def start_service_update(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """RIC Service Update (8.3.4), E2 node."""
        return self.send("RICserviceUpdate", ies, now=now)

    def start_node_configuration_update(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """E2 Node Configuration Update (8.3.5), E2 node."""
        return self.send("E2nodeConfigurationUpdate", ies, now=now)

    def start_connection_update(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """E2 Connection Update (8.3.6), Near-RT RIC."""
        return self.send("E2connectionUpdate", ies, now=now)

    def send_service_query(self, ies: Mapping | None = None, *, now: float = 0.0) -> Any:
        """RIC Service Query (8.3.7), Near-RT RIC."""
        return self.send("RICserviceQuery", ies or {}, now=now)

    def start_removal(self, *, now: float = 0.0) -> Any:
        """E2 Removal (8.3.8), either end."""
        return self.send("E2RemovalRequest", {}, now=now)

    def start_subscription(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """RIC Subscription (8.2.1), Near-RT RIC."""
        return self.send("RICsubscriptionRequest", ies, now=now)

    def start_subscription_delete(self, key: tuple, *, now: float = 0.0) -> Any:
        """RIC Subscription Delete (8.2.2), Near-RT RIC; ``key`` as in `subscriptions`."""
        return self.send("RICsubscriptionDeleteRequest", {
            "RICrequestID": {"ricRequestorID": key[0], "ricInstanceID": key[1]}, "RANfunctionID": key[2]}, now=now)

    def send_subscription_delete_required(self, keys_and_causes: list, *, now: float = 0.0) -> Any:
        """RIC Subscription Delete Required (8.2.2A), E2 node: [(key, cause), ...]."""
        items = [{"id": 61, "criticality": "ignore", "value": ("RICsubscription-withCause-Item", {
            "ricRequestID": {"ricRequestorID": k[0], "ricInstanceID": k[1]}, "ranFunctionID": k[2],
            "cause": cause})} for k, cause in keys_and_causes]
        return self.send("RICsubscriptionDeleteRequired", {"RICsubscriptionToBeRemoved": items}, now=now)

    def start_subscription_modification(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """RIC Subscription Modification (8.2.2B), Near-RT RIC."""
        return self.send("RICsubscriptionModificationRequest", ies, now=now)

    def send_indication(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """RIC Indication (8.2.3), E2 node, for an active subscription."""
        return self.send("RICindication", ies, now=now)

    def start_control(self, ies: Mapping, *, now: float = 0.0) -> Any:
        """RIC Control (8.2.4), Near-RT RIC."""
        return self.send("RICcontrolRequest", ies, now=now)


__all__ = ["E2Endpoint", "Subscription", "correlation_key", "describe_key", "LocalMisuse", "Event",
           "MessageReceived", "ProcedureCompleted", "ProtocolViolation", "TimerExpired", "ConnectionChanged",
           "SubscriptionChanged", "Pending", "Conn", "Sub", "PROCEDURES", "E2_NODE", "NEAR_RT_RIC"]
