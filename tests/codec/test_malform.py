"""Negative testing: malformed PDUs made from valid ones (harness.codec.malform)."""

from __future__ import annotations

import pytest

from harness.codec import malform
from harness.codec.errors import DecodeError
from harness.codec.malform import MalformError, Malformation
from tests.helpers import e2msgs as m

RESP = "E2AP-PDU.successfulOutcome.value.<E2setupResponse>.protocolIEs"


def test_global_ric_id_longer_than_20_bits(codec):
    """E2TS-style case: the RIC ID carries 24 bits where 20 are allowed."""
    pdu = m.e2_setup_response()
    ric = pdu[1]["value"][1]["protocolIEs"][1]["value"][1]
    assert malform.field_bits(codec.e2ap, "GlobalRIC-ID", ric, "ric-ID") == (32, 20)
    bad = malform.apply(codec.e2ap, pdu, Malformation("insert-bits", "id-GlobalRIC-ID", "ric-ID", bits="1111"))
    good = codec.encode(pdu)
    assert len(bad) == len(good) + 1
    with pytest.raises(DecodeError) as info:
        codec.decode(bad)
    assert str(info.value) == (f"{RESP}[1].value.<GlobalRIC-ID> (bit offset 192): "
                               "1 octet(s) left over after the end of GlobalRIC-ID")
    # The rest of the PDU is intact: the other IEs still decode.
    shallow = codec.e2ap.decode("E2AP-PDU", bad, deep=False)
    assert shallow[1]["procedureCode"] == 1


def test_drop_a_mandatory_ie(codec):
    pdu = m.e2_setup_response()
    bad = malform.apply(codec.e2ap, pdu, Malformation("drop-ie", "GlobalRIC-ID"))
    ies = codec.decode(bad)[1]["value"][1]["protocolIEs"]
    assert [ie["id"] for ie in ies] == [49, 9, 52]


def test_violate_a_constraint_the_wire_can_carry(codec):
    pdu = m.ric_indication()
    # RICactionID is INTEGER (0..255): 8 bits; the value 256 cannot be carried ...
    with pytest.raises(MalformError) as info:
        malform.apply(codec.e2ap, pdu, Malformation("violate", "RICactionID", value=256))
    assert str(info.value) == ("RICactionID: the value cannot be carried on the wire "
                               "(the field's bit width would alter it)")
    # ... but a gNB ID of 36 bits fits the 4-bit length field of SIZE (22..32), and decoders must reject it.
    bad = malform.apply(codec.e2ap, m.e2_setup_request(), Malformation(
        "violate", "GlobalE2node-ID", "gNB.global-gNB-ID.gnb-id.gnb-ID", value=(b"\x12\x34\x56\x78\x90", 36)))
    with pytest.raises(DecodeError) as info:
        codec.decode(bad)
    message = codec.e2ap.decode("E2AP-PDU", bad, deep=False)[1]["value"]
    ie_contents = codec.e2ap.decode("E2setupRequest", message, deep=False)["protocolIEs"][1]["value"]
    start = bad.find(ie_contents) * 8
    assert str(info.value) == (
        "E2AP-PDU.initiatingMessage.value.<E2setupRequest>.protocolIEs[1].value.<GlobalE2node-ID>.gNB."
        f"global-gNB-ID.gnb-id.gnb-ID (in the value starting at bit offset {start}): "
        "Expected between 22 and 32 bits, but got 36.")


def test_violate_refuses_a_value_that_is_valid(codec):
    with pytest.raises(MalformError) as info:
        malform.apply(codec.e2ap, m.ric_indication(), Malformation("violate", "RICactionID", value=3))
    assert str(info.value) == "RICactionID = 3 satisfies the constraints; nothing to violate"


def test_flip_and_truncate_bits_at_an_ie(codec):
    pdu = m.e2_setup_response()
    flipped = malform.apply(codec.e2ap, pdu, Malformation("flip-bits", 4, "ric-ID"))
    ric = codec.decode(flipped)[1]["value"][1]["protocolIEs"][1]["value"][1]["ric-ID"]
    assert ric == (bytes([0xAB ^ 0xFF, 0xCD ^ 0xFF, 0xE0 ^ 0xF0]), 20)
    cut = malform.apply(codec.e2ap, pdu, Malformation("truncate-bits", 4, "ric-ID", bits=4))
    with pytest.raises(DecodeError) as info:
        codec.decode(cut)
    assert str(info.value).startswith(f"{RESP}[1].value.<GlobalRIC-ID>.ric-ID (bit offset ")


def test_unknown_ie_and_kind_are_clear_errors(codec):
    with pytest.raises(MalformError) as info:
        malform.apply(codec.e2ap, m.e2_setup_response(), Malformation("drop-ie", "RICactionID"))
    assert str(info.value) == ("the PDU has no IE 'RICactionID'; it has: 49 (TransactionID), 4 (GlobalRIC-ID), "
                               "9 (RANfunctionsID-List), 52 (E2nodeComponentConfigAdditionAck-List)")
    with pytest.raises(MalformError) as info:
        malform.apply(codec.e2ap, m.e2_setup_response(), Malformation("shuffle", 4))
    assert str(info.value) == ("unknown malformation 'shuffle'; known: drop-ie, violate, flip-bits, "
                               "truncate-bits, insert-bits")
