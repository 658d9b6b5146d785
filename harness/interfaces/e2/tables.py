"""E2AP v03.01 procedures as data: who starts them, how they are correlated,
and the transition tables of the E2 association and of RIC subscriptions.

Nothing here runs; `harness.interfaces.e2.procedures.E2Endpoint` interprets these tables.
Clause numbers refer to O-RAN.WG3.E2AP-v03.01: clause 8.2 holds the Near-RT
RIC functional procedures, 8.3 the global procedures, clause 10 the handling
of erroneous data. Descriptions paraphrase the specification.

Invariants (checked by tests/e2/test_tables.py):
  * every E2AP message of every procedure listed here exists in the compiled
    E2AP object sets (the view is the only source of message structure);
  * a message name appears in at most one procedure;
  * every (state, trigger) pair maps to exactly one (next state, action).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

E2_NODE = "e2-node"
NEAR_RT_RIC = "near-rt-ric"
ROLES = (E2_NODE, NEAR_RT_RIC)
EITHER = "either"

# How the messages of one procedure instance are tied together.
BY_TRANSACTION = "transaction"        # TransactionID, chosen by the initiator (global procedures)
BY_RIC_REQUEST = "ric-request"        # RICrequestID + RANfunctionID (functional procedures)
UNCORRELATED = "none"                 # class 2 procedures with nothing to answer


@dataclass(frozen=True)
class ProcedureDef:
    """One elementary procedure of E2AP.

    Attributes:
        name: the procedure name of the ASN.1 (``E2setup``, from ``id-E2setup``).
        clause: E2AP v03.01 clause describing it.
        title: the procedure's name in the specification's words.
        initiator: the role that sends the initiating message (``either`` for Reset,
            Error Indication and E2 Removal).
        request: the initiating message.
        success: the successful outcome message, None for class 2 procedures.
        failure: the unsuccessful outcome message, None when E2AP defines none.
        correlation: BY_TRANSACTION, BY_RIC_REQUEST or UNCORRELATED.
        subscription: True when the procedure acts on an existing (or new) RIC
            subscription, so the subscription table applies.
    """

    name: str
    clause: str
    title: str
    initiator: str
    request: str
    success: str | None
    failure: str | None
    correlation: str
    subscription: bool = False

    @property
    def class1(self) -> bool:
        return self.success is not None

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(m for m in (self.request, self.success, self.failure) if m)

    def may_initiate(self, role: str) -> bool:
        return self.initiator in (EITHER, role)


_P = ProcedureDef
PROCEDURES: dict[str, ProcedureDef] = {p.name: p for p in (
    _P("RICsubscription", "8.2.1", "RIC Subscription", NEAR_RT_RIC, "RICsubscriptionRequest",
       "RICsubscriptionResponse", "RICsubscriptionFailure", BY_RIC_REQUEST, True),
    _P("RICsubscriptionDelete", "8.2.2", "RIC Subscription Delete", NEAR_RT_RIC,
       "RICsubscriptionDeleteRequest", "RICsubscriptionDeleteResponse", "RICsubscriptionDeleteFailure",
       BY_RIC_REQUEST, True),
    _P("RICsubscriptionDeleteRequired", "8.2.2A", "RIC Subscription Delete Required", E2_NODE,
       "RICsubscriptionDeleteRequired", None, None, UNCORRELATED),
    _P("RICsubscriptionModification", "8.2.2B", "RIC Subscription Modification", NEAR_RT_RIC,
       "RICsubscriptionModificationRequest", "RICsubscriptionModificationResponse",
       "RICsubscriptionModificationFailure", BY_RIC_REQUEST, True),
    _P("RICsubscriptionModificationRequired", "8.2.2C", "RIC Subscription Modification Required", E2_NODE,
       "RICsubscriptionModificationRequired", "RICsubscriptionModificationConfirm",
       "RICsubscriptionModificationRefuse", BY_RIC_REQUEST, True),
    _P("RICindication", "8.2.3", "RIC Indication", E2_NODE, "RICindication", None, None,
       BY_RIC_REQUEST, True),
    _P("RICcontrol", "8.2.4", "RIC Control", NEAR_RT_RIC, "RICcontrolRequest", "RICcontrolAcknowledge",
       "RICcontrolFailure", BY_RIC_REQUEST),
    _P("RICquery", "8.2.5", "RIC Query", NEAR_RT_RIC, "RICQueryRequest", "RICQueryResponse",
       "RICQueryFailure", BY_RIC_REQUEST),
    _P("E2setup", "8.3.1", "E2 Setup", E2_NODE, "E2setupRequest", "E2setupResponse", "E2setupFailure",
       BY_TRANSACTION),
    _P("Reset", "8.3.2", "Reset", EITHER, "ResetRequest", "ResetResponse", None, BY_TRANSACTION),
    _P("ErrorIndication", "8.3.3", "Error Indication", EITHER, "ErrorIndication", None, None, UNCORRELATED),
    _P("RICserviceUpdate", "8.3.4", "RIC Service Update", E2_NODE, "RICserviceUpdate",
       "RICserviceUpdateAcknowledge", "RICserviceUpdateFailure", BY_TRANSACTION),
    _P("E2nodeConfigurationUpdate", "8.3.5", "E2 Node Configuration Update", E2_NODE,
       "E2nodeConfigurationUpdate", "E2nodeConfigurationUpdateAcknowledge",
       "E2nodeConfigurationUpdateFailure", BY_TRANSACTION),
    _P("E2connectionUpdate", "8.3.6", "E2 Connection Update", NEAR_RT_RIC, "E2connectionUpdate",
       "E2connectionUpdateAcknowledge", "E2connectionUpdateFailure", BY_TRANSACTION),
    _P("RICserviceQuery", "8.3.7", "RIC Service Query", NEAR_RT_RIC, "RICserviceQuery", None, None,
       BY_TRANSACTION),
    _P("E2removal", "8.3.8", "E2 Removal", EITHER, "E2RemovalRequest", "E2RemovalResponse",
       "E2RemovalFailure", BY_TRANSACTION),
)}

# message name -> (procedure, part) where part is request | success | failure
MESSAGE_INDEX: dict[str, tuple[ProcedureDef, str]] = {}
for _proc in PROCEDURES.values():
    for _part in ("request", "success", "failure"):
        _msg = getattr(_proc, _part)
        if _msg:
            MESSAGE_INDEX[_msg] = (_proc, _part)

# Clauses for checks that are not one procedure's.
CLAUSE_TRANSFER_SYNTAX = "10.2"     # undecodable PDU
CLAUSE_ABSTRACT_SYNTAX = "10.3"     # missing / unexpected IEs, wrong criticality
CLAUSE_LOGICAL = "10.4"             # message not compatible with receiver state


class Conn(str, Enum):
    """State of the E2 association as E2AP sees it (the transport is up)."""

    DISCONNECTED = "DISCONNECTED"     # no E2 Setup completed yet (or it failed)
    SETUP_PENDING = "SETUP_PENDING"   # E2 Setup Request on its way, no outcome yet
    CONNECTED = "CONNECTED"
    REMOVING = "REMOVING"             # E2 Removal Request on its way, no outcome yet
    CLOSED = "CLOSED"                 # E2 Removal done: nothing more may be exchanged


# Connection triggers are message names, or a category tried after the name:
#   '*initiating' any other initiating message, '*response' any other outcome,
#   '<procedure>:timeout' the initiator's guard timer of that procedure ran out.
# Values: (next state, action); actions: None | 'clear-subscriptions'.
CLEAR = "clear-subscriptions"
CONNECTION_TABLE: dict[tuple[Conn, str], tuple[Conn, str | None]] = {
    # 8.3.1: the E2 node starts; nothing but E2 Setup and Error Indication before it completes.
    (Conn.DISCONNECTED, "E2setupRequest"): (Conn.SETUP_PENDING, None),
    (Conn.DISCONNECTED, "ErrorIndication"): (Conn.DISCONNECTED, None),
    (Conn.SETUP_PENDING, "E2setupResponse"): (Conn.CONNECTED, None),
    (Conn.SETUP_PENDING, "E2setupFailure"): (Conn.DISCONNECTED, None),
    (Conn.SETUP_PENDING, "E2setup:timeout"): (Conn.DISCONNECTED, None),
    (Conn.SETUP_PENDING, "ErrorIndication"): (Conn.SETUP_PENDING, None),
    # 8.3.1: a new E2 Setup on a working association means the E2 node restarted;
    # what was agreed before (subscriptions included) is gone.
    (Conn.CONNECTED, "E2setupRequest"): (Conn.SETUP_PENDING, CLEAR),
    # 8.3.2: Reset releases the subscriptions on both sides once it is answered.
    (Conn.CONNECTED, "ResetResponse"): (Conn.CONNECTED, CLEAR),
    (Conn.CONNECTED, "E2RemovalRequest"): (Conn.REMOVING, None),
    (Conn.CONNECTED, "*initiating"): (Conn.CONNECTED, None),
    (Conn.CONNECTED, "*response"): (Conn.CONNECTED, None),
    # 8.3.8: once removal is acknowledged the association is released.
    (Conn.REMOVING, "E2RemovalResponse"): (Conn.CLOSED, CLEAR),
    (Conn.REMOVING, "E2RemovalFailure"): (Conn.CONNECTED, None),
    (Conn.REMOVING, "E2removal:timeout"): (Conn.CONNECTED, None),
    (Conn.REMOVING, "E2RemovalRequest"): (Conn.REMOVING, None),    # both ends asked at once
    (Conn.REMOVING, "ErrorIndication"): (Conn.REMOVING, None),
    (Conn.REMOVING, "RICindication"): (Conn.REMOVING, None),       # already on the wire
    (Conn.REMOVING, "*response"): (Conn.REMOVING, None),
}


def connection_transition(state: Conn, trigger: str, initiating: bool) -> tuple[Conn, str | None] | None:
    """Look ``trigger`` up by name, then by its category; None when not allowed."""
    found = CONNECTION_TABLE.get((state, trigger))
    if found is None and ":" not in trigger:
        found = CONNECTION_TABLE.get((state, "*initiating" if initiating else "*response"))
    if found is None and trigger.endswith(":timeout"):
        found = (state, None)
    return found


class Sub(str, Enum):
    """State of one RIC subscription (keyed by RIC request ID + RAN function ID)."""

    ABSENT = "ABSENT"
    PENDING = "PENDING"         # request sent, no response yet
    ACTIVE = "ACTIVE"
    MODIFYING = "MODIFYING"
    DELETING = "DELETING"


# (state, trigger) -> next state; missing pairs are protocol errors.
SUBSCRIPTION_TABLE: dict[tuple[Sub, str], Sub] = {
    (Sub.ABSENT, "RICsubscriptionRequest"): Sub.PENDING,                       # 8.2.1
    (Sub.PENDING, "RICsubscriptionResponse"): Sub.ACTIVE,
    (Sub.PENDING, "RICsubscriptionFailure"): Sub.ABSENT,
    (Sub.PENDING, "RICsubscription:timeout"): Sub.ABSENT,
    (Sub.ACTIVE, "RICindication"): Sub.ACTIVE,                                 # 8.2.3
    (Sub.ACTIVE, "RICsubscriptionDeleteRequest"): Sub.DELETING,                # 8.2.2
    # 8.2.2: a delete for an unknown subscription is answered with a failure.
    (Sub.ABSENT, "RICsubscriptionDeleteRequest"): Sub.ABSENT,
    (Sub.ABSENT, "RICsubscriptionDeleteFailure"): Sub.ABSENT,
    (Sub.ABSENT, "RICsubscriptionDelete:timeout"): Sub.ABSENT,
    (Sub.DELETING, "RICindication"): Sub.DELETING,                             # already on the wire
    (Sub.DELETING, "RICsubscriptionDeleteResponse"): Sub.ABSENT,
    (Sub.DELETING, "RICsubscriptionDeleteFailure"): Sub.ACTIVE,
    (Sub.DELETING, "RICsubscriptionDelete:timeout"): Sub.ACTIVE,
    (Sub.ACTIVE, "RICsubscriptionModificationRequest"): Sub.MODIFYING,         # 8.2.2B
    (Sub.MODIFYING, "RICindication"): Sub.MODIFYING,
    (Sub.MODIFYING, "RICsubscriptionModificationResponse"): Sub.ACTIVE,
    (Sub.MODIFYING, "RICsubscriptionModificationFailure"): Sub.ACTIVE,
    (Sub.MODIFYING, "RICsubscriptionModification:timeout"): Sub.ACTIVE,
    (Sub.ACTIVE, "RICsubscriptionModificationRequired"): Sub.ACTIVE,           # 8.2.2C
    (Sub.ACTIVE, "RICsubscriptionModificationConfirm"): Sub.ACTIVE,
    (Sub.ACTIVE, "RICsubscriptionModificationRefuse"): Sub.ACTIVE,
    (Sub.ACTIVE, "RICsubscriptionModificationRequired:timeout"): Sub.ACTIVE,
}

# The E2AP IEs that carry the correlation keys.
KEY_IES = {BY_TRANSACTION: ("TransactionID",), BY_RIC_REQUEST: ("RICrequestID", "RANfunctionID"),
           UNCORRELATED: ()}
