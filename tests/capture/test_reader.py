"""harness.capture.reader against the fixtures of tools/make_captures.py (and tshark)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from harness.capture import fastmodel
from harness.capture.model import CaptureError, CapturedMessage, CaptureIssue
from harness.capture.reader import ReaderStats, read_messages

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "fixtures" / "captures"
sys.path.insert(0, str(ROOT))
from tools import make_captures as mk  # noqa: E402

SESSION_ASSOC = "10.96.14.20:36421-192.168.30.11:38472#5e6f7081:1a2b3c4d"


def read(name: str):
    issues: list = []
    stats = ReaderStats()
    msgs = list(read_messages(CAPTURES / name, issues=issues, stats=stats))
    return msgs, issues, stats


@pytest.mark.parametrize("name", sorted(mk.FIXTURES))
def test_fixtures_are_what_the_tool_makes_and_small(name):
    data = (CAPTURES / name).read_bytes()
    assert data == mk.FIXTURES[name](), f"{name} is stale: run tools/make_captures.py"
    assert len(data) < 100_000


def test_e2_session():
    msgs, issues, stats = read("e2-session.pcapng")
    assert issues == []
    assert (stats.packets, stats.messages, stats.skipped) == (31, 24, 0)
    assert [m.packets for m in msgs] == [(n,) for n in range(5, 29)]
    assert {(m.transport, m.ppid, m.association) for m in msgs} == {("sctp", 70, SESSION_ASSOC)}
    assert [m.stream for m in msgs] == [0, 0] + [1] * 22
    assert msgs[0].src == "192.168.30.11:38472" and msgs[0].dst == "10.96.14.20:36421"
    assert msgs[0].time == pytest.approx(mk.T0 + 0.010)
    assert msgs[0].data == mk.golden("pc01-1-E2setupRequest")
    assert msgs[1].data == mk.golden("pc01-2-E2setupResponse")
    assert msgs[2].data == mk.golden("pc08-1-RICsubscriptionRequest")
    assert msgs[3].data == mk.golden("pc08-2-RICsubscriptionResponse")
    assert msgs[4].data == mk.golden("pc05-1-RICindication")
    assert [m.data for m in msgs[4:]] == [mk.indication(311 + i) for i in range(20)]


def test_bundled_fragmented_udp_and_ip_fragments():
    msgs, issues, stats = read("e2-bundled-fragmented.pcap")
    assert issues == []
    a = "172.16.1.1:36421-172.16.1.10:40001#0a0a0002:0a0a0001"
    b = "172.16.1.1:36421-172.16.2.10:40002#0b0b0002:0b0b0001"
    g = mk.golden
    assert [(m.packets, m.transport, m.association, m.stream, m.ppid, m.data) for m in msgs] == [
        ((6,), "sctp-udp", b, 0, 70, g("pc01-1-E2setupRequest")),
        ((5, 7, 9), "sctp", a, 0, 70, g("pc01-1-E2setupRequest")),
        ((10,), "sctp", a, 0, 70, g("pc01-2-E2setupResponse")),
        ((10,), "sctp", a, 1, 70, g("pc08-1-RICsubscriptionRequest")),
        ((11,), "sctp-udp", b, 0, 70, g("pc01-2-E2setupResponse")),
        ((11,), "sctp-udp", b, 1, 70, g("pc08-1-RICsubscriptionRequest")),
        ((12,), "sctp", a, 1, 70, g("pc08-2-RICsubscriptionResponse")),
        ((14, 15, 16), "sctp", a, 0, 70, g("pc07-1-RICserviceUpdate")),
        ((17,), "sctp-udp", b, 1, 70, g("pc08-2-RICsubscriptionResponse")),
    ]
    assert msgs[1].time == pytest.approx(mk.T0 + 0.014)       # time of the last fragment
    assert (stats.packets, stats.skipped, stats.duplicates, stats.ip_fragments) == (17, 1, 1, 3)


def test_sctp_over_udp_needs_its_port(tmp_path):
    data = (CAPTURES / "e2-bundled-fragmented.pcap").read_bytes()
    path = tmp_path / "x.pcap"
    path.write_bytes(data.replace(struct.pack("!HH", 9899, 9899), struct.pack("!HH", 5000, 5000)))
    assert not [m for m in read_messages(path) if m.transport == "sctp-udp"]
    assert len([m for m in read_messages(path, udp_ports=[5000]) if m.transport == "sctp-udp"]) == 4


def test_vlan_sll_raw_ip_interfaces():
    msgs, issues, stats = read("e2-vlan-sll.pcapng")
    v4 = "10.10.0.1:36421-10.10.0.2:36500"
    v6 = "[2001:db8:e2::1]:36421-[2001:db8:e2::2]:36500"
    g = mk.golden
    assert [(m.packets, m.association, m.src, m.stream, m.data) for m in msgs] == [
        ((1,), v4, "10.10.0.2:36500", 0, g("pc01-1-E2setupRequest")),                 # 802.1Q
        ((2,), v4, "10.10.0.1:36421", 0, g("pc01-2-E2setupResponse")),                # QinQ
        ((3,), v4, "10.10.0.1:36421", 1, g("pc08-1-RICsubscriptionRequest")),         # SLL
        ((4,), v6, "[2001:db8:e2::2]:36500", 1, g("pc08-2-RICsubscriptionResponse")),  # SLL2
        ((5,), v4, "10.10.0.2:36500", 1, g("pc05-1-RICindication")),                  # raw IPv4
        ((6, 7), v6, "[2001:db8:e2::2]:36500", 0, g("pc07-1-RICserviceUpdate")),      # IPv6 frags
        ((9,), v6, "[2001:db8:e2::1]:36421", 0, g("pc02-1-ErrorIndication")),          # raw (101)
        ((11,), v4, "10.10.0.1:36421", 2, g("pc04-1-RICcontrolRequest")),              # SPB
    ]
    # Timestamps in µs, ns, 2^-20 s and ms resolution; the SPB has none.
    assert [m.time for m in msgs] == pytest.approx([mk.T0 + t for t in (1, 2, 3, 4, 5, 6.001, 8)]
                                                   + [0.0], abs=1e-5)
    assert issues == [CaptureIssue(10, "unknown link type 147; packets with it are skipped")]
    assert stats.packets == 10       # frame 8 is a custom block: numbered (as Wireshark does), no packet


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_packet_numbers_are_tsharks_across_custom_blocks():
    out = subprocess.run(["tshark", "-r", str(CAPTURES / "e2-vlan-sll.pcapng"), "-Y", "sctp.chunk_type == 0",
                          "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    theirs = [int(n) for n in out.split()]
    msgs, _, _ = read("e2-vlan-sll.pcapng")
    ours = sorted({n for m in msgs for n in m.packets if n != 6})   # 6: a fragment tshark files under 7
    assert theirs == ours


def test_truncated_file_keeps_what_came_before():
    msgs, issues, _ = read("e2-truncated.pcapng")
    assert [m.packets for m in msgs] == [(5,), (6,), (7,), (8,)]
    assert msgs[3].data == mk.indication(312)
    assert issues == [CaptureIssue(9, "file ends inside a packet block at offset 2404 (246 of 276 octets)")]


def test_bad_packets():
    msgs, issues, stats = read("e2-bad-packets.pcap")
    ind = mk.golden("pc05-1-RICindication")
    assert [(m.packets, m.data) for m in msgs] == [
        ((3,), ind), ((4,), ind), ((10,), mk.golden("pc09-1-RICsubscriptionDeleteRequest")),
        ((11,), ind[:40])]
    assert [(i.packet, i.message) for i in issues] == [
        (4, "SCTP chunk 2 (DATA) has a bogus length 500 (12 octets left in the packet); "
            "the rest of the packet is skipped"),
        (5, "SCTP chunk 1 (SACK) has a bogus length 0 (16 octets left in the packet); "
            "the rest of the packet is skipped"),
        (6, "IPv4 total length 9000 is bogus (216 octets captured, header 20)"),
        (7, "IPv4 total length 10 is bogus (216 octets captured, header 20)"),
        (8, "SCTP chunk 1 (DATA) of length 16 carries no user data; skipped"),
        (9, "frame of 8 octets too short for its link-layer header"),
        (12, "record length 2147483632 is bogus (snaplen 262144); the rest of the file is skipped"),
        (1, "SCTP DATA TSNs 1000-1001 on stream 1 from 10.1.1.10:36500 to 10.1.1.1:36421 lack their "
            "first fragment (the capture starts mid-message or lost a packet); the capture ends; "
            "127 octets dropped"),
    ]
    assert stats.packets == 11


def test_not_a_capture(tmp_path):
    for content, text in ((b"", "empty file, not a capture"),
                          (b"hello world", "not a pcap or pcapng file (starts with 68656c6c)")):
        path = tmp_path / "f.bin"
        path.write_bytes(content)
        with pytest.raises(CaptureError) as err:
            list(read_messages(path))
        assert str(err.value) == f"{path}: {text}"
    with pytest.raises(CaptureError):
        list(read_messages(tmp_path / "missing.pcap"))


def test_pcap_nanosecond_big_endian_and_bogus_pcapng_block(tmp_path):
    frame = mk.eth(mk.A_NODE, mk.A_RIC, 0x0800, mk.ipv4(mk.A_NODE, mk.A_RIC, mk._sctp(1, 36421, b"\x01\x02", 7)))
    for order in "<>":
        for nano in (False, True):
            path = tmp_path / "t.pcap"
            path.write_bytes(mk.pcap_file([(mk.T0 + 0.123456789, frame)], order=order, nano=nano))
            (m,) = read_messages(path)
            assert m.data == b"\x01\x02"
            assert m.time == pytest.approx(mk.T0 + (0.123456789 if nano else 0.123457), abs=1e-7)
    blocks = mk.section_header_block() + mk.interface_description_block()
    bad = blocks + mk.enhanced_packet_block(frame, ticks=1)[:4] + struct.pack("<I", 13) + bytes(40)
    path = tmp_path / "t.pcapng"
    path.write_bytes(bad)
    issues: list = []
    assert list(read_messages(path, issues=issues)) == []
    assert issues == [CaptureIssue(1, f"block at offset {len(blocks)} has a bogus length 13; "
                                      "the rest of the file is skipped")]


def test_tcp_in_order_runs(tmp_path):
    n, r = mk.A_NODE, mk.A_RIC

    def seg(seq: int, payload: bytes, flags: int = 0x18) -> bytes:
        tcp = struct.pack("!HHIIHHHH", 40000, 80, seq, 0, (5 << 12) | flags, 65535, 0, 0) + payload
        return mk.eth(n, r, 0x0800, mk.ipv4(n, r, tcp, proto=6))

    path = tmp_path / "tcp.pcap"
    path.write_bytes(mk.pcap_file([(1.0, seg(99, b"", 0x02)), (2.0, seg(100, b"GET / ")),
                                   (3.0, seg(112, b".1\r\n")), (4.0, seg(106, b"HTTP/1")),
                                   (5.0, seg(106, b"HTTP/1"))]))
    msgs = list(read_messages(path))
    assert [(m.packets, m.transport, m.data) for m in msgs] == [
        ((2,), "tcp", b"GET / "), ((3, 4), "tcp", b"HTTP/1.1\r\n")]
    assert list(read_messages(path, tcp_ports=())) == []


def test_fast_constructor_matches_the_model():
    args = ((1,), 1.0, "sctp", "a:1", "b:2", "a:1-b:2", 0, 70, b"x")
    assert fastmodel.FAST
    assert fastmodel.new_message(*args) == CapturedMessage(*args)
    assert hash(fastmodel.new_message(*args)) == hash(CapturedMessage(*args))


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_tshark_agrees_on_sctp_layer():
    out = subprocess.run(
        ["tshark", "-r", str(CAPTURES / "e2-session.pcapng"), "-Y", "sctp.chunk_type == 0",
         "-T", "fields", "-e", "frame.number", "-e", "sctp.data_sid", "-e", "sctp.data_payload_proto_id",
         "-e", "sctp.chunk_length"], capture_output=True, text=True, timeout=60, check=True).stdout
    theirs = [tuple(line.split("\t")) for line in out.splitlines()]
    msgs, _, _ = read("e2-session.pcapng")
    ours = [(str(m.packets[0]), str(m.stream), str(m.ppid), str(len(m.data))) for m in msgs]
    # sctp.chunk_length is the DATA chunk length (16 octets of header included)
    theirs = [(f, str(int(s, 0)), p, str(int(n) - 16)) for f, s, p, n in theirs]
    assert theirs == ours


def test_checksums_are_checked_only_when_asked(tmp_path):
    good, bad = CAPTURES / "e2-session.pcapng", tmp_path / "bad-crc.pcapng"
    data = bytearray(good.read_bytes())
    n = len(list(read_messages(good)))
    issues: list = []
    assert len(list(read_messages(good, issues=issues, verify_checksums=True))) == n
    assert issues == []                                  # the writer's CRC32c and IPv4 checksums are right
    # Flip one octet of the first packet's E2AP payload: its CRC32c no longer matches.
    msg = next(iter(read_messages(good)))
    at = bytes(data).find(msg.data[:24])
    data[at + 20] ^= 0xFF
    bad.write_bytes(bytes(data))
    quiet: list = []
    assert len(list(read_messages(bad, issues=quiet))) == n and quiet == []
    loud: list = []
    assert len(list(read_messages(bad, issues=loud, verify_checksums=True))) == n   # still read
    assert [i.packet for i in loud] == [msg.packets[0]]
    assert loud[0].message.startswith("SCTP checksum 0x") and "is wrong (CRC32c 0x" in loud[0].message
