"""Named fault modes the simulators can be built with, and how they bend PDUs.

A fault is chosen when a simulator is constructed (``NAME[@Message,...]``,
parsed by the shared `harness.sim.faultspec.FaultRegistry`) and applies to the
messages it sends in answer to a request (its "responses"), or to the scoped
messages, requests included; except `wrong-e2sm-version`
which concerns E2SM payloads. Value faults change the PDU value before it is
encoded; byte faults change the encoded octets; timing faults change when (or
whether) a response leaves. Everything random is drawn from the simulator's
seeded `random.Random`, so a run is reproducible.
"""

from __future__ import annotations

import random
from typing import Any

from harness.interfaces.e2.tables import MESSAGE_INDEX, PROCEDURES, ROLES
from harness.interfaces.e2.view import E2Messages
from harness.sim.faultspec import Fault, FaultError, FaultRegistry
from harness.interfaces.e2.sim.hostile import HOSTILE

__all__ = ["E2_FAULTS", "FAULTS", "RECOVERY", "TNL", "Fault", "FaultError", "MISSING_IE", "KEY_IES", "check",
           "victim_ie",
           "apply_value_fault", "apply_bytes_fault"]


def _sent_by(role: str) -> frozenset[str]:
    """The E2AP messages a simulator playing ``role`` sends: requests it may initiate, answers to the peer's."""
    out: set[str] = set()
    for proc in PROCEDURES.values():
        if proc.may_initiate(role):
            out.add(proc.request)
        if any(proc.may_initiate(other) for other in ROLES if other != role):
            out.update(m for m in (proc.success, proc.failure) if m)
    return frozenset(out)


_ANSWERS = frozenset(m for m, (_, part) in MESSAGE_INDEX.items() if part != "request")

# Value/byte/timing faults: the ones the baseline (fixtures/baselines/e2-sim.yaml) proves each fail a case.
FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("wrong-transaction-id", "responses echo a different TransactionID (RIC instance ID for "
                                  "functional procedures) than the request's", "value"),
    Fault("missing-mandatory-ie", "responses lack one mandatory IE (see MISSING_IE)", "value"),
    Fault("wrong-criticality", "responses carry one IE with a criticality other than E2AP's", "value"),
    Fault("late-response", "responses leave after `late_delay` seconds (default 3 s)", "timing"),
    Fault("no-response", "requests are never answered", "timing", _ANSWERS),
    Fault("wrong-e2sm-version", "E2 node: KPM payloads in E2SM-KPM v02.03 while announcing v03.00; "
                                "RIC: subscriptions with v02.03 definitions", "e2sm"),
    Fault("malformed-pdu", "responses are truncated by a few octets", "bytes"),
    Fault("garbage", "random octets are sent instead of responses", "bytes"),
)}

# Recovery faults: how a simulator misbehaves after a restart (harness/runner/recovery.py checks
# catch each; tests/resilience proves it). Not in the baseline of FAULTS: they fire only on a restart.
RECOVERY: dict[str, Fault] = {f.name: f for f in (
    Fault("no-recover", "after a restart, the E2 node associates again but never sends E2 Setup; "
                        "the RIC never listens again", "behaviour"),
    Fault("slow-recover", "a restart keeps the simulator down `slow_extra` seconds (4 s) longer than asked",
          "behaviour"),
    Fault("lose-subscriptions", "after a restart, the E2 node accepts subscriptions but never reports; "
                                "the RIC does not re-create its subscriptions", "behaviour"),
    Fault("duplicate-indications", "the E2 node sends the first RIC Indication SNs of each subscription twice "
                                   "(so again after a restart)",
          "behaviour", roles=frozenset({"e2-node"})),
)}

# TNL faults: how a simulator misbehaves with several TNL associations (E2AP v03.01 8.3.6, 8.3.5);
# the tnl-add / tnl-join steps and recover {association: failover} catch each (tests/resilience).
_NODE, _RIC = frozenset({"e2-node"}), frozenset({"near-rt-ric"})
TNL: dict[str, Fault] = {f.name: f for f in (
    Fault("tnl-no-dial", "the E2 node acknowledges an E2 Connection Update listing every TNL address as set up, "
                         "but never dials one", "behaviour", roles=_NODE),
    Fault("tnl-no-config-update", "the E2 node dials each new TNL association but never names itself on it "
                                  "(no E2 Node Configuration Update with its Global E2 Node ID)",
          "behaviour", roles=_NODE),
    Fault("tnl-not-listening", "the RIC offers its further TNL address in E2 Connection Update but does not "
                               "listen there", "behaviour", roles=_RIC),
    Fault("tnl-no-config-ack", "the RIC never answers the E2 Node Configuration Update that names the E2 node "
                               "on a new TNL association", "behaviour", roles=_RIC),
    Fault("tnl-single-path", "losing any one TNL association ends E2 for the simulator: it drops the others and "
                             "(E2 node) sets up E2 again", "behaviour"),
)}

#: Every E2 fault and hostile mode, as ``--fault NAME[@Message,...]`` selects them.
E2_FAULTS = FaultRegistry(
    "E2", (*FAULTS.values(), *RECOVERY.values(), *TNL.values(), *HOSTILE.faults()), messages=tuple(MESSAGE_INDEX),
    sent_by={role: _sent_by(role) for role in ROLES})

# The mandatory IE a 'missing-mandatory-ie' response drops; others: the first
# mandatory IE that is not a correlation key, else the first mandatory IE.
MISSING_IE = {
    "E2setupResponse": "GlobalRIC-ID",
    "E2setupFailure": "Cause",
    "RICsubscriptionResponse": "RICactions-Admitted",
    "RICsubscriptionFailure": "Cause",
    "RICcontrolFailure": "Cause",
    "ResetResponse": "TransactionID",
    "E2RemovalResponse": "TransactionID",
}
KEY_IES = ("TransactionID", "RICrequestID", "RANfunctionID")


def check(name: str | None, role: str | None = None) -> Fault | None:
    """The fault ``name`` (``NAME[@Message,...]``) selects (None for none); see `E2_FAULTS.parse`.

    Raises:
        FaultError: unknown fault or message; the text lists the known ones.
    """
    return None if name is None else E2_FAULTS.parse(name, role).fault


def _ies(pdu: Any) -> list:
    return pdu[1]["value"][1]["protocolIEs"]


def _copy(pdu: Any) -> Any:
    kind, body = pdu
    name, inner = body["value"]
    return (kind, {**body, "value": (name, {**inner, "protocolIEs": [dict(f) for f in inner["protocolIEs"]]})})


def victim_ie(messages: E2Messages, name: str) -> str:
    """The IE that 'missing-mandatory-ie' drops from message ``name``."""
    if name in MISSING_IE:
        return MISSING_IE[name]
    ies = messages.spec(name).ies
    mandatory = [ie.name for ie in ies if ie.presence == "mandatory"]
    others = [n for n in mandatory if n not in KEY_IES]
    return (others or mandatory or [ie.name for ie in ies])[0]


def apply_value_fault(fault: str | None, messages: E2Messages, pdu: Any) -> Any:
    """The PDU value with a value fault applied (unchanged for other faults)."""
    if fault not in ("wrong-transaction-id", "missing-mandatory-ie", "wrong-criticality"):
        return pdu
    out = _copy(pdu)
    fields = _ies(out)
    name = messages.parse(pdu).name
    if fault == "wrong-transaction-id":
        for f in fields:
            type_name, value = f["value"]
            if type_name == "TransactionID":
                f["value"] = (type_name, (value + 1) % 256)
            elif type_name == "RICrequestID":
                f["value"] = (type_name, {**value, "ricInstanceID": (value["ricInstanceID"] + 1) % 65536})
    elif fault == "missing-mandatory-ie" and name is not None:
        ie_id = messages.spec(name).ie(victim_ie(messages, name)).id
        fields[:] = [f for f in fields if f["id"] != ie_id]
    elif fault == "wrong-criticality":
        f = fields[0]
        f["criticality"] = "ignore" if f["criticality"] == "reject" else "reject"
    return out


def apply_bytes_fault(fault: str | None, data: bytes, rng: random.Random) -> bytes:
    """The octets with a byte fault applied (unchanged for other faults)."""
    if fault == "malformed-pdu":
        cut = min(len(data) - 1, rng.randint(2, 4))
        return data[:-cut]
    if fault == "garbage":
        # 0x60 first: E2AP-PDU CHOICE index 3 (no extension) does not exist, so it never decodes
        return bytes([0x60]) + bytes(rng.randrange(256) for _ in range(rng.randint(7, 31)))
    return data
