"""E2SM payloads inside E2AP: chosen by RAN function, learned at E2 Setup."""

from __future__ import annotations

import pytest

from harness.codec.errors import DecodeError
from tests.helpers import e2msgs as m

IND_PATH = "E2AP-PDU.initiatingMessage.value.<RICindication>.protocolIEs"


def test_ran_function_definition_is_decoded_by_its_own_oid(fresh_codec):
    data = fresh_codec.encode(m.e2_setup_request())
    notes: list = []
    value = fresh_codec.decode(data, notes=notes)
    item = value[1]["value"][1]["protocolIEs"][2]["value"][1][0]["value"][1]
    assert item["ranFunctionDefinition"] == m.kpm_ran_function_definition()
    assert notes == []


def test_learned_ran_function_chooses_the_e2sm(fresh_codec):
    fresh_codec.learn(fresh_codec.decode(fresh_codec.encode(m.e2_setup_request())))
    assert fresh_codec.ran_functions == {2: "e2sm-kpm"}
    notes: list = []
    value = fresh_codec.decode(fresh_codec.encode(m.ric_indication()), notes=notes)
    assert notes == []
    ies = value[1]["value"][1]["protocolIEs"]
    assert ies[5]["value"] == ("RICindicationHeader", m.kpm_header())
    assert ies[6]["value"] == ("RICindicationMessage", m.kpm_message())


def test_without_a_ran_function_the_e2sm_is_chosen_by_trial_and_said(fresh_codec):
    notes: list = []
    value = fresh_codec.decode(fresh_codec.encode(m.ric_indication()), notes=notes)
    assert value[1]["value"][1]["protocolIEs"][5]["value"][1] == m.kpm_header()
    assert [(n.kind, n.path, n.text) for n in notes][0] == (
        "e2sm", f"{IND_PATH}[5].value.<RICindicationHeader>",
        "RAN function 2 is not known (no E2 Setup seen for it): chose ORAN-E2SM-KPM because it is the "
        "only E2SM that decodes this payload")


def test_shallow_decode_keeps_payloads_as_bytes(codec):
    data = codec.encode(m.ric_indication())
    value = codec.decode(data, e2sm=False)
    assert isinstance(value[1]["value"][1]["protocolIEs"][5]["value"][1], bytes)
    assert codec.encode(value) == data


def test_kpm_version_mismatch_is_diagnosed(codec, codec_kpm_v2):
    header_v2 = codec_kpm_v2.encode(m.kpm_header(b"\x01\x02\x03\x04")[1], "E2SM-KPM-IndicationHeader",
                                    protocol="e2sm-kpm")
    with pytest.raises(DecodeError) as info:
        codec.decode(header_v2, "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm")
    assert str(info.value) == (
        "E2SM-KPM-IndicationHeader.indicationHeader-formats.indicationHeader-Format1.colletStartTime "
        "(bit offset 8): out of data; decodes as E2SM-KPM v02.03 (4-octet timestamp); "
        "the DUT profile says v03.00")


def test_kpm_version_mismatch_inside_e2ap(fresh_codec, codec_kpm_v2):
    fresh_codec.set_ran_function(2, "1.3.6.1.4.1.53148.1.3.2.2")
    header = m.kpm_header(b"\x01\x02\x03\x04")
    data = codec_kpm_v2.encode(m.ric_indication(header=header))
    payload = codec_kpm_v2.encode(header[1], "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm")
    field_at = (data.find(payload) + 1) * 8        # one octet of CHOICE/extension bits, then the timestamp
    with pytest.raises(DecodeError) as info:
        fresh_codec.decode(data, strict=True)
    assert str(info.value) == (
        f"{IND_PATH}[5].value.<RICindicationHeader>.<E2SM-KPM-IndicationHeader>.indicationHeader-formats."
        f"indicationHeader-Format1.colletStartTime (bit offset {field_at}): out of data; decodes as E2SM-KPM "
        "v02.03 (4-octet timestamp); the DUT profile says v03.00")
    notes: list = []
    lenient = fresh_codec.decode(data, notes=notes)
    assert lenient[1]["value"][1]["protocolIEs"][5]["value"] == ("RICindicationHeader", payload)
    assert notes[0].kind == "e2sm-error"
    assert notes[0].text.startswith("RAN function 2 says ORAN-E2SM-KPM v03.00, but: ")


def test_rc_control_request_round_trips(fresh_codec):
    fresh_codec.set_ran_function(3, "ORAN-E2SM-RC")
    header = ("E2SM-RC-ControlHeader", {"ric-controlHeader-formats": ("controlHeader-Format1", {
        "ueID": ("gNB-DU-UEID", {"gNB-CU-UE-F1AP-ID": 7}), "ric-Style-Type": 2, "ric-ControlAction-ID": 1})})
    message = ("E2SM-RC-ControlMessage", {"ric-controlMessage-formats": ("controlMessage-Format1", {
        "ranP-List": [{"ranParameter-ID": 1, "ranParameter-valueType": (
            "ranP-Choice-ElementFalse", {"ranParameter-value": ("valueInt", 5)})}]})})
    pdu = m.initiating(4, "reject", "RICcontrolRequest", [
        m.ie(29, "reject", "RICrequestID", {"ricRequestorID": 1, "ricInstanceID": 2}),
        m.ie(5, "reject", "RANfunctionID", 3),
        m.ie(22, "reject", "RICcontrolHeader", header),
        m.ie(23, "reject", "RICcontrolMessage", message),
    ])
    notes: list = []
    assert fresh_codec.decode(fresh_codec.encode(pdu), notes=notes) == pdu
    assert notes == []
