"""Our decoding of a fronthaul capture against tshark's ``ecpri`` and ``oran_fh_cus`` dissectors.

Theory of operation: tshark runs once over the file with ``-T fields`` (every
occurrence of each field, in dissection order) and its output is read line by line
alongside our own reading of the same frames, so memory stays flat.  For each frame
the values we decoded are laid out in tshark's order (section fields per section;
the ef flags of a section and of its extensions interleaved, as tshark lists them)
and compared as numbers.  Every difference is a `Disagreement` naming the packet.

tshark needs to be told what the M-plane would have configured; the preferences
come from the lab profile (`tshark_options`): eAxC part widths, U-plane IQ widths
per direction and whether U-plane sections carry udCompHdr.  Debian's tshark 4.0.17
sizes downlink IQ samples from ``iq_bitwidth_down`` even when udCompHdr is present,
so that width is always passed.  Only the first eCPRI message of a frame is compared.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.capture import files
from harness.core.errors import LabError
from harness.interfaces.cuplane.fastparse import ecpri_offset, parse_frame
from harness.interfaces.cuplane.profile import FronthaulProfile

MAX_DISAGREEMENTS = 1000

# tshark field -> how we name it
FIELDS = (
    "frame.number", "ecpri.revision", "ecpri.reserved", "ecpri.cbit", "ecpri.type", "ecpri.size",
    "oran_fh_cus.du_port_id", "oran_fh_cus.bandsector_id", "oran_fh_cus.cc_id", "oran_fh_cus.ru_port_id",
    "oran_fh_cus.sequence_id", "oran_fh_cus.e_bit", "oran_fh_cus.subsequence_id",
    "oran_fh_cus.data_direction", "oran_fh_cus.payloadVersion", "oran_fh_cus.filterIndex",
    "oran_fh_cus.frameId", "oran_fh_cus.subframe_id", "oran_fh_cus.slotId", "oran_fh_cus.startSymbolId",
    "oran_fh_cus.numberOfSections", "oran_fh_cus.sectionType", "oran_fh_cus.timeOffset",
    "oran_fh_cus.frameStructure.fft", "oran_fh_cus.frameStructure.spacing", "oran_fh_cus.cpLength",
    "oran_fh_cus.udCompHdrWidth", "oran_fh_cus.udCompHdrMeth", "oran_fh_cus.sectionId", "oran_fh_cus.rb",
    "oran_fh_cus.symInc", "oran_fh_cus.startPrbc", "oran_fh_cus.numPrbc", "oran_fh_cus.reMask",
    "oran_fh_cus.numSymbol", "oran_fh_cus.ef", "oran_fh_cus.beamId", "oran_fh_cus.freqOffset",
    "oran_fh_cus.extType", "oran_fh_cus.extLen", "oran_fh_cus.startPrbu", "oran_fh_cus.numPrbu",
)


class TsharkMissing(LabError):
    """tshark is not installed (or not runnable)."""


@dataclass(frozen=True)
class Disagreement:
    packet: int
    field: str
    ours: list
    tshark: list


@dataclass(frozen=True)
class CrosscheckResult:
    messages: int
    fields: int                 # field values compared
    disagreements: tuple
    options: tuple              # the tshark -o options used


def tshark_options(profile: FronthaulProfile) -> tuple:
    """tshark ``-o`` preferences standing in for the M-plane configuration of the profile."""
    s, ul, dl = profile.split, profile.uplane, profile.uplane_dl
    prefs = {
        "oran_fh_cus.oran.du_port_id_bits": s.du_port, "oran_fh_cus.oran.bandsector_id_bits": s.band_sector,
        "oran_fh_cus.oran.cc_id_bits": s.cc, "oran_fh_cus.oran.ru_port_id_bits": s.ru_port,
        "oran_fh_cus.oran.iq_bitwidth_up": ul.iq_width, "oran_fh_cus.oran.iq_bitwidth_down": dl.iq_width,
        "oran_fh_cus.oran.ud_comp_hdr_up": "TRUE" if ul.comp_hdr else "FALSE",
        "oran_fh_cus.oran.ud_comp_hdr_down": "TRUE" if dl.comp_hdr else "FALSE",
    }
    out: list = []
    for k, v in prefs.items():
        out += ["-o", f"{k}:{v}"]
    return tuple(out)


def ours_by_field(msg, profile: FronthaulProfile) -> dict:
    """Our decoded values of one message, keyed and ordered as tshark lists them."""
    out: dict = {"ecpri.revision": [msg.revision], "ecpri.reserved": [msg.reserved], "ecpri.cbit": [msg.c_bit],
                 "ecpri.type": [msg.message_type], "ecpri.size": [msg.payload_size]}
    if msg.eaxc is None:
        return out
    du, bs, cc, ru = profile.split.split(msg.eaxc)
    out.update({"oran_fh_cus.du_port_id": [du], "oran_fh_cus.bandsector_id": [bs], "oran_fh_cus.cc_id": [cc],
                "oran_fh_cus.ru_port_id": [ru], "oran_fh_cus.sequence_id": [msg.seq_id],
                "oran_fh_cus.e_bit": [msg.e_bit], "oran_fh_cus.subsequence_id": [msg.subseq_id]})
    if msg.radio is None:
        return out
    r = msg.radio
    for name, value in zip(("data_direction", "payloadVersion", "filterIndex", "frameId", "subframe_id", "slotId",
                            "startSymbolId"), r[:7], strict=False):
        out[f"oran_fh_cus.{name}"] = [value]
    sec_fields: dict[str, list] = {}
    if msg.message_type == 2:
        stype = r[8]
        out["oran_fh_cus.numberOfSections"] = [r[7]]
        out["oran_fh_cus.sectionType"] = [stype]
        if stype == 1:
            out["oran_fh_cus.udCompHdrWidth"], out["oran_fh_cus.udCompHdrMeth"] = [r[9]], [r[10]]
        elif stype == 3:
            for name, value in zip(("timeOffset", "frameStructure.fft", "frameStructure.spacing", "cpLength",
                                    "udCompHdrWidth", "udCompHdrMeth"), r[9:15], strict=False):
                out[f"oran_fh_cus.{name}"] = [value]
        names = ("sectionId", "rb", "symInc", "startPrbc", "numPrbc", "reMask", "numSymbol", "ef", "beamId")
        for i, sec in enumerate(msg.sections):
            for name, value in zip(names, sec, strict=False):
                sec_fields.setdefault(name, []).append(value)
            if stype == 3:
                sec_fields.setdefault("freqOffset", []).append(sec[9] & 0xFFFFFF)
            for j, etype, elen, ef in msg.extensions:
                if j == i:
                    sec_fields["ef"].append(ef)
                    sec_fields.setdefault("extType", []).append(etype)
                    sec_fields.setdefault("extLen", []).append(elen)
    else:
        fmt = profile.uplane_dl if r[0] else profile.uplane
        out["oran_fh_cus.numberOfSections"] = [len(msg.sections)]     # tshark counts U-plane sections
        for sec in msg.sections:
            for name, value in zip(("sectionId", "rb", "symInc", "startPrbu", "numPrbu"), sec, strict=False):
                sec_fields.setdefault(name, []).append(value)
            if fmt.comp_hdr:
                sec_fields.setdefault("udCompHdrWidth", []).append(sec[5])
                sec_fields.setdefault("udCompHdrMeth", []).append(sec[6])
    for name, values in sec_fields.items():
        out[f"oran_fh_cus.{name}"] = values
    return out


def _numbers(text: str) -> list:
    if not text:
        return []
    out: list[int | str] = []
    for part in text.split("|"):
        try:
            out.append(int(part, 0))
        except ValueError:
            out.append(part)
    return out


def crosscheck(path: str | Path, profile: FronthaulProfile, tshark: str | None = None) -> CrosscheckResult:
    """Compare every eCPRI frame of *path* as we and tshark decode it.

    Raises:
        TsharkMissing: no tshark.
        CaptureError: the file is not a capture.
    """
    exe = tshark or shutil.which("tshark")
    if not exe:
        raise TsharkMissing("tshark is not installed (Debian package tshark); the crosscheck needs it")
    options = tshark_options(profile)
    cmd = [exe, "-n", "-r", str(path), *options, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|",
           "-E", "separator=;"]
    for name in FIELDS:
        cmd += ["-e", name]
    config = profile.parse_config()
    disagreements: list = []
    messages = compared = 0
    issues: list = []
    with open(path, "rb") as f:
        ours = files.frames(f, str(path), issues)        # raises CaptureError before tshark starts
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            for line in proc.stdout or ():         # a pipe: never None
                cols = line.rstrip("\n").split(";")
                if len(cols) != len(FIELDS) or not cols[0].isdigit():
                    continue
                number = int(cols[0])
                found = next((record for record in ours if record[0] == number), None)
                if found is None:
                    break
                _number, linktype, _t, frame, _cut = found
                off, vlans = ecpri_offset(linktype, frame)
                if off < 0:
                    continue
                msg = parse_frame(frame, off, vlans, config)[0]
                messages += 1
                theirs = {name: _numbers(value) for name, value in zip(FIELDS[1:], cols[1:], strict=True)}
                mine = ours_by_field(msg, profile)
                for name in FIELDS[1:]:
                    a, b = mine.get(name, []), theirs[name]
                    compared += len(a)
                    if a != b and len(disagreements) < MAX_DISAGREEMENTS:
                        disagreements.append(Disagreement(number, name, a, b))
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
            proc.wait(timeout=30)
    return CrosscheckResult(messages, compared, tuple(disagreements), options)
