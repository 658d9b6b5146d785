"""Write fixtures/captures/corpus/: E2 captures made outside the project's codec (issue 14 item 4).

    .venv/bin/python tools/make_corpus.py [OUT_DIR]

Why: a harness judged only on traffic its own encoder shaped can agree with itself and
still be wrong.  Here every E2AP PDU is encoded by pycrate (pycrate_asn1dir.E2AP, compiled
by pycrate's authors) and every E2SM payload by pycrate_asn1c from the ASN.1 text in
harness/codec/asn1/ (text only: read as files, never imported).  Ethernet, IPv4, SCTP
(with its CRC32c) and the classic pcap file format are written with struct below.  Nothing
from ``harness`` is imported.  Output is deterministic: the same bytes on every run.

Each capture is one correct session, or the same session with one defect, together with
its expected verdicts; the packet numbers in manifest.yaml are taken from the frames as
they are written, so they cannot drift from the files.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pycrate_asn1c.asnproc import PycrateGenerator, compile_text, generate_modules
from pycrate_asn1c.glob import GLOBAL
from pycrate_asn1dir import E2AP

ROOT = Path(__file__).resolve().parents[1]
ASN1 = ROOT / "harness" / "codec" / "asn1"          # ASN.1 source text only
OUT = ROOT / "fixtures" / "captures" / "corpus"
NODE_PROFILE = "fixtures/profiles/dut-sim-e2-node.yaml"
RIC_PROFILE = "fixtures/profiles/dut-sim-near-rt-ric.yaml"
T0 = 1718200000.0                                    # 2024-06-12T13:46:40Z
NTP_OFFSET = 2208988800                              # seconds from 1900-01-01 to 1970-01-01
KPM_OID = "1.3.6.1.4.1.53148.1.3.2.2"                # E2SM-KPM v03.00
KPM_V2_OID = "1.3.6.1.4.1.53148.1.2.2.2"             # E2SM-KPM v02.x
RC_OID = "1.3.6.1.4.1.53148.1.1.2.3"                 # E2SM-RC v01.03

# Values chosen to differ from the harness's own stimulus (TransactionID 17, request 1001/1,
# action 1, 100 ms period, 3 measurements, 2 indications).
TID = 5
REQ = {"ricRequestorID": 4242, "ricInstanceID": 7}
ACTION = 5
PERIOD_MS = 250
MEASUREMENTS = ["DRB.UEThpDl", "DRB.UEThpUl", "RRU.PrbUsedDl", "RRU.PrbUsedUl"]
N_INDICATIONS = 4
KPM_FN, RC_FN = 2, 3


# --------------------------------------------------------------------------
# ASN.1: pycrate only
# --------------------------------------------------------------------------

class Codecs:
    """pycrate objects: the E2AP PDU (pycrate_asn1dir) and E2SM types compiled from our text."""

    def __init__(self) -> None:
        self.e2ap = E2AP.E2AP_PDU_Descriptions.E2AP_PDU
        common = ASN1 / "e2sm-common" / "v03.00" / "E2SM-COMMON-IEs.asn"
        with tempfile.TemporaryDirectory() as tmp:
            self.kpm = _compile([common, ASN1 / "e2sm-kpm" / "v03.00" / "E2SM-KPM-IEs.asn"],
                                Path(tmp), "kpm3").E2SM_KPM_IEs
            self.kpm2 = _compile([common, ASN1 / "e2sm-kpm" / "v02.03" / "E2SM-KPM-IEs.asn"],
                                 Path(tmp), "kpm2").E2SM_KPM_IEs
            self.rc = _compile([common, ASN1 / "e2sm-rc" / "v01.03" / "E2SM-RC-IEs.asn"],
                               Path(tmp), "rc").E2SM_RC_IEs

    def pdu(self, value: Any) -> bytes:
        self.e2ap.set_val(value)
        return self.e2ap.to_aper()

    @staticmethod
    def enc(obj, value: Any) -> bytes:
        obj.set_val(value)
        return obj.to_aper()


def _compile(files: list[Path], out_dir: Path, name: str):
    """Compile ASN.1 text with pycrate_asn1c and import the generated module."""
    target = out_dir / f"{name}.py"
    GLOBAL.clear()
    compile_text([f.read_text() for f in files], filenames=[str(f) for f in files])
    generate_modules(PycrateGenerator, str(target))
    GLOBAL.clear()
    spec = importlib.util.spec_from_file_location(f"_corpus_{name}", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------
# E2SM payloads (pycrate value forms: BIT STRING (int, nbits), ENUMERATED str, CHOICE (alt, v))
# --------------------------------------------------------------------------

def kpm_function_definition(c: Codecs, oid: str = KPM_OID) -> bytes:
    meas = [{"measName": n, "measID": i + 1} for i, n in enumerate(MEASUREMENTS + ["RRC.ConnMean"])]
    return c.enc(c.kpm.E2SM_KPM_RANfunction_Description, {
        "ranFunction-Name": {"ranFunction-ShortName": "ORAN-E2SM-KPM", "ranFunction-E2SM-OID": oid,
                             "ranFunction-Description": "KPM Monitor", "ranFunction-Instance": 3},
        "ric-EventTriggerStyle-List": [{"ric-EventTriggerStyle-Type": 1,
                                        "ric-EventTriggerStyle-Name": "Periodic Report",
                                        "ric-EventTriggerFormat-Type": 1}],
        "ric-ReportStyle-List": [{"ric-ReportStyle-Type": 1, "ric-ReportStyle-Name": "E2 Node Measurement",
                                  "ric-ActionFormat-Type": 1, "measInfo-Action-List": meas,
                                  "ric-IndicationHeaderFormat-Type": 1,
                                  "ric-IndicationMessageFormat-Type": 1}]})


def rc_function_definition(c: Codecs) -> bytes:
    return c.enc(c.rc.E2SM_RC_RANFunctionDefinition, {
        "ranFunction-Name": {"ranFunction-ShortName": "ORAN-E2SM-RC", "ranFunction-E2SM-OID": RC_OID,
                             "ranFunction-Description": "RAN Control", "ranFunction-Instance": 4},
        "ranFunctionDefinition-Control": {"ric-ControlStyle-List": [{
            "ric-ControlStyle-Type": 2, "ric-ControlStyle-Name": "Radio Resource Allocation Control",
            "ric-ControlAction-List": [{"ric-ControlAction-ID": 6,
                                        "ric-ControlAction-Name": "Slice-level PRB quota",
                                        "ran-ControlActionParameters-List": [
                                            {"ranParameter-ID": 1, "ranParameter-name": "RRM Policy Ratio List"},
                                            {"ranParameter-ID": 11, "ranParameter-name": "Min PRB Policy Ratio"},
                                            {"ranParameter-ID": 12, "ranParameter-name": "Max PRB Policy Ratio"}]}],
            "ric-ControlHeaderFormat-Type": 1, "ric-ControlMessageFormat-Type": 1,
            "ric-CallProcessIDFormat-Type": 1, "ric-ControlOutcomeFormat-Type": 1}]}})


def kpm_event_trigger(c: Codecs) -> bytes:
    return c.enc(c.kpm.E2SM_KPM_EventTriggerDefinition,
                 {"eventDefinition-formats": ("eventDefinition-Format1", {"reportingPeriod": PERIOD_MS})})


def _meas_info() -> list:
    return [{"measType": ("measName", n), "labelInfoList": [{"measLabel": {"noLabel": "true"}}]}
            for n in MEASUREMENTS]


def kpm_action_definition(c: Codecs) -> bytes:
    return c.enc(c.kpm.E2SM_KPM_ActionDefinition, {
        "ric-Style-Type": 1,
        "actionDefinition-formats": ("actionDefinition-Format1", {
            "measInfoList": _meas_info(), "granulPeriod": PERIOD_MS,
            "cellGlobalID": ("nR-CGI", {"pLMNIdentity": b"\x02\xf8\x39", "nRCellIdentity": (0x5A0B1C001, 36)})})})


def kpm_header(c: Codecs, t: float, *, v02: bool = False) -> bytes:
    """KPM indication header, format 1: v03 has an 8-octet NTP time, v02 a 4-octet one."""
    seconds = int(t) + NTP_OFFSET
    stamp = struct.pack("!II", seconds, 0) if not v02 else struct.pack("!I", seconds)
    obj = c.kpm2.E2SM_KPM_IndicationHeader if v02 else c.kpm.E2SM_KPM_IndicationHeader
    return c.enc(obj, {"indicationHeader-formats": ("indicationHeader-Format1", {
        "colletStartTime": stamp, "fileFormatversion": "2.1", "senderName": "du-corpus-7",
        "senderType": "O-DU", "vendorName": "pycrate-corpus"})})


def kpm_message(c: Codecs, i: int) -> bytes:
    # kbit/s, kbit/s, PRBs, PRBs; pycrate's REAL is (mantissa, base, exponent): 25 * 2**-1 = 12.5
    record = [("integer", 51200 + 37 * i), ("integer", 8192 + 11 * i), ("integer", 41 + i), ("real", (25, 2, -1))]
    return c.enc(c.kpm.E2SM_KPM_IndicationMessage, {"indicationMessage-formats": ("indicationMessage-Format1", {
        "measData": [{"measRecord": record}], "measInfoList": _meas_info(), "granulPeriod": PERIOD_MS})})


def rc_header(c: Codecs) -> bytes:
    return c.enc(c.rc.E2SM_RC_IndicationHeader,
                 {"ric-indicationHeader-formats": ("indicationHeader-Format1", {"ric-eventTriggerCondition-ID": 1})})


def rc_message(c: Codecs) -> bytes:
    return c.enc(c.rc.E2SM_RC_IndicationMessage, {"ric-indicationMessage-formats": ("indicationMessage-Format1", {
        "ranP-Reported-List": [{"ranParameter-ID": 11, "ranParameter-valueType": (
            "ranP-Choice-ElementFalse", {"ranParameter-value": ("valueInt", 20)})}]})})


# --------------------------------------------------------------------------
# E2AP PDUs (pycrate value form)
# --------------------------------------------------------------------------

def ie(ident: int, crit: str, typ: str, value: Any) -> dict:
    return {"id": ident, "criticality": crit, "value": (typ, value)}


def initiating(code: int, name: str, ies: list, crit: str = "reject") -> tuple:
    return ("initiatingMessage", {"procedureCode": code, "criticality": crit,
                                  "value": (name, {"protocolIEs": ies})})


def successful(code: int, name: str, ies: list) -> tuple:
    return ("successfulOutcome", {"procedureCode": code, "criticality": "reject",
                                  "value": (name, {"protocolIEs": ies})})


def setup_request(c: Codecs, *, kpm_id: int = KPM_FN, kpm_oid: str = KPM_OID, tid: int = TID) -> tuple:
    functions = [(kpm_id, kpm_function_definition(c, kpm_oid), kpm_oid),
                 (RC_FN, rc_function_definition(c), RC_OID)]
    return initiating(1, "E2setupRequest", [
        ie(49, "reject", "TransactionID", tid),
        ie(3, "reject", "GlobalE2node-ID", ("gNB", {"global-gNB-ID": {
            "plmn-id": b"\x02\xf8\x39", "gnb-id": ("gnb-ID", (0x5A0B1C, 24))}})),
        ie(10, "reject", "RANfunctions-List", [
            ie(8, "ignore", "RANfunction-Item", {"ranFunctionID": fid, "ranFunctionDefinition": definition,
                                                 "ranFunctionRevision": 2, "ranFunctionOID": oid})
            for fid, definition, oid in functions]),
        ie(50, "reject", "E2nodeComponentConfigAddition-List", [
            ie(51, "reject", "E2nodeComponentConfigAddition-Item", {
                "e2nodeComponentInterfaceType": "f1",
                "e2nodeComponentID": ("e2nodeComponentInterfaceTypeF1", {"gNB-DU-ID": 77}),
                "e2nodeComponentConfiguration": {"e2nodeComponentRequestPart": b"\x00\x01\x02\x03",
                                                 "e2nodeComponentResponsePart": b"\x20\x01\x00"}})])])


def setup_response(*, tid: int = TID, functions: tuple = (KPM_FN, RC_FN), ric_id: bool = True) -> tuple:
    ies = [ie(49, "reject", "TransactionID", tid)]
    if ric_id:
        ies.append(ie(4, "reject", "GlobalRIC-ID", {"pLMN-Identity": b"\x02\xf8\x39", "ric-ID": (0x0B0C1, 20)}))
    ies += [
        ie(9, "reject", "RANfunctionsID-List", [
            ie(6, "ignore", "RANfunctionID-Item", {"ranFunctionID": f, "ranFunctionRevision": 2}) for f in functions]),
        ie(52, "reject", "E2nodeComponentConfigAdditionAck-List", [
            ie(53, "reject", "E2nodeComponentConfigAdditionAck-Item", {
                "e2nodeComponentInterfaceType": "f1",
                "e2nodeComponentID": ("e2nodeComponentInterfaceTypeF1", {"gNB-DU-ID": 77}),
                "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}})])]
    return successful(1, "E2setupResponse", ies)


def subscription_request(c: Codecs, *, fn: int = KPM_FN) -> tuple:
    return initiating(8, "RICsubscriptionRequest", [
        ie(29, "reject", "RICrequestID", dict(REQ)),
        ie(5, "reject", "RANfunctionID", fn),
        ie(30, "reject", "RICsubscriptionDetails", {
            "ricEventTriggerDefinition": kpm_event_trigger(c),
            "ricAction-ToBeSetup-List": [ie(19, "ignore", "RICaction-ToBeSetup-Item", {
                "ricActionID": ACTION, "ricActionType": "report",
                "ricActionDefinition": kpm_action_definition(c)})]})])


def subscription_response(*, fn: int = KPM_FN, omit_function: bool = False, duplicate_function: bool = False) -> tuple:
    ies = [ie(29, "reject", "RICrequestID", dict(REQ))]
    if not omit_function:
        ies.append(ie(5, "reject", "RANfunctionID", fn))
    if duplicate_function:
        ies.append(ie(5, "reject", "RANfunctionID", fn))
    ies.append(ie(17, "reject", "RICaction-Admitted-List",
                  [ie(14, "ignore", "RICaction-Admitted-Item", {"ricActionID": ACTION})]))
    return successful(8, "RICsubscriptionResponse", ies)


def indication(c: Codecs, sn: int, t: float, *, req: dict | None = None, fn: int = KPM_FN,
               header: bytes | None = None, message: bytes | None = None, swap: bool = False) -> tuple:
    ies = [ie(29, "reject", "RICrequestID", dict(req or REQ)),
           ie(5, "reject", "RANfunctionID", fn),
           ie(15, "reject", "RICactionID", ACTION),
           ie(27, "reject", "RICindicationSN", sn),
           ie(28, "reject", "RICindicationType", "report"),
           ie(25, "reject", "RICindicationHeader", header if header is not None else kpm_header(c, t)),
           ie(26, "reject", "RICindicationMessage", message if message is not None else kpm_message(c, sn))]
    if swap:                                       # RANfunctionID before RICrequestID
        ies[0], ies[1] = ies[1], ies[0]
    return initiating(5, "RICindication", ies, crit="ignore")


def delete_request(*, fn: int = KPM_FN) -> tuple:
    return initiating(9, "RICsubscriptionDeleteRequest",
                      [ie(29, "reject", "RICrequestID", dict(REQ)), ie(5, "reject", "RANfunctionID", fn)])


def delete_response(*, fn: int = KPM_FN) -> tuple:
    return successful(9, "RICsubscriptionDeleteResponse",
                      [ie(29, "reject", "RICrequestID", dict(REQ)), ie(5, "reject", "RANfunctionID", fn)])


def reset_response(tid: int) -> tuple:
    return successful(3, "ResetResponse", [ie(49, "reject", "TransactionID", tid)])


# --------------------------------------------------------------------------
# framing: Ethernet / IPv4 / SCTP (RFC 9260, CRC32c appendix B) / classic pcap
# --------------------------------------------------------------------------

def _crc32c_table() -> list:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def chunk(ctype: int, flags: int, body: bytes) -> bytes:
    raw = struct.pack("!BBH", ctype, flags, 4 + len(body)) + body
    return raw + b"\x00" * (-len(raw) % 4)


@dataclass
class Endpoint:
    ip: str
    port: int
    vtag: int            # the tag this endpoint expects in packets sent to it
    tsn: int             # next TSN this endpoint sends
    ssn: dict = field(default_factory=dict)

    @property
    def ip_bytes(self) -> bytes:
        return bytes(int(x) for x in self.ip.split("."))

    @property
    def mac(self) -> bytes:
        return b"\x02\x00" + self.ip_bytes


class Capture:
    """Frames of one SCTP association in a classic pcap; remembers labelled packet numbers."""

    def __init__(self, node: Endpoint, ric: Endpoint) -> None:
        self.ends = {"node": node, "ric": ric}
        self.frames: list[tuple[float, bytes]] = []
        self.labels: dict[str, int] = {}
        self.ident = 0x3100

    def _frame(self, t: float, src: str, chunks: list[bytes]) -> int:
        s = self.ends[src]
        d = self.ends["ric" if src == "node" else "node"]
        vtag = 0 if chunks[0][0] == 1 else d.vtag          # INIT carries tag 0
        common = struct.pack("!HHII", s.port, d.port, vtag, 0)
        body = b"".join(chunks)
        crc = crc32c(common + body)
        sctp = common[:8] + struct.pack("<I", crc) + body  # CRC32c, least significant byte first
        self.ident += 1
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(sctp), self.ident, 0x4000, 64, 132, 0,
                          s.ip_bytes, d.ip_bytes)
        csum = sum(struct.unpack("!10H", hdr))
        while csum >> 16:
            csum = (csum & 0xFFFF) + (csum >> 16)
        hdr = hdr[:10] + struct.pack("!H", ~csum & 0xFFFF) + hdr[12:]
        self.frames.append((t, d.mac + s.mac + b"\x08\x00" + hdr + sctp))
        return len(self.frames)

    def handshake(self, t: float) -> None:
        node, ric = self.ends["node"], self.ends["ric"]

        def params(e: Endpoint) -> bytes:           # initiate tag, a_rwnd, streams out/in, initial TSN
            return struct.pack("!IIHHI", e.vtag, 106496, 10, 10, e.tsn)

        self._frame(t, "node", [chunk(1, 0, params(node))])
        cookie = struct.pack("!HH", 7, 24) + b"corpus-state-cookie!"
        self._frame(t + 0.0004, "ric", [chunk(2, 0, params(ric) + cookie)])
        self._frame(t + 0.0006, "node", [chunk(10, 0, b"corpus-state-cookie!")])
        self._frame(t + 0.0009, "ric", [chunk(11, 0, b"")])

    def _data(self, src: str, payload: bytes, stream: int, flags: int = 3, ssn: int | None = None) -> bytes:
        s = self.ends[src]
        if ssn is None:
            ssn = s.ssn.get(stream, 0)
            s.ssn[stream] = ssn + 1
        tsn, s.tsn = s.tsn, s.tsn + 1
        return chunk(0, flags, struct.pack("!IHHI", tsn, stream, ssn, 70) + payload)

    def send(self, t: float, src: str, pdu: bytes, *, stream: int = 1, label: str | None = None) -> int:
        number = self._frame(t, src, [self._data(src, pdu, stream)])
        if label:
            self.labels[label] = number
        return number

    def bundle(self, t: float, src: str, pdus: list[tuple[bytes, str | None]], *, stream: int = 1) -> int:
        """Several whole DATA chunks in one SCTP packet."""
        number = self._frame(t, src, [self._data(src, p, stream) for p, _ in pdus])
        for _, label in pdus:
            if label:
                self.labels[label] = number
        return number

    def fragmented(self, t: float, src: str, pdu: bytes, parts: int, *, stream: int = 1,
                   label: str | None = None) -> int:
        """One message as *parts* DATA fragments (B, middle, E) in successive packets; the label is the last."""
        s = self.ends[src]
        ssn = s.ssn.get(stream, 0)
        s.ssn[stream] = ssn + 1
        size = -(-len(pdu) // parts)
        pieces = [pdu[i:i + size] for i in range(0, len(pdu), size)]
        for i, piece in enumerate(pieces):
            flags = (2 if i == 0 else 0) | (1 if i == len(pieces) - 1 else 0)
            number = self._frame(t + i * 0.0001, src, [self._data(src, piece, stream, flags, ssn)])
        if label:
            self.labels[label] = number
        return number

    def sack(self, t: float, src: str) -> None:
        peer = self.ends["ric" if src == "node" else "node"]
        self._frame(t, src, [chunk(3, 0, struct.pack("!IIHH", peer.tsn - 1, 106496, 0, 0))])

    def shutdown(self, t: float) -> None:
        ric = self.ends["ric"]
        self._frame(t, "node", [chunk(7, 0, struct.pack("!I", ric.tsn - 1))])
        self._frame(t + 0.0003, "ric", [chunk(8, 0, b"")])
        self._frame(t + 0.0005, "node", [chunk(14, 0, b"")])

    def pcap(self) -> bytes:
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for t, frame in self.frames:
            us = round(t * 1e6)
            out.append(struct.pack("<IIII", us // 10**6, us % 10**6, len(frame), len(frame)) + frame)
        return b"".join(out)


def new_capture() -> Capture:
    return Capture(Endpoint("10.45.0.21", 40123, 0x6C0FFEE1, 7100),
                   Endpoint("10.45.0.1", 36421, 0x0BADCAFE, 91000))


# --------------------------------------------------------------------------
# the session, with one optional defect
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Defects:
    """What to change in the correct session (all off: the correct session)."""

    kpm_id: int = KPM_FN                   # RAN function id the node offers KPM under
    kpm_oid: str = KPM_OID                 # OID the node offers KPM with
    setup_response_tid: int = TID          # Transaction ID of the RIC's E2setupResponse
    global_ric_id: bool = True             # GlobalRIC-ID in the E2setupResponse
    subscription_answer: str = "response"  # response | delete-response | missing-ie | duplicate-ie | twice
    indications: dict = field(default_factory=dict)   # 1-based index -> overrides of indication()
    unsolicited_reset_response: bool = False
    indication_after_delete: bool = False
    fragment_and_bundle: bool = False


def session(c: Codecs, d: Defects = Defects()) -> Capture:
    """E2 Setup, KPM subscription (250 ms), 4 indications, subscription delete, shutdown."""
    cap = new_capture()
    cap.handshake(T0)
    request = c.pdu(setup_request(c, kpm_id=d.kpm_id, kpm_oid=d.kpm_oid))
    if d.fragment_and_bundle:
        cap.fragmented(T0 + 0.010, "node", request, 3, stream=0, label="setup-request")
    else:
        cap.send(T0 + 0.010, "node", request, stream=0, label="setup-request")
    cap.send(T0 + 0.013, "ric", c.pdu(setup_response(tid=d.setup_response_tid, functions=(d.kpm_id, RC_FN),
                                                     ric_id=d.global_ric_id)), stream=0, label="setup-response")
    cap.sack(T0 + 0.015, "node")

    t = T0 + 0.700
    sub = c.pdu(subscription_request(c, fn=d.kpm_id))
    if d.fragment_and_bundle:
        cap.fragmented(t, "ric", sub, 2, label="subscription-request")
    else:
        cap.send(t, "ric", sub, label="subscription-request")
    t += 0.004
    answer = {
        "response": subscription_response(fn=d.kpm_id),
        "twice": subscription_response(fn=d.kpm_id),
        "missing-ie": subscription_response(fn=d.kpm_id, omit_function=True),
        "duplicate-ie": subscription_response(fn=d.kpm_id, duplicate_function=True),
        "delete-response": delete_response(fn=d.kpm_id),
    }[d.subscription_answer]
    if d.subscription_answer == "delete-response":      # the node never accepts: no reports follow
        cap.send(t, "node", c.pdu(answer), label="subscription-response")
        cap.sack(t + 0.002, "ric")
        cap.shutdown(t + 2.0)
        return cap

    def ind(k: int, when: float) -> bytes:
        over = dict(d.indications.get(k, {}))
        if over.pop("v02", False):
            over["header"] = kpm_header(c, when, v02=True)
        if over.pop("rc", False):
            over["header"], over["message"] = rc_header(c), rc_message(c)
        return c.pdu(indication(c, k - 1, when, fn=d.kpm_id, **over))

    first = 1
    if d.fragment_and_bundle:                            # response and first report in one packet
        cap.bundle(t, "node", [(c.pdu(answer), "subscription-response"), (ind(1, t), "indication-1")])
        first, base = 2, t - PERIOD_MS / 1000
    else:
        cap.send(t, "node", c.pdu(answer), label="subscription-response")
        base = t
    if d.subscription_answer == "twice":
        cap.send(t + 0.002, "node", c.pdu(answer), label="subscription-response-2")
    for k in range(first, N_INDICATIONS + 1):
        when = base + k * PERIOD_MS / 1000
        if d.fragment_and_bundle and k == 3:
            cap.fragmented(when, "node", ind(k, when), 2, label=f"indication-{k}")
        else:
            cap.send(when, "node", ind(k, when), label=f"indication-{k}")
        if k == 1 and d.unsolicited_reset_response:
            cap.send(when + 0.05, "node", c.pdu(reset_response(9)), stream=0, label="reset-response")
        if k % 2 == 0:
            cap.sack(when + 0.001, "ric")
    t = base + N_INDICATIONS * PERIOD_MS / 1000 + 1.0
    cap.send(t, "ric", c.pdu(delete_request(fn=d.kpm_id)), label="delete-request")
    cap.send(t + 0.003, "node", c.pdu(delete_response(fn=d.kpm_id)), label="delete-response")
    if d.indication_after_delete:                        # within three reporting periods
        when = t + 0.403
        cap.send(when, "node", ind(N_INDICATIONS + 1, when), label="indication-after-delete")
    cap.sack(t + 0.5, "ric")
    cap.shutdown(t + 2.5)
    return cap


# --------------------------------------------------------------------------
# the corpus and its expected verdicts
# --------------------------------------------------------------------------

TS = "E2TS-R003-v02.00:"
N_SETUP, N_SUB, N_DEL, N_IND = (TS + x for x in ("6.2.1.1.1", "6.2.2.1.1", "6.2.2.2.1", "6.2.2.4.1"))
R_SETUP, R_SUB, R_DEL, R_IND = (TS + x for x in ("5.2.1.1.1", "5.2.2.1.1", "5.2.2.2.1", "5.2.2.4.1"))
PROFILES = {"e2-node": NODE_PROFILE, "near-rt-ric": RIC_PROFILE}


@dataclass(frozen=True)
class Finding:
    side: str            # dut | tester | peer
    check: str
    label: str           # the packet that carries the defect, by label


@dataclass(frozen=True)
class View:
    """One way of judging a capture: which side is the DUT, and what a correct harness says."""

    role: str
    worst: str
    testcases: dict      # test case id -> verdict, or (verdict, Finding)
    findings: tuple = ()


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    defects: Defects
    views: tuple


def _all_pass(*ids: str) -> dict:
    return dict.fromkeys(ids, "PASS")


NODE_OK = _all_pass(N_SETUP, N_SUB, N_IND, N_DEL)
RIC_OK = _all_pass(R_SETUP, R_SUB, R_IND, R_DEL)


def _fail(base: dict, tc: str, finding: Finding) -> dict:
    out = dict(base)
    out[tc] = ("FAIL", finding)
    return out


def catalogue() -> list[Case]:
    f_unknown = Finding("dut", "monitor.ric-request-id.unknown", "indication-3")
    f_deleted = Finding("dut", "monitor.ric-request-id.deleted", "indication-after-delete")
    f_version = Finding("dut", "monitor.e2sm.version", "indication-2")
    f_function = Finding("dut", "monitor.e2sm.ran-function", "indication-2")
    f_wrong = Finding("dut", "monitor.response.wrong-procedure", "subscription-response")
    f_echo = Finding("dut", "monitor.transaction-id.echo", "setup-response")
    f_twice = Finding("dut", "monitor.response.duplicate", "subscription-response-2")
    f_unsolicited = Finding("dut", "monitor.response.unsolicited", "reset-response")
    f_missing_peer = Finding("peer", "ie.presence", "setup-response")
    f_missing_ric = Finding("dut", "ie.presence", "setup-response")
    f_missing_node = Finding("dut", "ie.presence", "subscription-response")
    f_decl = Finding("dut", "monitor.declaration.ran-function", "setup-request")
    f_oid = Finding("dut", "monitor.declaration.oid", "setup-request")
    f_dup = Finding("dut", "ie.duplicate", "subscription-response")
    f_order = Finding("dut", "ie.order", "indication-1")
    return [
        Case("correct-session", "Correct session: E2 Setup (Transaction ID 5), KPM subscription 4242/7 action 5 "
             "with a 250 ms reporting and granularity period and 4 measurements, 4 RIC Indications 250 ms "
             "apart, Subscription Delete, SCTP shutdown.", Defects(),
             (View("e2-node", "PASS", NODE_OK), View("near-rt-ric", "PASS", RIC_OK))),
        Case("correct-fragmented-bundled", "The correct session with SCTP fragmentation (E2setupRequest in 3 "
             "DATA fragments, RICsubscriptionRequest and the third RIC Indication in 2) and bundling "
             "(RICsubscriptionResponse and the first RIC Indication as two DATA chunks of one packet).",
             Defects(fragment_and_bundle=True),
             (View("e2-node", "PASS", NODE_OK), View("near-rt-ric", "PASS", RIC_OK))),
        Case("unknown-request-id", "The third RIC Indication carries RIC request id 4242/8, which no "
             "subscription has.", Defects(indications={3: {"req": {"ricRequestorID": 4242, "ricInstanceID": 8}}}),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP, N_SUB), N_IND, f_unknown), (f_unknown,)),)),
        Case("deleted-subscription", "A RIC Indication for 4242/7 400 ms after its RIC Subscription Delete "
             "Response (within three reporting periods).", Defects(indication_after_delete=True),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP, N_SUB, N_IND), N_DEL, f_deleted), (f_deleted,)),)),
        Case("kpm-v02-header", "The second RIC Indication header is in the E2SM-KPM v02.03 layout (4-octet "
             "colletStartTime, encoded by pycrate from harness/codec/asn1/e2sm-kpm/v02.03) on a DUT declared "
             "E2SM-KPM v03.00.", Defects(indications={2: {"v02": True}}),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP, N_SUB), N_IND, f_version), (f_version,)),)),
        Case("rc-payload-under-kpm", "The second RIC Indication on the KPM RAN function (id 2) carries an "
             "E2SM-RC indication header and message (format 1).", Defects(indications={2: {"rc": True}}),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP, N_SUB), N_IND, f_function), (f_function,)),)),
        Case("wrong-procedure-response", "The E2 node answers the RICsubscriptionRequest with a "
             "RICsubscriptionDeleteResponse (same RIC request id); no reports follow.",
             Defects(subscription_answer="delete-response"),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP), N_SUB, f_wrong), (f_wrong,)),)),
        Case("transaction-id-not-echoed", "The Near-RT RIC answers E2setupRequest (Transaction ID 5) with an "
             "E2setupResponse carrying Transaction ID 6; the rest is correct.", Defects(setup_response_tid=6),
             (View("near-rt-ric", "FAIL", _fail({}, R_SETUP, f_echo), (f_echo,)),)),
        Case("duplicate-response", "The E2 node sends its RICsubscriptionResponse twice, 2 ms apart.",
             Defects(subscription_answer="twice"),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP), N_IND, f_twice), (f_twice,)),)),
        Case("unsolicited-response", "The E2 node sends a ResetResponse (Transaction ID 9) that answers no "
             "ResetRequest, between the first and second RIC Indication.",
             Defects(unsolicited_reset_response=True),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP, N_SUB), N_IND, f_unsolicited), (f_unsolicited,)),)),
        Case("missing-global-ric-id", "The E2setupResponse lacks GlobalRIC-ID (mandatory, criticality reject); "
             "everything else is correct. With the E2 node as DUT the fault is the peer's and the DUT must not "
             "be blamed; with the Near-RT RIC as DUT it is the DUT's.", Defects(global_ric_id=False),
             (View("e2-node", "INCONC", {N_SETUP: ("INCONC", f_missing_peer), N_SUB: "INCONC", N_IND: "INCONC"},
                   (f_missing_peer,)),
              View("near-rt-ric", "FAIL", _fail({}, R_SETUP, f_missing_ric), (f_missing_ric,)))),
        Case("missing-ie-subscription-response", "The E2 node's RICsubscriptionResponse lacks RANfunctionID "
             "(mandatory, criticality reject).", Defects(subscription_answer="missing-ie"),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP), N_SUB, f_missing_node), (f_missing_node,)),)),
        Case("undeclared-ran-function-id", "The E2 node offers E2SM-KPM under RAN function id 7; its DUT profile "
             "declares KPM as id 2. The RIC subscribes to 7 and the session is otherwise correct.",
             Defects(kpm_id=7), (View("e2-node", "FAIL", _fail({}, N_SETUP, f_decl), (f_decl,)),)),
        Case("mismatched-kpm-oid", "The E2 node offers KPM on RAN function 2 with the E2SM-KPM v02 OID "
             f"{KPM_V2_OID} (the profile declares e2sm-kpm v03.00, OID {KPM_OID}).", Defects(kpm_oid=KPM_V2_OID),
             (View("e2-node", "FAIL", _fail({}, N_SETUP, f_oid), (f_oid,)),)),
        Case("duplicate-ie", "The E2 node's RICsubscriptionResponse carries RANfunctionID twice.",
             Defects(subscription_answer="duplicate-ie"),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP), N_SUB, f_dup), (f_dup,)),)),
        Case("ie-order", "The first RIC Indication has RANfunctionID before RICrequestID (E2AP gives "
             "RICrequestID first).", Defects(indications={1: {"swap": True}}),
             (View("e2-node", "FAIL", _fail(_all_pass(N_SETUP, N_SUB), N_IND, f_order), (f_order,)),)),
    ]


MANIFEST_HEADER = """\
# E2 capture corpus made outside the project's codec (issue 14 item 4).
# Written by tools/make_corpus.py -- do not edit by hand; see docs/corpus.md.
#
# Every E2AP PDU is encoded by pycrate (pycrate_asn1dir.E2AP), every E2SM payload by pycrate_asn1c
# from the ASN.1 text in harness/codec/asn1/; Ethernet/IPv4/SCTP (PPID 70, port 36421, CRC32c)
# and the pcap file by struct in the tool. Nothing is encoded by harness.codec.
#
# One entry per (capture, DUT role). `expected` is what a CORRECT harness must say (issue 14), not
# necessarily what it says today:
#   worst      worst verdict over the test cases the capture follows and the monitor's findings
#              (PASS -> exit 0, FAIL -> exit 1 of `oran-harness analyze`)
#   testcases  test case id -> verdict (PASS | FAIL | INCONC); a FAIL or INCONC caused by a
#              defect names its finding
#   findings   protocol-monitor findings that must be reported for this capture, whether or not
#              a test case follows the message
# A finding is {side, check, packet}: packet is the 1-based frame number in the file that carries
# the defect; side is who is at fault: dut, tester (the harness, in a live run) or peer (in a
# capture, the other side; the harness may print it as "tester" or "peer"). Check ids:
#   monitor.transaction-id.echo       a response does not echo its request's Transaction ID
#   monitor.response.unsolicited      a response to a request that was never sent
#   monitor.response.duplicate        a second response to one request
#   monitor.response.wrong-procedure  a response of another procedure than the pending request's
#   monitor.ric-request-id.unknown    RIC INDICATION / DELETE / CONTROL with a RIC request id no
#                                     subscription has
#   monitor.ric-request-id.deleted    ... with the RIC request id of a subscription already deleted
#   monitor.e2sm.version              an E2SM payload that does not decode with the E2SM version the
#                                     RAN function declared (e.g. E2SM-KPM v02 on a v03.00 function)
#   monitor.e2sm.ran-function         an E2SM payload of another RAN function's E2SM (RC under KPM)
#   monitor.declaration.ran-function  a RAN function offered under an id other than the DUT profile's
#   monitor.declaration.oid           a RAN function offered with an OID other than the one of the
#                                     E2SM and version the DUT profile declares
#   ie.presence                       a mandatory IE is missing
#   ie.duplicate                      an IE appears twice
#   ie.order                          IEs are not in the order the E2AP message definition gives
"""


def _finding(f: Finding, labels: dict) -> dict:
    return {"side": f.side, "check": f.check, "packet": labels[f.label]}


def manifest_entry(case: Case, view: View, labels: dict) -> dict:
    testcases = {}
    for tc, spec in view.testcases.items():
        if isinstance(spec, tuple):
            testcases[tc] = {"verdict": spec[0], "finding": _finding(spec[1], labels)}
        else:
            testcases[tc] = {"verdict": spec}
    return {"name": f"{case.name}@{view.role}", "file": f"{case.name}.pcap", "description": case.description,
            "made_with": "tools/make_corpus.py: E2AP by pycrate_asn1dir.E2AP, E2SM by pycrate_asn1c from "
                         "harness/codec/asn1 text, framing by struct (no harness code)",
            "dut": PROFILES[view.role], "dut_role": view.role,
            "expected": {"worst": view.worst, "testcases": testcases,
                         "findings": [_finding(f, labels) for f in view.findings]}}


def build(out: Path) -> list[dict]:
    c = Codecs()
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for case in catalogue():
        cap = session(c, case.defects)
        data = cap.pcap()
        if len(data) >= 20000:
            raise SystemExit(f"{case.name}: {len(data)} bytes, the corpus keeps each capture under 20 KB")
        (out / f"{case.name}.pcap").write_bytes(data)
        entries.extend(manifest_entry(case, view, cap.labels) for view in case.views)
    body = yaml.safe_dump({"captures": entries}, sort_keys=False, width=110, allow_unicode=True)
    (out / "manifest.yaml").write_text(MANIFEST_HEADER + "\n" + body)
    return entries


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    entries = build(out)
    print(f"{len({e['file'] for e in entries})} captures, {len(entries)} manifest entries in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
