"""UsrsctpAssociation over UDP encapsulation (RFC 6951) on loopback, against a
peer subprocess (one usrsctp stack per process)."""

from __future__ import annotations

import threading
import time

import pytest

from harness.transport.base import PeerClosed, TransportError
from tests.transport.usrsctp_support import (free_udp_port, requires_usrsctp, udp_peer,  # noqa: F401
                                            usrsctp_stack)

pytestmark = requires_usrsctp


def _connect(peer, **kw):
    from harness.transport.usrsctp import connect
    return connect("127.0.0.1", peer.port, mode="udp", remote_udp_port=peer.udp_port,
                   timeout=kw.pop("timeout", 3.0), **kw)


def test_round_trip_streams_and_ppid(udp_peer):
    a = _connect(udp_peer)
    try:
        assert a.streams == (16, 16)
        assert a.events[0].kind == "up" and a.events[0].detail.startswith("COMM_UP")
        for sid, ppid in ((0, 70), (3, 70), (15, 70), (1, 0xDEADBEEF)):
            sent = a.send(b"msg-%d" % sid, stream=sid, ppid=ppid)
            assert (sent.direction, sent.stream, sent.ppid) == ("sent", sid, ppid)
            got = a.recv(2.0)
            assert got is not None
            assert (got.data, got.stream, got.ppid, got.direction) == (b"msg-%d" % sid, sid,
                                                                       ppid, "received")
            assert got.src == f"127.0.0.1:{udp_peer.port}" and got.dst.startswith("127.0.0.1:")
        with pytest.raises(TransportError, match="stream 16 out of range"):
            a.send(b"x", stream=16)
    finally:
        a.close()


def test_64k_message_and_order(udp_peer):
    a = _connect(udp_peer)
    try:
        big = bytes(range(256)) * 256
        a.send(big, stream=2)
        for i in range(50):
            a.send(b"%d" % i, stream=2)
        got = a.recv(3.0)
        assert got is not None and len(got.data) == 65536 and got.data == big
        assert [a.recv(2.0).data for _ in range(50)] == [b"%d" % i for i in range(50)]
    finally:
        a.close()


def test_recv_timeout_is_bounded(udp_peer):
    a = _connect(udp_peer)
    try:
        t0 = time.monotonic()
        assert a.recv(0.2) is None
        assert 0.15 < time.monotonic() - t0 < 0.6
        assert a.recv(0) is None
    finally:
        a.close()


def test_concurrent_send_and_recv(udp_peer):
    a = _connect(udp_peer)
    n = 2000
    got: list[bytes] = []

    def reader():
        while len(got) < n:
            p = a.recv(3.0)
            if p is None:
                return
            got.append(p.data)
    th = threading.Thread(target=reader)
    th.start()
    for i in range(n):
        a.send(b"%06d" % i, stream=i % 4)
    th.join(10)
    a.close()
    assert len(got) == n
    for s in range(4):     # ordered per stream
        mine = [g for g in got if int(g) % 4 == s]
        assert mine == sorted(mine)


def test_peer_abort_raises_peer_closed_with_reason(udp_peer):
    seen = []
    a = _connect(udp_peer, on_event=seen.append)
    a.send(b"before")
    a.send(b"\x00CMD:ABORT")
    assert a.recv(2.0).data == b"before"          # data queued before the ABORT comes first
    with pytest.raises(PeerClosed, match="aborted.*User Initiated Abort"):
        a.recv(2.0)
    with pytest.raises(PeerClosed):                # and stays closed
        a.recv(0.1)
    with pytest.raises(PeerClosed):
        a.send(b"after")
    assert [e.detail.split(":")[0] for e in seen if e.kind == "abort"] == ["COMM_LOST"]
    a.close()


def test_peer_shutdown_raises_peer_closed(udp_peer):
    a = _connect(udp_peer)
    a.send(b"\x00CMD:SHUTDOWN")
    with pytest.raises(PeerClosed, match="SHUTDOWN"):
        a.recv(2.0)
    a.close()


def test_clean_shutdown_completes(udp_peer):
    a = _connect(udp_peer)
    a.send(b"last")
    assert a.recv(2.0).data == b"last"
    t0 = time.monotonic()
    a.close(timeout=2.0)
    assert time.monotonic() - t0 < 1.0
    assert a.events[-1].kind == "shutdown"
    assert a.events[-1].detail.startswith("SHUTDOWN_COMP")
    with pytest.raises(TransportError, match="closed locally"):
        a.send(b"x")


def test_connect_refused_names_target(udp_peer):
    from harness.transport.usrsctp import connect
    t0 = time.monotonic()
    with pytest.raises(TransportError, match=rf"127\.0\.0\.1:{udp_peer.port + 1}.*refused"):
        connect("127.0.0.1", udp_peer.port + 1, mode="udp", remote_udp_port=udp_peer.udp_port,
                timeout=2.0)
    assert time.monotonic() - t0 < 2.0


def test_connect_to_silence_times_out(usrsctp_stack):
    from harness.transport.usrsctp import connect
    silent = free_udp_port()                        # nothing listens there
    t0 = time.monotonic()
    with pytest.raises(TransportError, match=r"127\.0\.0\.1:4000.*timed out after 0\.5s"):
        connect("127.0.0.1", 4000, mode="udp", remote_udp_port=silent, timeout=0.5)
    assert time.monotonic() - t0 < 1.5


def test_listener_accept_and_timeout(usrsctp_stack):
    from harness.transport.usrsctp import UsrsctpListener
    with UsrsctpListener("127.0.0.1", 0) as lst:
        assert lst.port > 0
        t0 = time.monotonic()
        with pytest.raises(TransportError, match="no SCTP association arrived"):
            lst.accept(0.2)
        assert time.monotonic() - t0 < 0.6


def test_stack_is_one_per_process(usrsctp_stack):
    from harness.transport.usrsctp import UsrsctpStack
    assert UsrsctpStack.start("udp") is usrsctp_stack
    with pytest.raises(TransportError, match="one stack per process"):
        UsrsctpStack.start("udp", udp_port=usrsctp_stack.udp_port + 1)


def test_harness_side_listener_with_peer_client(usrsctp_stack, udp_peer):
    """Our listener accepts an association opened by another process (the peer's
    stack connects back through UDP): run a tiny client via the peer module."""
    import os
    import subprocess
    import sys

    from harness.transport.usrsctp import UsrsctpListener
    from tests.transport.usrsctp_support import REPO_ROOT
    code = ("import sys;from harness.transport.usrsctp import connect;"
            f"a=connect('127.0.0.1',int(sys.argv[1]),remote_udp_port={usrsctp_stack.udp_port},"
            f"local_udp_port={free_udp_port()},timeout=3);a.send(b'hi',stream=4,ppid=70);"
            "p=a.recv(3);print(p.data.decode() if p else 'none');a.close()")
    with UsrsctpListener("127.0.0.1", 0) as lst:
        proc = subprocess.Popen([sys.executable, "-c", code, str(lst.port)], text=True,
                                stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
        try:
            b = lst.accept(5.0)
            p = b.recv(3.0)
            assert (p.data, p.stream, p.ppid) == (b"hi", 4, 70)
            b.send(b"ho", stream=p.stream)
            out, _ = proc.communicate(timeout=5)
            assert out.strip() == "ho"
            with pytest.raises(PeerClosed):
                b.recv(2.0)
            b.close()
        finally:
            if proc.poll() is None:
                proc.kill()
