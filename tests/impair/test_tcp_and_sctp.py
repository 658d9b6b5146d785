"""Real protocols through the relays: an SCTP association (usrsctp over UDP, RFC 6951) and a TCP stream."""

import socket
import statistics
import time

import pytest

from harness.impair.model import Impairment, ImpairmentError
from harness.impair.relay import TcpRelay, UdpRelay
from harness.transport import usrsctp
from tests.impair.support import TcpEcho
from tests.transport.usrsctp_support import requires_usrsctp, udp_peer, usrsctp_stack  # noqa: F401


def _rtt(conn, payload=b"ping" * 8):
    t = time.monotonic()
    conn.sendall(payload)
    got = b""
    while len(got) < len(payload):
        got += conn.recv(65536)
    return (time.monotonic() - t) * 1000


def test_tcp_stream_delay_and_partition_hold():
    echo = TcpEcho()
    with TcpRelay("a1", ("127.0.0.1", 0), echo.address) as relay:
        conn = socket.create_connection(relay.listen, timeout=5)
        clean = statistics.median(_rtt(conn) for _ in range(10))
        relay.apply(Impairment(delay_ms=25))
        slow = statistics.median(_rtt(conn) for _ in range(10))
        assert 49 <= slow - clean <= 56
        relay.apply(Impairment(partition=True))
        conn.sendall(b"held")
        conn.settimeout(0.5)
        with pytest.raises(TimeoutError):
            conn.recv(10)                               # nothing crosses a partition
        relay.clear()
        conn.settimeout(5)
        assert conn.recv(10) == b"held"                 # the stream resumes, nothing lost (TCP semantics)
        with pytest.raises(ImpairmentError, match="relays a TCP byte stream: loss, duplicate apply to datagrams"):
            relay.apply(Impairment(loss=0.1, duplicate=0.1))
        conn.close()
    echo.close()


@requires_usrsctp
def test_sctp_association_through_the_relay(usrsctp_stack, udp_peer):  # noqa: F811
    with UdpRelay("e2", ("127.0.0.1", 0), ("127.0.0.1", udp_peer.udp_port)) as relay:
        assoc = usrsctp.connect("127.0.0.1", udp_peer.port, mode="udp", remote_udp_port=relay.listen[1], timeout=5)
        try:
            def rtt() -> float:
                t = time.monotonic()
                assoc.send(b"x" * 100)
                assert assoc.recv(3.0) is not None
                return (time.monotonic() - t) * 1000
            clean = statistics.median(rtt() for _ in range(10))
            relay.apply(Impairment(delay_ms=50))
            delayed = [rtt() for _ in range(10)]
            added = statistics.median(delayed) - clean
            assert 99 <= added <= 110, f"50 ms each way added {added:.1f} ms RTT"
            relay.apply(Impairment(partition=True))
            assoc.send(b"during the partition")
            assert assoc.recv(1.5) is None                  # nothing arrives within the bound
            relay.clear()
            back = assoc.recv(5.0)                          # SCTP retransmits once the path is back
            assert back is not None and back.data == b"during the partition"
            c = relay.counters()
            assert c["a->b"]["dropped"] >= 1 and c["b->a"]["forwarded"] >= 21
            # usrsctp's real INIT went through first (a->b), and nothing since was taken for one:
            # not the INIT ACK coming back, not the DATA, SACK or HEARTBEAT chunks of the association
            assert [d for _, d in relay.inits] == ["a->b"], relay.inits
        finally:
            assoc.close()
