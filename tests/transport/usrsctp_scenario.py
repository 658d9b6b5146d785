"""Run inside a network namespace by test_usrsctp_raw: a raw-mode (IP protocol
132) client against ``harness.transport.usrsctp_peer``; prints one JSON line."""

from __future__ import annotations

import json
import sys

from harness.transport.base import PeerClosed, TransportError
from harness.transport.usrsctp import UsrsctpStack, connect


def main(host: str, port: int) -> int:
    UsrsctpStack.start("raw", blackhole=2)
    out: dict = {}
    a = connect(host, port, mode="raw", timeout=5.0)
    out["local"], out["remote"], out["streams"] = a.local, a.remote, list(a.streams)
    echoes = []
    for sid in (0, 1, 5):
        a.send(b"raw-%d" % sid, stream=sid, ppid=70)
        p = a.recv(3.0)
        echoes.append([p.data.decode(), p.stream, p.ppid] if p else None)
    out["echoes"] = echoes
    big = bytes(range(256)) * 256
    a.send(big, stream=2)
    p = a.recv(5.0)
    out["big_ok"] = bool(p and p.data == big)
    a.send(b"\x00CMD:ABORT")
    try:
        a.recv(3.0)
        out["abort"] = "no PeerClosed"
    except PeerClosed as exc:
        out["abort"] = str(exc)
    a.close()
    try:
        connect(host, port + 1, mode="raw", timeout=2.0)
        out["refused"] = "connected?"
    except TransportError as exc:
        out["refused"] = str(exc)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
