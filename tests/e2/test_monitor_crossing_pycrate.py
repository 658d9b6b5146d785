"""The Reset-crossing rule (E2AP v03.01 8.3.2, 8.2.3, 10.4) on E2AP PDUs our codec never encoded.

test_monitor_crossing.py proves the rule on octets from our own encoder, so an encoder bug that the
decoder mirrors would go unseen. Here every E2AP PDU, from the E2 Setup Request on, is written by
hand as a pycrate value (pycrate_asn1dir.E2AP, compiled by pycrate's authors; IE ids and procedure
codes from its constants) and encoded by pycrate's APER. The monitor gets the octets exactly as in
test_monitor_crossing.py. E2SM payloads are opaque octets: the E2AP framing is the point, and the
monitor judges E2SM only when given the octets separately (it is not, as in the other file).
"""

from __future__ import annotations

import pytest

pytest.importorskip("pycrate_asn1dir", reason="pycrate is a dev dependency")

from pycrate_asn1dir import E2AP

from tests.e2.test_monitor_crossing import wire_monitor

ID = E2AP.E2AP_Constants
PDU = E2AP.E2AP_PDU_Descriptions.E2AP_PDU
KEY = {"ricRequestorID": 7, "ricInstanceID": 1}
KPM_OID = "1.3.6.1.4.1.53148.1.3.2.2"
NG = {"e2nodeComponentInterfaceType": "ng",
      "e2nodeComponentID": ("e2nodeComponentInterfaceTypeNG", {"amf-name": "amf.5gc.example"})}


def ie(name: str, criticality: str, type_name: str, value) -> dict:
    """One ProtocolIE-Field; ``name`` is the E2AP constant without its 'id-' (pycrate: id_...)."""
    return {"id": getattr(ID, "id_" + name.replace("-", "_"))(), "criticality": criticality,
            "value": (type_name, value)}


def pdu(kind: str, procedure: str, criticality: str, message: str, *ies: dict) -> bytes:
    """An E2AP-PDU (kind: initiatingMessage / successfulOutcome) as pycrate's APER octets."""
    PDU.set_val((kind, {"procedureCode": getattr(ID, "id_" + procedure)(), "criticality": criticality,
                        "value": (message, {"protocolIEs": list(ies)})}))
    return PDU.to_aper()


def transaction(n: int) -> dict:
    return ie("TransactionID", "reject", "TransactionID", n)


def setup_request() -> bytes:
    function = {"ranFunctionID": 2, "ranFunctionDefinition": b"opaque KPM definition", "ranFunctionRevision": 1,
                "ranFunctionOID": KPM_OID}
    component = {**NG, "e2nodeComponentConfiguration": {"e2nodeComponentRequestPart": b"\x00\x15\x00\x01",
                                                        "e2nodeComponentResponsePart": b"\x20\x15\x00\x01"}}
    return pdu("initiatingMessage", "E2setup", "reject", "E2setupRequest", transaction(1),
               ie("GlobalE2node-ID", "reject", "GlobalE2node-ID",
                  ("gNB", {"global-gNB-ID": {"plmn-id": b"\x00\xf1\x10", "gnb-id": ("gnb-ID", (750, 22))}})),
               ie("RANfunctionsAdded", "reject", "RANfunctions-List",
                  [ie("RANfunction-Item", "ignore", "RANfunction-Item", function)]),
               ie("E2nodeComponentConfigAddition", "reject", "E2nodeComponentConfigAddition-List",
                  [ie("E2nodeComponentConfigAddition-Item", "reject", "E2nodeComponentConfigAddition-Item",
                      component)]))


def setup_response() -> bytes:
    ack = {**NG, "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}}
    return pdu("successfulOutcome", "E2setup", "reject", "E2setupResponse", transaction(1),
               ie("GlobalRIC-ID", "reject", "GlobalRIC-ID", {"pLMN-Identity": b"\x00\xf1\x10", "ric-ID": (1, 20)}),
               ie("E2nodeComponentConfigAdditionAck", "reject", "E2nodeComponentConfigAdditionAck-List",
                  [ie("E2nodeComponentConfigAdditionAck-Item", "reject", "E2nodeComponentConfigAdditionAck-Item",
                      ack)]))


def request_id() -> list[dict]:
    return [ie("RICrequestID", "reject", "RICrequestID", KEY), ie("RANfunctionID", "reject", "RANfunctionID", 2)]


def subscription_request() -> bytes:
    action = {"ricActionID": 1, "ricActionType": "report"}
    details = {"ricEventTriggerDefinition": b"opaque trigger",
               "ricAction-ToBeSetup-List": [ie("RICaction-ToBeSetup-Item", "ignore", "RICaction-ToBeSetup-Item",
                                               action)]}
    return pdu("initiatingMessage", "RICsubscription", "reject", "RICsubscriptionRequest", *request_id(),
               ie("RICsubscriptionDetails", "reject", "RICsubscriptionDetails", details))


def subscription_response() -> bytes:
    return pdu("successfulOutcome", "RICsubscription", "reject", "RICsubscriptionResponse", *request_id(),
               ie("RICactions-Admitted", "reject", "RICaction-Admitted-List",
                  [ie("RICaction-Admitted-Item", "ignore", "RICaction-Admitted-Item", {"ricActionID": 1})]))


def indication(sn: int) -> bytes:
    return pdu("initiatingMessage", "RICindication", "ignore", "RICindication", *request_id(),
               ie("RICactionID", "reject", "RICactionID", 1),
               ie("RICindicationSN", "reject", "RICindicationSN", sn),
               ie("RICindicationType", "reject", "RICindicationType", "report"),
               ie("RICindicationHeader", "reject", "RICindicationHeader", b"opaque header"),
               ie("RICindicationMessage", "reject", "RICindicationMessage", b"opaque message"))


def reset_request() -> bytes:
    return pdu("initiatingMessage", "Reset", "reject", "ResetRequest", transaction(2),
               ie("Cause", "ignore", "Cause", ("misc", "om-intervention")))


def reset_response() -> bytes:
    return pdu("successfulOutcome", "Reset", "reject", "ResetResponse", transaction(2))


def configuration_update() -> bytes:
    update = {**NG, "e2nodeComponentConfiguration": {"e2nodeComponentRequestPart": b"\x00\x15\x00\x02",
                                                     "e2nodeComponentResponsePart": b"\x20\x15\x00\x02"}}
    return pdu("initiatingMessage", "E2nodeConfigurationUpdate", "reject", "E2nodeConfigurationUpdate",
               transaction(3),
               ie("E2nodeComponentConfigUpdate", "reject", "E2nodeComponentConfigUpdate-List",
                  [ie("E2nodeComponentConfigUpdate-Item", "reject", "E2nodeComponentConfigUpdate-Item", update)]))


@pytest.fixture()
def see():
    return wire_monitor()[2]


def subscribed(see) -> None:
    """E2 Setup, a live subscription and one indication: all pycrate's octets, no finding."""
    assert see("dut", setup_request()) == []
    assert see("harness", setup_response()) == []
    assert see("harness", subscription_request()) == []
    assert see("dut", subscription_response()) == []
    assert see("dut", indication(1)) == []


def test_pycrate_indications_crossing_the_reset_answer_are_legal(see):
    subscribed(see)
    assert see("dut", reset_request()) == []
    assert see("harness", reset_response()) == []
    assert see("dut", indication(2)) == []          # emitted before the answer reached the node
    assert see("dut", indication(3)) == []


def test_pycrate_indication_after_the_node_has_moved_on_is_a_logical_error(see):
    subscribed(see)
    assert see("dut", reset_request()) == []
    assert see("harness", reset_response()) == []
    assert see("dut", indication(2)) == []          # still crossing
    assert see("dut", configuration_update()) == []   # the node has seen the answer
    found = see("dut", indication(3))
    assert [(f.side, f.check, f.ie_path) for f in found] == [("dut", "monitor.ric-request-id.deleted", "RICrequestID")]
    assert found[0].clause == "O-RAN.WG3.E2AP v03.01 8.2.3 (RIC Indication), 10.4 (logical error)"
    assert "RIC request ID 7/1, RAN function 2" in found[0].message


def test_pycrate_indication_after_a_reset_the_ric_asked_for_is_a_logical_error(see):
    """The node answered the RIC's Reset, so it ended the subscription before any later indication."""
    subscribed(see)
    assert see("harness", reset_request()) == []
    assert see("dut", reset_response()) == []
    assert [f.check for f in see("dut", indication(2))] == ["monitor.ric-request-id.deleted"]


@pytest.mark.parametrize(("octets", "name", "key"), [
    (setup_request, "E2setupRequest", ("TransactionID", 1)),
    (setup_response, "E2setupResponse", ("TransactionID", 1)),
    (subscription_request, "RICsubscriptionRequest", ("RICrequestID", KEY)),
    (subscription_response, "RICsubscriptionResponse", ("RICrequestID", KEY)),
    (lambda: indication(4), "RICindication", ("RICindicationSN", 4)),
    (reset_request, "ResetRequest", ("Cause", ("misc", "om-intervention"))),
    (reset_response, "ResetResponse", ("TransactionID", 2)),
    (configuration_update, "E2nodeConfigurationUpdate", ("TransactionID", 3)),
])
def test_pycrate_octets_are_the_messages_the_scenarios_name(octets, name, key):
    """The scenarios above prove something only if pycrate's octets are those messages: our codec
    reads each as the named message with its key IE, pycrate reads it back to the same value, and
    our encoder writes the same octets again (both APER encodings are canonical)."""
    codec, messages, _ = wire_monitor()
    data = octets()
    value = PDU.get_val()                            # what pycrate just encoded
    assert len(data) > 8
    parsed = messages.parse(codec.decode(data))
    assert parsed.name == name
    assert parsed.ies[key[0]] == key[1]
    PDU.from_aper(data)
    assert PDU.get_val() == value
    assert codec.encode(codec.decode(data, e2sm=False)) == data
