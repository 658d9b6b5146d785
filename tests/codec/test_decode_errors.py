"""Decode and encode errors name the IE path and the bit offset, by exact text."""

from __future__ import annotations

import pytest

from harness.codec.errors import DecodeError, EncodeError
from tests.helpers import e2msgs as m


def _error(fn, *args, **kwargs) -> str:
    with pytest.raises((DecodeError, EncodeError)) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_truncated_pdu_names_the_open_type_and_offset(codec):
    data = codec.encode(m.e2_setup_response())
    assert _error(codec.decode, data[:20]) == "E2AP-PDU.successfulOutcome.value (bit offset 32): out of data"


def test_garbage_is_a_decode_error_not_a_crash(codec):
    assert _error(codec.decode, b"\xff\xff") == \
        "E2AP-PDU (bit offset 10): Bad length determinant fragmentation value 0xff."
    assert _error(codec.decode, b"") == "E2AP-PDU (bit offset 0): out of data"


def test_trailing_octets_inside_an_ie_are_reported(codec):
    pdu = m.e2_setup_response()
    ies = pdu[1]["value"][1]["protocolIEs"]
    ric_id = codec.e2ap.encode("GlobalRIC-ID", ies[1]["value"][1])
    ies[1] = dict(ies[1], value=ric_id + b"\x00")          # raw open-type contents, one octet too many
    data = codec.encode(pdu)
    # The spare octet sits right after the IE's real contents; its position, found independently:
    assert (data.find(ric_id + b"\x00") + len(ric_id)) * 8 == 192
    assert _error(codec.decode, data) == (
        "E2AP-PDU.successfulOutcome.value.<E2setupResponse>.protocolIEs[1].value.<GlobalRIC-ID> "
        "(bit offset 192): 1 octet(s) left over after the end of GlobalRIC-ID")


def test_encode_checks_constraints_and_names_the_path(codec):
    pdu = m.e2_setup_response(ric_id=(b"\xab\xcd\xef", 24))
    assert _error(codec.encode, pdu) == (
        "E2AP-PDU.successfulOutcome.value.<E2setupResponse>.protocolIEs[1].value.<GlobalRIC-ID>.ric-ID: "
        "Expected between 20 and 20 bits, but got 24.")


def test_encode_rejects_an_ie_type_that_the_object_set_does_not_give(codec):
    pdu = m.e2_setup_response()
    ies = pdu[1]["value"][1]["protocolIEs"]
    ies[0] = dict(ies[0], value=("RICactionID", 1))
    assert _error(codec.encode, pdu) == (
        "E2AP-PDU.successfulOutcome.value.<E2setupResponse>.protocolIEs[0].value: "
        "E2setupResponseIEs says id 49 carries TransactionID, not RICactionID")


def test_unknown_ie_is_kept_as_bytes_and_noted(codec):
    pdu = m.e2_setup_response()
    pdu[1]["value"][1]["protocolIEs"].append({"id": 999, "criticality": "ignore", "value": b"\x12\x34"})
    data = codec.encode(pdu)
    notes: list = []
    value = codec.decode(data, notes=notes)
    assert value[1]["value"][1]["protocolIEs"][-1]["value"] == b"\x12\x34"
    assert [(n.kind, n.path, n.text) for n in notes] == [(
        "unknown-key", "E2AP-PDU.successfulOutcome.value.<E2setupResponse>.protocolIEs[4].value",
        "id 999 is not in E2setupResponseIEs (extensible); 2 octet(s) kept undecoded")]
    assert codec.encode(value) == data


def test_wrong_criticality_is_noted(codec):
    pdu = m.e2_setup_response()
    ies = pdu[1]["value"][1]["protocolIEs"]
    ies[1] = dict(ies[1], criticality="ignore")
    notes: list = []
    codec.decode(codec.encode(pdu), notes=notes)
    assert [(n.kind, n.text) for n in notes] == [
        ("criticality", "criticality is 'ignore' but E2setupResponseIEs gives 'reject' for id 4")]


def test_unknown_procedure_code_is_noted(codec):
    pdu = ("initiatingMessage", {"procedureCode": 200, "criticality": "ignore", "value": b"\x00"})
    notes: list = []
    assert codec.decode(codec.encode(pdu), notes=notes) == pdu
    assert notes[0].text == ("procedureCode 200 is not in E2AP-ELEMENTARY-PROCEDURES (extensible); "
                             "1 octet(s) kept undecoded")
