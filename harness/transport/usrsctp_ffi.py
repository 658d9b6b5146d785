"""ctypes declarations for libusrsctp (Debian ``libusrsctp2``, 0.9.5.0).

Only what :mod:`harness.transport.usrsctp` uses is declared. Constants and
struct layouts follow the library's public header ``usrsctp.h`` (natural C
alignment on Linux, no ``sin_len``); ``tests/transport/test_usrsctp_layout.py``
checks each size against the running library (the library reports or enforces
``sizeof`` for every struct passed here: ``usrsctp_recvv`` writes back
``sizeof(struct sctp_rcvinfo)``, ``usrsctp_getsockopt`` writes back the option
size, ``usrsctp_setsockopt``/``usrsctp_sendv`` refuse a buffer one byte short,
and notifications carry their own length).

Loading is lazy: importing this module never fails; :func:`lib` raises
``OSError`` when the shared library is missing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import socket
import struct
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_int,
    c_size_t,
    c_ssize_t,
    c_uint,
    c_uint8,
    c_uint16,
    c_uint32,
    c_ulong,
    c_void_p,
)

LIBRARY_NAMES = ("libusrsctp.so.2", "usrsctp")

# --- constants (usrsctp.h, Linux values for the socket-level ones) -----------------------
IPPROTO_SCTP = 132
SOL_SOCKET = socket.SOL_SOCKET          # usrsctp takes the host's SOL_SOCKET / SO_LINGER
SO_LINGER = socket.SO_LINGER
SOCK_STREAM = socket.SOCK_STREAM        # one-to-one style
SHUT_WR = 1                             # Linux values (usrsctp uses the host's on Linux)
SHUT_RDWR = 2

MSG_NOTIFICATION = 0x2000
MSG_EOR = 0x80                          # Linux MSG_EOR; usrsctp sets it on Linux builds

SCTP_FUTURE_ASSOC = 0
SCTP_EVENT_READ = 0x0001
SCTP_EVENT_WRITE = 0x0002
SCTP_EVENT_ERROR = 0x0004

SCTP_RECVV_NOINFO = 0
SCTP_RECVV_RCVINFO = 1
SCTP_SENDV_SNDINFO = 1

# notification types
SCTP_ASSOC_CHANGE = 0x0001
SCTP_PEER_ADDR_CHANGE = 0x0002
SCTP_REMOTE_ERROR = 0x0003
SCTP_SEND_FAILED = 0x0004
SCTP_SHUTDOWN_EVENT = 0x0005
SCTP_SEND_FAILED_EVENT = 0x000e

# sac_state
SCTP_COMM_UP = 0x0001
SCTP_COMM_LOST = 0x0002
SCTP_RESTART = 0x0003
SCTP_SHUTDOWN_COMP = 0x0004
SCTP_CANT_STR_ASSOC = 0x0005
SAC_STATE_NAMES = {SCTP_COMM_UP: "COMM_UP", SCTP_COMM_LOST: "COMM_LOST", SCTP_RESTART: "RESTART",
                   SCTP_SHUTDOWN_COMP: "SHUTDOWN_COMP", SCTP_CANT_STR_ASSOC: "CANT_STR_ASSOC"}

# spc_state
PADDR_STATE_NAMES = {1: "ADDR_AVAILABLE", 2: "ADDR_UNREACHABLE", 3: "ADDR_REMOVED",
                     4: "ADDR_ADDED", 5: "ADDR_MADE_PRIM", 6: "ADDR_CONFIRMED"}

# socket options (level IPPROTO_SCTP)
SCTP_RTOINFO = 0x01
SCTP_ASSOCINFO = 0x02
SCTP_INITMSG = 0x03
SCTP_NODELAY = 0x04
SCTP_PEER_ADDR_PARAMS = 0x0a
SCTP_EVENT = 0x1e
SCTP_RECVRCVINFO = 0x1f
SCTP_REMOTE_UDP_ENCAPS_PORT = 0x24
SCTP_STATUS = 0x100

# spp_flags of struct sctp_paddrparams
SPP_HB_ENABLE = 0x01
SPP_HB_DISABLE = 0x02

# RFC 4960 section 3.3.10 error causes (sac_error of COMM_LOST carries the ABORT's cause)
ERROR_CAUSES = {
    1: "Invalid Stream Identifier", 2: "Missing Mandatory Parameter", 3: "Stale Cookie Error",
    4: "Out of Resource", 5: "Unresolvable Address", 6: "Unrecognized Chunk Type",
    7: "Invalid Mandatory Parameter", 8: "Unrecognized Parameters", 9: "No User Data",
    10: "Cookie Received While Shutting Down", 11: "Restart of an Association with New Addresses",
    12: "User Initiated Abort", 13: "Protocol Violation",
}


# --- structs -----------------------------------------------------------------------------
class SockaddrIn(Structure):
    _fields_ = [("sin_family", c_uint16), ("sin_port", c_uint16),
                ("sin_addr", c_uint8 * 4), ("sin_zero", c_uint8 * 8)]


class SockaddrIn6(Structure):
    _fields_ = [("sin6_family", c_uint16), ("sin6_port", c_uint16), ("sin6_flowinfo", c_uint32),
                ("sin6_addr", c_uint8 * 16), ("sin6_scope_id", c_uint32)]


class SockaddrStorage(Structure):
    _fields_ = [("ss_family", c_uint16), ("ss_padding", c_uint8 * 118), ("ss_align", c_ulong)]


class SctpRcvinfo(Structure):
    _fields_ = [("rcv_sid", c_uint16), ("rcv_ssn", c_uint16), ("rcv_flags", c_uint16),
                ("rcv_ppid", c_uint32), ("rcv_tsn", c_uint32), ("rcv_cumtsn", c_uint32),
                ("rcv_context", c_uint32), ("rcv_assoc_id", c_uint32)]


class SctpSndinfo(Structure):
    _fields_ = [("snd_sid", c_uint16), ("snd_flags", c_uint16), ("snd_ppid", c_uint32),
                ("snd_context", c_uint32), ("snd_assoc_id", c_uint32)]


class SctpEvent(Structure):
    _fields_ = [("se_assoc_id", c_uint32), ("se_type", c_uint16), ("se_on", c_uint8)]


class SctpUdpencaps(Structure):
    _fields_ = [("sue_address", SockaddrStorage), ("sue_assoc_id", c_uint32), ("sue_port", c_uint16)]


class SctpInitmsg(Structure):
    _fields_ = [("sinit_num_ostreams", c_uint16), ("sinit_max_instreams", c_uint16),
                ("sinit_max_attempts", c_uint16), ("sinit_max_init_timeo", c_uint16)]


class SctpRtoinfo(Structure):                   # SCTP_RTOINFO; values in ms
    _fields_ = [("srto_assoc_id", c_uint32), ("srto_initial", c_uint32), ("srto_max", c_uint32),
                ("srto_min", c_uint32)]


class SctpAssocparams(Structure):               # SCTP_ASSOCINFO (BSD field order, not Linux's)
    _fields_ = [("sasoc_assoc_id", c_uint32), ("sasoc_peer_rwnd", c_uint32),
                ("sasoc_local_rwnd", c_uint32), ("sasoc_cookie_life", c_uint32),
                ("sasoc_asocmaxrxt", c_uint16), ("sasoc_number_peer_destinations", c_uint16)]


class SctpPaddrparams(Structure):               # SCTP_PEER_ADDR_PARAMS (not packed, unlike Linux's)
    _fields_ = [("spp_address", SockaddrStorage), ("spp_assoc_id", c_uint32),
                ("spp_hbinterval", c_uint32), ("spp_pathmtu", c_uint32), ("spp_flags", c_uint32),
                ("spp_ipv6_flowlabel", c_uint32), ("spp_pathmaxrxt", c_uint16), ("spp_dscp", c_uint8)]


class Linger(Structure):
    _fields_ = [("l_onoff", c_int), ("l_linger", c_int)]


class SctpPaddrinfo(Structure):
    _fields_ = [("spinfo_address", SockaddrStorage), ("spinfo_assoc_id", c_uint32),
                ("spinfo_state", c_int), ("spinfo_cwnd", c_uint32), ("spinfo_srtt", c_uint32),
                ("spinfo_rto", c_uint32), ("spinfo_mtu", c_uint32)]


class SctpStatus(Structure):
    _fields_ = [("sstat_assoc_id", c_uint32), ("sstat_state", c_int), ("sstat_rwnd", c_uint32),
                ("sstat_unackdata", c_uint16), ("sstat_penddata", c_uint16),
                ("sstat_instrms", c_uint16), ("sstat_outstrms", c_uint16),
                ("sstat_fragmentation_point", c_uint32), ("sstat_primary", SctpPaddrinfo)]


class SnHeader(Structure):                      # struct sctp_tlv
    _fields_ = [("sn_type", c_uint16), ("sn_flags", c_uint16), ("sn_length", c_uint32)]


class SctpAssocChange(Structure):
    _fields_ = [("sac_type", c_uint16), ("sac_flags", c_uint16), ("sac_length", c_uint32),
                ("sac_state", c_uint16), ("sac_error", c_uint16),
                ("sac_outbound_streams", c_uint16), ("sac_inbound_streams", c_uint16),
                ("sac_assoc_id", c_uint32)]


class SctpPaddrChange(Structure):
    _fields_ = [("spc_type", c_uint16), ("spc_flags", c_uint16), ("spc_length", c_uint32),
                ("spc_aaddr", SockaddrStorage), ("spc_state", c_uint32), ("spc_error", c_uint32),
                ("spc_assoc_id", c_uint32), ("spc_padding", c_uint8 * 4)]


class SctpShutdownEvent(Structure):
    _fields_ = [("sse_type", c_uint16), ("sse_flags", c_uint16), ("sse_length", c_uint32),
                ("sse_assoc_id", c_uint32)]


class SctpRemoteError(Structure):
    _fields_ = [("sre_type", c_uint16), ("sre_flags", c_uint16), ("sre_length", c_uint32),
                ("sre_error", c_uint16), ("sre_assoc_id", c_uint32)]


class SctpSendFailedEvent(Structure):
    _fields_ = [("ssfe_type", c_uint16), ("ssfe_flags", c_uint16), ("ssfe_length", c_uint32),
                ("ssfe_error", c_uint32), ("ssfe_info", SctpSndinfo), ("ssfe_assoc_id", c_uint32)]


# The sizes the header implies on x86-64 / aarch64 Linux; the layout test checks them
# against the library.
EXPECTED_SIZES = {
    SctpRcvinfo: 28, SctpSndinfo: 16, SctpEvent: 8, SctpUdpencaps: 136, SctpInitmsg: 8,
    Linger: 8, SctpAssocChange: 20, SctpPaddrChange: 152, SctpShutdownEvent: 12,
    SctpRemoteError: 16, SctpSendFailedEvent: 32, SctpStatus: 176, SockaddrStorage: 128,
    SockaddrIn: 16, SockaddrIn6: 28, SctpRtoinfo: 16, SctpAssocparams: 20, SctpPaddrparams: 152,
}

UPCALL = CFUNCTYPE(None, c_void_p, c_void_p, c_int)   # void (*)(struct socket *, void *, int)

_lib: ctypes.CDLL | None = None


def lib() -> ctypes.CDLL:
    """The loaded library with argument and result types declared (loaded once)."""
    global _lib
    if _lib is not None:
        return _lib
    last: OSError | None = None
    for name in LIBRARY_NAMES:
        path = ctypes.util.find_library(name) if "." not in name else name
        if not path:
            continue
        try:
            handle = ctypes.CDLL(path, use_errno=True)
            break
        except OSError as exc:
            last = exc
    else:
        raise OSError(f"libusrsctp not found (install the Debian package libusrsctp2): {last}")
    so = c_void_p
    decl = {
        "usrsctp_init": (None, [c_uint16, c_void_p, c_void_p]),
        "usrsctp_finish": (c_int, []),
        "usrsctp_socket": (so, [c_int, c_int, c_int, c_void_p, c_void_p, c_uint32, c_void_p]),
        "usrsctp_setsockopt": (c_int, [so, c_int, c_int, c_void_p, c_uint]),
        "usrsctp_getsockopt": (c_int, [so, c_int, c_int, c_void_p, POINTER(c_uint)]),
        "usrsctp_bind": (c_int, [so, c_void_p, c_uint]),
        "usrsctp_listen": (c_int, [so, c_int]),
        "usrsctp_accept": (so, [so, c_void_p, POINTER(c_uint)]),
        "usrsctp_connect": (c_int, [so, c_void_p, c_uint]),
        "usrsctp_sendv": (c_ssize_t, [so, c_void_p, c_size_t, c_void_p, c_int, c_void_p, c_uint,
                                      c_uint, c_int]),
        "usrsctp_recvv": (c_ssize_t, [so, c_void_p, c_size_t, c_void_p, POINTER(c_uint), c_void_p,
                                      POINTER(c_uint), POINTER(c_uint), POINTER(c_int)]),
        "usrsctp_shutdown": (c_int, [so, c_int]),
        "usrsctp_close": (None, [so]),
        "usrsctp_set_non_blocking": (c_int, [so, c_int]),
        "usrsctp_set_upcall": (c_int, [so, c_void_p, c_void_p]),
        "usrsctp_get_events": (c_int, [so]),
        "usrsctp_sysctl_set_sctp_blackhole": (c_int, [c_uint32]),
        "usrsctp_sysctl_get_sctp_blackhole": (c_uint32, []),
        "usrsctp_sysctl_set_sctp_udp_tunneling_port": (c_int, [c_uint32]),
    }
    for fname, (res, args) in decl.items():
        fn = getattr(handle, fname)
        fn.restype = res
        fn.argtypes = args
    _lib = handle
    return handle


def sockaddr(host: str, port: int) -> tuple[Structure, int]:
    """A sockaddr_in / sockaddr_in6 for a numeric (or resolvable) host."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    family, _, _, _, addr = infos[0]
    if family == socket.AF_INET:
        sa = SockaddrIn()
        sa.sin_family = socket.AF_INET
        sa.sin_port = socket.htons(port)
        sa.sin_addr[:] = list(socket.inet_aton(str(addr[0])))
        return sa, socket.AF_INET
    sa6 = SockaddrIn6()
    sa6.sin6_family = socket.AF_INET6
    sa6.sin6_port = socket.htons(port)
    sa6.sin6_addr[:] = list(socket.inet_pton(socket.AF_INET6, str(addr[0])))
    sa6.sin6_scope_id = addr[3] if len(addr) == 4 else 0
    return sa6, socket.AF_INET6


def format_sockaddr(raw: bytes) -> str:
    """'host:port' from the bytes of a sockaddr_in / sockaddr_in6 ('' if unknown)."""
    if len(raw) < 4:
        return ""
    family = struct.unpack_from("=H", raw)[0]
    port = struct.unpack_from("!H", raw, 2)[0]
    if family == socket.AF_INET and len(raw) >= 8:
        return f"{socket.inet_ntoa(raw[4:8])}:{port}"
    if family == socket.AF_INET6 and len(raw) >= 24:
        return f"[{socket.inet_ntop(socket.AF_INET6, raw[8:24])}]:{port}"
    return ""
