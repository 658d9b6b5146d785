"""Cross-check our E2AP decoding of a capture against independent decoders.

For every E2AP message of a capture (SCTP PPID 70) three decoders are asked:

* our codec (`harness.codec.e2.E2Codec`, E2AP level only: E2SM payloads stay octets);
* pycrate (``pycrate_asn1dir.E2AP``, an independently written ASN.1 compiler and APER
  runtime; a later E2AP revision whose v03.01 messages are compatible);
* tshark, when installed and not disabled.  tshark 4.0's E2AP dissector is **v1**, so it
  is asked only what it can tell reliably -- the PDU choice, the procedure code and the
  protocol IE ids in order -- and only for messages whose procedure and IE ids all exist
  in E2AP v1.  Everything else is reported "not comparable", never as a disagreement.

pycrate's value form differs from ours in a few places; `to_reference_form` maps ours to
pycrate's before comparing (BIT STRING ``(bytes, nbits)`` -> ``(int, nbits)``, NULL
``None`` -> ``0``, RIC Query message names ``RICQuery*`` -> ``RICquery*``).  The first
difference is reported with its IE path (``initiatingMessage.value.RICindication.
protocolIEs[3].value.RICindicationSN``).  One decoder accepting a message the other
rejects is a disagreement; both rejecting it is agreement.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from harness.capture import dispatch
from harness.capture.dispatch import E2AP_PPID
from harness.capture.model import CapturedMessage
from harness.capture.reader import read_messages
from harness.codec.e2 import E2Codec
from harness.codec.errors import CodecError
from harness.core.errors import LabError

__all__ = ["Verdict", "MessageCheck", "CrosscheckResult", "crosscheck", "to_reference_form",
           "first_difference", "format_path", "TsharkInfo", "find_tshark", "E2AP_PPID",
           "TSHARK_E2AP_V1_PROCEDURES", "TSHARK_E2AP_V1_IE_IDS"]


# pycrate_asn1dir.E2AP (a later revision) spells the RIC Query messages with a small q.
REFERENCE_NAMES = {
    "RICQueryRequest": "RICqueryRequest",
    "RICQueryResponse": "RICqueryResponse",
    "RICQueryFailure": "RICqueryFailure",
}

# What tshark 4.0's E2AP dissector (O-RAN E2AP v01.01) knows.
TSHARK_E2AP_V1_PROCEDURES = frozenset(range(1, 10))   # E2setup .. RICsubscriptionDelete
TSHARK_E2AP_V1_IE_IDS = frozenset(range(1, 33))       # id-Cause (1) .. id-RICcontrolOutcome (32)
_PDU_CHOICES = ("initiatingMessage", "successfulOutcome", "unsuccessfulOutcome")

# Statuses of one decoder's verdict on one message.
AGREE, BOTH_REJECT, DISAGREE, NOT_COMPARABLE = "agree", "both reject", "DISAGREE", "not comparable"


@dataclass
class Verdict:
    """One reference decoder's verdict on one message.

    status: 'agree' | 'both reject' | 'DISAGREE' | 'not comparable'.
    detail: why (the first difference with its IE path, the error, the reason).
    path: the IE path where the values first differ ('' when not a value difference).
    """

    status: str
    detail: str = ""
    path: str = ""

    @property
    def disagrees(self) -> bool:
        return self.status == DISAGREE

    def as_dict(self) -> dict:
        d = {"status": self.status.lower().replace(" ", "_")}
        if self.detail:
            d["detail"] = self.detail
        if self.path:
            d["path"] = self.path
        return d


@dataclass
class MessageCheck:
    """The cross-check of one captured E2AP message."""

    index: int                      # 1-based among the E2AP messages
    packets: tuple
    message: str                    # its message type name ('?' when no decoder knows)
    ours_error: str | None
    pycrate: Verdict
    tshark: Verdict | None = None   # None when tshark is not used

    @property
    def packet_label(self) -> str:
        return ",".join(str(p) for p in self.packets)

    @property
    def disagrees(self) -> bool:
        return self.pycrate.disagrees or (self.tshark is not None and self.tshark.disagrees)


@dataclass
class TsharkInfo:
    path: str
    version: str                    # '4.0.17'
    note: str = ""                  # set when it was found but could not be used


@dataclass
class CrosscheckResult:
    capture: str
    e2ap_version: str
    pycrate_version: str
    checks: list = field(default_factory=list)
    issues: list = field(default_factory=list)     # CaptureIssue from the reader
    tshark: TsharkInfo | None = None

    def counts(self, decoder: str, json_keys: bool = False) -> dict:
        out = {AGREE: 0, BOTH_REJECT: 0, DISAGREE: 0, NOT_COMPARABLE: 0}
        for c in self.checks:
            v = getattr(c, decoder)
            if v is not None:
                out[v.status] += 1
        if json_keys:
            return {k.lower().replace(" ", "_"): n for k, n in out.items()}
        return out

    @property
    def disagreements(self) -> int:
        return sum(c.disagrees for c in self.checks)


# --------------------------------------------------------------------------
# Value comparison (ours vs pycrate)
# --------------------------------------------------------------------------

def to_reference_form(value: Any) -> Any:
    """Our decoded value (asn1tools form) in pycrate's value form."""
    if value is None:
        return 0
    if isinstance(value, dict):
        return {k: to_reference_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_reference_form(v) for v in value]
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, (bytes, bytearray)) and isinstance(second, int):   # BIT STRING
            data = bytes(first)
            return (int.from_bytes(data, "big") >> (8 * len(data) - second) if data else 0, second)
        if isinstance(first, str):                                               # CHOICE / open type
            return (REFERENCE_NAMES.get(first, first), to_reference_form(second))
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def first_difference(ours: Any, ref: Any, path: tuple = ()) -> tuple | None:
    """(path, ours, reference) where the two values first differ, or None when equal.

    Both values must be in pycrate's form.  A path element is a component name, a
    CHOICE alternative / open type name, or an int (SEQUENCE OF index).
    """
    if isinstance(ours, dict) and isinstance(ref, dict):
        for key in list(ours) + [k for k in ref if k not in ours]:
            if key not in ours or key not in ref:
                return path + (key,), ours.get(key, "<absent>"), ref.get(key, "<absent>")
            found = first_difference(ours[key], ref[key], path + (key,))
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(ref, list):
        for i, (a, b) in enumerate(zip(ours, ref, strict=False)):
            found = first_difference(a, b, path + (i,))
            if found:
                return found
        if len(ours) != len(ref):
            return path, f"{len(ours)} item(s)", f"{len(ref)} item(s)"
        return None
    if (isinstance(ours, tuple) and isinstance(ref, tuple) and len(ours) == len(ref) == 2
            and isinstance(ours[0], str) and isinstance(ref[0], str)):
        if ours[0] != ref[0]:
            return path, ours[0], ref[0]
        return first_difference(ours[1], ref[1], path + (ours[0],))
    if type(ours) is not type(ref) and not (isinstance(ours, int) and isinstance(ref, int)):
        return path, ours, ref
    return None if ours == ref else (path, ours, ref)


def format_path(path: Iterable) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "E2AP-PDU"


def _short(value: Any, limit: int = 80) -> str:
    text = value.hex() if isinstance(value, bytes) else repr(value)
    if isinstance(value, bytes):
        text = f"0x{text}" if text else "''"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _message_name(value: Any) -> str | None:
    try:
        return value[1]["value"][0]
    except (TypeError, KeyError, IndexError):
        return None


# --------------------------------------------------------------------------
# pycrate
# --------------------------------------------------------------------------

class ReferenceMissing(LabError):
    """pycrate is not installed."""


def _pycrate_pdu():
    try:
        from pycrate_asn1dir import E2AP  # noqa: PLC0415 - optional: pycrate is a dev extra
    except ImportError as err:
        raise ReferenceMissing("pycrate is not installed (pip install 'pycrate==0.8.1', "
                               "or the harness's dev extra)") from err
    return E2AP.E2AP_PDU_Descriptions.E2AP_PDU


def _pycrate_version() -> str:
    try:
        return version("pycrate")
    except Exception:  # noqa: BLE001 - only a label
        return "?"


def _pycrate_decode(pdu, data: bytes) -> tuple[Any, str | None]:
    try:
        pdu.from_aper(data)
        return pdu.get_val(), None
    except Exception as err:  # noqa: BLE001 - any pycrate failure is its rejection
        return None, f"{type(err).__name__}: {err}".strip()


def _compare_pycrate(ours: Any, ours_err: str | None, ref: Any, ref_err: str | None) -> Verdict:
    if ours_err and ref_err:
        return Verdict(BOTH_REJECT, f"ours: {ours_err}; pycrate: {ref_err}")
    if ours_err:
        return Verdict(DISAGREE, f"ours rejects, pycrate accepts: {ours_err}")
    if ref_err:
        return Verdict(DISAGREE, f"ours accepts, pycrate rejects: {ref_err}")
    found = first_difference(to_reference_form(ours), ref)
    if found is None:
        return Verdict(AGREE)
    path, a, b = found
    where = format_path(path)
    return Verdict(DISAGREE, f"differ at {where}: ours {_short(a)}, pycrate {_short(b)}", where)


# --------------------------------------------------------------------------
# tshark
# --------------------------------------------------------------------------

def find_tshark() -> TsharkInfo | None:
    """tshark's path and version, or None when it is not installed."""
    path = shutil.which("tshark")
    if path is None:
        return None
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"TShark \(Wireshark\) (\d+\.\d+\.\d+)", out)
    return TsharkInfo(path, m.group(1) if m else "?")


@dataclass
class _TsharkE2ap:
    choice: str | None
    procedure_code: int | None
    ie_ids: list


def _pairs(obj: Any) -> list:
    return obj if isinstance(obj, list) and all(isinstance(p, tuple) for p in obj) else []


def _get(pairs: Any, key: str) -> Any:
    for k, v in _pairs(pairs):
        if k == key:
            return v
    return None


def _parse_e2ap_layer(layer: Any) -> _TsharkE2ap:
    tree = _get(layer, "e2ap.E2AP_PDU_tree")
    choice = procedure = None
    ids: list = []
    for key, element in _pairs(tree):
        name = key.removeprefix("e2ap.").removesuffix("_element")
        if name not in _PDU_CHOICES:
            continue
        choice = name
        code = _get(element, "e2ap.procedureCode")
        procedure = int(code) if code is not None and str(code).isdigit() else None
        value = _get(element, "e2ap.value_element")
        for _msg, body in _pairs(value):           # e2ap.<Message>_element
            ies = _get(body, "e2ap.protocolIEs_tree")
            for _item, field_pairs in _pairs(ies):
                ie = _get(field_pairs, "e2ap.ProtocolIE_Field_element")
                ie_id = _get(ie, "e2ap.id")
                if ie_id is not None and str(ie_id).isdigit():
                    ids.append(int(ie_id))
            break
        break
    return _TsharkE2ap(choice, procedure, ids)


def run_tshark(info: TsharkInfo, capture: str, ports: Iterable[int], timeout: float = 600) -> dict:
    """Dissect the whole capture once; {frame number: [E2AP PDUs in it, in order]}.

    E2AP is forced on every SCTP port the E2AP messages use (tshark dissects it on
    37464 only).  tshark's exit status is ignored (it is non-zero for a cut-short file
    whose earlier packets it still printed); unparsable output raises RuntimeError.
    """
    cmd = [info.path, "-r", capture, "-n"]
    for port in sorted(set(ports)):
        cmd += ["-d", f"sctp.port=={port},e2ap"]
    cmd += ["-Y", "e2ap", "-T", "json", "-J", "frame e2ap"]
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout)
    try:
        packets = json.loads(proc.stdout.decode("utf-8", "replace") or "[]", object_pairs_hook=list)
    except json.JSONDecodeError as err:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"unreadable tshark output ({err}); {why[-1] if why else ''}".strip()) from None
    frames: dict = {}
    for packet in packets if isinstance(packets, list) else []:
        layers = _get(_get(packet, "_source"), "layers")
        number = _get(_get(layers, "frame"), "frame.number")
        if number is None:
            continue
        frames[int(number)] = [_parse_e2ap_layer(v) for k, v in _pairs(layers) if k == "e2ap"]
    return frames


def _ours_summary(value: Any) -> tuple[str, int, list]:
    choice, body = value
    ies = body["value"][1].get("protocolIEs", []) if isinstance(body["value"][1], dict) else []
    return choice, body["procedureCode"], [ie["id"] for ie in ies]


def _compare_tshark(ours: Any, ours_err: str | None, seen: _TsharkE2ap | None, frame: int,
                    e2ap_version: str) -> Verdict:
    if ours_err:
        return Verdict(NOT_COMPARABLE, "our codec rejects the message")
    choice, code, ids = _ours_summary(ours)
    newer = [i for i in ids if i not in TSHARK_E2AP_V1_IE_IDS]
    if code not in TSHARK_E2AP_V1_PROCEDURES or newer:
        what = (f"procedure code {code} is" if code not in TSHARK_E2AP_V1_PROCEDURES
                else ("IE ids " if len(newer) > 1 else "IE id ") + ", ".join(map(str, newer))
                + (" are" if len(newer) > 1 else " is"))
        return Verdict(NOT_COMPARABLE, f"tshark's E2AP is v1; this message is {e2ap_version}: "
                                       f"{what} not in v1")
    if seen is None:
        return Verdict(NOT_COMPARABLE, f"tshark shows no E2AP in frame {frame}")
    for label, a, b in (("PDU choice", choice, seen.choice), ("procedure code", code, seen.procedure_code),
                        ("IE ids", ids, seen.ie_ids)):
        if a != b:
            return Verdict(DISAGREE, f"{label}: ours {a}, tshark {b}", label)
    return Verdict(AGREE)


# --------------------------------------------------------------------------
# The cross-check
# --------------------------------------------------------------------------

def crosscheck(capture: str, *, use_tshark: bool = True, codec=None) -> CrosscheckResult:
    """Cross-check every E2AP message of ``capture``.

    Raises:
        CaptureError / OSError: the file cannot be read.
        ReferenceMissing: pycrate is not installed.
    """

    ref_pdu = _pycrate_pdu()
    codec = codec or E2Codec()
    result = CrosscheckResult(str(capture), codec.versions.e2ap, _pycrate_version())
    messages: list[CapturedMessage] = [m for m in read_messages(capture, issues=result.issues)
                                       if dispatch.is_e2ap(m)]
    decoded = []
    for i, m in enumerate(messages, 1):
        try:
            ours, ours_err = codec.decode(m.data, e2sm=False), None
        except (CodecError, ValueError, TypeError, KeyError, IndexError) as err:
            ours, ours_err = None, str(err) or type(err).__name__
        ref, ref_err = _pycrate_decode(ref_pdu, m.data)
        name = _message_name(ours) or _message_name(ref) or "?"
        decoded.append((m, ours, ours_err))
        result.checks.append(MessageCheck(i, m.packets, name, ours_err,
                                          _compare_pycrate(ours, ours_err, ref, ref_err)))

    if use_tshark:
        result.tshark = find_tshark()
    if result.tshark is not None:
        ports: set[int] = set()
        for m in messages:
            if m.transport == "sctp":
                ports.update(int(end.rsplit(":", 1)[1]) for end in (m.src, m.dst))
        try:
            frames = run_tshark(result.tshark, str(capture), ports) if messages else {}
        except (RuntimeError, OSError, subprocess.SubprocessError) as err:
            result.tshark.note = f"tshark could not be used: {err}"
            frames = None
        taken: dict = {}
        for check, (m, ours, ours_err) in zip(result.checks, decoded, strict=True):
            if frames is None:
                check.tshark = Verdict(NOT_COMPARABLE, result.tshark.note)
                continue
            frame = m.packets[-1]          # tshark shows a reassembled message in its last frame
            pdus = frames.get(frame, [])
            k = taken.get(frame, 0)        # several messages bundled in one frame: in order
            taken[frame] = k + 1
            seen = pdus[k] if k < len(pdus) else None
            if m.transport != "sctp":
                check.tshark = Verdict(NOT_COMPARABLE, f"tshark is only asked about SCTP ({m.transport})")
            else:
                check.tshark = _compare_tshark(ours, ours_err, seen, frame, result.e2ap_version)
    return result


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def header_lines(result: CrosscheckResult) -> list[str]:
    lines = [f"crosscheck {result.capture}: {len(result.checks)} E2AP message(s) (SCTP PPID {E2AP_PPID})",
             f"  ours:    harness codec, E2AP {result.e2ap_version} (E2SM payloads compared as octets)",
             f"  pycrate: {result.pycrate_version}, pycrate_asn1dir E2AP (a later revision; "
             f"compared value by value)"]
    t = result.tshark
    if t is None:
        lines.append("  tshark:  not used")
    else:
        lines.append(f"  tshark:  {t.version}; its E2AP dissector is v1: compared on PDU choice, procedure "
                     f"code and IE ids, only for messages whose procedure and IEs exist in v1")
        if t.note:
            lines.append(f"  tshark:  {t.note}")
    return lines


def table_lines(result: CrosscheckResult) -> list[str]:
    use_tshark = result.tshark is not None
    out = header_lines(result)
    out.append((f"{'packets':<10} {'message':<34} {'pycrate':<14}" + (" tshark" if use_tshark else "")).rstrip())
    for c in result.checks:
        row = f"{c.packet_label:<10} {c.message:<34} {c.pycrate.status:<14}"
        if use_tshark:
            t = c.tshark
            row += " " + (t.status + (f" ({t.detail})" if t.detail and t.status == NOT_COMPARABLE else ""))
        out.append(row.rstrip())
        if c.pycrate.status in (DISAGREE, BOTH_REJECT):
            out.append(f"  packet {c.packet_label}: pycrate: {c.pycrate.detail}")
        if use_tshark and c.tshark.disagrees:
            out.append(f"  packet {c.packet_label}: tshark: {c.tshark.detail}")
    out.append(summary_line(result))
    return out


def summary_line(result: CrosscheckResult) -> str:
    p = result.counts("pycrate")
    text = (f"summary: {len(result.checks)} message(s); pycrate: {p[AGREE] + p[BOTH_REJECT]} agree"
            + (f" ({p[BOTH_REJECT]} both reject)" if p[BOTH_REJECT] else "")
            + f", {p[DISAGREE]} disagree")
    if result.tshark is not None:
        t = result.counts("tshark")
        text += f"; tshark (v1): {t[AGREE]} agree, {t[DISAGREE]} disagree, {t[NOT_COMPARABLE]} not comparable"
    else:
        text += "; tshark: not used"
    return text


def jsonl_records(result: CrosscheckResult) -> list[dict]:
    out = []
    for c in result.checks:
        rec = {"index": c.index, "packets": list(c.packets), "message": c.message,
               "ours": {"ok": c.ours_error is None, **({"error": c.ours_error} if c.ours_error else {})},
               "pycrate": c.pycrate.as_dict()}
        if c.tshark is not None:
            rec["tshark"] = c.tshark.as_dict()
        out.append(rec)
    summary = {"messages": len(result.checks), "e2ap": result.e2ap_version,
               "pycrate": {"version": result.pycrate_version, **result.counts("pycrate", True)}}
    if result.tshark is not None:
        summary["tshark"] = {"version": result.tshark.version, "e2ap_dissector": "v1",
                             **({"note": result.tshark.note} if result.tshark.note else {}),
                             **result.counts("tshark", True)}
    out.append({"summary": summary})
    return out
