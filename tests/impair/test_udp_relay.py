"""The datagram relay on real loopback traffic: each impairment kind measured against what was set.

Statistical checks use fixed seeds (the relay's draws are reproducible) and bounds of 4.5
binomial standard deviations, so they hold for any seed, not just the one used.
"""

import math
import socket
import statistics
import struct
import threading
import time

import pytest

from harness.impair.model import Impairment
from harness.impair.relay import RelayError, UdpRelay
from tests.impair.support import UdpEcho, UdpSink


@pytest.fixture
def sink():
    s = UdpSink()
    yield s
    s.close()


@pytest.fixture
def echo():
    e = UdpEcho()
    yield e
    e.close()


def _client() -> socket.socket:
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    return c


def send_many(relay, n, size=64, pace=200):
    """n numbered datagrams to the relay, a short pause every ``pace`` (no kernel drops)."""
    c = _client()
    pad = b"\0" * max(0, size - 4)
    for i in range(n):
        c.sendto(struct.pack("!I", i) + pad, relay.listen)
        if i % pace == pace - 1:
            time.sleep(0.002)
    return c


def seqs(datagrams):
    return [struct.unpack_from("!I", d)[0] for d in datagrams]


def rtts(relay, n, gap=0.002):
    """Echo round trips (ms) of n timestamped datagrams sent ``gap`` apart."""
    c = _client()
    c.settimeout(3)
    out = {}

    def read():
        while len(out) < n:
            try:
                data = c.recv(100)
            except TimeoutError:
                return
            seq, sent = struct.unpack("!Id", data)
            out[seq] = (time.monotonic() - sent) * 1000
    t = threading.Thread(target=read)
    t.start()
    for i in range(n):
        c.sendto(struct.pack("!Id", i, time.monotonic()), relay.listen)
        time.sleep(gap)
    t.join(5)
    c.close()
    return list(out.values())


def binomial_bound(n, p, k=4.5):
    return k * math.sqrt(n * p * (1 - p))


def test_delay_is_added_each_way(echo):
    with UdpRelay("e2", ("127.0.0.1", 0), echo.address) as relay:
        clean = statistics.median(rtts(relay, 50))
        relay.apply(Impairment(delay_ms=10))
        got = rtts(relay, 100)
    assert len(got) == 100
    added = statistics.median(got) - clean
    assert 19.5 <= added <= 22.0, f"added RTT {added:.2f} ms for 2 x 10 ms"


def test_jitter_normal_spread(echo):
    with UdpRelay("e2", ("127.0.0.1", 0), echo.address) as relay:
        relay.apply(Impairment(delay_ms=30, jitter_ms=5, jitter_distribution="normal", seed=7))
        got = rtts(relay, 300, gap=0.001)
    # two independent N(30, 5) draws: RTT mean 60, sd 5*sqrt(2) = 7.1
    assert 58 <= statistics.median(got) <= 63
    assert 5.5 <= statistics.stdev(got) <= 9.0


def test_loss_rate_within_binomial_bound(sink):
    n, p = 20_000, 0.1
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(loss=p, seed=3))
        send_many(relay, n)
        got = sink.drain()
        c = relay.counters()["a->b"]
    assert c["received"] == n
    assert abs(c["dropped"] - n * p) <= binomial_bound(n, p), c
    assert len(got) == c["forwarded"] == n - c["dropped"]


def test_correlated_loss_comes_in_bursts(sink):
    n, p = 20_000, 0.1
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(loss=p, loss_correlation=0.5, seed=5))
        send_many(relay, n)
        got = set(seqs(sink.drain()))
    lost = [i for i in range(n) if i not in got]
    bursts = 1 + sum(1 for a, b in zip(lost, lost[1:], strict=False) if b != a + 1)
    assert 0.085 <= len(lost) / n <= 0.115
    assert len(lost) / bursts >= 1.8          # mean burst 1/(1-(c+(1-c)p)) = 2.2; uncorrelated 1.1


def test_duplicates(sink):
    n, p = 5_000, 0.2
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(duplicate=p, seed=11))
        send_many(relay, n)
        got = seqs(sink.drain())
        c = relay.counters()["a->b"]
    assert abs(c["duplicated"] - n * p) <= binomial_bound(n, p)
    assert len(got) == n + c["duplicated"] and len(set(got)) == n


def test_reorder_by_gap(sink):
    n, p = 5_000, 0.05
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(reorder=p, reorder_gap=3, seed=13))
        send_many(relay, n)
        got = seqs(sink.drain())
        c = relay.counters()["a->b"]
    assert sorted(got) == list(range(n))                 # nothing lost, nothing doubled
    late = sum(1 for i in range(1, len(got)) if got[i] < max(got[:i][-4:]))
    assert abs(c["reordered"] - n * p) <= binomial_bound(n, p)
    assert late >= 0.9 * c["reordered"]


def test_rate_limit_paces_the_line(sink):
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(rate_kbps=800))             # 1000-byte datagrams: 100 per second
        c = _client()
        for i in range(40):
            c.sendto(struct.pack("!I", i) + b"\0" * 996, relay.listen)
        arrivals = sink.times if len(sink.drain(0.3)) == 40 else []
    span = arrivals[-1] - arrivals[0]
    assert 0.35 <= span <= 0.45, f"39 gaps of 10 ms took {span:.3f} s"


def test_queue_cap_drops_and_counts(sink):
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        relay.apply(Impairment(delay_ms=300, queue_packets=10))
        send_many(relay, 100)
        time.sleep(0.1)
        c = relay.counters()["a->b"]
        assert c["overflow"] == 90 and c["dropped"] == 90
        assert len(sink.drain(0.6)) == 10


def test_partition_and_blackhole_one_direction(echo):
    with UdpRelay("e2", ("127.0.0.1", 0), echo.address) as relay:
        relay.apply(Impairment(partition=True))
        assert rtts(relay, 20) == [] and echo.received == 0
        relay.apply(Impairment(blackhole="b->a"))
        assert rtts(relay, 20) == []
        assert echo.received == 20                            # a->b still goes through
        relay.apply(Impairment(blackhole="a->b"))
        assert rtts(relay, 5) == [] and echo.received == 20
        relay.clear()
        assert len(rtts(relay, 5)) == 5
        c = relay.counters()
        timeline = [(e.action, e.impairment) for e in relay.timeline]
    assert c["a->b"]["dropped"] == 20 + 5 and c["b->a"]["dropped"] == 20
    assert timeline == [("apply", {"partition": True, "seed": 1}), ("apply", {"blackhole": "b->a", "seed": 1}),
                        ("apply", {"blackhole": "a->b", "seed": 1}), ("clear", {})]
    assert all(e.wall > 1e9 and e.monotonic > 0 for e in relay.timeline)


def test_listen_address_taken_is_a_lab_error(sink):
    with UdpRelay("e2", ("127.0.0.1", 0), sink.address) as relay:
        with pytest.raises(RelayError, match=r"^link e2b: cannot listen on 127\.0\.0\.1:\d+: Address already in use"):
            UdpRelay("e2b", relay.listen, sink.address)


def test_sctp_inits_are_noted_in_both_directions_even_when_the_partition_drops_them(echo):
    """Hand-made SCTP packets (RFC 9260 3.1 common header, then a chunk type): only INIT (1) is noted."""
    header = struct.pack("!HHII", 5000, 36422, 0, 0)                    # ports, verification tag, checksum
    init = header + bytes([1, 0]) + struct.pack("!H", 20) + b"\0" * 16
    data = header + bytes([0, 3]) + struct.pack("!H", 17) + b"\0" * 13
    with UdpRelay("e2", ("127.0.0.1", 0), echo.address) as relay:
        c = _client()
        c.settimeout(2)
        c.sendto(data, relay.listen)
        assert c.recv(100) == data                                       # echoed, DATA not noted either way
        t0 = time.time()
        c.sendto(init, relay.listen)
        assert c.recv(100) == init                                       # a->b, then the echo's b->a
        relay.apply(Impairment(partition=True))
        c.sendto(init, relay.listen)                                     # dropped, still noted
        time.sleep(0.3)
        assert [d for _, d in relay.inits] == ["a->b", "b->a", "a->b"]
        assert all(t >= t0 for t, _ in relay.inits)
        assert relay.counters()["a->b"]["dropped"] == 1
