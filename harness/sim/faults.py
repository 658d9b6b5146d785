"""Named fault modes the simulators can be built with, and how they bend PDUs.

A fault is chosen when a simulator is constructed and applies to the messages
it sends in answer to a request (its "responses"), except `wrong-e2sm-version`
which concerns E2SM payloads. Value faults change the PDU value before it is
encoded; byte faults change the encoded octets; timing faults change when (or
whether) a response leaves. Everything random is drawn from the simulator's
seeded `random.Random`, so a run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from harness.e2.view import E2Messages
from harness.errors import UserError


class FaultError(UserError, ValueError):
    """An unknown fault name (a test-spec or lab-profile mistake)."""


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    stage: str          # 'value' | 'bytes' | 'timing' | 'e2sm'


FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("wrong-transaction-id", "responses echo a different TransactionID (RIC instance ID for "
                                  "functional procedures) than the request's", "value"),
    Fault("missing-mandatory-ie", "responses lack one mandatory IE (see MISSING_IE)", "value"),
    Fault("wrong-criticality", "responses carry one IE with a criticality other than E2AP's", "value"),
    Fault("late-response", "responses leave after `late_delay` seconds (default 3 s)", "timing"),
    Fault("no-response", "requests are never answered", "timing"),
    Fault("wrong-e2sm-version", "E2 node: KPM payloads in E2SM-KPM v02.03 while announcing v03.00; "
                                "RIC: subscriptions with v02.03 definitions", "e2sm"),
    Fault("malformed-pdu", "responses are truncated by a few octets", "bytes"),
    Fault("garbage", "random octets are sent instead of responses", "bytes"),
)}

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


def check(name: str | None) -> Fault | None:
    """The fault of that name (None for none).

    Raises:
        FaultError: unknown name; the text lists the known ones.
    """
    if name is None:
        return None
    if name in FAULTS:
        return FAULTS[name]
    from harness.sim.hostile import HOSTILE      # hostile peer modes (link-level, not one IE)
    if name in HOSTILE:
        return Fault(name, HOSTILE[name].description, "hostile")
    raise FaultError(f"unknown fault '{name}'; known: {', '.join(FAULTS)}; hostile modes: "
                     f"{', '.join(HOSTILE)}")


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
    elif fault == "missing-mandatory-ie":
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
