"""Hostile modes of the O-RU simulator: attacks on the harness's NETCONF/SSH client itself.

The faults of `harness.sim.oru` bend one NETCONF behaviour; these break the
stream under it: garbage instead of the hello, an rpc-reply whose chunk is
cut short, tens of MB in one reply, a flood of notifications, a byte-by-byte
dribble, a disconnect mid-reply and a TCP reset of every connection. Every
write checks the session's closed flag, so each mode ends when the simulator
stops. Verdicts the harness must give: docs/robustness.md.
"""

from __future__ import annotations

import random
import socket
import struct
import time
from typing import Iterator

OVERSIZE_OCTETS = 40 << 20            # one 'oversized' rpc-reply
FLOOD_COUNT = 2000                    # notifications right after create-subscription
DRIBBLE_GAP = 0.02                    # seconds between the octets of a 'dribble' reply
PIECE = 1 << 20

HOSTILE_ORU: dict[str, str] = {
    "garbage": "random octets instead of the NETCONF hello",
    "truncated": "rpc-replies are framed whole but only their first half is sent; the session stays open",
    "oversized": f"rpc-replies to get carry {OVERSIZE_OCTETS >> 20} MiB of padding",
    "flood": f"{FLOOD_COUNT} notifications right after create-subscription",
    "dribble": f"rpc-replies leave one octet every {DRIBBLE_GAP:g} s",
    "disconnect-mid-message": "half of each rpc-reply is sent, then the SSH connection is closed",
    "reset-storm": "every TCP connection is reset (RST) as soon as it is accepted",
}


def reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def garbage(seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(8192)


def padded_reply(reply: bytes) -> tuple[int, Iterator[bytes]]:
    """The rpc-reply with OVERSIZE_OCTETS of padding in a second <data>: its size, and its pieces
    (made one at a time, so the simulator never holds it whole)."""
    head, _, tail = reply.rpartition(b"</")
    start = head + b'<data><padding xmlns="urn:oran-harness:hostile">'
    end = b"</padding></data></" + tail

    def pieces() -> Iterator[bytes]:
        yield start
        block = b"x" * PIECE
        for left in range(OVERSIZE_OCTETS, 0, -PIECE):
            yield block[:min(left, PIECE)]
        yield end
    return len(start) + OVERSIZE_OCTETS + len(end), pieces()


def dribble(send_raw, data: bytes, stopped) -> None:
    for i in range(len(data)):
        if stopped() or not send_raw(data[i:i + 1]):
            return
        time.sleep(DRIBBLE_GAP)


NETCONF_NOTIFICATIONS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
