"""`oran-harness analyze` of A1 captures: HTTP framing over TCP and the HTTP-step observer.

Captures are real files: the pcapngs a real A1 run leaves in its results folder (simulator on
loopback), and hand-built ones written with the same TCP flow writer (chunked bodies,
pipelining, a message spread over many segments, broken framing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.capture.http import http_messages, pair
from harness.capture.reader import read_messages
from harness.cli.main import main
from harness.evidence.pcapng import PcapngWriter
from harness.evidence.tcpflow import TcpFlow
from harness.suite import run_suite

ROOT = Path(__file__).resolve().parents[2]
RIC = ROOT / "fixtures/profiles/dut-sim-a1-ric.yaml"
NONRT = ROOT / "fixtures/profiles/dut-sim-a1-nonrt-ric.yaml"
LAB = ROOT / "fixtures/profiles/lab-sim-fast.yaml"
SPECS = ROOT / "testcases/a1ts"
POLICY = "/A1-P/v2/policytypes/ORAN_QoSTarget_2.0.0/policies/a1ts-policy-1"


def _pcap(results: Path, tc_id: str) -> Path:
    name = tc_id.replace(":", "_").replace("/", "_")
    return results / "tests" / name / f"{name}.pcapng"


@pytest.fixture(scope="module")
def ric_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("a1-run")
    run_suite(RIC, LAB, specs_root=SPECS, results=out)
    return out


def _analyze(capsys, capture, dut=RIC, *extra):
    rc = main(["analyze", str(capture), "--specs", str(SPECS), "--dut", str(dut), "--lab", str(LAB), *extra])
    out, err = capsys.readouterr()
    return rc, out, err


def _verdicts(out: str) -> dict:
    rows = {}
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] in ("PASS", "FAIL", "INCONC", "ERROR"):
            rows[parts[1]] = parts[0]
    return rows


CASES = ["A1TS-v02.00:6.2.1", "A1TS-v02.00:6.2.2", "A1TS-v02.00:6.2.2/unknown-type", "A1TS-v02.00:6.2.3",
         "A1TS-v02.00:6.2.3/schema-violation", "A1TS-v02.00:6.2.4", "A1TS-v02.00:6.2.5",
         "A1TS-v02.00:6.2.5/unknown-policy", "A1TS-v02.00:6.2.6", "A1TS-v02.00:6.2.7", "A1TS-v02.00:6.2.8",
         "A1TS-v02.00:6.2.8/unknown-policy", "A1TS-v02.00:6.2.9"]


def test_every_pcapng_of_a_real_run_passes_its_own_test_case(ric_run, capsys):
    for tc_id in CASES:
        rc, out, err = _analyze(capsys, _pcap(ric_run, tc_id))
        rows = _verdicts(out)
        assert rc == 0 and rows.get(tc_id) == "PASS", (tc_id, out, err)
        assert set(rows.values()) == {"PASS"}, out          # followed cases only, none failing
        assert err == ""


def test_cases_the_capture_does_not_follow_are_inconclusive(ric_run, capsys):
    rc, out, _ = _analyze(capsys, _pcap(ric_run, "A1TS-v02.00:6.2.6"), RIC, "--all")
    rows = _verdicts(out)
    assert rows["A1TS-v02.00:6.2.3"] == "PASS" and rows["A1TS-v02.00:6.2.6"] == "PASS"
    assert rows["A1TS-v02.00:6.2.1"] == "INCONC"
    assert ("expected the tester to send GET /A1-P/v2/policytypes, found DELETE " + POLICY + " (packet 4)") in out


def test_run_with_a_fault_fails_with_packet_numbers(tmp_path, capsys):
    run_suite(RIC, LAB, fault="wrong-status@create-policy", specs_root=SPECS, results=tmp_path / "ws")
    rc, out, _ = _analyze(capsys, _pcap(tmp_path / "ws", "A1TS-v02.00:6.2.3"))
    assert rc == 1
    assert _verdicts(out)["A1TS-v02.00:6.2.3"] == "FAIL"
    # packet 26: the capture opens with the preconditions (GET of the type, DELETE), then the create
    assert f"FAIL: http.status: PUT {POLICY} answered 200, expected 201 (packet 26)" in out
    run_suite(RIC, LAB, fault="no-location", specs_root=SPECS, results=tmp_path / "nl")
    rc, out, _ = _analyze(capsys, _pcap(tmp_path / "nl", "A1TS-v02.00:6.2.3"))
    assert rc == 1 and "http.header" in out and "headers.location: absent" in out and "(packet 26)" in out


def test_notification_case_and_nonrt_captures(tmp_path, capsys):
    run_suite(NONRT, LAB, specs_root=SPECS, results=tmp_path / "ok")
    for tc_id in ("A1TS-v02.00:5.2.1", "A1TS-v02.00:5.2.3", "A1TS-v02.00:5.2.8"):
        rc, out, err = _analyze(capsys, _pcap(tmp_path / "ok", tc_id), NONRT)
        assert rc == 0 and _verdicts(out)[tc_id] == "PASS", (out, err)
    run_suite(NONRT, LAB, fault="bad-policy", specs_root=SPECS, results=tmp_path / "bad")
    rc, out, _ = _analyze(capsys, _pcap(tmp_path / "bad", "A1TS-v02.00:5.2.3"), NONRT)
    assert rc == 1 and "http.schema" in out and "(packet 4)" in out


def test_truncated_capture_is_inconclusive_with_an_issue(ric_run, tmp_path, capsys):
    data = _pcap(ric_run, "A1TS-v02.00:6.2.3").read_bytes()
    cut = tmp_path / "cut.pcapng"
    msgs = list(read_messages(_pcap(ric_run, "A1TS-v02.00:6.2.3"), tcp_ports=None))
    assert any(m.data.startswith(b"HTTP/1.1 201") for m in msgs)
    cut.write_bytes(data[:len(data) - 700])            # inside the 201's segment or its ACK/FIN
    rc, out, err = _analyze(capsys, cut, RIC, "--all")
    assert rc in (0, 4) and "Traceback" not in err   # 4: INCONC at worst, when followed (docs/verdicts.md)
    rows = _verdicts(out)
    assert rows["A1TS-v02.00:6.2.3"] == "INCONC", out
    assert f"PUT {POLICY}: the capture ends before the response" in out
    assert "FAIL" not in rows.values()
    assert "packet" in err                                 # the cut is reported, naming a packet


# ---------------------------------------------------------------------- hand-built captures
def _write(path: Path, conversation, mss: int = 1460) -> Path:
    with PcapngWriter(path, comment="hand-built A1 capture") as w:
        flow = TcpFlow(w, ("10.0.0.1", 40000), ("10.0.0.2", 8080), client="local", time=1000.0, mss=mss)
        t = 1000.0
        for direction, data in conversation:
            t += 0.01
            flow.send(data, direction=direction, time=t)
        flow.close(time=t + 0.01)
    return path


def _put(policy_id="a1ts-policy-1") -> bytes:
    body = json.dumps({"scope": {"ueId": "ue-0001"}, "qosObjectives": {"priorityLevel": 5, "gfbr": 1000}}).encode()
    return (f"PUT /A1-P/v2/policytypes/ORAN_QoSTarget_2.0.0/policies/{policy_id} HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


def _chunked_201(location=True) -> bytes:
    body = json.dumps({"scope": {"ueId": "ue-0001"}, "qosObjectives": {"priorityLevel": 5, "gfbr": 1000}}).encode()
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 10]), body[i:i + 10]) for i in range(0, len(body), 10))
    loc = f"Location: http://10.0.0.2:8080{POLICY}\r\n" if location else ""
    return (f"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n{loc}Transfer-Encoding: chunked\r\n\r\n"
            ).encode() + chunks + b"0\r\n\r\n"


def test_chunked_response_split_over_segments(tmp_path, capsys):
    delete = f"DELETE {POLICY} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    gone = (b"HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nContent-Length: 14\r\n\r\n"
            b'{"status":404}')
    cap = _write(tmp_path / "chunked.pcapng", [("sent", delete), ("received", gone), ("sent", _put()),
                                               ("received", _chunked_201())], mss=7)
    issues: list = []
    tr = pair(http_messages(read_messages(cap, issues=issues, tcp_ports=None), issues), issues)
    assert issues == [] and [t.response.status for t in tr] == [404, 201]
    assert tr[1].response.framing == "chunked" and json.loads(tr[1].response.body)["qosObjectives"]["gfbr"] == 1000
    assert len(tr[1].response.packets) > 20                  # one message, many segments
    rc, out, _ = _analyze(capsys, cap)
    assert rc == 0 and _verdicts(out)["A1TS-v02.00:6.2.3"] == "PASS", out


def test_pipelined_requests_pair_in_order(tmp_path):
    two = (b"GET /A1-P/v2/policytypes HTTP/1.1\r\nHost: x\r\n\r\n"
           b"HEAD /A1-P/v2/policytypes HTTP/1.1\r\nHost: x\r\n\r\n")
    answers = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
               b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n")
    cap = _write(tmp_path / "pipe.pcapng", [("sent", two), ("received", answers)])
    issues: list = []
    tr = pair(http_messages(read_messages(cap, issues=issues, tcp_ports=None), issues), issues)
    assert [(t.request.method, t.response.status, t.response.body) for t in tr] == [("GET", 200, b"[]"),
                                                                                   ("HEAD", 200, b"")]
    assert issues == []


def test_bad_framing_is_an_issue_naming_the_packet(tmp_path, capsys):
    bad = b"HTTP/1.1 201 Created\r\nContent-Length: twelve\r\n\r\n{}"
    cap = _write(tmp_path / "bad.pcapng", [("sent", _put()), ("received", bad)])
    issues: list = []
    http_messages(read_messages(cap, issues=issues, tcp_ports=None), issues)
    assert [(i.packet, i.message) for i in issues] == [
        (6, "HTTP 10.0.0.2:8080 -> 10.0.0.1:40000: bad Content-Length (in the message starting "
            "'HTTP/1.1 201 Created')")]
    rc, out, err = _analyze(capsys, cap, RIC, "--all")
    assert "packet 6: HTTP 10.0.0.2:8080 -> 10.0.0.1:40000: bad Content-Length (in the message" in err
    assert _verdicts(out)["A1TS-v02.00:6.2.3"] == "INCONC"   # the answer cannot be read: no verdict on it
    garbage = _write(tmp_path / "garbage.pcapng", [("sent", b"\x16\x03\x01 not http at all")])
    issues = []
    assert http_messages(read_messages(garbage, issues=issues, tcp_ports=None), issues) == []
    assert issues and issues[0].packet == 4 and "not an HTTP message" in issues[0].message


def test_body_over_the_cap_is_cut(tmp_path):
    big = b"x" * 5000
    resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + big
    cap = _write(tmp_path / "big.pcapng", [("sent", b"GET /A1-P/v2/policytypes HTTP/1.1\r\nHost: x\r\n\r\n"),
                                                      ("received", resp)])
    issues: list = []
    msgs = http_messages(read_messages(cap, issues=issues, tcp_ports=None), issues, max_body=1000)
    assert len(msgs[1].body) == 1000 and msgs[1].truncated


def test_decode_lists_http_messages(ric_run, capsys):
    rc = main(["decode", str(_pcap(ric_run, "A1TS-v02.00:6.2.3"))])
    out, _ = capsys.readouterr()
    assert rc == 0
    assert f"PUT {POLICY}" in out and "201 Created" in out
