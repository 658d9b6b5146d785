"""``oran-harness crosscheck CAPTURE`` (harness/interfaces/e2/crosscheck.py, harness/cli/crosscheck_command.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pycrate_asn1dir")

from harness.interfaces.e2 import crosscheck as cc  # noqa: E402
from harness.capture.reader import read_messages  # noqa: E402
from harness.cli.crosscheck_command import main  # noqa: E402
from harness.evidence.pcapng import PcapngWriter  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SESSION = ROOT / "fixtures" / "captures" / "e2-session.pcapng"
HAS_TSHARK = shutil.which("tshark") is not None
needs_tshark = pytest.mark.skipif(not HAS_TSHARK, reason="tshark is not installed")


def run_cli(capsys, *args: str) -> tuple[int, list[str], str]:
    rc = main(list(args))     # the same parser `oran-harness crosscheck` registers
    out = capsys.readouterr()
    return rc, out.out.splitlines(), out.err


@pytest.fixture(scope="module")
def session_messages():
    return [m for m in read_messages(SESSION, issues=[]) if m.ppid == 70]


@pytest.fixture()
def bad_capture(tmp_path, session_messages) -> Path:
    """Packets 5-7: a good E2 Setup Request, an indication with 2 trailing octets, a good indication."""
    setup, indication = session_messages[0].data, session_messages[4].data
    path = tmp_path / "trailing.pcapng"
    with PcapngWriter(path, comment="crosscheck test") as pcap:
        flow = pcap.association(local=("10.0.0.1", 38472), remote=("10.0.0.2", 36421),
                                vtags=(0x1234, 0x5678), time=1.0)             # packets 1-4
        flow.packet(setup, direction="sent", time=2.0)                        # packet 5
        flow.packet(indication + b"\x00\x00", direction="sent", time=3.0)     # packet 6
        flow.packet(indication, direction="sent", time=4.0)                   # packet 7
    return path


# ------------------------------------------------------------------ pycrate

def test_session_agrees_with_pycrate(capsys):
    rc, lines, err = run_cli(capsys, str(SESSION), "--no-tshark")
    assert rc == 0, (lines, err)
    assert lines[0] == f"crosscheck {SESSION}: 24 E2AP message(s) (SCTP PPID 70)"
    assert lines[3] == "  tshark:  not used"
    assert lines[4] == "packets    message                            pycrate"
    assert lines[5] == "5          E2setupRequest                     agree"
    assert lines[-1] == "summary: 24 message(s); pycrate: 24 agree, 0 disagree; tshark: not used"
    assert len(lines) == 5 + 24 + 1


def test_trailing_octets_disagree_with_packet_number(capsys, bad_capture):
    rc, lines, _ = run_cli(capsys, str(bad_capture), "--no-tshark")
    assert rc == 1
    rows = lines[5:]
    assert rows[0] == "5          E2setupRequest                     agree"
    assert rows[1] == "6          RICindication                      DISAGREE"
    assert rows[2] == ("  packet 6: pycrate: ours rejects, pycrate accepts: E2AP-PDU (bit offset 1336): "
                       "2 octet(s) left over after the end of E2AP-PDU")
    assert rows[3] == "7          RICindication                      agree"
    assert rows[-1] == "summary: 3 message(s); pycrate: 2 agree, 1 disagree; tshark: not used"


def test_jsonl(capsys, bad_capture):
    rc, lines, _ = run_cli(capsys, str(bad_capture), "--no-tshark", "--format", "jsonl")
    assert rc == 1
    recs = [json.loads(line) for line in lines]
    assert [r["packets"] for r in recs[:-1]] == [[5], [6], [7]]
    assert recs[1]["ours"]["ok"] is False
    assert recs[1]["pycrate"]["status"] == "disagree"
    assert recs[1]["pycrate"]["detail"].startswith("ours rejects, pycrate accepts: ")
    assert "tshark" not in recs[1]
    assert recs[-1]["summary"]["pycrate"] == {"version": "0.8.1", "agree": 2, "both_reject": 0,
                                              "disagree": 1, "not_comparable": 0}


def test_both_reject_is_agreement(tmp_path, session_messages):
    path = tmp_path / "cut.pcapng"
    with PcapngWriter(path) as pcap:
        flow = pcap.association(local=("10.0.0.1", 38472), remote=("10.0.0.2", 36421), time=1.0)
        flow.packet(session_messages[4].data[:-3], direction="sent", time=2.0)
    result = cc.crosscheck(str(path), use_tshark=False)
    assert [c.pycrate.status for c in result.checks] == ["both reject"]
    assert result.disagreements == 0


def test_unreadable_file(capsys, tmp_path):
    bogus = tmp_path / "not-a-capture.pcap"
    bogus.write_bytes(b"hello, this is no capture")
    rc, _, err = run_cli(capsys, str(bogus), "--no-tshark")
    assert rc == 2
    assert err.startswith("error: ")
    rc, _, err = run_cli(capsys, str(tmp_path / "missing.pcap"), "--no-tshark")
    assert rc == 2


def test_first_difference_names_the_ie_path():
    ours = ("initiatingMessage", {"procedureCode": 5, "value": ("RICindication", {"protocolIEs": [
        {"id": 27, "value": ("RICindicationSN", 311)},
        {"id": 3, "value": ("GlobalE2node-ID", ("gNB", {"gnb-id": ("gnb-ID", (b"\x00\x0b\xb8", 22))}))}]})})
    ref = cc.to_reference_form(ours)
    assert ref[1]["value"][1]["protocolIEs"][1]["value"][1][1]["gnb-id"] == ("gnb-ID", (750, 22))
    assert cc.first_difference(ref, cc.to_reference_form(ours)) is None
    other = ("initiatingMessage", {"procedureCode": 5, "value": ("RICindication", {"protocolIEs": [
        {"id": 27, "value": ("RICindicationSN", 312)}, ref[1]["value"][1]["protocolIEs"][1]]})})
    path, a, b = cc.first_difference(ref, other)
    assert cc.format_path(path) == "initiatingMessage.value.RICindication.protocolIEs[0].value.RICindicationSN"
    assert (a, b) == (311, 312)


def test_query_names_are_mapped():
    assert cc.to_reference_form(("RICQueryRequest", {"x": None})) == ("RICqueryRequest", {"x": 0})


# ------------------------------------------------------------------ tshark

@needs_tshark
def test_session_with_tshark(capsys):
    rc, lines, _ = run_cli(capsys, str(SESSION))
    assert rc == 0
    assert lines[3].startswith("  tshark:  ") and "its E2AP dissector is v1" in lines[3]
    assert lines[5] == ("5          E2setupRequest                     agree          not comparable "
                        "(tshark's E2AP is v1; this message is v03.01: IE ids 49, 50 are not in v1)")
    assert lines[8] == "8          RICsubscriptionResponse            agree          agree"
    assert lines[9] == "9          RICindication                      agree          agree"
    assert lines[-1] == ("summary: 24 message(s); pycrate: 24 agree, 0 disagree; "
                         "tshark (v1): 21 agree, 0 disagree, 3 not comparable")


@needs_tshark
def test_tshark_is_not_asked_about_rejected_messages(capsys, bad_capture):
    rc, lines, _ = run_cli(capsys, str(bad_capture))
    assert rc == 1
    assert lines[6].endswith("DISAGREE       not comparable (our codec rejects the message)")
    assert lines[8] == "7          RICindication                      agree          agree"


@needs_tshark
def test_tshark_disagreement_is_reported(monkeypatch, bad_capture):
    real = cc.run_tshark

    def lying(info, capture, ports, timeout=600):
        frames = real(info, capture, ports, timeout)
        frames[7][0].ie_ids = frames[7][0].ie_ids[:-1]
        return frames
    monkeypatch.setattr(cc, "run_tshark", lying)
    result = cc.crosscheck(str(bad_capture))
    last = result.checks[-1]
    assert last.tshark.status == "DISAGREE"
    assert last.tshark.detail == "IE ids: ours [29, 5, 15, 27, 28, 25, 26], tshark [29, 5, 15, 27, 28, 25]"
    assert "  packet 7: tshark: IE ids: ours [29, 5, 15, 27, 28, 25, 26], tshark [29, 5, 15, 27, 28, 25]" \
        in cc.table_lines(result)


def test_tshark_missing_is_not_an_error(monkeypatch, bad_capture):
    monkeypatch.setattr(cc, "find_tshark", lambda: None)
    result = cc.crosscheck(str(bad_capture))
    assert result.tshark is None
    assert all(c.tshark is None for c in result.checks)
