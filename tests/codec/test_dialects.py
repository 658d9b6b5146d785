"""Dialect diagnosis: bytes made outside our encoder are named by the dialect they are in.

FlexRIC's bytes come from pycrate compiling the dialect module text (our standard module
with the extension markers moved by harness.codec.dialects); the asn1c skeleton's bytes
are built bit by bit here, around an inner value pycrate encodes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.codec import dialects
from harness.codec.catalog import ASN1_ROOT
from harness.codec.errors import DecodeError
from harness.evidence.pcapng import PcapngWriter
from tests.conftest import ROOT
from tests.helpers import e2msgs as m
from tests.helpers import pycrate_forms as pf

COMMON = ASN1_ROOT / "e2sm-common" / "v03.00" / "E2SM-COMMON-IEs.asn"
KPM = ASN1_ROOT / "e2sm-kpm" / "v03.00" / "E2SM-KPM-IEs.asn"

FORMAT3 = {"ueMeasReportList": [{
    "ueID": ("gNB-DU-UEID", {"gNB-CU-UE-F1AP-ID": 7}),
    "measReport": {"measData": [{"measRecord": [("integer", 5)]}]}}]}


@pytest.fixture(scope="module")
def flexric_kpm(tmp_path_factory):
    """pycrate's compile of FlexRIC's E2SM-KPM, derived from our standard text."""
    out = tmp_path_factory.mktemp("flexric")
    sources = [(str(p), p.read_text()) for p in (COMMON, KPM)]
    derived, _ = dialects.derive(sources, dialects.FLEXRIC["e2sm-kpm"].edits, "flexric-kpm")
    paths = []
    for name, text in derived:
        path = out / Path(name).name
        path.write_text(text)
        paths.append(path)
    return pf.compile_modules(paths, out / "gen", "flexric_kpm").E2SM_KPM_IEs


@pytest.fixture(scope="module")
def standard_kpm(tmp_path_factory):
    return pf.compile_modules([COMMON, KPM], tmp_path_factory.mktemp("std"), "std_kpm").E2SM_KPM_IEs


def test_flexric_indication_message_is_named(codec, flexric_kpm):
    obj = flexric_kpm.E2SM_KPM_IndicationMessage
    obj.set_val({"indicationMessage-formats": ("indicationMessage-Format3", FORMAT3)})
    data = obj.to_aper()
    with pytest.raises(DecodeError) as info:
        codec.decode(data, "E2SM-KPM-IndicationMessage", protocol="e2sm-kpm")
    assert str(info.value).endswith(
        "; decodes as FlexRIC's E2SM-KPM (extension marker moved to the end in "
        "E2SM-KPM-IndicationMessage.indicationMessage-formats), not as the declared E2SM-KPM v03.00")


def test_asn1c_choice_extension_index_is_named(codec, standard_kpm):
    inner = standard_kpm.E2SM_KPM_IndicationMessage_Format3
    inner.set_val(FORMAT3)
    content = inner.to_aper()
    # E2SM-KPM-IndicationMessage, as asn1c's stock skeleton writes Format3 (an extension addition):
    #   bit 0: 0   SEQUENCE extension bit (no additions of the SEQUENCE)
    #   bit 1: 1   CHOICE extension bit (the alternative is an extension addition)
    #   bit 2: 0   extension index 0 in ONE bit (the skeleton's helper with range 0..1);
    #              X.691 11.6 wants 7 bits here: 0 then 000000
    #   bits 3-7:  padding to the octet (the open type is octet-aligned, X.691 11.2)
    # -> 0b01000000 = 0x40; then the open type: its length in one octet, then the content.
    data = bytes([0b01000000, len(content)]) + content
    with pytest.raises(DecodeError) as info:
        codec.decode(data, "E2SM-KPM-IndicationMessage", protocol="e2sm-kpm")
    assert str(info.value).endswith(
        "; decodes as asn1c's stock APER skeleton (CHOICE extension index with too few bits instead of "
        "X.691 11.6's normally small number), not as the declared E2SM-KPM v03.00")
    # The same bytes the standard way differ exactly in the index field: 0, 1, then 0 + 000000.
    standard = bytes([0b01000000, 0b00000000, len(content)]) + content
    assert codec.decode(standard, "E2SM-KPM-IndicationMessage", protocol="e2sm-kpm")[
        "indicationMessage-formats"][0] == "indicationMessage-Format3"


# RICsubscriptionDeleteFailure carrying Cause ricRequest:ric-subscription-end-time-invalid, an
# extension addition (CauseRICrequest: 14 root values, then 6 additions; this is addition 1).
# Built by hand, octet by octet (E2AP v03.01, aligned PER):
HEAD = bytes([
    0x40,        # E2AP-PDU CHOICE: ext bit 0, index 2 (unsuccessfulOutcome) in 2 bits '10', padding
    0x09,        # procedureCode 9 (id-RICsubscriptionDelete), INTEGER (0..255): one aligned octet
    0x00,        # criticality reject: index 0 in 2 bits, padding
    0x18,        # open type length: 24 octets follow
    0x00,        # RICsubscriptionDeleteFailure SEQUENCE: ext bit 0, padding
    0x00, 0x03,  # ProtocolIE-Container SIZE (0..65535): 3 IEs, two aligned octets
    0x00, 0x1D, 0x00, 0x05,              # id 29 (RICrequestID), reject, open type length 5:
    0x00, 0x00, 0x01, 0x00, 0x02,        #   ext bit 0 + padding, ricRequestorID 1, ricInstanceID 2
    0x00, 0x05, 0x00, 0x02, 0x00, 0x02,  # id 5 (RANfunctionID), reject, length 2, 2 in INTEGER (0..4095)
    0x00, 0x01, 0x40, 0x02,              # id 1 (Cause), ignore (index 1: '01' + padding), length 2
])
# The Cause, two octets either way:
#   bit 0     0        Cause CHOICE ext bit
#   bits 1-3  000      ricRequest, index 0 of 6 root alternatives (3 bits)
#   bit 4     1        CauseRICrequest ext bit: an extension addition
# X.691 11.6 (normally small number): bit 5 '0', bits 6-11 '000001', padding 0000
STANDARD_CAUSE = bytes([0b00001000, 0b00010000])
# asn1c's skeleton as the issue reports it: addition 1 in the root's width, 4 bits '0001' (bits 5-8),
# padding 0000000. Read the standard way: bit 5 '0', bits 6-11 '001000' = addition 8, which
# CauseRICrequest does not define; the rest is open-type padding, so nothing fails.
ASN1C_CAUSE = bytes([0b00001000, 0b10000000])


def test_asn1c_enumerated_width_inside_an_open_type_is_named(codec):
    cause = ("ricRequest", "ric-subscription-end-time-invalid")
    notes: list = []
    value = codec.decode(HEAD + STANDARD_CAUSE, notes=notes)
    assert value[1]["value"][1]["protocolIEs"][2]["value"] == ("Cause", cause)
    assert notes == []
    assert codec.encode(value) == HEAD + STANDARD_CAUSE          # the hand derivation is ours too

    notes = []
    value = codec.decode(HEAD + ASN1C_CAUSE, notes=notes)
    assert value[1]["value"][1]["protocolIEs"][2]["value"] == ("Cause", ("ricRequest", "<extension 8>"))
    assert [(n.kind, n.path, n.text) for n in notes] == [(
        "unknown-value",
        "E2AP-PDU.unsuccessfulOutcome.value.<RICsubscriptionDeleteFailure>.protocolIEs[2].value.<Cause>.ricRequest",
        "ENUMERATED extension value extension 8 is not defined in e2ap v03.01; kept as '<extension 8>'; "
        "decodes as asn1c's stock APER skeleton (ENUMERATED extension value in the root's width)")]


def test_an_unknown_value_the_skeleton_does_not_explain_is_only_noted(codec):
    # Addition 63 the standard way: bits 0-4 as above, bit 5 '0', bits 6-11 '111111', padding.
    # The skeleton's reading, 4 bits from bit 5, is '0111' = addition 7: not defined either.
    notes: list = []
    codec.decode(HEAD + bytes([0b00001011, 0b11110000]), notes=notes)
    assert [n.text for n in notes] == [
        "ENUMERATED extension value extension 63 is not defined in e2ap v03.01; kept as '<extension 63>'"]


def _flexric_capture(path: Path, codec, message: bytes) -> None:
    """An E2 node's E2 Setup, the RIC's response and one RIC Indication, as pcapng."""
    setup = codec.encode(m.e2_setup_request())
    response = codec.encode(m.e2_setup_response())
    indication = codec.encode(m.ric_indication(message=message))
    with PcapngWriter(path, comment="FlexRIC-dialect KPM indication (test)") as writer:
        flow = writer.association(local=("10.0.0.1", 36421), remote=("10.0.0.2", 38472), time=1.0,
                                  initiator="remote")
        flow.packet(setup, direction="received", time=1.1)
        flow.packet(response, direction="sent", time=1.2)
        flow.packet(indication, direction="received", time=1.3)


def test_analyze_names_the_flexric_dialect_and_still_fails(codec, flexric_kpm, tmp_path):
    obj = flexric_kpm.E2SM_KPM_IndicationMessage
    obj.set_val({"indicationMessage-formats": ("indicationMessage-Format3", FORMAT3)})
    capture = tmp_path / "flexric.pcapng"
    _flexric_capture(capture, codec, obj.to_aper())
    run = subprocess.run([sys.executable, "-m", "harness.cli.main", "analyze", str(capture),
                          "--dut", str(ROOT / "fixtures" / "profiles" / "dut-sim-e2-node.yaml")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 1, run.stdout + run.stderr
    assert ("decodes as FlexRIC's E2SM-KPM (extension marker moved to the end in "
            "E2SM-KPM-IndicationMessage.indicationMessage-formats), not as the declared E2SM-KPM v03.00"
            ) in run.stdout, run.stdout


def test_garbage_says_no_dialect_fits(codec):
    with pytest.raises(DecodeError) as info:
        codec.decode(b"\xff\xff\xff", "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm")
    assert "no known dialect fits (tried E2SM-KPM v02.03, FlexRIC's E2SM-KPM, asn1c's stock APER skeleton (enum)" \
        in str(info.value)


def test_standard_payload_runs_no_diagnosis(codec):
    before = dialects.RUNS[0]
    data = codec.encode(m.ric_indication())
    codec.decode(data, strict=True)
    assert dialects.RUNS[0] == before


def test_marker_edit_needs_the_type():
    with pytest.raises(Exception, match="dialect x: no type Nope in the standard module"):
        dialects.apply_edit("A ::= SEQUENCE { a INTEGER, ... }", dialects.MarkerEdit("Nope"), "x")


def test_marker_edit_moves_the_marker():
    text, moved, kind = dialects.apply_edit("T ::= CHOICE {\n a INTEGER, -- x, y\n ...,\n b BOOLEAN\n}\n",
                                            dialects.MarkerEdit("T"), "x")
    assert (moved, kind) == (("b",), "CHOICE")
    assert text == "T ::= CHOICE {\n    a INTEGER,\n    b BOOLEAN,\n    ...\n}\n"
