"""KernelSctpAssociation logic against a scripted fake socket (runs everywhere)."""

import errno
import socket
import struct

import pytest

from harness.transport import kernel_sctp_uapi as U
from harness.transport.base import PeerClosed, TransportError
from harness.transport.kernel_sctp import (KernelSctpAssociation, MessageTooLarge,
                                           format_address, parse_notification)

EOR = U.MSG_EOR
NOTE = U.MSG_NOTIFICATION


def rcvinfo(sid=0, ppid=70):
    return [(U.SOL_SCTP, U.SCTP_RCVINFO, U.SCTP_RCVINFO_LAYOUT.pack(rcv_sid=sid, rcv_ppid=ppid))]


def assoc_change(state, outbound=10, inbound=12, error=0, assoc_id=7):
    return U.SCTP_ASSOC_CHANGE_LAYOUT.pack(sac_type=U.SCTP_ASSOC_CHANGE, sac_length=20,
                                           sac_state=state, sac_error=error,
                                           sac_outbound_streams=outbound,
                                           sac_inbound_streams=inbound, sac_assoc_id=assoc_id)


class FakeSocket:
    """recvmsg() plays a script: (data, ancdata, flags) tuples, exceptions, or 'wait'.

    'wait' (or an empty script) means nothing arrives: recvmsg() raises EAGAIN and
    the next readiness wait reports a timeout.
    """

    def __init__(self, script=()):
        self.script = list(script)
        self.sent = []
        self.timeouts = []
        self.options = []
        self.shutdowns = []
        self.closed = False
        self.send_error = None
        self.blocking = True
        self.waits = []                 # (for_write, timeout) passed to _wait_ready

    def setblocking(self, flag):
        self.blocking = flag

    def wait_ready(self, for_write, timeout):
        self.waits.append((for_write, timeout))
        if for_write:
            return self.send_error is None or not isinstance(self.send_error, BlockingIOError)
        if self.script and self.script[0] == "wait":
            self.script.pop(0)
            return False
        return bool(self.script)

    def getsockname(self):
        return ("127.0.0.1", 1111)

    def getpeername(self):
        return ("127.0.0.1", 36421)

    def setsockopt(self, level, name, value):
        self.options.append((level, name, value))

    def sendmsg(self, buffers, ancdata, flags):
        if self.send_error:
            raise self.send_error
        self.sent.append((b"".join(buffers), ancdata, flags))
        return sum(len(b) for b in buffers)

    def recvmsg(self, bufsize, ancbufsize):
        assert ancbufsize >= socket.CMSG_SPACE(28) and not self.blocking
        if not self.script or self.script[0] == "wait":
            raise BlockingIOError(errno.EAGAIN, "would block")
        item = self.script.pop(0)
        if isinstance(item, BaseException):
            raise item
        data, anc, flags = item
        assert len(data) <= bufsize
        return data, anc, flags, None

    def shutdown(self, how):
        self.shutdowns.append(how)

    def close(self):
        self.closed = True


def make(script=(), **kw):
    sock = FakeSocket(script)
    assoc = KernelSctpAssociation(sock, **kw)
    assoc._wait_ready = sock.wait_ready
    return sock, assoc


def test_send_builds_sndinfo_cmsg():
    sock, assoc = make()
    pkt = assoc.send(b"\x00\x01", stream=1, ppid=70)
    data, anc, flags = sock.sent[0]
    assert data == b"\x00\x01"
    assert anc == [(132, 2, U.pack_sndinfo(sid=1, ppid=70))]
    assert anc[0][2][4:8] == b"\x00\x00\x00\x46"
    assert flags & socket.MSG_NOSIGNAL
    assert (pkt.direction, pkt.stream, pkt.ppid) == ("sent", 1, 70)
    assert (pkt.src, pkt.dst) == ("127.0.0.1:1111", "127.0.0.1:36421")
    assert not sock.blocking and sock.waits == []


@pytest.mark.parametrize("kwargs", [dict(data=b""), dict(data=b"x", stream=70000),
                                    dict(data=b"x", ppid=-1), dict(data=b"x", ppid=2**32)])
def test_send_validates(kwargs):
    _, assoc = make()
    data = kwargs.pop("data")
    with pytest.raises(TransportError):
        assoc.send(data, **kwargs)


def test_send_beyond_negotiated_streams_is_a_clear_error():
    sock, assoc = make([(assoc_change(U.SCTP_COMM_UP, outbound=2), [], NOTE | EOR)])
    assoc.poll_events()
    assert assoc.outbound_streams == 2 and assoc.inbound_streams == 12 and assoc.assoc_id == 7
    with pytest.raises(TransportError, match="2 outbound streams"):
        assoc.send(b"x", stream=2)


@pytest.mark.parametrize("err", [errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN])
def test_send_to_a_gone_peer_is_peer_closed(err):
    sock, assoc = make()
    sock.send_error = OSError(err, "gone")
    with pytest.raises(PeerClosed):
        assoc.send(b"x")
    with pytest.raises(PeerClosed):
        assoc.recv(0.1)


def test_send_timeout_is_transport_error():
    sock, assoc = make(send_timeout=0.05)
    sock.send_error = BlockingIOError(errno.EAGAIN, "would block")
    with pytest.raises(TransportError, match="timed out after 0.05s"):
        assoc.send(b"x")
    assert sock.waits and sock.waits[0][0] is True and sock.waits[0][1] <= 0.05


def test_recv_returns_packet_with_stream_and_ppid():
    _, assoc = make([(b"hello", rcvinfo(sid=1, ppid=70), EOR)])
    pkt = assoc.recv(1.0)
    assert (pkt.data, pkt.stream, pkt.ppid, pkt.direction) == (b"hello", 1, 70, "received")
    assert (pkt.src, pkt.dst) == ("127.0.0.1:36421", "127.0.0.1:1111")


def test_recv_timeout_returns_none():
    sock, assoc = make(["wait"])
    assert assoc.recv(0.01) is None
    assert len(sock.waits) == 1 and 0 < sock.waits[0][1] <= 0.01


def test_recv_zero_timeout_tries_once_without_blocking():
    sock, assoc = make()
    assert assoc.recv(0) is None
    assert sock.waits == []


def test_reassembles_until_msg_eor():
    _, assoc = make([(b"a" * 64, rcvinfo(sid=3, ppid=70), 0),
                     (b"b" * 64, rcvinfo(sid=3, ppid=70), 0),
                     (b"c" * 10, [], EOR)], recv_buffer=64)
    pkt = assoc.recv(1.0)
    assert pkt.data == b"a" * 64 + b"b" * 64 + b"c" * 10
    assert (pkt.stream, pkt.ppid) == (3, 70)


def test_partial_message_survives_a_timeout():
    _, assoc = make([(b"a" * 64, rcvinfo(sid=1), 0), "wait", (b"b", [], EOR)], recv_buffer=64)
    assert assoc.recv(0.01) is None
    assert assoc.recv(1.0).data == b"a" * 64 + b"b"


def test_oversize_message_is_a_clear_error_and_is_skipped():
    _, assoc = make([(b"a" * 64, rcvinfo(), 0), (b"b" * 64, [], 0), (b"c" * 64, [], 0),
                     (b"d", [], EOR), (b"next", rcvinfo(sid=2), EOR)],
                    recv_buffer=64, max_message_size=100)
    with pytest.raises(MessageTooLarge, match="max_message_size=100"):
        assoc.recv(1.0)
    pkt = assoc.recv(1.0)
    assert (pkt.data, pkt.stream) == (b"next", 2)


@pytest.mark.parametrize("state", [U.SCTP_COMM_LOST, U.SCTP_SHUTDOWN_COMP,
                                   U.SCTP_CANT_STR_ASSOC])
def test_assoc_change_end_states_are_peer_closed(state):
    _, assoc = make([(b"last", rcvinfo(), EOR), (assoc_change(state), [], NOTE | EOR)])
    assert assoc.recv(1.0).data == b"last"        # data before the event is delivered
    with pytest.raises(PeerClosed, match=U.SAC_STATE_NAMES[state]):
        assoc.recv(1.0)
    with pytest.raises(PeerClosed):                # stays closed
        assoc.recv(1.0)
    with pytest.raises(PeerClosed):
        assoc.send(b"x")


def test_notification_in_pieces_and_shutdown_event():
    sse = U.SCTP_SHUTDOWN_EVENT_LAYOUT.pack(sse_type=U.SCTP_SHUTDOWN_EVENT, sse_length=12)
    note = assoc_change(U.SCTP_SHUTDOWN_COMP)
    _, assoc = make([(sse, [], NOTE | EOR), (note[:8], [], NOTE), (note[8:], [], NOTE | EOR)])
    with pytest.raises(PeerClosed, match="SHUTDOWN_COMP"):
        assoc.recv(1.0)
    assert assoc.peer_shutting_down
    assert [e.name for e in assoc.events] == ["SCTP_SHUTDOWN_EVENT", "SCTP_ASSOC_CHANGE"]


def test_end_of_file_is_peer_closed():
    _, assoc = make([(b"", [], 0)])
    with pytest.raises(PeerClosed, match="end of file"):
        assoc.recv(1.0)


def test_connection_reset_is_peer_closed():
    _, assoc = make([ConnectionResetError(errno.ECONNRESET, "reset")])
    with pytest.raises(PeerClosed):
        assoc.recv(1.0)


def test_other_os_errors_are_transport_errors():
    _, assoc = make([OSError(errno.EBADF, "bad fd")])
    with pytest.raises(TransportError) as info:
        assoc.recv(1.0)
    assert not isinstance(info.value, PeerClosed)


def test_poll_events_keeps_early_data_for_recv():
    _, assoc = make([(assoc_change(U.SCTP_COMM_UP), [], NOTE | EOR),
                     (b"early", rcvinfo(sid=1), EOR)])
    assoc.poll_events()
    assert assoc.outbound_streams == 10
    assert assoc.recv(0).data == b"early"


def test_close_shuts_down_gracefully_and_is_idempotent():
    sock, assoc = make([(assoc_change(U.SCTP_SHUTDOWN_COMP), [], NOTE | EOR)])
    assoc.close()
    assoc.close()
    assert sock.shutdowns == [socket.SHUT_WR] and sock.closed
    with pytest.raises(TransportError):
        assoc.send(b"x")


def test_close_linger_is_bounded():
    sock, assoc = make(["wait"], close_linger=0.01)
    assoc.close()
    assert sock.closed and all(t <= 0.01 for _w, t in sock.waits)


def test_abort_sets_linger_zero():
    sock, assoc = make()
    assoc.abort()
    assert sock.options[-1] == (socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert sock.closed


def test_parse_notification_unknown_type():
    ev = parse_notification(U.SCTP_NOTIFICATION_HEADER_LAYOUT.pack(sn_type=U.SCTP_SENDER_DRY_EVENT,
                                                                   sn_length=12) + b"\0" * 4)
    assert ev.name == "SCTP_SENDER_DRY_EVENT" and ev.state is None
    with pytest.raises(TransportError):
        parse_notification(b"\x01\x80")


def test_format_address():
    assert format_address(("::1", 5, 0, 0)) == "[::1]:5"
    assert format_address(("10.0.0.1", 36421)) == "10.0.0.1:36421"


class SeqpacketAsSctp:
    """A real AF_UNIX SOCK_SEQPACKET socket dressed as SCTP (adds MSG_EOR, drops
    the SCTP cmsg), so the real poll()-based waits run on this machine."""

    def __init__(self, sock):
        self._sock = sock

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def sendmsg(self, buffers, ancdata, flags):
        return self._sock.sendmsg(buffers, [], flags)

    def recvmsg(self, bufsize, ancbufsize):
        data, anc, flags, addr = self._sock.recvmsg(bufsize, ancbufsize)
        return data, anc, flags | (U.MSG_EOR if data else 0), addr


def test_real_poll_waits_are_bounded_and_wake_on_data():
    import threading
    import time
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    one = KernelSctpAssociation(SeqpacketAsSctp(a), close_linger=0.05)
    two = KernelSctpAssociation(SeqpacketAsSctp(b), close_linger=0.05)
    try:
        start = time.monotonic()
        assert one.recv(0.2) is None
        assert 0.15 <= time.monotonic() - start < 1.0
        timer = threading.Timer(0.1, lambda: two.send(b"late", stream=0))
        timer.start()
        start = time.monotonic()
        pkt = one.recv(5.0)
        assert pkt.data == b"late" and time.monotonic() - start < 2.0
        timer.join()
        two.close()                                  # end of file on the other side
        with pytest.raises(PeerClosed, match="end of file"):
            one.recv(1.0)
    finally:
        one.close()
        two.close()
