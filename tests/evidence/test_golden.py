"""Golden bytes of a tiny capture, block by block.

One section, one interface, one packet: the harness (10.0.0.1:36421) sends a
3-octet message on stream 1 to 10.0.0.2:37464, PPID 70, at t = 1.5 s, with
microsecond timestamps; no handshake and no shutdown.  pcapng is written
little-endian; the frame inside is in network byte order.
"""

import io
import struct

from harness import __version__
from harness.evidence import PcapngWriter
from harness.evidence.pcapng import crc32c, ipv4_checksum

from .pcapng_reader import read_blocks

GOLDEN = """
# ---- Section Header Block (68 octets) -------------------------------------
0a0d0d0a            block type SHB
44000000            block total length 68
4d3c2b1a            byte-order magic 0x1A2B3C4D (little-endian)
0100 0000           version 1.0
ffffffffffffffff    section length -1 (not specified)
0100 0600           opt_comment, 6 octets
676f6c64656e 0000   "golden" + 2 padding
0400 1200           shb_userappl, 18 octets
6f72616e2d6861726e65737320302e312e30 0000   "oran-harness 0.1.0" + 2 padding
0000 0000           opt_endofopt
44000000            block total length 68 (again)
# ---- Interface Description Block (40 octets) ------------------------------
01000000            block type IDB
28000000            block total length 40
0100                linktype 1 = LINKTYPE_ETHERNET
0000                reserved
00000000            snaplen 0 = no limit
0200 0200 6532 0000  if_name, 2 octets: "e2" + 2 padding
0900 0100 06 000000  if_tsresol, 1 octet: 6 = 10^-6 s + 3 padding
0000 0000           opt_endofopt
28000000            block total length 40
# ---- Enhanced Packet Block (124 octets) -----------------------------------
06000000            block type EPB
7c000000            block total length 124
00000000            interface id 0
00000000            timestamp, high 32 bits
60e31600            timestamp, low 32 bits: 1500000 us = 1.5 s
42000000            captured length 66
42000000            original length 66
# frame (66 octets): Ethernet II
02000a000002        destination MAC (derived from 10.0.0.2)
02000a000001        source MAC (derived from 10.0.0.1)
0800                ethertype IPv4
# IPv4 header
45 00               version 4, IHL 5; DSCP/ECN 0
0034                total length 52 = 20 IP + 12 SCTP + 20 DATA chunk
0000 4000           identification 0; flags DF, fragment offset 0
40 84               TTL 64; protocol 132 = SCTP
2644                header checksum
0a000001 0a000002   source, destination address
# SCTP common header
8e45 9258           source port 36421, destination port 37464
0a0b0c0d            verification tag: the peer's tag
2b7f791c            CRC32c, least significant octet first
# DATA chunk
00 03 0013          type 0 DATA; flags B|E (unfragmented); length 19 (without padding)
00000064            TSN 100 (the initial TSN given)
0001 0000           stream 1; stream sequence number 0
00000046            payload protocol identifier 70 = E2AP
000102 00           user data + 1 padding octet
# end of frame
0000                EPB packet data padding to 4 octets
0100 0600 73656e642058 0000   opt_comment, 6 octets: "send X" + 2 padding
0200 0400 02000000  epb_flags, 4 octets: direction 2 = outbound
0000 0000           opt_endofopt
7c000000            block total length 124
"""


def golden_bytes() -> bytes:
    hexdigits = []
    for line in GOLDEN.splitlines():
        line = line.split("#", 1)[0]
        # Each line is hex groups, then two spaces and an explanation.
        code = line.split("  ", 1)[0] if "  " in line else line
        hexdigits.append(code.replace(" ", ""))
    return bytes.fromhex("".join(hexdigits))


def write_tiny(**kw) -> bytes:
    buf = io.BytesIO()
    w = PcapngWriter(buf, comment="golden", resolution="us", userappl="oran-harness 0.1.0",
                     interface_name="e2", interface_description="", **kw)
    f = w.association(local=("10.0.0.1", 36421), remote=("10.0.0.2", 37464),
                      vtags=(0x01020304, 0x0A0B0C0D), initial_tsns=(100, 200),
                      handshake=False)
    f.packet(b"\x00\x01\x02", direction="sent", time=1.5, stream=1, comment="send X")
    f.close(shutdown=False)
    w.close()
    return buf.getvalue()


def test_golden_file_bytes():
    expected = golden_bytes()
    assert len(expected) == 68 + 40 + 124
    assert write_tiny() == expected


def test_golden_checksums_are_consistent():
    data = golden_bytes()
    frame = read_blocks(data)[2].data
    ip, sctp = frame[14:34], frame[34:]
    assert ipv4_checksum(ip) == 0
    zeroed = sctp[:8] + bytes(4) + sctp[12:]
    assert struct.unpack("<I", sctp[8:12])[0] == crc32c(zeroed)


def test_default_userappl_names_harness_version(tmp_path):
    path = tmp_path / "x.pcapng"
    with PcapngWriter(path, comment="c"):
        pass
    shb, idb = read_blocks(path.read_bytes())
    assert shb.option(4).decode() == f"oran-harness {__version__}"
    assert shb.comment == "c"
    assert idb.option(9) == b"\x09"  # nanoseconds by default
