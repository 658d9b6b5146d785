"""Read captures back with tshark (4.0.17 on Debian) and check what it dissects.

Debian's tshark 4.0 dissects E2AP only on SCTP port 37464 and only E2AP v1;
our fixtures are v03.01, so the E2AP layer is only checked for being
recognised (and for the procedure code, the PDU's second octet); everything
else checked is the SCTP / IP / pcapng layer.  For the strict "no malformed,
no warnings" check the E2AP dissector is disabled, so that the payload goes to
the "data" dissector and its bytes can be compared too.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.evidence import PcapngWriter

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "fixtures/golden/e2ap-v03.01").glob("*.json"))
NODE, RIC = ("192.168.10.11", 36421), ("192.168.10.20", 37464)
VTAGS = (0x0BADCAFE, 0x5EED1234)
T0 = 1_700_000_000.0
# Verify checksums: SCTP is not checked unless told which algorithm; IPv4 off by default.
PREFS = ["-o", "sctp.checksum:CRC 32c", "-o", "ip.check_checksum:TRUE"]
PI_COMMENT = 0x00100000   # expert severity of a frame comment; anything higher is a problem
SENT, RECEIVED = 2, 1     # frame.packet_flags_direction: outbound, inbound
FIELDS = [
    "frame.number", "frame.protocols", "frame.comment", "frame.time_epoch",
    "frame.packet_flags_direction", "frame.interface_name", "eth.type",
    "ip.src", "ip.dst", "ip.len", "ip.checksum.status", "ipv6.src", "ipv6.dst",
    "sctp.srcport", "sctp.dstport", "sctp.verification_tag", "sctp.checksum.status",
    "sctp.chunk_type", "sctp.chunk_length", "sctp.data_tsn_raw", "sctp.data_sid",
    "sctp.data_ssn", "sctp.data_payload_proto_id", "sctp.data_b_bit", "sctp.data_e_bit",
    "sctp.init_initiate_tag", "sctp.initack_initiate_tag", "sctp.shutdown_cumulative_tsn_ack",
    "e2ap.procedureCode", "data.data", "data.len",
    "_ws.malformed", "_ws.expert.severity", "_ws.expert.message",
]


def tshark(path: Path, *extra: str, check: bool = True) -> tuple[list[dict], subprocess.CompletedProcess]:
    cmd = [TSHARK, "-n", "-r", str(path), *PREFS, *extra, "-T", "json"]
    for f in FIELDS:
        cmd += ["-e", f]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout) if proc.stdout.strip() else []
    return [pkt["_source"]["layers"] for pkt in out], proc


def one(layers: dict, field: str) -> str | None:
    values = layers.get(field)
    if values is None:
        return None
    assert len(values) == 1, (field, values)
    return values[0]


def load_messages():
    msgs = []
    for i, path in enumerate(FIXTURES):
        fixture = json.loads(path.read_text())
        (kind, body), = fixture["value"].items()
        msgs.append(dict(
            data=bytes.fromhex(fixture["hex"]), name=body["value"]["type"],
            procedure=body["procedureCode"],
            direction="sent" if i % 2 == 0 else "received", stream=i % 3,
            time=T0 + 1 + i * 0.25,
            where=f"{path.relative_to(ROOT)}:{i + 1}"))
    for m in msgs:
        verb = "send" if m["direction"] == "sent" else "receive"
        m["comment"] = f"{verb} {m['name']} ({m['where']})"
    return msgs


@pytest.fixture(scope="module")
def e2_capture(tmp_path_factory):
    assert FIXTURES, "no E2AP fixtures"
    msgs = load_messages()
    path = tmp_path_factory.mktemp("pcap") / "e2.pcapng"
    with PcapngWriter(path, comment="E2 setup and friends, E2AP v03.01") as pcap:
        flow = pcap.association(local=NODE, remote=RIC, vtags=VTAGS, time=T0)
        for m in msgs:
            flow.packet(m["data"], direction=m["direction"], time=m["time"],
                        stream=m["stream"], comment=m["comment"])
    return path, msgs


def test_tshark_reads_every_field(e2_capture):
    path, msgs = e2_capture
    pkts, _ = tshark(path)
    assert len(pkts) == 4 + len(msgs) + 3

    # Whole association: handshake, one DATA chunk per message, shutdown.
    assert [one(p, "sctp.chunk_type") for p in pkts] == (
        ["1", "2", "10", "11"] + ["0"] * len(msgs) + ["7", "8", "14"])
    assert one(pkts[0], "sctp.init_initiate_tag") == f"0x{VTAGS[0]:08x}"
    assert one(pkts[1], "sctp.initack_initiate_tag") == f"0x{VTAGS[1]:08x}"

    for p in pkts:
        # Every frame: checksums verified good, no expert info beyond the comment.
        assert one(p, "ip.checksum.status") == "1"
        assert one(p, "sctp.checksum.status") == "1"
        assert one(p, "eth.type") == "0x0800"
        assert one(p, "frame.interface_name") == "oran-harness"
        assert one(p, "frame.comment")

    tsn = {"sent": VTAGS[0], "received": VTAGS[1]}
    ssn: dict[tuple[str, int], int] = {}
    for p, m in zip(pkts[4:], msgs):
        sent = m["direction"] == "sent"
        src, dst = (NODE, RIC) if sent else (RIC, NODE)
        assert (one(p, "ip.src"), one(p, "ip.dst")) == (src[0], dst[0])
        assert (one(p, "sctp.srcport"), one(p, "sctp.dstport")) == (str(src[1]), str(dst[1]))
        assert one(p, "sctp.verification_tag") == f"0x{VTAGS[1 if sent else 0]:08x}"
        assert one(p, "sctp.data_payload_proto_id") == "70"
        assert one(p, "sctp.data_sid") == f"0x{m['stream']:04x}"
        key = (m["direction"], m["stream"])
        assert one(p, "sctp.data_ssn") == str(ssn.get(key, 0))
        ssn[key] = ssn.get(key, 0) + 1
        assert one(p, "sctp.data_tsn_raw") == str(tsn[m["direction"]])
        tsn[m["direction"]] += 1
        assert (one(p, "sctp.data_b_bit"), one(p, "sctp.data_e_bit")) == ("1", "1")
        assert one(p, "sctp.chunk_length") == str(16 + len(m["data"]))
        assert one(p, "ip.len") == str(20 + 12 + 16 + len(m["data"]) + (-len(m["data"])) % 4)
        assert one(p, "frame.comment") == m["comment"]
        assert one(p, "frame.packet_flags_direction") == f"0x{SENT if sent else RECEIVED:08x}"
        assert abs(float(one(p, "frame.time_epoch")) - m["time"]) < 1e-6
        # Recognised as E2AP (by port 37464), with the right procedure code.
        assert "e2ap" in one(p, "frame.protocols").split(":")
        # (The first one; CriticalityDiagnostics may repeat a procedure code.)
        assert p["e2ap.procedureCode"][0] == str(m["procedure"])
        # The v1 dissector may call some v03.01 PDUs malformed; never anything below it.
        for text in p.get("_ws.malformed", []):
            assert text in ("[Malformed Packet: E2AP]", "_ws.malformed"), text

    shutdown = pkts[-3]
    assert one(shutdown, "sctp.shutdown_cumulative_tsn_ack") == str(tsn["received"] - 1)


def test_tshark_strict_without_e2ap_dissector(e2_capture):
    """With E2AP off, the payload is plain data: no malformed packets, no warnings."""
    path, msgs = e2_capture
    pkts, _ = tshark(path, "--disable-protocol", "e2ap")
    for p in pkts:
        assert "_ws.malformed" not in p, p
        assert all(int(s) <= PI_COMMENT for s in p.get("_ws.expert.severity", [])), p.get("_ws.expert.message")
    for p, m in zip(pkts[4:], msgs):
        assert one(p, "frame.protocols") == "eth:ethertype:ip:sctp:data"
        assert one(p, "data.data") == m["data"].hex()


def test_tshark_ipv6_and_reassembly(tmp_path):
    path = tmp_path / "big.pcapng"
    big = bytes(range(256)) * 600           # 153600 octets: 3 DATA chunks
    with PcapngWriter(path) as pcap:
        flow = pcap.association(local=("2001:db8::11", 36421), remote=("2001:db8::20", 50000),
                                vtags=VTAGS, time=T0)
        assert flow.packet(big, direction="sent", time=T0 + 1, stream=5, ppid=0,
                           comment="send big") == 3
        flow.packet(b"tail", direction="received", time=T0 + 2, stream=5, ppid=0)
    pkts, _ = tshark(path)
    frags, tail = pkts[4:7], pkts[7]
    for p in pkts:
        assert one(p, "eth.type") == "0x86dd"
        assert one(p, "sctp.checksum.status") == "1"
        assert "_ws.malformed" not in p
        assert all(int(s) <= PI_COMMENT for s in p.get("_ws.expert.severity", []))
    assert [(one(p, "sctp.data_b_bit"), one(p, "sctp.data_e_bit")) for p in frags] == [
        ("1", "0"), ("0", "0"), ("0", "1")]
    assert {one(p, "sctp.data_ssn") for p in frags} == {"0"}
    assert [one(p, "sctp.data_tsn_raw") for p in frags] == [str(VTAGS[0] + i) for i in range(3)]
    assert [one(p, "frame.comment") for p in frags] == [
        f"send big [fragment {i}/3]" for i in (1, 2, 3)]
    assert (one(frags[0], "ipv6.src"), one(frags[0], "ipv6.dst")) == ("2001:db8::11", "2001:db8::20")
    # Wireshark reassembled the message in the last fragment's frame.
    assert one(frags[2], "data.len") == str(len(big))
    assert one(frags[2], "data.data") == big.hex()
    assert one(tail, "data.data") == b"tail".hex()


def test_tshark_reads_file_cut_mid_block(e2_capture, tmp_path):
    path, msgs = e2_capture
    full = path.read_bytes()
    cut = tmp_path / "cut.pcapng"
    # Cut the 20th E2AP message's block in half, as a SIGKILL mid-write would.
    pkts_full, _ = tshark(path)
    from .pcapng_reader import packets
    blocks = packets(full)
    victim = blocks[4 + 19]
    cut.write_bytes(full[:victim.offset + 40])
    pkts, proc = tshark(cut, check=False)
    assert proc.returncode != 0 and "cut short" in proc.stderr
    assert len(pkts) == 4 + 19
    assert [one(p, "frame.comment") for p in pkts] == [one(p, "frame.comment") for p in pkts_full[:23]]
    assert all(one(p, "sctp.checksum.status") == "1" for p in pkts)


def test_tshark_reads_file_of_killed_writer(tmp_path):
    """A writer killed with SIGKILL (no close, no SHUTDOWN) leaves a readable file."""
    path = tmp_path / "killed.pcapng"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from harness.evidence import PcapngWriter
        w = PcapngWriter({str(path)!r})
        f = w.association(local={NODE!r}, remote={RIC!r}, time={T0!r})
        for i in range(10):
            f.packet(b"\\x00\\x01" * (i + 1), direction="sent", time={T0!r} + i, ppid=0,
                     comment=f"message {{i}}")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == -signal.SIGKILL
    pkts, _ = tshark(path, "--disable-protocol", "e2ap")
    assert len(pkts) == 4 + 10
    assert [one(p, "frame.comment") for p in pkts[4:]] == [f"message {i}" for i in range(10)]
    assert all(one(p, "sctp.checksum.status") == "1" for p in pkts)
