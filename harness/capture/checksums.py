"""Checksum checks for captured packets (asked for with ``verify_checksums``).

The arithmetic is the evidence writer's (`harness.evidence.pcapng`): one
implementation of CRC32c and of the Internet checksum in the project.
"""

from __future__ import annotations

import struct

from harness.evidence.pcapng import crc32c, ipv4_checksum


def sctp_problem(seg: bytes) -> str | None:
    """What is wrong with an SCTP packet's CRC32c (RFC 9260 clause 6.8), or None.

    The value is computed with the field zeroed and sits on the wire least
    significant octet first (RFC 9260 appendix A).
    """
    if len(seg) < 12:
        return None                      # the SCTP parser reports the short header
    got = struct.unpack_from("<I", seg, 8)[0]
    want = crc32c(seg[:8] + b"\0\0\0\0" + seg[12:])
    if got == want:
        return None
    return (f"SCTP checksum {got:#010x} is wrong (CRC32c {want:#010x}); a receiver drops this packet "
            "(an unset checksum usually means the capture was taken on the sending host)")


def ipv4_header_problem(header: bytes) -> str | None:
    """What is wrong with an IPv4 header checksum (RFC 791), or None."""
    got = struct.unpack_from("!H", header, 10)[0]
    want = ipv4_checksum(header[:10] + b"\0\0" + header[12:])
    if got == want:
        return None
    return f"IPv4 header checksum {got:#06x} is wrong ({want:#06x} expected)"
