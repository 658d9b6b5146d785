"""Structure of the synthesised Ethernet / IP / SCTP frames, parsed back by hand."""

import io
import os
import struct
import threading

import pytest

from harness.evidence import PcapngWriter
from harness.evidence.pcapng import crc32c, ipv4_checksum

from .pcapng_reader import packets, read_blocks

LOCAL, REMOTE = ("10.1.2.3", 36421), ("10.9.8.7", 37464)
VTAGS = (0x11111111, 0x22222222)


def parse_frame(frame: bytes) -> dict:
    dst_mac, src_mac, ethertype = frame[:6], frame[6:12], struct.unpack("!H", frame[12:14])[0]
    if ethertype == 0x0800:
        ip = frame[14:34]
        assert ipv4_checksum(ip) == 0
        total = struct.unpack("!H", ip[2:4])[0]
        assert total == len(frame) - 14 <= 65535
        assert ip[9] == 132
        src, dst, sctp = ip[12:16], ip[16:20], frame[34:]
    else:
        assert ethertype == 0x86DD
        ip = frame[14:54]
        assert ip[0] >> 4 == 6 and ip[6] == 132
        assert struct.unpack("!H", ip[4:6])[0] == len(frame) - 54
        src, dst, sctp = ip[8:24], ip[24:40], frame[54:]
    sport, dport, vtag = struct.unpack("!HHI", sctp[:8])
    assert sctp[8:12] == struct.pack("<I", crc32c(sctp[:8] + bytes(4) + sctp[12:]))
    chunks, i = [], 12
    while i < len(sctp):
        ctype, flags, length = struct.unpack("!BBH", sctp[i:i + 4])
        value = sctp[i + 4:i + length]
        padded = length + (-length) % 4
        assert sctp[i + length:i + padded] == bytes(padded - length)
        chunks.append((ctype, flags, value))
        i += padded
    assert i == len(sctp)
    return dict(dst_mac=dst_mac, src_mac=src_mac, src=src, dst=dst, sport=sport,
                dport=dport, vtag=vtag, chunks=chunks)


def data_fields(parsed: dict) -> dict:
    [(ctype, flags, value)] = parsed["chunks"]
    assert ctype == 0
    tsn, sid, ssn, ppid = struct.unpack("!IHHI", value[:12])
    return dict(flags=flags, tsn=tsn, sid=sid, ssn=ssn, ppid=ppid, data=value[12:])


def capture(fn, **writer_kw) -> bytes:
    buf = io.BytesIO()
    with PcapngWriter(buf, **writer_kw) as w:
        fn(w)
        data_before_close = buf.getvalue()
    assert buf.getvalue().startswith(data_before_close)
    return buf.getvalue()


def test_handshake_data_and_shutdown_sequence():
    def run(w):
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, time=10.0)
        f.packet(b"req", direction="sent", time=11.0, comment="send A")
        f.packet(b"rsp", direction="received", time=12.0, comment="recv B")
    pkts = packets(capture(run))
    parsed = [parse_frame(p.data) for p in pkts]
    types = [p["chunks"][0][0] for p in parsed]
    assert types == [1, 2, 10, 11, 0, 0, 7, 8, 14]
    # INIT carries vtag 0 and the local Initiate Tag; INIT-ACK the remote's.
    assert parsed[0]["vtag"] == 0
    assert struct.unpack("!I", parsed[0]["chunks"][0][2][:4])[0] == VTAGS[0]
    assert parsed[1]["vtag"] == VTAGS[0]
    assert struct.unpack("!I", parsed[1]["chunks"][0][2][:4])[0] == VTAGS[1]
    # Sent packets carry the remote's tag, received ones the local tag.
    for p, pkt in zip(parsed[1:], pkts[1:]):
        sent = p["sport"] == LOCAL[1]
        assert p["vtag"] == (VTAGS[1] if sent else VTAGS[0])
        assert pkt.option(2) == struct.pack("<I", 2 if sent else 1)
    # SHUTDOWN acks the last TSN received from the peer.
    assert struct.unpack("!I", parsed[6]["chunks"][0][2])[0] == data_fields(parsed[5])["tsn"]
    assert [p.comment for p in pkts][4:6] == ["send A", "recv B"]
    assert all("synthesised" in p.comment for p in pkts[:4] + pkts[6:])
    assert [p.ts for p in pkts] == [10 * 10**9] * 4 + [11 * 10**9] + [12 * 10**9] * 4


def test_tsn_and_ssn_counters():
    def run(w):
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, initial_tsns=(1000, 5000),
                          handshake=False)
        for direction, stream in [("sent", 0), ("sent", 1), ("received", 0), ("sent", 0),
                                  ("sent", 1), ("received", 0), ("received", 2)]:
            f.packet(b"x" * 5, direction=direction, time=1.0, stream=stream, ppid=70)
        f.close(shutdown=False)
    got = [data_fields(parse_frame(p.data)) for p in packets(capture(run))]
    assert [(d["tsn"], d["sid"], d["ssn"]) for d in got] == [
        (1000, 0, 0), (1001, 1, 0), (5000, 0, 0), (1002, 0, 1),
        (1003, 1, 1), (5001, 0, 1), (5002, 2, 0)]
    assert {d["flags"] for d in got} == {0x03}
    assert {d["ppid"] for d in got} == {70}


def test_addresses_ports_and_macs():
    def run(w):
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, handshake=False,
                          remote_mac="00:11:22:33:44:55")
        f.packet(b"a", direction="sent", time=1.0)
        f.packet(b"b", direction="received", time=1.0)
        f.close(shutdown=False)
    sent, recv = (parse_frame(p.data) for p in packets(capture(run)))
    assert (sent["src"], sent["dst"]) == (bytes([10, 1, 2, 3]), bytes([10, 9, 8, 7]))
    assert (sent["sport"], sent["dport"]) == (36421, 37464)
    assert (recv["sport"], recv["dport"]) == (37464, 36421)
    assert sent["dst_mac"] == recv["src_mac"] == bytes.fromhex("001122334455")
    assert sent["src_mac"] == bytes.fromhex("02000a010203")


@pytest.mark.parametrize("ip_version", [4, 6])
def test_fragmentation_at_ip_datagram_limit(ip_version):
    local, remote = (LOCAL, REMOTE) if ip_version == 4 else (("fd00::1", 1), ("fd00::2", 2))
    out = {}

    def run(w):
        f = w.association(local=local, remote=remote, vtags=VTAGS, handshake=False)
        m = f.max_fragment
        out["m"] = m
        out["n"] = [f.packet(bytes(m), direction="sent", time=1.0),
                    f.packet(os.urandom(m + 1), direction="sent", time=1.0, stream=4),
                    f.packet(bytes(3 * m), direction="received", time=1.0)]
        f.close(shutdown=False)
    pkts = packets(capture(run))
    m = out["m"]
    # The largest unfragmented message fills the IP datagram to the last padded octet.
    limit = 65535 if ip_version == 4 else 65535 + 40
    assert len(pkts[0].data) - 14 == limit - (limit - (20 if ip_version == 4 else 40) - 12) % 4
    assert out["n"] == [1, 2, 3]
    fields = [data_fields(parse_frame(p.data)) for p in pkts]
    assert [(d["flags"], d["ssn"], d["sid"]) for d in fields] == [
        (3, 0, 0), (2, 0, 4), (1, 0, 4), (2, 0, 0), (0, 0, 0), (1, 0, 0)]
    assert [d["tsn"] - fields[0]["tsn"] for d in fields[:3]] == [0, 1, 2]
    assert fields[1]["data"] + fields[2]["data"] and len(fields[2]["data"]) == 1
    assert [p.comment for p in pkts[1:3]] == ["[fragment 1/2]", "[fragment 2/2]"]


def test_mtu_limits_frame_size():
    def run(w):
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, handshake=False, mtu=1500)
        assert f.packet(bytes(4000), direction="sent", time=1.0, comment="big") == 3
        f.close(shutdown=False)
    pkts = packets(capture(run))
    assert all(len(p.data) - 14 <= 1500 for p in pkts)
    assert [p.comment for p in pkts] == [f"big [fragment {i}/3]" for i in (1, 2, 3)]
    assert b"".join(data_fields(parse_frame(p.data))["data"] for p in pkts) == bytes(4000)


def test_nanosecond_timestamps_keep_float_precision():
    def run(w):
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, handshake=False)
        f.packet(b"a", direction="sent", time=1700000000.25)
        f.packet(b"a", direction="sent", time=1700000000.000001)
        f.close(shutdown=False)
    ts = [p.ts for p in packets(capture(run))]
    assert ts[0] == 1700000000_250000000
    assert abs(ts[1] - 1700000000_000001000) < 300   # a double holds ~0.24 us here


def test_every_packet_is_flushed(tmp_path):
    path = tmp_path / "live.pcapng"
    w = PcapngWriter(path)
    f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, time=1.0)
    f.packet(b"m1", direction="sent", time=2.0, comment="one")
    # Another reader sees every packet so far while the writer is still open.
    assert [p.comment for p in packets(path.read_bytes())][-1] == "one"
    assert len(packets(path.read_bytes())) == 5
    w.close()
    assert len(packets(path.read_bytes())) == 8  # + SHUTDOWN, -ACK, -COMPLETE


def test_truncated_file_parses_up_to_last_whole_block(tmp_path):
    path = tmp_path / "cut.pcapng"
    with PcapngWriter(path, fsync=True) as w:
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, time=1.0)
        for i in range(5):
            f.packet(bytes(100 + i), direction="sent", time=2.0 + i, comment=f"m{i}")
    full = path.read_bytes()
    last = read_blocks(full)[-1]
    cut = full[:last.offset + 30]
    assert len(packets(cut, allow_truncated=True)) == len(packets(full)) - 1


def test_concurrent_packets_keep_counters_consistent():
    def run(w):
        f = w.association(local=LOCAL, remote=REMOTE, vtags=VTAGS, initial_tsns=(1, 1),
                          handshake=False)
        def worker():
            for _ in range(50):
                f.packet(b"z", direction="sent", time=1.0)
        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        f.close(shutdown=False)
    got = [data_fields(parse_frame(p.data)) for p in packets(capture(run))]
    assert [d["tsn"] for d in got] == list(range(1, 201))
    assert [d["ssn"] for d in got] == list(range(200))


def test_bad_arguments():
    w = PcapngWriter(io.BytesIO())
    with pytest.raises(ValueError):
        w.association(local=LOCAL, remote=("fd00::1", 1))
    with pytest.raises(ValueError):
        w.association(local=LOCAL, remote=REMOTE, vtags=(0, 1))
    f = w.association(local=LOCAL, remote=REMOTE, handshake=False)
    with pytest.raises(ValueError):
        f.packet(b"x", direction="up", time=1.0)
    with pytest.raises(ValueError):
        f.packet(b"", direction="sent", time=1.0)
    with pytest.raises(ValueError):
        f.packet(b"x", direction="sent", time=1.0, stream=70000)
    w.close()
    with pytest.raises(ValueError):
        f.packet(b"x", direction="sent", time=1.0)
