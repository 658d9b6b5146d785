"""``oran-harness bench relay``: the impairment relay's fidelity against what was configured.

One run measures, on loopback through a `UdpRelay` (harness/impair/relay.py):
- delay error (one-way, measured minus configured) median and p99 at 10 ms and 300 ms;
- loss over N datagrams against the binomial bound |lost - N p| <= 4.5 sqrt(N p (1-p));
- the datagram rate the relay sustains while impairing (10 ms delay, 1 % loss), against the
  target of 20,000 msg/s (the SCTP transport's streaming rate, `bench transport`; not re-measured here).
"""

from __future__ import annotations

import json
import math
import socket
import statistics
import struct
import threading
import time
from typing import Any

from harness.impair.model import Impairment
from harness.impair.relay import UdpRelay

TARGET_MSGS_PER_S = 20_000


class _Sink:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.delays: list[float] = []
        self.count = 0
        self.last = 0.0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                data = self.sock.recv(2048)
            except OSError:
                return
            now = time.monotonic()
            self.count += 1
            self.last = now
            if len(data) >= 8:
                self.delays.append(now - struct.unpack_from("!d", data)[0])

    def settle(self, quiet: float = 0.3) -> None:
        n = -1
        while n != self.count:
            n = self.count
            time.sleep(quiet)


def _client() -> socket.socket:
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    return c


def delay_error(delay_ms: float, n: int) -> dict:
    sink = _Sink()
    with UdpRelay("bench", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(delay_ms=delay_ms))
        c = _client()
        for _ in range(n):
            c.sendto(struct.pack("!d", time.monotonic()), relay.listen)
            time.sleep(0.001)
        sink.settle(max(0.3, delay_ms / 1000 + 0.1))
    errors = sorted((d * 1000 - delay_ms) for d in sink.delays)
    sink.sock.close()
    return {"configured_ms": delay_ms, "samples": len(errors), "median_error_ms": round(statistics.median(errors), 3),
            "p99_error_ms": round(errors[min(len(errors) - 1, int(0.99 * len(errors)))], 3)}


def loss(n: int, p: float = 0.01) -> dict:
    sink = _Sink()
    with UdpRelay("bench", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(loss=p, seed=20))
        c = _client()
        for i in range(n):
            c.sendto(b"x" * 8, relay.listen)
            if i % 100 == 99:           # paced: this measures the loss decision, not a flood (see `rate`)
                time.sleep(0.001)
        sink.settle()
        counters = relay.counters()["a->b"]
    sink.sock.close()
    # The impairment's fidelity is judged on what reached the relay: datagrams the kernel dropped before
    # it (a full socket buffer) or after it are counted apart, as loss the lab did not configure.
    seen, dropped = counters["received"], counters["dropped"]
    bound = 4.5 * math.sqrt(seen * p * (1 - p))
    unconfigured = (n - seen) + (seen - dropped - sink.count)
    return {"packets": n, "reached_relay": seen, "configured": p, "lost": dropped,
            "measured": dropped / seen if seen else 0.0, "lost_outside_impairment": unconfigured,
            "bound_packets": round(bound, 1), "bound": "|dropped - N p| <= 4.5 sqrt(N p (1-p)), N reached the relay",
            "within": bool(seen) and abs(dropped - seen * p) <= bound and unconfigured <= 0.001 * n}


def rate(n: int) -> dict:
    """Datagrams/s end to end while impairing (10 ms delay, 1 % loss): offered as fast as possible."""
    sink = _Sink()
    with UdpRelay("bench", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(delay_ms=10, loss=0.01, seed=4))
        c = _client()
        payload = b"y" * 100
        t0 = time.monotonic()
        for i in range(n):
            c.sendto(payload, relay.listen)
            if i % 200 == 199:
                time.sleep(0)
        sent = time.monotonic() - t0
        sink.settle(0.2)
        counters = relay.counters()["a->b"]
    sink.sock.close()
    span = sink.last - t0 - 0.010
    return {"offered": n, "offered_per_s": round(n / sent), "forwarded": counters["forwarded"],
            "received": sink.count, "relay_dropped": counters["dropped"], "overflow": counters["overflow"],
            "msgs_per_s": round(sink.count / span) if span > 0 else None}


def main(as_json: bool = False, quick: bool = False) -> int:
    n_delay = 200 if quick else 1000
    n_loss = 20_000 if quick else 100_000
    n_rate = 20_000 if quick else 100_000
    doc: dict[str, Any] = {"delay": [delay_error(10, n_delay), delay_error(300, n_delay)], "loss": loss(n_loss),
           "rate": rate(n_rate), "target_msgs_per_s": TARGET_MSGS_PER_S,
           "note": "SCTP transport streaming rate: see `oran-harness bench transport` (not re-measured here)"}
    r = doc["rate"]["msgs_per_s"] or 0
    doc["target_met"] = r >= TARGET_MSGS_PER_S and doc["loss"]["within"]
    if as_json:
        print(json.dumps(doc, indent=1))
    else:
        for d in doc["delay"]:
            print(f"delay {d['configured_ms']:>5} ms: error median {d['median_error_ms']} ms, "
                  f"p99 {d['p99_error_ms']} ms "
                  f"({d['samples']} datagrams)")
        lo = doc["loss"]
        print(f"loss {lo['configured']}: {lo['lost']} of {lo['reached_relay']} that reached the relay "
              f"({lo['measured']:.4%}), bound +-{lo['bound_packets']} packets: "
              f"{'within' if lo['within'] else 'OUTSIDE'}; {lo['lost_outside_impairment']} of {lo['packets']} "
              "lost outside the impairment (socket buffers)")
        print(f"rate while impairing (10 ms, 1 % loss): {r:,} msg/s (target {TARGET_MSGS_PER_S:,})")
    return 0 if doc["target_met"] else 1
