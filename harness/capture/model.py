"""What the capture reader yields: whole application messages with their place in the file.

The reader undoes the wire (link layers, IP fragments, SCTP bundling and DATA
fragmentation, SCTP over UDP, TCP segments) so the rest of the harness sees one
`CapturedMessage` per application message, in capture order, each naming the
packet numbers it came from so that every finding can cite them.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.core.errors import UserError


class CaptureError(UserError):
    """The file cannot be read at all (not a capture, unknown format); names the file."""


@dataclass(frozen=True)
class CaptureIssue:
    """Something wrong with one packet; the rest of the file is still read.

    packet: 1-based packet number as Wireshark counts it.
    """

    packet: int
    message: str


@dataclass(frozen=True)
class CapturedMessage:
    """One whole application message.

    Attributes:
        packets: the packet numbers its bytes came from (several when it was fragmented).
        time: capture time of the last packet, seconds since the epoch.
        transport: 'sctp' | 'sctp-udp' (RFC 6951) | 'tcp'.
        src, dst: 'ip:port' of sender and receiver.
        association: a key that is the same for both directions of one SCTP association /
            TCP connection ('ip:port-ip:port' with the lower endpoint first, plus the
            verification tags for SCTP when known).
        stream, ppid: SCTP stream id and payload protocol id (0 for TCP).
        data: the message bytes.
    """

    packets: tuple
    time: float
    transport: str
    src: str
    dst: str
    association: str
    stream: int
    ppid: int
    data: bytes
