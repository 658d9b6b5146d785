"""Dialect diagnosis: bytes made outside our encoder are named by the dialect they are in.

FlexRIC's bytes come from pycrate compiling the dialect module text (our standard module
with the extension markers moved by harness.codec.dialects); the asn1c skeleton's bytes
are built bit by bit here, around an inner value pycrate encodes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.codec import dialects
from harness.codec.catalog import ASN1_ROOT
from harness.codec.errors import DecodeError
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
