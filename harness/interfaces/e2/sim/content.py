"""Realistic IE values the simulators (and their tests) put into E2AP messages.

Values are in the decode form of `harness.codec` (E2SM payloads as
``(TypeName, value)``), modelled on the golden vectors in
fixtures/golden/e2ap-v03.01. Item containers carry the ids and criticalities
of the E2AP v03.01 object sets (`ITEM`).
"""

from __future__ import annotations

import struct

from harness.codec.samples import KPM_MEASUREMENTS, KPM_OID, RC_OID, kpm_ran_function_definition, \
    rc_ran_function_definition

PLMN = b"\x00\xf1\x10"
KPM_RAN_FUNCTION = 2
RC_RAN_FUNCTION = 3
NTP_EPOCH_OFFSET = 2208988800          # seconds from 1900-01-01 to 1970-01-01
SIM_EPOCH = 1_704_067_200              # 2024-01-01T00:00:00Z: simulated clocks start here

# item type -> (ProtocolIE-ID, criticality) in the E2AP v03.01 item object sets
ITEM = {
    "RANfunction-Item": (8, "ignore"),
    "RANfunctionID-Item": (6, "ignore"),
    "RANfunctionIDcause-Item": (7, "ignore"),
    "E2nodeComponentConfigAddition-Item": (51, "reject"),
    "E2nodeComponentConfigAdditionAck-Item": (53, "reject"),
    "E2nodeComponentConfigUpdate-Item": (34, "reject"),
    "E2nodeComponentConfigUpdateAck-Item": (36, "reject"),
    "RICaction-ToBeSetup-Item": (19, "ignore"),
    "RICaction-Admitted-Item": (14, "ignore"),
    "RICaction-NotAdmitted-Item": (16, "ignore"),
    "E2connectionUpdate-Item": (43, "ignore"),
    "E2connectionSetupFailed-Item": (41, "ignore"),
    "RICsubscription-withCause-Item": (61, "ignore"),
}


def item(type_name: str, value: dict) -> dict:
    """One ProtocolIE-SingleContainer list element."""
    ie_id, crit = ITEM[type_name]
    return {"id": ie_id, "criticality": crit, "value": (type_name, value)}


def items_of(ie_list, type_name: str | None = None) -> list[dict]:
    """The inner values of a decoded item list."""
    out = []
    for entry in ie_list or ():
        value = entry.get("value")
        if isinstance(value, tuple) and (type_name is None or value[0] == type_name):
            out.append(value[1])
    return out


def ntp_timestamp(unix_seconds: float) -> bytes:
    """8-octet NTP timestamp (seconds since 1900, 32-bit fraction), as E2SM-KPM v03.00 uses."""
    seconds = int(unix_seconds)
    fraction = int((unix_seconds - seconds) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack(">II", (seconds + NTP_EPOCH_OFFSET) & 0xFFFFFFFF, fraction)


# ------------------------------------------------------------------ E2 node side
def global_gnb_id(gnb_id: int = 3000, plmn: bytes = PLMN) -> tuple:
    return ("gNB", {"global-gNB-ID": {"plmn-id": plmn, "gnb-id": ("gnb-ID", (gnb_id.to_bytes(3, "big"), 22))}})


def ran_functions(kpm_version: str = "v03.00", offered: frozenset[int] | None = None) -> list[dict]:
    """RAN function 2 = E2SM-KPM, 3 = E2SM-RC, as RANfunction-Item containers.

    ``offered``: only these RAN function ids (the DUT profile's declaration, so that a simulator
    standing in for a DUT offers what its profile says); None: both.
    """
    every = [item("RANfunction-Item", {"ranFunctionID": KPM_RAN_FUNCTION, "ranFunctionRevision": 1,
                                       "ranFunctionDefinition": kpm_ran_function_definition(kpm_version),
                                       "ranFunctionOID": KPM_OID[kpm_version]}),
            item("RANfunction-Item", {"ranFunctionID": RC_RAN_FUNCTION, "ranFunctionRevision": 1,
                                       "ranFunctionDefinition": rc_ran_function_definition(),
                                       "ranFunctionOID": RC_OID})]
    return [f for f in every if offered is None or f["value"][1]["ranFunctionID"] in offered]


NG_COMPONENT = ("e2nodeComponentInterfaceTypeNG", {"amf-name": "amf.5gc.example"})


def component_addition() -> list[dict]:
    return [item("E2nodeComponentConfigAddition-Item", {
        "e2nodeComponentInterfaceType": "ng", "e2nodeComponentID": NG_COMPONENT,
        "e2nodeComponentConfiguration": {"e2nodeComponentRequestPart": b"\x00\x15\x00\x3c\x00\x00\x04\x00\x01",
                                         "e2nodeComponentResponsePart": b"\x20\x15\x00\x2d\x00\x00\x03"}})]


def component_addition_ack() -> list[dict]:
    return [item("E2nodeComponentConfigAdditionAck-Item", {
        "e2nodeComponentInterfaceType": "ng", "e2nodeComponentID": NG_COMPONENT,
        "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}})]


def e2_setup_request_ies(gnb_id: int = 3000, offered: frozenset[int] | None = None) -> dict:
    return {"GlobalE2node-ID": global_gnb_id(gnb_id), "RANfunctionsAdded": ran_functions(offered=offered),
            "E2nodeComponentConfigAddition": component_addition()}


def configuration_update_ies() -> dict:
    return {"E2nodeComponentConfigUpdate": [item("E2nodeComponentConfigUpdate-Item", {
        "e2nodeComponentInterfaceType": "ng", "e2nodeComponentID": NG_COMPONENT,
        "e2nodeComponentConfiguration": {"e2nodeComponentRequestPart": b"\x00\x15\x00\x3c\x00\x00\x04\x00\x02",
                                         "e2nodeComponentResponsePart": b"\x20\x15\x00\x2d\x00\x00\x04"}})]}


def kpm_indication_header(unix_seconds: float, timestamp: bytes | None = None) -> tuple:
    return ("E2SM-KPM-IndicationHeader", {"indicationHeader-formats": ("indicationHeader-Format1", {
        "colletStartTime": timestamp if timestamp is not None else ntp_timestamp(unix_seconds),
        "fileFormatversion": "1.0", "senderName": "gnb-sim", "senderType": "gNB", "vendorName": "harness"})})


def kpm_indication_message(names: list[str], values: list[int], granularity_ms: int) -> tuple:
    return ("E2SM-KPM-IndicationMessage", {"indicationMessage-formats": ("indicationMessage-Format1", {
        "granulPeriod": granularity_ms,
        "measData": [{"measRecord": [("integer", v) for v in values]}],
        "measInfoList": [{"measType": ("measName", n), "labelInfoList": [{"measLabel": {"noLabel": "true"}}]}
                         for n in names]})})


# ------------------------------------------------------------------ RIC side
def global_ric_id(ric_id: int = 1, plmn: bytes = PLMN) -> dict:
    return {"pLMN-Identity": plmn, "ric-ID": ((ric_id << 4).to_bytes(3, "big"), 20)}


def kpm_event_trigger(period_ms: int) -> tuple:
    return ("E2SM-KPM-EventTriggerDefinition", {"eventDefinition-formats": (
        "eventDefinition-Format1", {"reportingPeriod": period_ms})})


def kpm_action_definition(names=KPM_MEASUREMENTS[:3], granularity_ms: int = 1000, style: int = 1) -> tuple:
    return ("E2SM-KPM-ActionDefinition", {"ric-Style-Type": style, "actionDefinition-formats": (
        "actionDefinition-Format1", {
            "measInfoList": [{"measType": ("measName", n), "labelInfoList": [{"measLabel": {"noLabel": "true"}}]}
                             for n in names],
            "granulPeriod": granularity_ms,
            "cellGlobalID": ("nR-CGI", {"pLMNIdentity": PLMN, "nRCellIdentity": (b"\x00\x0b\xb8\x00\x10", 36)})})})


def kpm_subscription_ies(requestor: int, instance: int, period_ms: int, *, ran_function_id: int = KPM_RAN_FUNCTION,
                         actions: list | None = None) -> dict:
    """RIC Subscription Request IEs: ``actions`` is [(action id, action type, definition)]."""
    if actions is None:
        actions = [(1, "report", kpm_action_definition(granularity_ms=period_ms))]
    to_setup = []
    for action_id, action_type, definition in actions:
        value = {"ricActionID": action_id, "ricActionType": action_type}
        if definition is not None:
            value["ricActionDefinition"] = definition
        to_setup.append(item("RICaction-ToBeSetup-Item", value))
    return {"RICrequestID": {"ricRequestorID": requestor, "ricInstanceID": instance},
            "RANfunctionID": ran_function_id,
            "RICsubscriptionDetails": {"ricEventTriggerDefinition": kpm_event_trigger(period_ms),
                                       "ricAction-ToBeSetup-List": to_setup}}


def rc_control_ies(requestor: int, instance: int, *, min_prb: int = 10, max_prb: int = 80,
                   ran_function_id: int = RC_RAN_FUNCTION, ack: str = "ack") -> dict:
    """RIC Control Request IEs: E2SM-RC style 2 action 6 (slice-level PRB quota)."""
    header = ("E2SM-RC-ControlHeader", {"ric-controlHeader-formats": ("controlHeader-Format1", {
        "ueID": ("gNB-UEID", {"amf-UE-NGAP-ID": 4711, "guami": {
            "pLMNIdentity": PLMN, "aMFRegionID": (b"\x80", 8), "aMFSetID": (b"\x01\x00", 10),
            "aMFPointer": (b"\x04", 6)}}),
        "ric-Style-Type": 2, "ric-ControlAction-ID": 6, "ric-ControlDecision": "accept"})})
    message = ("E2SM-RC-ControlMessage", {"ric-controlMessage-formats": ("controlMessage-Format1", {"ranP-List": [
        {"ranParameter-ID": 11, "ranParameter-valueType": ("ranP-Choice-ElementFalse",
                                                           {"ranParameter-value": ("valueInt", min_prb)})},
        {"ranParameter-ID": 12, "ranParameter-valueType": ("ranP-Choice-ElementFalse",
                                                           {"ranParameter-value": ("valueInt", max_prb)})}]})})
    return {"RICrequestID": {"ricRequestorID": requestor, "ricInstanceID": instance},
            "RANfunctionID": ran_function_id, "RICcontrolHeader": header, "RICcontrolMessage": message,
            "RICcontrolAckRequest": ack}


def connection_update_ies(address: bytes = b"\x0a\x00\x02\x10", port: int = 36422) -> dict:
    return {"E2connectionUpdateAdd": [item("E2connectionUpdate-Item", {
        "tnlInformation": {"tnlAddress": (address, 32), "tnlPort": (port.to_bytes(2, "big"), 16)},
        "tnlUsage": "ric-service"})]}


def criticality_diagnostics(procedure_code: int | None, triggering: str | None = None,
                            procedure_criticality: str | None = None, missing: list | None = None) -> dict:
    """CriticalityDiagnostics: ``missing`` is [(IE id, IE criticality)] of absent IEs."""
    out: dict = {}
    if procedure_code is not None:
        out["procedureCode"] = procedure_code
    if triggering:
        out["triggeringMessage"] = triggering
    if procedure_criticality:
        out["procedureCriticality"] = procedure_criticality
    if missing:
        out["iEsCriticalityDiagnostics"] = [{"iECriticality": crit, "iE-ID": ie_id, "typeOfError": "missing"}
                                            for ie_id, crit in missing]
    return out


TRIGGERING = {"initiatingMessage": "initiating-message", "successfulOutcome": "successful-outcome",
              "unsuccessfulOutcome": "unsuccessfull-outcome"}

__all__ = ["KPM_MEASUREMENTS", "KPM_OID", "RC_OID"]
