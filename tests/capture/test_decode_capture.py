"""``oran-harness decode CAPTURE`` (harness/cli/capture_commands.py) on the capture fixtures."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import capture_commands, codec_commands

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "fixtures" / "captures"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.capture_commands", *args], text=True,
                          capture_output=True, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def table() -> subprocess.CompletedProcess:
    return run(str(CAPTURES / "e2-session.pcapng"))


def test_table(table):
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert len(lines) == 1 + 24
    assert lines[0].split() == ["no", "packets", "time", "src", "->", "dst", "strm", "message",
                                "key", "IEs", "status"]
    assert lines[1] == ("   1  5           0.000000  192.168.30.11:38472 N->R 10.96.14.20:36421         0  "
                        "E2setupRequest                     TransactionID=17"
                        "                                 ok")
    assert lines[5] == ("   5  9           1.490000  192.168.30.11:38472 N->R 10.96.14.20:36421         1  "
                        "RICindication                      RICrequestID=1001/1 RANfunctionID=2 "
                        "RICactionID=1 RICindicationSN=311 ok")
    assert lines[3].split()[4:8] == ["R->N", "192.168.30.11:38472", "1", "RICsubscriptionRequest"]
    assert table.stderr == ""


def test_jsonl_with_filters_and_stateful_e2sm():
    out = run(str(CAPTURES / "e2-session.pcapng"), "--format", "jsonl", "--message", "RICindication",
              "--packets", "9-10")
    assert out.returncode == 0, out.stderr
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(d["no"], d["packets"], d["message"], d["from"], d["to"]) for d in docs] == [
        (5, [9], "RICindication", "e2-node", "ric"), (6, [10], "RICindication", "e2-node", "ric")]
    first = docs[0]
    assert first["ies"] == {"RICrequestID": {"ricRequestorID": 1001, "ricInstanceID": 1},
                            "RANfunctionID": 2, "RICactionID": 1, "RICindicationSN": 311}
    # The KPM payloads decode as KPM because RAN function 2 was learned from the E2 Setup.
    assert first["notes"] == [] and first["status"] == "ok"
    ies = first["value"]["initiatingMessage"]["value"]["value"]["protocolIEs"]
    assert ies[6]["value"]["value"]["type"] == "E2SM-KPM-IndicationMessage"
    fmt1 = ies[6]["value"]["value"]["value"]["indicationMessage-formats"]["indicationMessage-Format1"]
    assert fmt1["measInfoList"][0]["measType"]["measName"] == "DRB.UEThpDl"


def test_without_e2_setup_the_payload_is_guessed_and_said_so():
    out = run(str(CAPTURES / "e2-bad-packets.pcap"), "--format", "jsonl")
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert docs[0]["notes"][0].endswith("RAN function 2 is not known (no E2 Setup seen for it): chose "
                                        "ORAN-E2SM-KPM because it is the only E2SM that decodes this payload")
    assert docs[0]["from"] is None


def test_undecodable_messages_and_reader_issues_are_findings():
    out = run(str(CAPTURES / "e2-bad-packets.pcap"))
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[-1] == "      error (packet 11): E2AP-PDU.initiatingMessage.value (bit offset 40): out of data"
    assert lines[-2].endswith("undecodable")
    assert out.stderr.splitlines() == [
        "packet 1: SCTP DATA TSNs 1000-1001 on stream 1 from 10.1.1.10:36500 to 10.1.1.1:36421 lack their "
        "first fragment (the capture starts mid-message or lost a packet); the capture ends; 127 octets dropped",
        "packet 4: SCTP chunk 2 (DATA) has a bogus length 500 (12 octets left in the packet); "
        "the rest of the packet is skipped",
        "packet 5: SCTP chunk 1 (SACK) has a bogus length 0 (16 octets left in the packet); "
        "the rest of the packet is skipped",
        "packet 6: IPv4 total length 9000 is bogus (216 octets captured, header 20)",
        "packet 7: IPv4 total length 10 is bogus (216 octets captured, header 20)",
        "packet 8: SCTP chunk 1 (DATA) of length 16 carries no user data; skipped",
        "packet 9: frame of 8 octets too short for its link-layer header",
        "packet 12: record length 2147483632 is bogus (snaplen 262144); the rest of the file is skipped",
    ]


def test_association_filter():
    out = run(str(CAPTURES / "e2-bundled-fragmented.pcap"), "--format", "jsonl",
              "--association", "172.16.1.1:36421-172.16.2.10:40002")
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(d["packets"], d["transport"], d["message"]) for d in docs] == [
        ([6], "sctp-udp", "E2setupRequest"), ([11], "sctp-udp", "E2setupResponse"),
        ([11], "sctp-udp", "RICsubscriptionRequest"), ([17], "sctp-udp", "RICsubscriptionResponse")]


@pytest.mark.parametrize("content, text", [
    (b"not a capture", "not a pcap or pcapng file (starts with 6e6f7420)"),
    (b"", "empty file, not a capture"),
])
def test_unreadable_file_exits_2(tmp_path, content, text):
    path = tmp_path / "x.pcap"
    path.write_bytes(content)
    out = run(str(path))
    assert (out.returncode, out.stdout, out.stderr) == (2, "", f"error: {path}: {text}\n")
    missing = run(str(tmp_path / "missing.pcap"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1


def test_hook_into_the_decode_parser():
    """codec_commands.register hooks the capture in: it joins the --hex/--file group."""
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    codec_commands.register(sub)
    args = parser.parse_args(["decode", str(CAPTURES / "e2-truncated.pcapng"), "--message", "E2setupResponse"])
    assert args.handler(args) == 0
    assert parser.parse_args(["decode", "--hex", "00"]).capture is None
    with pytest.raises(SystemExit):
        parser.parse_args(["decode", "--hex", "00", "x.pcap"])
