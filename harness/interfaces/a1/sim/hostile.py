"""Hostile modes of the A1 Near-RT RIC simulator: attacks on the harness's HTTP client itself.

The fault modes of `harness.interfaces.a1.sim.faults` bend one answer's value; these
break the transport under it (raw octets on the socket, not a `Reply`):
garbage instead of HTTP, a head cut short, tens of MB of body, a byte-by-byte
dribble, a disconnect mid-body, a reset on every connection, and a flood of
unsolicited notifications. The modes are the shared attacks of
harness/sim/hostilespec.py; this module makes their HTTP octets. Each writer
gets the connection's socket and the server's stop event, so every wait ends
when the simulator stops. What the harness must answer to each (verdict,
finding) is in docs/robustness.md.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from harness.sim import hostilespec
from harness.sim.hostilespec import Attack, HostileMode, HostileTable

OVERSIZE_OCTETS = 40 << 20           # announced and streamed by 'oversized' (the harness caps at 1 MiB)
FLOOD_COUNT = 200                    # unsolicited notifications before a 'flood' answer
DRIBBLE_GAP = 0.05                   # seconds between the octets of a 'dribble' answer
PIECE = 65536

HOSTILE_RIC = HostileTable("A1", (
    HostileMode("garbage", Attack.GARBAGE, "random octets instead of an HTTP response"),
    HostileMode("truncated", Attack.TRUNCATED, "the response head is cut before its blank line, then the "
                                               "connection closes"),
    HostileMode("oversized", Attack.OVERSIZED, f"a {OVERSIZE_OCTETS >> 20} MiB JSON body, streamed "
                                               "(Content-Length announced)"),
    HostileMode("dribble", Attack.SLOW, f"the response leaves one octet every {DRIBBLE_GAP:g} s (slower than "
                                        "any reply timer)"),
    HostileMode("disconnect-mid-message", Attack.DISCONNECT, "head and half the body are sent, then the "
                                                             "connection is reset"),
    HostileMode("reset-storm", Attack.RESET_STORM, "every connection is reset (RST) as soon as the request has "
                                                   "arrived"),
    HostileMode("flood", Attack.FLOOD, f"{FLOOD_COUNT} unsolicited status notifications (not valid "
                                       "PolicyStatusObjects) to the callback before a create is answered"),
))

RawWriter = Callable[[socket.socket, threading.Event], None]


def _head(status: int, length: int, ctype: str = "application/json") -> bytes:
    return (f"HTTP/1.1 {status} OK\r\nContent-Type: {ctype}\r\nContent-Length: {length}\r\n"
            "Connection: close\r\n\r\n").encode()


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def writer(mode: str, status: int, body: bytes, seed: int = 0) -> RawWriter:
    """The raw answer of ``mode`` in place of ``status``/``body`` (the well-formed answer)."""
    whole = _head(status, len(body)) + body

    def garbage(sock, stopping):
        _send(sock, hostilespec.garbage(seed, 4096))

    def truncated(sock, stopping):
        _send(sock, hostilespec.half(_head(status, len(body))))

    def oversized(sock, stopping):
        if not _send(sock, _head(status, OVERSIZE_OCTETS) + b'{"padding": "'):
            return
        for piece in hostilespec.padding(OVERSIZE_OCTETS - 13 - 2, PIECE):
            if stopping.is_set() or not _send(sock, piece):
                return                              # the harness stopped reading at its cap: fine
        _send(sock, b'"}')

    def dribble(sock, stopping):
        hostilespec.dribble(lambda octet: _send(sock, octet), whole, DRIBBLE_GAP, stopping.is_set)

    def disconnect(sock, stopping):
        _send(sock, whole[:len(whole) - max(1, len(body) // 2)])
        hostilespec.reset(sock)

    def reset(sock, stopping):
        hostilespec.reset(sock)

    return {"garbage": garbage, "truncated": truncated, "oversized": oversized, "dribble": dribble,
            "disconnect-mid-message": disconnect, "reset-storm": reset}[mode]


def flood_raw(url: str, stopping: threading.Event) -> int:
    """FLOOD_COUNT status notifications POSTed to ``url`` (plain http) on connections that never wait
    for an answer; returns how many went out. Bounded: 2 s per connection, stops with the simulator."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        return 0
    body = json.dumps({"enforceStatus": "FLOODED"}).encode()        # not a PolicyStatusObject value
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = (f"POST {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    sent, open_socks = 0, []
    try:
        for _ in range(FLOOD_COUNT):
            if stopping.is_set():
                break
            try:
                sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=2.0)
                sock.sendall(request)
            except OSError:
                break
            open_socks.append(sock)
            sent += 1
    finally:
        for sock in open_socks:
            sock.close()
    return sent
