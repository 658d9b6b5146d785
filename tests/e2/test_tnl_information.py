"""TNL Information (E2AP v03.01 9.2.29) read and written in one place (harness/interfaces/e2/tnl.py),
proven on E2 Connection Update PDUs pycrate encoded: our codec decodes pycrate's octets to TNL
addresses the harness dials, and the TNL information the harness writes encodes to pycrate's octets."""

from __future__ import annotations

import pytest

from harness.codec.e2 import E2Codec
from harness.interfaces.e2 import tnl
from harness.interfaces.e2.sim.content import items_of
from harness.interfaces.e2.view import E2Messages

pytest.importorskip("pycrate_asn1dir", reason="pycrate is a dev dependency")

from tests.e2.test_monitor_crossing_pycrate import ie, pdu, transaction


def _item(address: bytes, bits: int, port: int | None, usage: str = "both") -> dict:
    info = {"tnlAddress": (int.from_bytes(address, "big"), bits)}
    if port is not None:
        info["tnlPort"] = (port, 16)
    return ie("E2connectionUpdate-Item", "ignore", "E2connectionUpdate-Item", {"tnlInformation": info,
                                                                               "tnlUsage": usage})


def _update(*items: dict) -> bytes:
    return pdu("initiatingMessage", "E2connectionUpdate", "reject", "E2connectionUpdate", transaction(9),
               ie("E2connectionUpdateAdd", "reject", "E2connectionUpdate-List", list(items)))


def test_addresses_pycrate_encoded_decode_to_what_the_harness_dials():
    v6 = bytes.fromhex("20010db8000000000000000000000001")
    octets = _update(_item(bytes([198, 51, 100, 1]), 32, 36425), _item(v6, 128, 38472),
                     _item(bytes([10, 0, 0, 7]) + v6, 160, 36422, "ric-service"))
    codec = E2Codec()
    parsed = E2Messages(codec.e2ap).parse(codec.decode(octets))
    assert parsed.name == "E2connectionUpdate"
    found = [tnl.address(v["tnlInformation"]) for v in items_of(parsed.ies["E2connectionUpdateAdd"])]
    assert found == [tnl.TnlAddress("198.51.100.1", 36425), tnl.TnlAddress("2001:db8::1", 38472),
                     tnl.TnlAddress("10.0.0.7", 36422)]
    assert str(found[1]) == "[2001:db8::1]:38472"


def test_what_the_harness_offers_encodes_to_pycrates_octets():
    codec = E2Codec()
    messages = E2Messages(codec.e2ap)
    ours = codec.encode(messages.build("E2connectionUpdate", {"TransactionID": 9, "E2connectionUpdateAdd": (
        tnl.update_items([tnl.TnlAddress("198.51.100.1", 36425)]))}))
    assert ours == _update(_item(bytes([198, 51, 100, 1]), 32, 36425))


@pytest.mark.parametrize("info, why", [
    ({"tnlAddress": (b"\x0a\x00\x00", 24), "tnlPort": (b"\x8e\x49", 16)}, "24 bits is neither IPv4"),
    ({"tnlAddress": (b"\x0a\x00\x00\x01", 32)}, "no tnlPort"),
])
def test_an_address_the_harness_cannot_dial_says_why(info, why):
    with pytest.raises(tnl.TnlError, match=why):
        tnl.address(info)


def test_a_name_is_no_tnl_address():
    with pytest.raises(tnl.TnlError, match="no IP address"):
        tnl.information("ric.example", 36422)
