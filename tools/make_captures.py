"""Write the capture fixtures in fixtures/captures/ (deterministic: same bytes every run).

    /tmp/venv/bin/python tools/make_captures.py [OUT_DIR]

Messages are the golden E2AP v03.01 vectors (fixtures/golden/e2ap-v03.01).  Whole,
well-formed associations come from harness.evidence.pcapng; what that writer cannot
do (bundled chunks, SCTP over UDP, VLAN / QinQ, SLL / SLL2, raw IP, IPv4 and IPv6
fragments, classic pcap, damage) is built here with struct.  What each file holds,
packet by packet, is commented in the functions below and asserted by
tests/capture/.
"""

from __future__ import annotations

import io
import json
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from harness.evidence.pcapng import (  # noqa: E402
    PcapngWriter, data_chunk, enhanced_packet_block, interface_description_block, ipv4_header,
    ipv6_header, sctp_chunk, sctp_packet, section_header_block,
)

GOLDEN = ROOT / "fixtures" / "golden" / "e2ap-v03.01"
T0 = 1718000000.0          # 2024-06-10T06:13:20Z
USERAPPL = "oran-harness tools/make_captures.py"


def golden(name: str) -> bytes:
    """The bytes of one golden vector, e.g. golden('pc05-1-RICindication')."""
    return bytes.fromhex(json.loads((GOLDEN / f"{name}.json").read_text())["hex"])


def indication(sn: int) -> bytes:
    """The golden RIC Indication with its RICindicationSN set to *sn* (311 is the golden one)."""
    from harness.codec.e2 import E2Codec
    codec = E2Codec()
    pdu = codec.decode(golden("pc05-1-RICindication"), e2sm=False)
    for ie in pdu[1]["value"][1]["protocolIEs"]:
        if ie["value"][0] == "RICindicationSN":
            ie["value"] = ("RICindicationSN", sn)
    return codec.encode(pdu)


# --------------------------------------------------------------------------
# frame builders
# --------------------------------------------------------------------------

def ip4(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def ip6(a: str) -> bytes:
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def mac(ip: bytes) -> bytes:
    return b"\x02\x00" + ip[-4:]


def eth(src: bytes, dst: bytes, ethertype: int, payload: bytes, tags: tuple = ()) -> bytes:
    """Ethernet II; *tags* = ((tpid, vid), ...) outermost first."""
    out = mac(dst) + mac(src)
    for tpid, vid in tags:
        out += struct.pack("!HH", tpid, vid)
    return out + struct.pack("!H", ethertype) + payload


def ipv4(src: bytes, dst: bytes, payload: bytes, *, proto: int = 132, ident: int = 1,
         total: int | None = None, frag: int = 0x4000) -> bytes:
    hdr = bytearray(ipv4_header(src, dst, len(payload), ident=ident, proto=proto))
    if total is not None or frag != 0x4000:
        struct.pack_into("!H", hdr, 2, 20 + len(payload) if total is None else total)
        struct.pack_into("!H", hdr, 6, frag)
        struct.pack_into("!H", hdr, 10, 0)
    return bytes(hdr) + payload


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def init(tag: int, tsn: int) -> bytes:
    return sctp_chunk(1, 0, struct.pack("!IIHHI", tag, 106496, 16, 16, tsn))


def init_ack(tag: int, tsn: int) -> bytes:
    cookie = struct.pack("!HH", 7, 12) + b"cookie\x00\x00"
    return sctp_chunk(2, 0, struct.pack("!IIHHI", tag, 106496, 16, 16, tsn) + cookie)


def sack(cum_tsn: int) -> bytes:
    return sctp_chunk(3, 0, struct.pack("!IIHH", cum_tsn, 106496, 0, 0))


def pcap_file(records: list, *, order: str = "<", nano: bool = False, linktype: int = 1) -> bytes:
    """Classic pcap: records are (time, frame) or (time, frame, orig_len) or raw bytes."""
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 262144, linktype)]
    scale = 10 ** 9 if nano else 10 ** 6
    for rec in records:
        if isinstance(rec, bytes):
            out.append(rec)
            continue
        t, frame = rec[0], rec[1]
        orig = rec[2] if len(rec) > 2 else len(frame)
        ticks = round(t * scale)
        out.append(struct.pack(order + "IIII", ticks // scale, ticks % scale, len(frame), orig) + frame)
    return b"".join(out)


# --------------------------------------------------------------------------
# the fixtures
# --------------------------------------------------------------------------

NODE, RIC = ("192.168.30.11", 38472), ("10.96.14.20", 36421)


def e2_session() -> bytes:
    """E2 Setup, RIC Subscription, 20 RIC Indications (KPM), over one association."""
    buf = io.BytesIO()
    with PcapngWriter(buf, resolution="us", userappl=USERAPPL, comment="E2 session (fixture)",
                      interface_name="eth0", interface_description="E2 node <-> near-RT RIC") as pcap:
        flow = pcap.association(local=NODE, remote=RIC, vtags=(0x1A2B3C4D, 0x5E6F7081),
                                initial_tsns=(1000, 5000), time=T0)
        flow.packet(golden("pc01-1-E2setupRequest"), direction="sent", time=T0 + 0.010, stream=0)
        flow.packet(golden("pc01-2-E2setupResponse"), direction="received", time=T0 + 0.012, stream=0)
        flow.packet(golden("pc08-1-RICsubscriptionRequest"), direction="received", time=T0 + 0.500,
                    stream=1)
        flow.packet(golden("pc08-2-RICsubscriptionResponse"), direction="sent", time=T0 + 0.503,
                    stream=1)
        for i in range(20):
            flow.packet(indication(311 + i), direction="sent", time=T0 + 1.5 + i, stream=1)
        flow.close(time=T0 + 30.0)
    return buf.getvalue()


A_NODE, A_RIC = ip4("172.16.1.10"), ip4("172.16.1.1")
B_NODE = ip4("172.16.2.10")


def e2_bundled_fragmented() -> bytes:
    """Classic pcap (little-endian, µs): bundling, DATA fragments, two associations, SCTP/UDP,
    a retransmission, an ARP frame and an IP-fragmented SCTP packet."""
    setup = golden("pc01-1-E2setupRequest")
    thirds = [setup[:210], setup[210:420], setup[420:]]

    def a(src_is_node: bool, vtag: int, chunks: bytes, ident: int) -> bytes:
        s, d = (A_NODE, A_RIC) if src_is_node else (A_RIC, A_NODE)
        sp, dp = (40001, 36421) if src_is_node else (36421, 40001)
        return eth(s, d, 0x0800, ipv4(s, d, sctp_packet(sp, dp, vtag, chunks), ident=ident))

    def b(src_is_node: bool, vtag: int, chunks: bytes, ident: int) -> bytes:
        s, d = (B_NODE, A_RIC) if src_is_node else (A_RIC, B_NODE)
        sp, dp = (40002, 36421) if src_is_node else (36421, 40002)
        return eth(s, d, 0x0800, ipv4(s, d, udp(9899, 9899, sctp_packet(sp, dp, vtag, chunks)),
                                      proto=17, ident=ident))

    an, ar, bn, br = 0x0A0A0001, 0x0A0A0002, 0x0B0B0001, 0x0B0B0002
    t = T0
    recs = [
        (t + 0.001, a(True, 0, init(an, 100), 1)),                                       # 1
        (t + 0.002, a(False, an, init_ack(ar, 500), 1)),                                 # 2
        (t + 0.003, b(True, 0, init(bn, 200), 1)),                                       # 3
        (t + 0.004, b(False, bn, init_ack(br, 600), 2)),                                 # 4
        (t + 0.010, a(True, ar, data_chunk(thirds[0], tsn=100, stream=0, ssn=0, ppid=70,
                                           end=False), 2)),                              # 5
        (t + 0.011, b(True, br, data_chunk(setup, tsn=200, stream=0, ssn=0, ppid=70), 3)),  # 6
        (t + 0.012, a(True, ar, data_chunk(thirds[1], tsn=101, stream=0, ssn=0, ppid=70,
                                           begin=False, end=False), 3)),                 # 7
        (t + 0.013, mac(A_RIC) + b"\xff" * 6 + b"\x08\x06" + bytes(28)),                # 8 ARP
        (t + 0.014, a(True, ar, data_chunk(thirds[2], tsn=102, stream=0, ssn=0, ppid=70,
                                           begin=False), 4)),                            # 9
        (t + 0.020, a(False, an, sack(102)
                      + data_chunk(golden("pc01-2-E2setupResponse"), tsn=500, stream=0, ssn=0, ppid=70)
                      + data_chunk(golden("pc08-1-RICsubscriptionRequest"), tsn=501, stream=1, ssn=0,
                                   ppid=70), 2)),                                        # 10
        (t + 0.021, b(False, bn, data_chunk(golden("pc01-2-E2setupResponse"), tsn=600, stream=0, ssn=0,
                                            ppid=70)
                      + data_chunk(golden("pc08-1-RICsubscriptionRequest")[:60], tsn=601, stream=1,
                                   ssn=0, ppid=70, end=False)
                      + data_chunk(golden("pc08-1-RICsubscriptionRequest")[60:], tsn=602, stream=1,
                                   ssn=0, ppid=70, begin=False), 5)),                    # 11
        (t + 0.030, a(True, ar, data_chunk(golden("pc08-2-RICsubscriptionResponse"), tsn=103,
                                           stream=1, ssn=0, ppid=70), 5)),               # 12
        (t + 0.230, a(True, ar, data_chunk(golden("pc08-2-RICsubscriptionResponse"), tsn=103,
                                           stream=1, ssn=0, ppid=70), 6)),               # 13 retransmission
    ]
    # 14-16: one SCTP packet (RIC Service Update) in three IPv4 fragments, the last before the middle.
    sctp = sctp_packet(40001, 36421, ar, data_chunk(golden("pc07-1-RICserviceUpdate"), tsn=104,
                                                    stream=0, ssn=1, ppid=70))
    parts = [(0, sctp[:400], True), (400, sctp[400:800], True), (800, sctp[800:], False)]
    for i, (off, piece, more) in enumerate([parts[0], parts[2], parts[1]]):
        frag = (0x2000 if more else 0) | off // 8
        recs.append((t + 0.040 + i * 0.001, eth(A_NODE, A_RIC, 0x0800,
                                                ipv4(A_NODE, A_RIC, piece, ident=0x77, frag=frag))))
    recs.append((t + 0.050, b(True, br, data_chunk(golden("pc08-2-RICsubscriptionResponse"), tsn=201,
                                                   stream=1, ssn=0, ppid=70), 6)))       # 17
    return pcap_file(recs)


def _sctp(sport: int, dport: int, msg: bytes, tsn: int, stream: int = 0) -> bytes:
    return sctp_packet(sport, dport, 0x11110000 + tsn, data_chunk(msg, tsn=tsn, stream=stream, ssn=0,
                                                                  ppid=70))


def e2_vlan_sll() -> bytes:
    """pcapng with seven interfaces: Ethernet (802.1Q, QinQ, and an SPB), SLL, SLL2 (IPv6),
    raw IPv4, raw IPv6 (extension headers, fragments), raw IP (101), and an unknown link type."""
    n1, r1 = ip4("10.10.0.2"), ip4("10.10.0.1")
    n6, r6 = ip6("2001:db8:e2::2"), ip6("2001:db8:e2::1")
    blocks = [section_header_block(userappl=USERAPPL, comment="link layers (fixture)")]
    for linktype, res in ((1, 6), (113, 9), (276, 0x80 | 20), (228, 6), (229, 6), (101, 3), (147, 6)):
        blocks.append(interface_description_block(linktype=linktype, tsresol=res))

    def epb(iface: int, t: float, frame: bytes, res: int) -> bytes:
        unit = 2 ** (res & 0x7F) if res & 0x80 else 10 ** res
        return enhanced_packet_block(frame, ticks=round(t * unit), interface_id=iface)

    def v6(src: bytes, dst: bytes, payload: bytes, nxt: int = 132) -> bytes:
        return ipv6_header(src, dst, len(payload), next_header=nxt) + payload

    setup = golden("pc01-1-E2setupRequest")
    # 1: 802.1Q VLAN 100
    blocks.append(epb(0, T0 + 1, eth(n1, r1, 0x0800, ipv4(n1, r1, _sctp(36500, 36421, setup, 1)),
                                     tags=((0x8100, 100),)), 6))
    # 2: QinQ: service tag 10 (0x88a8), customer tag 20
    blocks.append(epb(0, T0 + 2, eth(r1, n1, 0x0800, ipv4(r1, n1, _sctp(36421, 36500,
                                                                      golden("pc01-2-E2setupResponse"), 1)),
                                     tags=((0x88A8, 10), (0x8100, 20))), 6))
    # 3: Linux cooked capture v1 (outgoing, IPv4)
    sll = struct.pack("!HHH8sH", 4, 1, 6, mac(r1) + b"\x00\x00", 0x0800)
    blocks.append(epb(1, T0 + 3, sll + ipv4(r1, n1, _sctp(36421, 36500,
                                                         golden("pc08-1-RICsubscriptionRequest"), 2, 1)), 9))
    # 4: Linux cooked capture v2 (IPv6)
    sll2 = struct.pack("!HHIHBB8s", 0x86DD, 0, 3, 1, 0, 6, mac(n1) + b"\x00\x00")
    blocks.append(epb(2, T0 + 4, sll2 + v6(n6, r6, _sctp(36500, 36421,
                                                        golden("pc08-2-RICsubscriptionResponse"), 2, 1)),
                      0x80 | 20))
    # 5: raw IPv4
    blocks.append(epb(3, T0 + 5, ipv4(n1, r1, _sctp(36500, 36421, golden("pc05-1-RICindication"), 3, 1)),
                      6))
    # 6, 7: raw IPv6, hop-by-hop options, then a fragment header (second fragment first)
    upd = _sctp(36500, 36421, golden("pc07-1-RICserviceUpdate"), 4)
    hop = struct.pack("!BB6s", 44, 0, b"\x01\x04\x00\x00\x00\x00")   # next: fragment; PadN
    first, second = upd[:600], upd[600:]
    frag2 = struct.pack("!BBHI", 132, 0, 600, 0xE2E2)                # offset 600, last
    frag1 = struct.pack("!BBHI", 132, 0, 0 | 1, 0xE2E2)              # offset 0, more
    blocks.append(epb(4, T0 + 6, v6(n6, r6, hop + frag2 + second, nxt=0), 6))
    blocks.append(epb(4, T0 + 6.001, v6(n6, r6, hop + frag1 + first, nxt=0), 6))
    # A name resolution block and a custom block: skipped by readers.
    nrb = struct.pack("<HH4s", 1, 4 + 9, r1) + b"ric.lab\x00\x00" + b"\x00" * 3 + struct.pack("<HH", 0, 0)
    blocks.append(struct.pack("<II", 4, 12 + len(nrb)) + nrb + struct.pack("<I", 12 + len(nrb)))
    custom = struct.pack("<I", 32473) + b"opaque!!"
    blocks.append(struct.pack("<II", 0x00000BAD, 12 + len(custom)) + custom
                  + struct.pack("<I", 12 + len(custom)))
    # 8: raw IP (101), IPv6 with a destination-options header
    dst_opts = struct.pack("!BB6s", 132, 0, b"\x01\x04\x00\x00\x00\x00")
    blocks.append(epb(5, T0 + 8, v6(r6, n6, dst_opts + _sctp(36421, 36500, golden("pc02-1-ErrorIndication"),
                                                              5), nxt=60), 3))
    # 9: a link type this reader does not know (147, USER0)
    blocks.append(epb(6, T0 + 9, b"\x00" * 40, 6))
    # 10: a simple packet block (interface 0, no timestamp): 802.1Q tagged RIC Control Request
    frame = eth(r1, n1, 0x0800, ipv4(r1, n1, _sctp(36421, 36500, golden("pc04-1-RICcontrolRequest"), 6, 2)),
                tags=((0x8100, 100),))
    spb = struct.pack("<I", len(frame)) + frame + b"\x00" * (-len(frame) % 4)
    blocks.append(struct.pack("<II", 3, 12 + len(spb)) + spb + struct.pack("<I", 12 + len(spb)))
    return b"".join(blocks)


def e2_truncated() -> bytes:
    """An E2 session cut 30 octets before the end of its last packet block."""
    buf = io.BytesIO()
    with PcapngWriter(buf, resolution="ns", userappl=USERAPPL, comment="truncated (fixture)") as pcap:
        flow = pcap.association(local=NODE, remote=RIC, vtags=(0x01020304, 0x05060708),
                                initial_tsns=(1, 1), time=T0)
        flow.packet(golden("pc01-1-E2setupRequest"), direction="sent", time=T0 + 0.01)
        flow.packet(golden("pc01-2-E2setupResponse"), direction="received", time=T0 + 0.02)
        for i in range(3):
            flow.packet(indication(311 + i), direction="sent", time=T0 + 1 + i, stream=1)
        size = len(buf.getvalue())
    return buf.getvalue()[:size - 30]


def e2_bad_packets() -> bytes:
    """Classic pcap (big-endian, ns) of damaged packets on an association caught mid-way."""
    n, r = ip4("10.1.1.10"), ip4("10.1.1.1")
    ind = golden("pc05-1-RICindication")

    def f(src_is_node: bool, chunks: bytes, ident: int, **kw) -> bytes:
        s, d = (n, r) if src_is_node else (r, n)
        sp, dp = (36500, 36421) if src_is_node else (36421, 36500)
        return eth(s, d, 0x0800, ipv4(s, d, sctp_packet(sp, dp, 0xCAFE0001 if src_is_node else 0xCAFE0002,
                                                        chunks), ident=ident, **kw))

    t = T0 + 100
    bogus_chunk = data_chunk(ind, tsn=1003, stream=1, ssn=3, ppid=70) + struct.pack("!BBH", 0, 3, 500) + bytes(8)
    sctp_ok = sctp_packet(36500, 36421, 0xCAFE0001, data_chunk(ind, tsn=1004, stream=1, ssn=4, ppid=70))
    recs = [
        # 1, 2: the tail (middle and end fragments) of a message whose start was not captured
        (t + 0.0, f(True, data_chunk(ind[40:100], tsn=1000, stream=1, ssn=0, ppid=70, begin=False, end=False), 1)),
        (t + 0.1, f(True, data_chunk(ind[100:], tsn=1001, stream=1, ssn=0, ppid=70, begin=False), 2)),
        # 3: a whole RIC Indication
        (t + 1.0, f(True, data_chunk(ind, tsn=1002, stream=1, ssn=2, ppid=70), 3)),
        # 4: a good DATA chunk, then a chunk whose length overruns the packet
        (t + 2.0, f(True, bogus_chunk, 4)),
        # 5: a chunk of length 0
        (t + 3.0, f(True, struct.pack("!BBH", 3, 0, 0) + bytes(12), 5)),
        # 6: IPv4 total length larger than the frame
        (t + 4.0, eth(n, r, 0x0800, ipv4(n, r, sctp_ok, ident=6, total=9000))),
        # 7: IPv4 total length smaller than its header
        (t + 5.0, eth(n, r, 0x0800, ipv4(n, r, sctp_ok, ident=7, total=10))),
        # 8: a DATA chunk with no user data (length 16)
        (t + 6.0, f(True, struct.pack("!BBHIHHI", 0, 3, 16, 1005, 1, 5, 70), 8)),
        # 9: a frame too short for Ethernet
        (t + 7.0, b"\x02\x00\x0a\x01\x01\x01\x02\x00"),
        # 10: a good RIC Subscription Delete Request from the RIC
        (t + 8.0, f(False, data_chunk(golden("pc09-1-RICsubscriptionDeleteRequest"), tsn=3000, stream=1,
                                      ssn=0, ppid=70), 1)),
        # 11: an E2AP message cut short by its sender (undecodable: a finding for the decoder)
        (t + 8.5, f(False, data_chunk(ind[:40], tsn=3001, stream=1, ssn=1, ppid=70), 2)),
        # 12: a record header with a bogus captured length, then junk
        struct.pack(">IIII", int(t + 9), 0, 0x7FFFFFF0, 0x7FFFFFF0) + b"junk" * 8,
    ]
    return pcap_file(recs, order=">", nano=True)


FIXTURES = {
    "e2-session.pcapng": e2_session,
    "e2-bundled-fragmented.pcap": e2_bundled_fragmented,
    "e2-vlan-sll.pcapng": e2_vlan_sll,
    "e2-truncated.pcapng": e2_truncated,
    "e2-bad-packets.pcap": e2_bad_packets,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "fixtures" / "captures"
    out.mkdir(parents=True, exist_ok=True)
    for name, make in FIXTURES.items():
        data = make()
        (out / name).write_bytes(data)
        print(f"{out / name}: {len(data)} octets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
