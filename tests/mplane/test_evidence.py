"""M-plane evidence on a real results folder: the pcapng of decrypted NETCONF (checked with tshark) and
the joint HTML report (XML shown escaped, sequence charts naming rpc / rpc-reply / notification)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.session import HarnessSession, Options
from harness.core.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]
DUT = ROOT / "fixtures" / "profiles" / "dut-sim-o-ru.yaml"
LAB = ROOT / "fixtures" / "profiles" / "lab-sim-mplane.yaml"
SPECS = ROOT / "testcases" / "wg4-conf" / "mplane"
TSHARK = shutil.which("tshark")


def _run(results: Path, file: str, clause: str, fault: str | None = None):
    session = HarnessSession(Options(DUT, LAB, "sim", fault, results, ROOT / "testcases"))
    try:
        tc = next(t for t in session.load(SPECS / file).testcases if t.id.endswith(":" + clause))
        result = session.run(tc)
    finally:
        session.finish()
    row = json.loads((results / "results.jsonl").read_text().splitlines()[-1])
    return result, row


@pytest.fixture(scope="module")
def alarm_run(tmp_path_factory):
    results = tmp_path_factory.mktemp("mp") / "res"
    result, row = _run(results, "alarms.yaml", "3.1.2.1")
    assert result.verdict == Verdict.PASS, [f.line() for f in result.findings]
    return results, row


def _tshark_payloads(pcap: Path) -> list[tuple[int, str, str]]:
    """(frame number, first XML tag as tshark saw it, TCP payload text) of every frame tshark dissects as XML."""
    out = subprocess.run([TSHARK, "-r", str(pcap), "-d", "tcp.port==830,xml", "-d", "tcp.port==4334,xml",
                          "-Y", "xml", "-T", "fields", "-E", "occurrence=f", "-e", "frame.number",
                          "-e", "xml.tag", "-e", "tcp.payload"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    rows = []
    for line in out.stdout.splitlines():
        number, tag, payload = line.split("\t")
        rows.append((int(number), tag, bytes.fromhex(payload.replace(":", "")).decode()))
    return rows


def test_pcapng_says_what_it_is_and_sits_in_the_row(alarm_run):
    results, row = alarm_run
    pcap = results / row["pcap"]
    data = pcap.read_bytes()
    assert b"decrypted NETCONF application layer reconstructed by the harness" in data[:1024]
    assert b"not the SSH bytes" in data[:1024]


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian package tshark)")
def test_tshark_reads_every_netconf_message_in_order_with_consistent_tcp(alarm_run):
    results, row = alarm_run
    pcap = results / row["pcap"]
    exchange = json.loads((results / row["exchange"]).read_text())
    frames = _tshark_payloads(pcap)
    assert [text for _, _, text in frames] == [e["xml"] for e in exchange]
    kinds = [e["message"] for e in exchange]
    assert kinds[:2] == ["hello", "hello"]
    first = next(i for i, e in enumerate(exchange) if e["message"] == "rpc" and "create-subscription" in e["xml"])
    learnt = exchange[2:first]                # the connect step learns the O-RU's modules, one rpc at a time
    assert learnt and [e["message"] for e in learnt] == ["rpc", "rpc-reply"] * (len(learnt) // 2)
    assert all("<get-schema" in e["xml"] for e in learnt[::2]), [e["xml"][:120] for e in learnt[::2]]
    assert ["rpc", "rpc-reply"] == kinds[first:first + 2] and "notification" in kinds
    assert all(tag.startswith("<") for _, tag, _ in frames), frames      # the XML dissector parsed each one
    flagged = subprocess.run([TSHARK, "-r", str(pcap), "-Y", "tcp.analysis.flags && !tcp.analysis.window_update",
                              "-T", "fields", "-e", "frame.number"], capture_output=True, text=True, timeout=60)
    assert flagged.stdout.split() == [], f"tshark found TCP sequence problems in frames {flagged.stdout.split()}"


@pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian package tshark)")
def test_a_malformed_reply_is_kept_in_the_pcapng_and_shown_as_such_in_the_report(tmp_path):
    results = tmp_path / "res"
    result, row = _run(results, "retrieval.yaml", "3.1.1.6", fault="malformed-xml")
    assert result.verdict == Verdict.FAIL
    assert [f for f in result.findings if f.verdict == Verdict.FAIL][0].check == "rpc.reply"
    exchange = json.loads((results / row["exchange"]).read_text())
    cut = next(e for e in exchange if e["message"] == "?")
    payloads = subprocess.run([TSHARK, "-r", str(results / row["pcap"]), "-T", "fields", "-e", "tcp.payload",
                               "-Y", "tcp.len > 0"], capture_output=True, text=True, timeout=60).stdout.split()
    assert cut["xml"].encode().hex() in [p.replace(":", "") for p in payloads]
    html = _report(results, tmp_path / "report")
    assert "(not well-formed XML)" in html


def _report(results: Path, out: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "harness.cli.main", "report", "build", str(results), "-o", str(out),
                           "--no-pdf"], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return (out / "report.html").read_text()


def test_report_shows_netconf_legibly(alarm_run, tmp_path):
    results, _ = alarm_run
    html = _report(results, tmp_path / "report")
    for label in ("1. hello", "3. rpc get-schema", r"\d+\. rpc create-subscription", r"\d+\. rpc-reply ok",
                  r"\d+\. notification alarm-notif"):
        assert re.search(f">{label}<", html), label                        # the sequence chart's arrow labels
    assert "&lt;alarm-notif xmlns=&#34;urn:o-ran:fm:1.0&#34;&gt;" in html or \
        "&lt;alarm-notif xmlns=&quot;urn:o-ran:fm:1.0&quot;&gt;" in html  # the XML, escaped
    assert "<alarm-notif" not in html and "<rpc-reply" not in html          # never as live markup
    assert re.search(r"\n +&lt;fault-id&gt;17&lt;/fault-id&gt;\n", html)         # indented, one element a line
