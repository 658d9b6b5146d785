"""Big SCTP messages over libusrsctp, both ends in this process (one stack per process).

Run by tests/hostile/test_hostile_live.py as ``python -m tests.hostile.big_messages``;
prints one JSON object per check.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time

from harness.transport import usrsctp
from harness.transport.base import MessageTooLarge, TransportError


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    udp = _free_udp_port()
    listener = usrsctp.UsrsctpListener("127.0.0.1", 0, local_udp_port=udp)
    accepted: list = []
    t = threading.Thread(target=lambda: accepted.append(listener.accept(10)))
    t.start()
    client = usrsctp.connect("127.0.0.1", listener.port, local_udp_port=udp, remote_udp_port=udp, timeout=5)
    t.join(10)
    server = accepted[0]

    t0 = time.monotonic()
    client.send(b"\x01" * (30 << 20))
    got = server.recv(60)
    print(json.dumps({"check": "30 MiB arrives whole", "size": len(got.data) if got else None,
                      "seconds": round(time.monotonic() - t0, 2)}), flush=True)

    server.max_message_size = 1 << 20
    client.send(b"\x02" * (8 << 20))
    client.send(b"\x03" * 100)
    try:
        server.recv(60)
        outcome = "no error"
    except MessageTooLarge as err:
        outcome = str(err)
    after = server.recv(30)
    print(json.dumps({"check": "bounded", "error": outcome, "next": len(after.data) if after else None,
                      "next_octet": after.data[0] if after else None}), flush=True)

    try:
        client.send(b"\x04" * (client.max_message_size + 1))
        refused = "sent"
    except TransportError as err:
        refused = str(err)
    print(json.dumps({"check": "send refused", "error": refused}), flush=True)
    client.close()
    server.close()
    listener.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
