"""Synthetic Open Fronthaul captures (C-plane types 1 and 3, U-plane), with fault injection.

Theory of operation: traffic follows slots of 14 symbols at the carrier's numerology.
Per slot and eAxC there is a downlink and an uplink C-plane message (section type 1,
two sections; the first carries a section extension type 6), on the first eAxC a
type 3 (PRACH) message, then per symbol a downlink and an uplink U-plane message
(two sections; downlink sections carry udCompHdr, as the lab profile configures).

Every distinct message is built once with the scapy layers (`harness.interfaces.cuplane.layers`)
and cached as bytes; each frame is then that template with its sequence id and
timing fields written in at their declared positions, so 200k packets take seconds,
not minutes.  Frames are padded to the 60-octet Ethernet minimum.

A fault, when asked for, is injected once, in the middle of the stream; `FAULTS`
says what each one does and which check must catch it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw

from harness.interfaces.cuplane import fields as F
from harness.interfaces.cuplane.layers import (
    ECPRI,
    CPlane,
    CPlaneSection1,
    CPlaneSection3,
    IQData,
    RTCData,
    SectionExtension,
    prb_octets,
    uplane_class,
)
from harness.interfaces.cuplane.profile import FronthaulProfile

# fault -> (what it does, the check that must catch it)
FAULTS: dict[str, tuple[str, str]] = {
    "gap": ("one uplink U-plane message of the first eAxC is left out", "seq-continuity"),
    "bad-revision": ("one message has eCPRI revision 2", "ecpri-revision"),
    "bad-reserved": ("one message has eCPRI reserved bits 0b101", "ecpri-reserved"),
    "bad-size": ("one message's payload size is 8 octets too large", "payload-size"),
    "bad-message-type": ("one message is of eCPRI type 5 (one-way delay measurement)", "message-type"),
    "unknown-eaxc": ("one extra U-plane message uses an eAxC id not in the profile", "eaxc-id"),
    "truncated": ("one U-plane frame is cut inside its IQ data", "frame-decode"),
    "bad-section-type": ("one C-plane message is of section type 5", "section-type"),
    "unknown-extension": ("one C-plane section carries extension type 99", "section-extension"),
    "prb-overflow": ("one C-plane section ends past the carrier's last PRB", "prb-range"),
    "bad-payload-version": ("one U-plane message has payloadVersion 2", "payload-version"),
}

DU_MAC, RU_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"
MIN_FRAME = 60                       # octets without FCS
UPLANE_PRBS = ((0, 4), (4, 4))       # (startPrbu, numPrbu) of the two U-plane sections


@dataclass(frozen=True)
class GenerateOptions:
    packets: int = 1000
    fault: str | None = None
    vlan: int | None = 10
    start_time: float = 1_700_000_000.0


def _offset(layout: F.Layout, name: str) -> tuple[int, int]:
    """(bit offset, width) of *name* in *layout*."""
    pos = 0
    for field, bits in layout.fields:
        if field == name:
            return pos, bits
        pos += bits
    raise KeyError(name)


class _Patcher:
    """Writes sequence ids and timing fields into a template at their declared positions."""

    def __init__(self, ecpri_at: int) -> None:
        self.seq_at = ecpri_at + F.ECPRI_COMMON.size + _offset(F.ECPRI_IQ, "seq_id")[0] // 8
        self.radio_at = ecpri_at + F.ECPRI_COMMON.size + F.ECPRI_IQ.size

    def patch(self, buf: bytearray, seq: int, frame_id: int, subframe: int, slot: int, symbol: int) -> None:
        buf[self.seq_at] = seq
        r = self.radio_at
        buf[r + 1] = frame_id
        low = (subframe << 12) | (slot << 6) | symbol
        buf[r + 2] = low >> 8
        buf[r + 3] = low & 0xFF


def _link(vlan: int | None):
    eth = Ether(src=DU_MAC, dst=RU_MAC)
    return eth / Dot1Q(vlan=vlan) if vlan is not None else eth


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (MIN_FRAME - len(data)) if len(data) < MIN_FRAME else data


class _Templates:
    """Every distinct message, built once with scapy, as bytes."""

    def __init__(self, profile: FronthaulProfile, vlan: int | None) -> None:
        self.profile = profile
        self.vlan = vlan
        self.cache: dict = {}
        self.ecpri_at = 14 + (4 if vlan is not None else 0)

    def get(self, key: tuple) -> bytes:
        if key not in self.cache:
            self.cache[key] = _pad(bytes(self._build(*key)))
        return self.cache[key]

    def _build(self, kind: str, eaxc: int, direction: int, variant: str = ""):
        link = _link(self.vlan)
        if kind == "c1":
            ext = SectionExtension(extType=99 if variant == "unknown-extension" else 6,
                                   contents=b"\x00\x00\x0f\xff\x3f\xff")
            cc = (eaxc >> self.profile.split.ru_port) & ((1 << self.profile.split.cc) - 1)
            carrier = self.profile.carrier(cc)
            prbs = carrier.prbs if carrier else 273
            second = (8, prbs - 8 + (5 if variant == "prb-overflow" else 0))
            if second[1] > 255:          # numPrbc is 8 bits; wider spans use the last PRBs
                second = (prbs - 200 + (5 if variant == "prb-overflow" else 0), 200)
            sections = [CPlaneSection1(sectionId=1, startPrbc=0, numPrbc=8, ef=1, beamId=1, extensions=[ext]),
                        CPlaneSection1(sectionId=2, startPrbc=second[0], numPrbc=second[1], beamId=2)]
            return link / ECPRI() / RTCData(rtc_id=eaxc) / CPlane(
                dataDirection=direction, sectionType=5 if variant == "bad-section-type" else 1,
                udIqWidth=9, udCompMeth=1, sections=sections)
        if kind == "c3":
            return link / ECPRI() / RTCData(rtc_id=eaxc) / CPlane(
                dataDirection=0, sectionType=3, timeOffset=1500, fftSize=12, mu=1, cpLength=288,
                udIqWidth=9, udCompMeth=1,
                sections=[CPlaneSection3(sectionId=7, startPrbc=20, numPrbc=12, numSymbol=12,
                                         frequencyOffset=-1638)])
        if kind == "u":
            fmt = self.profile.uplane_dl if direction else self.profile.uplane
            cls = uplane_class(fmt)
            octets = prb_octets(fmt.iq_width, fmt.comp_meth) if not fmt.comp_hdr else prb_octets(9, 1)
            if octets is None:
                raise ValueError(f"cannot size PRBs compressed with udCompMeth {fmt.comp_meth}")
            secs = []
            for i, (start, num) in enumerate(UPLANE_PRBS):
                extra: dict[str, Any] = {"udIqWidth": 9, "udCompMeth": 1} if fmt.comp_hdr else {}
                iq = bytes((j * 7 + i) & 0xFF for j in range(octets * num))
                secs.append(cls.section_class(sectionId=i + 1, startPrbu=start, numPrbu=num, iq=iq, **extra))
            pv = 2 if variant == "bad-payload-version" else 1
            return link / ECPRI() / IQData(pc_id=eaxc) / cls(dataDirection=direction, payloadVersion=pv,
                                                             sections=secs)
        if kind == "type5":
            return link / ECPRI(message_type=5) / Raw(bytes(20))
        raise ValueError(kind)


def generate_frames(profile: FronthaulProfile, options: GenerateOptions) -> Iterator[tuple[float, bytes]]:
    """Yield (time, frame) pairs: ``options.packets`` messages (the one a 'gap' drops included;
    'unknown-eaxc' adds one).

    Raises:
        ValueError: an unknown fault.
    """
    if options.fault is not None and options.fault not in FAULTS:
        raise ValueError(f"unknown fault '{options.fault}' (known: {', '.join(FAULTS)})")
    t = _Templates(profile, options.vlan)
    patcher = _Patcher(t.ecpri_at)
    eaxcs = profile.eaxc_ids
    seqs: dict = {}
    symbol_time = 1e-3 / 28          # 30 kHz: 28 symbols per ms
    fault = options.fault
    pending = fault is not None      # injected at the first fitting message from the middle on
    fault_from = options.packets // 2
    bad_eaxc = next(v for v in range(1, 0x10000) if v not in eaxcs)
    a = t.ecpri_at
    n = 0
    frame_id = subframe = slot = 0
    now = options.start_time
    while True:
        for key, plane, eaxc, direction, symbol in _slot_plan(eaxcs):
            if n >= options.packets:
                return
            kind = key[0]
            hit = pending and fault is not None and n >= fault_from and _fits(fault, kind, direction, eaxc == eaxcs[0])
            when = now + symbol * symbol_time
            n += 1
            if hit and fault == "bad-message-type":
                pending = False
                yield when, t.get(("type5", 0, 0, ""))
                continue
            skey = (plane, eaxc, direction)
            seq = seqs.get(skey, 0)
            seqs[skey] = (seq + 1) & 0xFF
            variant = fault if hit and fault in _VARIANTS else ""
            buf = bytearray(t.get(key + (variant,)))
            patcher.patch(buf, seq, frame_id, subframe, slot, symbol)
            if hit:
                pending = False
                if fault == "gap":
                    continue                            # dropped: its sequence id is never seen
                if fault == "bad-revision":
                    buf[a] = (2 << 4) | (buf[a] & 0x0F)
                elif fault == "bad-reserved":
                    buf[a] = (buf[a] & 0xF1) | (0b101 << 1)
                elif fault == "bad-size":
                    size = int.from_bytes(buf[a + 2:a + 4], "big") + 8
                    buf[a + 2:a + 4] = size.to_bytes(2, "big")
                elif fault == "unknown-eaxc":          # an extra message, so no real flow has a gap
                    extra = bytearray(buf)
                    extra[a + 4:a + 6] = bad_eaxc.to_bytes(2, "big")
                    yield when, bytes(extra)
                elif fault == "truncated":
                    buf = buf[:len(buf) - 40]
            yield when, bytes(buf)
        now += 14 * symbol_time
        slot += 1
        if slot == 2:
            slot, subframe = 0, subframe + 1
            if subframe == 10:
                subframe, frame_id = 0, (frame_id + 1) & 0xFF


_VARIANTS = ("bad-section-type", "unknown-extension", "prb-overflow", "bad-payload-version")


def _fits(fault: str, kind: str, direction: int, first_eaxc: bool) -> bool:
    """Whether the fault is injected into a message of this kind."""
    if fault in ("bad-section-type", "unknown-extension", "prb-overflow"):
        return kind == "c1"
    if fault == "gap":
        return kind == "u" and direction == 0 and first_eaxc
    if fault in ("unknown-eaxc", "truncated", "bad-payload-version"):
        return kind == "u"
    return True


def _slot_plan(eaxcs: tuple) -> list:
    """The messages of one slot: (template key, plane, eAxC, direction, symbol)."""
    plan = []
    for eaxc in eaxcs:
        for direction in (1, 0):
            plan.append((("c1", eaxc, direction), 2, eaxc, direction, 0))
    plan.append((("c3", eaxcs[0], 0), 2, eaxcs[0], 0, 0))
    for symbol in range(14):
        for eaxc in eaxcs:
            for direction in (1, 0):
                plan.append((("u", eaxc, direction), 0, eaxc, direction, symbol))
    return plan


def write_pcap(out: BinaryIO, frames: Iterator[tuple[float, bytes]]) -> int:
    """Write classic pcap (microseconds, Ethernet); returns the number of records."""
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    rec = struct.Struct("<IIII")
    count = 0
    for when, frame in frames:
        sec = int(when)
        out.write(rec.pack(sec, int(round((when - sec) * 1e6)), len(frame), len(frame)))
        out.write(frame)
        count += 1
    return count


def generate_file(path: str | Path, profile: FronthaulProfile, options: GenerateOptions) -> int:
    """Write a generated capture to *path*; returns the number of packets written."""
    with open(path, "wb") as f:
        return write_pcap(f, generate_frames(profile, options))
