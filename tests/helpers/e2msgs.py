"""Small builders of valid E2AP v03.01 PDU values for tests (decode form)."""

from __future__ import annotations

KPM_V3_OID = "1.3.6.1.4.1.53148.1.3.2.2"
KPM_V2_OID = "1.3.6.1.4.1.53148.1.2.2.2"


def ie(ie_id: int, crit: str, type_name: str, value) -> dict:
    return {"id": ie_id, "criticality": crit, "value": (type_name, value)}


def initiating(code: int, crit: str, type_name: str, ies: list) -> tuple:
    return ("initiatingMessage", {"procedureCode": code, "criticality": crit,
                                  "value": (type_name, {"protocolIEs": ies})})


def successful(code: int, crit: str, type_name: str, ies: list) -> tuple:
    return ("successfulOutcome", {"procedureCode": code, "criticality": crit,
                                  "value": (type_name, {"protocolIEs": ies})})


def kpm_ran_function_definition(oid: str = KPM_V3_OID) -> tuple:
    return ("E2SM-KPM-RANfunction-Description", {
        "ranFunction-Name": {"ranFunction-ShortName": "ORAN-E2SM-KPM", "ranFunction-E2SM-OID": oid,
                             "ranFunction-Description": "KPM Monitor"},
        "ric-EventTriggerStyle-List": [{"ric-EventTriggerStyle-Type": 1,
                                        "ric-EventTriggerStyle-Name": "Periodic Report",
                                        "ric-EventTriggerFormat-Type": 1}],
    })


def e2_setup_request(oid: str = KPM_V3_OID, ran_function_id: int = 2) -> tuple:
    return initiating(1, "reject", "E2setupRequest", [
        ie(49, "reject", "TransactionID", 1),
        ie(3, "reject", "GlobalE2node-ID", ("gNB", {"global-gNB-ID": {
            "plmn-id": b"\x00\xf1\x10", "gnb-id": ("gnb-ID", (b"\x00\x00\x04", 22))}})),
        ie(10, "reject", "RANfunctions-List", [
            ie(8, "ignore", "RANfunction-Item", {
                "ranFunctionID": ran_function_id, "ranFunctionDefinition": kpm_ran_function_definition(oid),
                "ranFunctionRevision": 1, "ranFunctionOID": oid})]),
        ie(50, "reject", "E2nodeComponentConfigAddition-List", [
            ie(51, "reject", "E2nodeComponentConfigAddition-Item", {
                "e2nodeComponentInterfaceType": "ng",
                "e2nodeComponentID": ("e2nodeComponentInterfaceTypeNG", {"amf-name": "amf1"}),
                "e2nodeComponentConfiguration": {"e2nodeComponentRequestPart": b"\x01",
                                                 "e2nodeComponentResponsePart": b"\x02"}})]),
    ])


def e2_setup_response(ric_id: tuple = (b"\xab\xcd\xe0", 20)) -> tuple:
    return successful(1, "reject", "E2setupResponse", [
        ie(49, "reject", "TransactionID", 1),
        ie(4, "reject", "GlobalRIC-ID", {"pLMN-Identity": b"\x00\xf1\x10", "ric-ID": ric_id}),
        ie(9, "reject", "RANfunctionsID-List", [
            ie(6, "ignore", "RANfunctionID-Item", {"ranFunctionID": 2, "ranFunctionRevision": 1})]),
        ie(52, "reject", "E2nodeComponentConfigAdditionAck-List", [
            ie(53, "reject", "E2nodeComponentConfigAdditionAck-Item", {
                "e2nodeComponentInterfaceType": "ng",
                "e2nodeComponentID": ("e2nodeComponentInterfaceTypeNG", {"amf-name": "amf1"}),
                "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}})]),
    ])


def kpm_header(timestamp: bytes = b"\x00\x00\x01\x8c\x2a\x3b\x4c\x5d") -> tuple:
    return ("E2SM-KPM-IndicationHeader", {"indicationHeader-formats": (
        "indicationHeader-Format1", {"colletStartTime": timestamp})})


def kpm_message(values=(10, 20, 30)) -> tuple:
    return ("E2SM-KPM-IndicationMessage", {"indicationMessage-formats": (
        "indicationMessage-Format1", {"measData": [{"measRecord": [("integer", v) for v in values]}]})})


def ric_indication(header=None, message=None, ran_function_id: int = 2) -> tuple:
    return initiating(5, "ignore", "RICindication", [
        ie(29, "reject", "RICrequestID", {"ricRequestorID": 1, "ricInstanceID": 1}),
        ie(5, "reject", "RANfunctionID", ran_function_id),
        ie(15, "reject", "RICactionID", 1),
        ie(27, "reject", "RICindicationSN", 7),
        ie(28, "reject", "RICindicationType", "report"),
        ie(25, "reject", "RICindicationHeader", header if header is not None else kpm_header()),
        ie(26, "reject", "RICindicationMessage", message if message is not None else kpm_message()),
    ])
