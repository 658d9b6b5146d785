"""CRC32c (RFC 3720 appendix B.4) and the IPv4 header checksum (RFC 791/1071)."""

import struct
import zlib

import pytest

from harness.evidence.pcapng import crc32c, ipv4_checksum, ipv4_header, sctp_packet

# RFC 3720, appendix B.4 "CRC Examples".  The RFC prints the CRC as the four
# octets in transmission order (least significant first): "aa 36 91 8a".
ISCSI_READ_PDU = bytes.fromhex(
    "01c00000" "00000000" "00000000" "00000000"
    "14000000" "00000400" "00000014" "00000018"
    "28000000" "00000000" "02000000" "00000000")
RFC3720_VECTORS = [
    ("32 octets of zeros", bytes(32), "aa 36 91 8a"),
    ("32 octets of ones", b"\xff" * 32, "43 ab a8 62"),
    ("32 incrementing octets", bytes(range(32)), "4e 79 dd 46"),
    ("32 decrementing octets", bytes(range(31, -1, -1)), "5c db 3f 11"),
    ("iSCSI SCSI Read (10) command PDU", ISCSI_READ_PDU, "56 3a 96 d9"),
]


@pytest.mark.parametrize("name,data,wire", RFC3720_VECTORS, ids=[v[0] for v in RFC3720_VECTORS])
def test_crc32c_rfc3720_vectors(name, data, wire):
    assert struct.pack("<I", crc32c(data)) == bytes.fromhex(wire)


def test_crc32c_check_value():
    # The catalogue "check" value for CRC-32C (CRC-32/ISCSI).
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


def test_crc32c_is_not_plain_crc32():
    assert crc32c(b"123456789") != zlib.crc32(b"123456789")


def test_crc32c_continues_across_buffers():
    data = bytes(range(256)) * 3
    assert crc32c(data[500:], crc32c(data[:500])) == crc32c(data)


def test_sctp_packet_checksum_field():
    chunks = bytes.fromhex("0b000004")  # COOKIE-ACK
    pkt = sctp_packet(36421, 37464, 0xDEADBEEF, chunks)
    zeroed = pkt[:8] + b"\x00" * 4 + pkt[12:]
    assert pkt[8:12] == struct.pack("<I", crc32c(zeroed))


def test_ipv4_checksum_known_header():
    # The classic worked example (e.g. Wikipedia "IPv4 header checksum").
    hdr = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert ipv4_checksum(hdr) == 0xB861
    filled = hdr[:10] + b"\xb8\x61" + hdr[12:]
    assert ipv4_checksum(filled) == 0


def test_ipv4_checksum_rfc1071_carry_folding():
    # RFC 1071 section 3 example octets: 00 01 f2 03 f4 f5 f6 f7 sum to 0xddf2.
    assert ipv4_checksum(bytes.fromhex("0001f203f4f5f6f7")) == (~0xDDF2 & 0xFFFF)
    assert ipv4_checksum(b"\xff\xff" * 10) == 0


def test_ipv4_header_fields():
    hdr = ipv4_header(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 36, ident=7)
    assert len(hdr) == 20
    ver_ihl, tos, total, ident, frag, ttl, proto, csum = struct.unpack("!BBHHHBBH", hdr[:12])
    assert (ver_ihl, total, ident, frag, ttl, proto) == (0x45, 56, 7, 0x4000, 64, 132)
    assert ipv4_checksum(hdr) == 0
    with pytest.raises(ValueError):
        ipv4_header(bytes(4), bytes(4), 65535 - 19)
