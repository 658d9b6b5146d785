"""Kernel SCTP over loopback: server and client in one process.

Runs only where the kernel has SCTP (lab hosts); skipped elsewhere with the reason.
"""

import socket
import threading

import pytest

from harness.transport.base import E2AP_PPID, PeerClosed, TransportError
from harness.transport.kernel_sctp import KernelSctpListener, MessageTooLarge, connect
from harness.transport.backends import kernel_sctp_available, kernel_sctp_unavailable_reason

pytestmark = pytest.mark.skipif(
    not kernel_sctp_available(),
    reason=f"{kernel_sctp_unavailable_reason()}; load it with `sudo modprobe sctp` to run "
           "the kernel SCTP loopback tests")

TIMEOUT = 5.0


def _ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


FAMILIES = [
    pytest.param("127.0.0.1", id="ipv4"),
    pytest.param("::1", id="ipv6", marks=pytest.mark.skipif(not _ipv6_loopback(),
                                                            reason="no IPv6 loopback here")),
]


@pytest.fixture(params=FAMILIES)
def pair(request):
    host = request.param
    with KernelSctpListener(host, 0, recv_buffer=16 * 1024) as listener:
        port = listener.address[1]
        client = connect(host, port, timeout=TIMEOUT, recv_buffer=16 * 1024, close_linger=0.5)
        server = listener.accept(TIMEOUT)
        assert server is not None, "no association accepted"
        try:
            yield server, client
        finally:
            client.close()
            server.close()


def recv(assoc):
    pkt = assoc.recv(TIMEOUT)
    assert pkt is not None, "timed out waiting for a message"
    return pkt


def test_two_streams_ppid_70_both_ways(pair):
    server, client = pair
    client.send(b"setup-request", stream=0, ppid=E2AP_PPID)
    client.send(b"indication", stream=1, ppid=E2AP_PPID)
    got = sorted((p.stream, p.ppid, p.data) for p in (recv(server), recv(server)))
    assert got == [(0, 70, b"setup-request"), (1, 70, b"indication")]

    server.send(b"setup-response", stream=1, ppid=E2AP_PPID)
    server.send(b"control", stream=0, ppid=E2AP_PPID)
    got = sorted((p.stream, p.ppid, p.data) for p in (recv(client), recv(client)))
    assert got == [(0, 70, b"control"), (1, 70, b"setup-response")]


def test_negotiated_streams_and_addresses(pair):
    server, client = pair
    client.send(b"x")
    recv(server)
    assert client.outbound_streams is None or client.outbound_streams >= 2
    assert server.local.endswith(client.peer.rsplit(":", 1)[1])


def test_other_ppid_and_order_within_a_stream(pair):
    server, client = pair
    for i in range(50):
        client.send(i.to_bytes(2, "big"), stream=1, ppid=0x11223344)
    got = [recv(server) for _ in range(50)]
    assert [int.from_bytes(p.data, "big") for p in got] == list(range(50))
    assert {p.ppid for p in got} == {0x11223344}


def test_large_message_is_reassembled(pair):
    server, client = pair
    big = bytes(range(256)) * 1200                      # 307200 bytes, 16 KiB reads
    sender = threading.Thread(target=client.send, args=(big,), kwargs={"stream": 1})
    sender.start()
    pkt = recv(server)
    sender.join(TIMEOUT)
    assert (len(pkt.data), pkt.stream, pkt.ppid) == (len(big), 1, 70)
    assert pkt.data == big


def test_oversize_message_is_rejected_then_the_next_one_arrives(pair):
    server, client = pair
    server.max_message_size = 32 * 1024
    sender = threading.Thread(target=lambda: (client.send(b"y" * 100_000), client.send(b"ok")))
    sender.start()
    with pytest.raises(MessageTooLarge):
        server.recv(TIMEOUT)
    assert recv(server).data == b"ok"
    sender.join(TIMEOUT)


def test_peer_close_is_peer_closed(pair):
    server, client = pair
    client.send(b"bye")
    client.close()
    assert recv(server).data == b"bye"
    with pytest.raises(PeerClosed):
        server.recv(TIMEOUT)
    with pytest.raises(PeerClosed):
        server.send(b"too late")


def test_peer_abort_is_peer_closed(pair):
    server, client = pair
    client.abort()
    with pytest.raises(PeerClosed):
        server.recv(TIMEOUT)


def test_accept_times_out_with_none():
    with KernelSctpListener("127.0.0.1", 0) as listener:
        assert listener.accept(0.05) is None


def test_connect_to_a_closed_port_fails_clearly():
    with KernelSctpListener("127.0.0.1", 0) as listener:
        port = listener.address[1]
    with pytest.raises(TransportError, match="connect"):
        connect("127.0.0.1", port, timeout=2.0)
