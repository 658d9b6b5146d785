"""The ctypes struct layouts of harness.transport.usrsctp_ffi against the running
libusrsctp: the library enforces or reports sizeof() of each struct we pass."""

from __future__ import annotations

import ctypes
import errno
import socket
from ctypes import byref, c_int, c_uint, sizeof

import pytest

from harness.transport import usrsctp_ffi as ffi
from tests.transport.usrsctp_support import requires_usrsctp, udp_peer, usrsctp_stack  # noqa: F401

pytestmark = requires_usrsctp


@pytest.mark.parametrize("struct, size", list(ffi.EXPECTED_SIZES.items()),
                         ids=[s.__name__ for s in ffi.EXPECTED_SIZES])
def test_ctypes_sizes_match_the_header(struct, size):
    assert sizeof(struct) == size


def _fresh_socket():
    return ffi.lib().usrsctp_socket(socket.AF_INET, ffi.SOCK_STREAM, ffi.IPPROTO_SCTP,
                                    None, None, 0, None)


OPTIONS = [  # (level, option, value): the library refuses a buffer one byte short
    (ffi.IPPROTO_SCTP, ffi.SCTP_EVENT, ffi.SctpEvent(0, ffi.SCTP_ASSOC_CHANGE, 1)),
    (ffi.IPPROTO_SCTP, ffi.SCTP_INITMSG, ffi.SctpInitmsg(4, 4, 0, 0)),
    (ffi.IPPROTO_SCTP, ffi.SCTP_REMOTE_UDP_ENCAPS_PORT, ffi.SctpUdpencaps()),
    (ffi.SOL_SOCKET, ffi.SO_LINGER, ffi.Linger(0, 0)),
]


@pytest.mark.parametrize("level, opt, value", OPTIONS,
                         ids=[type(v).__name__ for _, _, v in OPTIONS])
def test_setsockopt_enforces_our_sizes(usrsctp_stack, level, opt, value):
    lib, so = ffi.lib(), _fresh_socket()
    try:
        assert lib.usrsctp_setsockopt(so, level, opt, byref(value), sizeof(value) - 1) == -1
        assert ctypes.get_errno() == errno.EINVAL
        assert lib.usrsctp_setsockopt(so, level, opt, byref(value), sizeof(value)) == 0
    finally:
        lib.usrsctp_close(so)


@pytest.mark.parametrize("opt, struct", [(ffi.SCTP_INITMSG, ffi.SctpInitmsg),
                                         (ffi.SCTP_EVENT, ffi.SctpEvent),
                                         (ffi.SCTP_REMOTE_UDP_ENCAPS_PORT, ffi.SctpUdpencaps)],
                         ids=["SctpInitmsg", "SctpEvent", "SctpUdpencaps"])
def test_getsockopt_reports_our_sizes(usrsctp_stack, opt, struct):
    lib, so = ffi.lib(), _fresh_socket()
    try:
        value = struct()
        if struct is ffi.SctpEvent:
            value.se_type = ffi.SCTP_ASSOC_CHANGE
        big = ctypes.create_string_buffer(bytes(value) + b"\0" * 64)
        n = c_uint(len(big))
        assert lib.usrsctp_getsockopt(so, ffi.IPPROTO_SCTP, opt, big, byref(n)) == 0
        assert n.value == sizeof(struct)
    finally:
        lib.usrsctp_close(so)


def test_live_association_sizes(udp_peer):
    """recvv writes back sizeof(sctp_rcvinfo); sendv refuses a short sndinfo;
    SCTP_STATUS and the notifications carry the sizes we declare."""
    from harness.transport import usrsctp as us
    raw: list[bytes] = []
    orig = us.UsrsctpAssociation._notification

    def spy(self, data):
        raw.append(data)
        orig(self, data)
    us.UsrsctpAssociation._notification = spy
    try:
        a = us.connect("127.0.0.1", udp_peer.port, remote_udp_port=udp_peer.udp_port, timeout=3)
        lib, so = ffi.lib(), a._sock.so
        info = ffi.SctpSndinfo(7, 0, socket.htonl(70), 0, 0)
        assert lib.usrsctp_sendv(so, b"x", 1, None, 0, byref(info), sizeof(info) - 1,
                                 ffi.SCTP_SENDV_SNDINFO, 0) == -1
        assert ctypes.get_errno() == errno.EINVAL
        a.send(b"probe", stream=7)
        assert a.recv(2.0).data == b"probe"
        assert a._infolen.value == sizeof(ffi.SctpRcvinfo)
        assert a._infotype.value == ffi.SCTP_RECVV_RCVINFO
        st, n = ffi.SctpStatus(), c_uint(sizeof(ffi.SctpStatus) + 64)
        buf = ctypes.create_string_buffer(n.value)
        assert lib.usrsctp_getsockopt(so, ffi.IPPROTO_SCTP, ffi.SCTP_STATUS, buf, byref(n)) == 0
        assert n.value == sizeof(st)
        ctypes.memmove(byref(st), buf, sizeof(st))
        assert (st.sstat_outstrms, st.sstat_instrms) == (16, 16)
        assert st.sstat_state == 8                               # SCTP_ESTABLISHED
        assert ffi.format_sockaddr(bytes(st.sstat_primary.spinfo_address)).startswith("127.0.0.1")
        a.send(b"\x00CMD:SHUTDOWN")
        with pytest.raises(us.PeerClosed):
            a.recv(2.0)
        a.close()
    finally:
        us.UsrsctpAssociation._notification = orig
    lengths = {}
    for r in raw:
        hdr = ffi.SnHeader.from_buffer_copy(r)
        assert hdr.sn_length == len(r)
        lengths.setdefault(hdr.sn_type, hdr.sn_length)
    assert lengths[ffi.SCTP_ASSOC_CHANGE] >= sizeof(ffi.SctpAssocChange)
    if ffi.SCTP_PEER_ADDR_CHANGE in lengths:     # only when a second peer address confirms
        assert lengths[ffi.SCTP_PEER_ADDR_CHANGE] == sizeof(ffi.SctpPaddrChange)
    assert lengths[ffi.SCTP_SHUTDOWN_EVENT] == sizeof(ffi.SctpShutdownEvent)
