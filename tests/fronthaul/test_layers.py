"""Golden bytes for the scapy layers, both directions, and the EtherType binding."""

from __future__ import annotations

from scapy.layers.l2 import Dot1Q, Ether

from harness.interfaces.cuplane import fields as F
from harness.interfaces.cuplane.layers import (CPlane, CPlaneSection1, CPlaneSection3, ECPRI, IQData, RTCData,
                                      SectionExtension, UPlaneFormat, uplane_class)


def _hexdiff(got: bytes, want: str) -> str:
    return f"\n got  {got.hex()}\n want {want}"


def test_cplane_type1_golden_bytes():
    pkt = ECPRI() / RTCData(rtc_id=0x1234, seq_id=7) / CPlane(
        dataDirection=1, frameId=3, subframeId=2, slotId=1, startSymbolId=0, sectionType=1, udIqWidth=9,
        udCompMeth=1, sections=[CPlaneSection1(sectionId=1, startPrbc=0, numPrbc=50, ef=1, beamId=3,
                                               extensions=[SectionExtension(extType=6, contents=b"\x01\x02")])])
    # eCPRI: revision 1, type 2, payload 24 | RTC_ID 0x1234, seq 7, E=1 | C-plane header | section | ext
    want = ("10020018" "1234" "0780" "90032040" "01" "01" "91" "00"
            "001000" "32" "fffe" "8003" "0601" "0102")
    got = bytes(pkt)
    assert got.hex() == want, _hexdiff(got, want)
    back = ECPRI(got)
    assert back[CPlane].sections[0].extensions[0].extLen == 1
    assert back[CPlane].sections[0].extensions[0].contents == b"\x01\x02"


def test_cplane_type3_signed_frequency_offset_round_trip():
    pkt = CPlane(sectionType=3, timeOffset=1500, fftSize=12, mu=1, cpLength=288, udIqWidth=9, udCompMeth=1,
                 sections=[CPlaneSection3(sectionId=7, startPrbc=20, numPrbc=12, frequencyOffset=-1638)])
    raw = bytes(pkt)
    assert len(raw) == F.CPLANE_COMMON.size + F.CPLANE_T3_HDR.size + F.CPLANE_UDCOMPHDR.size + 12
    assert raw[-4:-1] == (-1638 & 0xFFFFFF).to_bytes(3, "big")
    assert CPlane(raw).sections[0].frequencyOffset == -1638


def test_uplane_sections_with_and_without_comp_hdr():
    for fmt, head in ((UPlaneFormat(comp_hdr=False, iq_width=9), 4), (UPlaneFormat(comp_hdr=True), 6)):
        cls = uplane_class(fmt)
        sec = dict(udIqWidth=9, udCompMeth=1) if fmt.comp_hdr else {}
        pkt = cls(sections=[cls.section_class(sectionId=1, numPrbu=2, iq=bytes(56), **sec),
                            cls.section_class(sectionId=2, startPrbu=2, numPrbu=1, iq=bytes(28), **sec)])
        raw = bytes(pkt)
        assert len(raw) == 4 + 2 * head + 3 * 28
        back = cls(raw)
        assert [s.sectionId for s in back.sections] == [1, 2]
        assert [s.numPrbu for s in back.sections] == [2, 1]


def test_bound_to_ethertype_aefe_also_under_vlan():
    frame = bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / Dot1Q(vlan=10) / ECPRI()
                  / IQData(pc_id=0x0100, seq_id=5) / uplane_class(UPlaneFormat())())
    assert frame[16:18] == b"\xae\xfe"
    back = Ether(frame)
    assert back[IQData].pc_id == 0x0100 and back[IQData].seq_id == 5
    assert back[ECPRI].payload_size == 8


def test_payload_size_left_alone_when_given():
    raw = bytes(ECPRI(payload_size=99) / RTCData())
    assert raw[2:4] == (99).to_bytes(2, "big")
