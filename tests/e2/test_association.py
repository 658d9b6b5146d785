"""`E2Association`: the one stateful decoder of an E2 association (harness/interfaces/e2/association.py).

On the real captures of fixtures/captures, on golden vectors, and on an E2 Setup Request
encoded by pycrate (an independent APER encoder), so that what is learned does not come
from our own encoder.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from harness.capture.reader import read_messages
from harness.codec.e2 import E2Codec
from harness.interfaces.e2.association import DecodedE2, E2Association, learn_from

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "fixtures" / "captures"
GOLDEN = ROOT / "fixtures" / "golden" / "e2ap-v03.01"
NODE, RIC = "192.168.30.11:38472", "10.96.14.20:36421"
KPM_OID, RC_OID = "1.3.6.1.4.1.53148.1.3.2.2", "1.3.6.1.4.1.53148.1.1.2.3"
GUESSED = ("RAN function 2 is not known (no E2 Setup seen for it): chose ORAN-E2SM-KPM because it is "
           "the only E2SM that decodes this payload")


def golden(name: str) -> bytes:
    return bytes.fromhex(json.loads((GOLDEN / f"{name}.json").read_text())["hex"])


def ie(pdu, ie_id: int):
    return next(f["value"][1] for f in pdu[1]["value"][1]["protocolIEs"] if f["id"] == ie_id)


@pytest.fixture(scope="module")
def session() -> tuple[E2Association, list[DecodedE2]]:
    assoc = E2Association()
    records = [assoc.feed(m.data, m.src, m.time) for m in read_messages(CAPTURES / "e2-session.pcapng", issues=[])]
    return assoc, records


def test_capture_roles_come_from_the_e2_setup_request(session):
    assoc, records = session
    assert assoc.e2_node == NODE
    assert [(r.label, r.sender, r.side) for r in records[:4]] == [
        ("E2setupRequest", NODE, "e2-node"), ("E2setupResponse", RIC, "ric"),
        ("RICsubscriptionRequest", RIC, "ric"), ("RICsubscriptionResponse", NODE, "e2-node")]
    assert assoc.role(RIC) == "ric" and assoc.role(NODE) == "e2-node" and assoc.role(None) is None
    assert all(r.ok and r.error is None for r in records)


def test_capture_kpm_payloads_decode_with_the_learned_ran_functions(session):
    assoc, records = session
    assert assoc.codec.ran_functions == {2: "e2sm-kpm", 3: "e2sm-rc"}
    indications = [r for r in records if r.name == "RICindication"]
    assert len(indications) == 20
    first = indications[0]
    assert first.notes == () and first.parsed.ies["RANfunctionID"] == 2
    assert ie(first.pdu, 26)[0] == "E2SM-KPM-IndicationMessage"       # RICindicationMessage
    assert first.time == pytest.approx(records[0].time + 1.49)


def test_records_are_frozen(session):
    _, records = session
    with pytest.raises(dataclasses.FrozenInstanceError):
        records[0].name = "other"


def test_e2sm_is_guessed_before_the_setup_and_learned_after():
    assoc = E2Association()
    before = assoc.feed(golden("pc05-1-RICindication"), "node")
    assert before.side is None                         # no E2 Setup yet: roles unknown
    assert [n.text for n in before.notes] == [GUESSED, GUESSED]
    setup = assoc.feed(golden("pc01-1-E2setupRequest"), "node")
    assert (setup.name, setup.side, assoc.role("ric")) == ("E2setupRequest", "e2-node", "ric")
    after = assoc.feed(golden("pc05-1-RICindication"), "node")
    assert after.notes == () and after.side == "e2-node"
    assert ie(after.pdu, 25)[0] == "E2SM-KPM-IndicationHeader"


def test_undecodable_bytes_are_a_record_and_the_association_goes_on():
    assoc = E2Association()
    msgs = list(read_messages(CAPTURES / "e2-bad-packets.pcap", issues=[]))
    records = [assoc.feed(m.data, m.src, m.time) for m in msgs]
    bad = records[-1]
    assert msgs[-1].packets == (11,)
    assert (bad.ok, bad.pdu, bad.name, bad.parsed, bad.label) == (False, None, None, None, "undecodable")
    assert bad.error == "E2AP-PDU.initiatingMessage.value (bit offset 40): out of data"
    assert bad.data == msgs[-1].data and bad.sender == "10.1.1.1:36421"
    assert assoc.e2_node is None                       # this capture has no E2 Setup Request
    garbage = assoc.feed(b"\xff\xff")
    assert garbage.error == "E2AP-PDU (bit offset 10): Bad length determinant fragmentation value 0xff."
    assert assoc.feed(golden("pc01-1-E2setupRequest"), "10.1.1.10:36500").ok   # still usable


def test_ric_service_update_teaches_ran_functions_but_not_roles():
    assoc = E2Association()
    got = assoc.feed(golden("pc07-1-RICserviceUpdate"), "node")
    assert got.name == "RICserviceUpdate" and got.side is None and assoc.e2_node is None
    assert assoc.codec.ran_functions == {2: "e2sm-kpm", 3: "e2sm-rc"}


def test_observe_learns_from_a_pdu_built_by_the_caller():
    codec = E2Codec()
    setup = codec.decode(golden("pc01-1-E2setupRequest"))
    assoc = E2Association(E2Codec())
    got = assoc.observe(setup, "harness")
    assert (got.name, got.side, got.data) == ("E2setupRequest", "e2-node", b"")
    assert assoc.codec.ran_functions == {2: "e2sm-kpm", 3: "e2sm-rc"}


def test_learn_from_is_limited_to_the_messages_that_declare_ran_functions():
    codec = E2Codec()
    setup = codec.decode(golden("pc01-1-E2setupRequest"))
    assert learn_from(codec, "E2setupResponse", setup) is False and codec.ran_functions == {}
    assert learn_from(codec, "E2setupRequest", None) is False
    assert learn_from(codec, "E2setupRequest", setup) is True
    assert codec.ran_functions == {2: "e2sm-kpm", 3: "e2sm-rc"}


def test_a_pycrate_encoded_setup_decides_the_e2sm_of_later_payloads():
    """pycrate encodes an E2 Setup Request whose RAN function IDs are swapped (2 = RC, 3 = KPM)."""
    pytest.importorskip("pycrate_asn1dir", reason="pycrate is a dev dependency")
    from tests.helpers import pycrate_forms as pf
    value = E2Codec().decode(golden("pc01-1-E2setupRequest"), e2sm=False)
    items = ie(value, 10)
    swap = {2: 3, 3: 2}
    for item in items:
        item["value"][1]["ranFunctionID"] = swap[item["value"][1]["ranFunctionID"]]
    pdu, _ = pf.reference_e2ap()
    data = pf.pycrate_encode(pdu, pf.to_pycrate(value, pf.PYCRATE_E2AP_NAMES))

    assoc = E2Association()
    setup = assoc.feed(data, "node")
    assert setup.ok and setup.name == "E2setupRequest" and setup.notes == ()
    assert [(i["value"][1]["ranFunctionID"], i["value"][1]["ranFunctionOID"]) for i in ie(setup.pdu, 10)] == [
        (3, KPM_OID), (2, RC_OID)]
    assert assoc.codec.ran_functions == {2: "e2sm-rc", 3: "e2sm-kpm"}
    # The golden indication is KPM on RAN function 2, which this setup declared to be RC:
    # the association decodes with what it learned, and says the payload does not fit.
    ind = assoc.feed(golden("pc05-1-RICindication"), "node")
    assert ind.ok and ind.side == "e2-node"
    assert [n.kind for n in ind.notes] == ["e2sm-error", "e2sm-error"]
    assert all(n.text.startswith("RAN function 2 says ORAN-E2SM-RC ") for n in ind.notes)
    assert isinstance(ie(ind.pdu, 26), bytes)          # kept as octets, never dropped
