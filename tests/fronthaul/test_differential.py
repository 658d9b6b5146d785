"""The fast parser and the scapy layers read every field of every generated frame alike.

Both are made from the same declared layouts (harness/interfaces/cuplane/fields.py); this shows
the generated unpackers agree with scapy's own bit fields, for C-plane types 1 and 3
(with extensions), U-plane with and without udCompHdr, VLAN and untagged frames, and
for the frames damaged by each fault that still reads.
"""

from __future__ import annotations

import pytest
from scapy.layers.l2 import Ether

from harness.interfaces.cuplane.fastparse import as_fields, ecpri_offset, parse_frame
from harness.interfaces.cuplane.generate import FAULTS, GenerateOptions, generate_frames
from harness.interfaces.cuplane.layers import CPlane, ECPRI, IQData, RTCData, uplane_class


def scapy_fields(frame: bytes, profile) -> dict:
    pkt = Ether(frame)
    e = pkt[ECPRI]
    out = {"revision": e.revision, "reserved": e.reserved, "c_bit": e.c_bit, "message_type": e.message_type,
           "payload_size": e.payload_size}
    if IQData in pkt:
        iq = pkt[IQData]
        out.update(pc_id=iq.pc_id, seq_id=iq.seq_id, e_bit=iq.e_bit, subseq_id=iq.subseq_id)
        direction = bytes(iq.payload)[0] >> 7
        fmt = profile.uplane_dl if direction else profile.uplane
        up = uplane_class(fmt)(bytes(iq.payload))
        names = [f.name for f in up.fields_desc if f.name != "sections"]
        out.update({n: getattr(up, n) for n in names})
        snames = [f.name for f in up.section_class.fields_desc if f.name != "iq"]
        out["sections"] = [{n: getattr(s, n) for n in snames} for s in up.sections]
    elif RTCData in pkt:
        rtc = pkt[RTCData]
        out.update(rtc_id=rtc.rtc_id, seq_id=rtc.seq_id, e_bit=rtc.e_bit, subseq_id=rtc.subseq_id)
        c = pkt[CPlane]
        for f in c.fields_desc:
            if f.name != "sections" and c.getfieldval(f.name) is not None and (
                    not hasattr(f, "cond") or f.cond(c)):
                out[f.name] = c.getfieldval(f.name)
        out["sections"] = []
        for s in c.sections:
            row = {f.name: s.getfieldval(f.name) for f in s.fields_desc if f.name != "extensions"}
            if s.extensions:
                row["extensions"] = [{"ef": x.ef, "extType": x.extType, "extLen": x.extLen} for x in s.extensions]
            out["sections"].append(row)
    return out


@pytest.mark.parametrize("fault", [None, "bad-revision", "bad-reserved", "unknown-eaxc", "unknown-extension",
                                   "prb-overflow", "bad-payload-version", "gap"])
@pytest.mark.parametrize("vlan", [10, None])
def test_fast_parser_agrees_with_scapy(profile, fault, vlan):
    config = profile.parse_config()
    compared = 0
    for _t, frame in generate_frames(profile, GenerateOptions(packets=400, fault=fault, vlan=vlan)):
        off, vlans = ecpri_offset(1, frame)
        fast = as_fields(parse_frame(frame, off, vlans, config)[0], config)
        assert "error" not in fast
        assert fast == scapy_fields(frame, profile), f"frame {compared + 1} differs"
        compared += 1
    assert compared >= 399
    assert set(FAULTS) >= {f for f in [fault] if f}


def test_differential_can_fail(profile):
    """A frame read with the wrong U-plane format must differ: the comparison has teeth."""
    from dataclasses import replace
    frame = next(f for _t, f in generate_frames(profile, GenerateOptions(packets=20))
                 if f[18 + 1] == 0 and f[18 + 8] & 0x80)          # a downlink U-plane frame
    wrong = replace(profile.parse_config(), uplane_dl=profile.uplane)     # udCompHdr taken as absent
    off, vlans = ecpri_offset(1, frame)
    assert as_fields(parse_frame(frame, off, vlans, wrong)[0], wrong) != scapy_fields(frame, profile)
