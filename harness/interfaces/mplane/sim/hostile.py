"""Hostile modes of the O-RU simulator: attacks on the harness's NETCONF/SSH client itself.

The faults of `harness.interfaces.mplane.sim.oru` bend one NETCONF behaviour; these break the
stream under it: garbage instead of the hello, an rpc-reply whose chunk is
cut short, tens of MB in one reply, a flood of notifications, a byte-by-byte
dribble, a disconnect mid-reply and a TCP reset of every connection. The
modes are the shared attacks of harness/sim/hostilespec.py; this module makes
their NETCONF octets. Every write checks the session's closed flag, so each
mode ends when the simulator stops. Verdicts the harness must give:
docs/robustness.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from harness.sim import hostilespec
from harness.sim.hostilespec import Attack, HostileMode, HostileTable

OVERSIZE_OCTETS = 40 << 20            # one 'oversized' rpc-reply
FLOOD_COUNT = 2000                    # notifications right after create-subscription
DRIBBLE_GAP = 0.02                    # seconds between the octets of a 'dribble' reply
PIECE = 1 << 20

HOSTILE_ORU = HostileTable("O-RU", (
    HostileMode("garbage", Attack.GARBAGE, "random octets instead of the NETCONF hello"),
    HostileMode("truncated", Attack.TRUNCATED, "rpc-replies are framed whole but only their first half is "
                                               "sent; the session stays open"),
    HostileMode("oversized", Attack.OVERSIZED, f"rpc-replies to get carry {OVERSIZE_OCTETS >> 20} MiB of "
                                               "padding"),
    HostileMode("flood", Attack.FLOOD, f"{FLOOD_COUNT} notifications right after create-subscription"),
    HostileMode("dribble", Attack.SLOW, f"rpc-replies leave one octet every {DRIBBLE_GAP:g} s"),
    HostileMode("disconnect-mid-message", Attack.DISCONNECT, "half of each rpc-reply is sent, then the SSH "
                                                             "connection is closed"),
    HostileMode("reset-storm", Attack.RESET_STORM, "every TCP connection is reset (RST) as soon as it is "
                                                   "accepted"),
))

reset = hostilespec.reset
half = hostilespec.half


def garbage(seed: int = 0) -> bytes:
    return hostilespec.garbage(seed, 8192)


def padded_reply(reply: bytes) -> tuple[int, Iterator[bytes]]:
    """The rpc-reply with OVERSIZE_OCTETS of padding in a second <data>: its size, and its pieces
    (made one at a time, so the simulator never holds it whole)."""
    head, _, tail = reply.rpartition(b"</")
    start = head + b'<data><padding xmlns="urn:oran-harness:hostile">'
    end = b"</padding></data></" + tail

    def pieces() -> Iterator[bytes]:
        yield start
        yield from hostilespec.padding(OVERSIZE_OCTETS, PIECE)
        yield end
    return len(start) + OVERSIZE_OCTETS + len(end), pieces()


def dribble(send_raw: Callable[[bytes], bool], data: bytes, stopped: Callable[[], bool]) -> None:
    hostilespec.dribble(send_raw, data, DRIBBLE_GAP, stopped)


NETCONF_NOTIFICATIONS = "urn:ietf:params:xml:ns:yang:ietf-netconf-notifications"
