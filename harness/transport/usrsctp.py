"""SCTP through libusrsctp (userland stack, ctypes): for hosts whose kernel has no SCTP.

One usrsctp stack runs per process (:class:`UsrsctpStack`). It is started once,
either in ``'udp'`` mode (SCTP over UDP, RFC 6951, with a local UDP
encapsulation port) or in ``'raw'`` mode (SCTP directly over IP, protocol 132,
which needs root / CAP_NET_RAW). A stack started in ``'udp'`` mode as root also
opens the raw sockets, so it can carry both kinds of association; whether an
association is encapsulated is chosen per association (``mode=`` of
:func:`connect`): a UDP association sets the peer's encapsulation port, a raw one
does not. A listener answers each peer the way it was reached.

Associations are one-to-one style sockets (``SOCK_STREAM``), so one
:class:`UsrsctpAssociation` is one SCTP association.

Why non-blocking sockets + the upcall: usrsctp has no ``SO_RCVTIMEO`` and no
file descriptor to ``select`` on, and a blocking ``usrsctp_recvv`` cannot be
interrupted. So every socket is non-blocking, and usrsctp's per-socket upcall
(called from the stack's own threads whenever the socket becomes readable or
writable, or its state changes) sets a :class:`threading.Event`. A waiting
call does "clear, try, wait(remaining)", so a wake-up is never lost and every
wait is bounded by the caller's timeout; it also re-tries every
``_POLL_SLICE`` seconds in case an upcall is ever missed. The receive callback
API was not used: it passes a union and a struct by value into a Python
callback and makes the application free the stack's buffer, and it would run
payload handling on usrsctp's thread.

Association events (SCTP notifications: association change, shutdown, peer
address change, remote error, send failed) are read in order with the data;
each becomes an :class:`AssociationEvent` (see :attr:`UsrsctpAssociation.events`
and the ``on_event`` hook). A peer ABORT (``COMM_LOST``, with the ABORT's cause
and upper-layer reason when it carried one) or SHUTDOWN makes ``recv`` raise
:class:`PeerClosed` with that reason, once the data queued before it is read.

Threads: ``send`` and ``recv`` may run at the same time from two threads
(separate locks); ``close`` wakes both and waits for them.
"""

from __future__ import annotations

import atexit
import ctypes
import errno
import itertools
import os
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from ctypes import byref, c_int, c_uint, c_void_p, sizeof
from typing import ClassVar

from harness.transport import usrsctp_ffi as ffi
from harness.transport.base import (
    E2AP_PPID,
    MAX_MESSAGE_SIZE,
    AcceptTimeout,
    AssociationEvent,
    MessageTooLarge,
    Packet,
    PeerClosed,
    Transport,
    TransportError,
    now,
)
from harness.transport.sctp_timers import SctpTimers

DEFAULT_UDP_PORT = 9899          # RFC 6951's registered SCTP-over-UDP port
DEFAULT_STREAMS = 16
RECV_BUFFER = 256 * 1024
SPIN_SECONDS = 0.0002           # recv re-tries (yielding the CPU) this long before sleeping
_POLL_SLICE = 0.1                # longest wait between re-tries if an upcall were missed
_WOULD_BLOCK = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EINPROGRESS, errno.EALREADY}
# ENOENT: usrsctp reports it when the association has already been freed after the peer left.
_PEER_GONE = {errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN, errno.ESHUTDOWN, errno.ECONNABORTED, errno.ENOENT}


# SCTP notification -> AssociationEvent.kind (harness.transport.base vocabulary)
EVENT_KINDS = {"COMM_UP": "up", "COMM_LOST": "down", "RESTART": "restart",
               "SHUTDOWN_COMP": "shutdown", "CANT_STR_ASSOC": "down", "SHUTDOWN": "shutdown",
               "PEER_ADDR_CHANGE": "peer-address-change", "REMOTE_ERROR": "remote-error",
               "SEND_FAILED": "send-failed"}


# --- the upcall: one C callback for all sockets, keyed by an integer -------------------

class _Waker:
    __slots__ = ("read", "write")

    def __init__(self) -> None:
        self.read = threading.Event()
        self.write = threading.Event()


_WAKERS: dict[int, _Waker] = {}
_KEYS = itertools.count(1)


def _upcall(_so, arg, _flags) -> None:          # runs on a usrsctp thread
    waker = _WAKERS.get(arg or 0)
    if waker is not None:
        waker.read.set()
        waker.write.set()


_UPCALL = ffi.UPCALL(_upcall)                   # kept alive for the life of the process
_UPCALL_PTR = ctypes.cast(_UPCALL, c_void_p)
# While nobody waits, the upcall points at libc's abs(): a C function that needs no
# GIL and has no effect (the extra arguments are ignored under the C calling
# convention). Never NULL: usrsctp may test the pointer and call it without a lock,
# so a switch to NULL could race into a call through NULL; a pointer store is atomic.
_IDLE_UPCALL = ctypes.cast(ctypes.CDLL(None).abs, c_void_p)


_yield = getattr(os, "sched_yield", lambda: time.sleep(0))


def _errno() -> int:
    return ctypes.get_errno()


class _Socket:
    """A usrsctp socket pointer, non-blocking, with its upcall wired to a _Waker."""

    def __init__(self, so: int, family: int) -> None:
        if not so:
            raise TransportError(f"usrsctp_socket failed: {os.strerror(_errno())}")
        self.so = c_void_p(so)
        self.family = family
        self.key = next(_KEYS)
        self.waker = _Waker()
        self.closed = False
        self.owner: UsrsctpAssociation | None = None     # the association wrapping it, if any
        _WAKERS[self.key] = self.waker
        self._armed = 0
        self._arm_lock = threading.Lock()
        ffi.lib().usrsctp_set_non_blocking(self.so, 1)
        ffi.lib().usrsctp_set_upcall(self.so, _IDLE_UPCALL, c_void_p(self.key))
        UsrsctpStack._sockets[self.key] = self

    def arm(self) -> None:
        """Register the upcall while a caller waits (no GIL-taking upcalls while busy)."""
        with self._arm_lock:
            self._armed += 1
            if self._armed == 1 and not self.closed:
                ffi.lib().usrsctp_set_upcall(self.so, _UPCALL_PTR, c_void_p(self.key))

    def ready(self, mask: int) -> bool:
        """usrsctp_get_events says the socket is readable/writable (or in error)."""
        ev = ffi.lib().usrsctp_get_events(self.so)
        return ev < 0 or bool(ev & (mask | ffi.SCTP_EVENT_ERROR))

    def disarm(self) -> None:
        with self._arm_lock:
            self._armed -= 1
            if self._armed == 0 and not self.closed:
                ffi.lib().usrsctp_set_upcall(self.so, _IDLE_UPCALL, c_void_p(self.key))

    @classmethod
    def new(cls, family: int) -> _Socket:
        so = ffi.lib().usrsctp_socket(family, ffi.SOCK_STREAM, ffi.IPPROTO_SCTP,
                                      None, None, 0, None)
        return cls(so, family)

    def setopt(self, level: int, opt: int, value: ctypes.Structure | ctypes._SimpleCData,
               what: str) -> None:
        if ffi.lib().usrsctp_setsockopt(self.so, level, opt, byref(value), sizeof(value)) < 0:
            raise TransportError(f"usrsctp_setsockopt({what}) failed: {os.strerror(_errno())}")

    def local_address(self, like: str = "") -> str:
        """A local address ('host:port') of the socket, from usrsctp_getladdrs."""
        return _pick(_addrs(ffi.lib().usrsctp_getladdrs, ffi.lib().usrsctp_freeladdrs, self.so),
                     like)

    def close(self, *, abort: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        lib = ffi.lib()
        if abort:
            linger = ffi.Linger(1, 0)             # close sends ABORT
            lib.usrsctp_setsockopt(self.so, ffi.SOL_SOCKET, ffi.SO_LINGER, byref(linger),
                                   sizeof(linger))
        with self._arm_lock:
            lib.usrsctp_set_upcall(self.so, _IDLE_UPCALL, c_void_p(self.key))
        lib.usrsctp_close(self.so)
        _WAKERS.pop(self.key, None)
        UsrsctpStack._sockets.pop(self.key, None)


def _addrs(get, free, so) -> list[str]:
    """All addresses ('host:port') from usrsctp_getladdrs / usrsctp_getpaddrs."""
    addrs = c_void_p()
    n = get(so, 0, byref(addrs))
    if n <= 0 or not addrs.value:
        return []
    out, base = [], addrs.value
    try:
        for _ in range(n):
            family = ctypes.c_uint16.from_address(base).value
            size = sizeof(ffi.SockaddrIn) if family == socket.AF_INET else sizeof(ffi.SockaddrIn6)
            out.append(ffi.format_sockaddr(ctypes.string_at(base, size)))
            base += size
    finally:
        free(addrs)
    return out


def _pick(addrs: list[str], like: str) -> str:
    """The local address to report: the loopback one when talking to loopback."""
    if not addrs:
        return ""
    host = like.rsplit(":", 1)[0].strip("[]")
    loop = host.startswith("127.") or host == "::1"
    for a in addrs:
        ah = a.rsplit(":", 1)[0].strip("[]")
        if (ah.startswith("127.") or ah == "::1") == loop and ("." in ah) == ("." in host):
            return a
    return addrs[0]


_ADDRS_DECLARED: set[int] = set()       # id() of each loaded library whose address calls are typed


def _declare_addr_functions() -> None:
    lib = ffi.lib()
    if id(lib) in _ADDRS_DECLARED:
        return
    for name in ("usrsctp_getladdrs", "usrsctp_getpaddrs"):
        fn = getattr(lib, name)
        fn.restype = c_int
        fn.argtypes = [c_void_p, ctypes.c_uint32, ctypes.POINTER(c_void_p)]
    for name in ("usrsctp_freeladdrs", "usrsctp_freepaddrs"):
        fn = getattr(lib, name)
        fn.restype = None
        fn.argtypes = [c_void_p]
    _ADDRS_DECLARED.add(id(lib))


# --- the stack --------------------------------------------------------------------------

class UsrsctpStack:
    """The process-wide usrsctp stack: started once, finished at exit.

    ``mode='udp'``: SCTP over UDP with local encapsulation port ``udp_port``
    (default 9899); as root the raw sockets are opened too. ``mode='raw'``: no
    UDP; needs root. ``blackhole`` sets usrsctp's ``sctp_blackhole`` sysctl (2 =
    send no ABORT for out-of-the-blue packets; needed when two raw-mode stacks
    share one host, since each sees the other's packets).
    """

    _instance: ClassVar[UsrsctpStack | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _sockets: ClassVar[dict[int, _Socket]] = {}

    def __init__(self, mode: str, udp_port: int, raw_available: bool) -> None:
        self.mode = mode
        self.udp_port = udp_port
        self.raw_available = raw_available
        self.finished = False

    @classmethod
    def start(cls, mode: str = "udp", *, udp_port: int | None = None,
              blackhole: int | None = None) -> UsrsctpStack:
        """The stack, started now if it is not yet; raises TransportError if the
        running stack cannot serve ``mode`` (e.g. started without UDP)."""
        if mode not in ("udp", "raw"):
            raise TransportError(f"usrsctp mode must be 'udp' or 'raw', not {mode!r}")
        with cls._lock:
            st = cls._instance
            if st is None or st.finished:
                st = cls._init(mode, udp_port)
                cls._instance = st
            else:
                st._check(mode, udp_port)
            if blackhole is not None:
                st.set_blackhole(blackhole)
            return st

    @classmethod
    def current(cls) -> UsrsctpStack | None:
        return cls._instance if cls._instance and not cls._instance.finished else None

    @classmethod
    def _init(cls, mode: str, udp_port: int | None) -> UsrsctpStack:
        try:
            lib = ffi.lib()
        except OSError as exc:
            raise TransportError(str(exc)) from exc
        _declare_addr_functions()
        raw = _raw_permitted()
        if mode == "raw":
            if not raw:
                raise TransportError("usrsctp raw mode needs root or CAP_NET_RAW "
                                     "(a raw IP socket for protocol 132 could not be opened)")
            port = 0
        else:
            port = DEFAULT_UDP_PORT if udp_port is None else int(udp_port)
            if not 0 < port < 65536:
                raise TransportError(f"usrsctp UDP mode needs a local UDP port, not {port}")
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                probe.bind(("0.0.0.0", port))
            except OSError as exc:
                raise TransportError(f"UDP port {port} for SCTP encapsulation is not free: "
                                     f"{exc.strerror}") from exc
            finally:
                probe.close()
        lib.usrsctp_init(port, None, None)
        st = cls(mode, port, raw)
        atexit.register(st.finish)
        return st

    def _check(self, mode: str, udp_port: int | None) -> None:
        if mode == "udp":
            if not self.udp_port:
                raise TransportError("the usrsctp stack of this process runs in raw mode "
                                     "(no UDP encapsulation port); one stack per process")
            if udp_port not in (None, self.udp_port):
                raise TransportError(f"the usrsctp stack of this process already uses UDP port "
                                     f"{self.udp_port}, not {udp_port}; one stack per process")
        elif not self.raw_available:
            raise TransportError("usrsctp raw mode needs root or CAP_NET_RAW")

    def set_blackhole(self, value: int) -> None:
        if ffi.lib().usrsctp_sysctl_set_sctp_blackhole(int(value)) != 0:
            raise TransportError(f"usrsctp: sctp_blackhole={value} refused")

    def finish(self, timeout: float = 2.0) -> bool:
        """Abort what is still open and stop the stack (also run at exit)."""
        if self.finished:
            return True
        for sock in list(self._sockets.values()):
            if sock.owner is not None:
                sock.owner._closed = True
            sock.close(abort=True)
        lib = ffi.lib()
        deadline = time.monotonic() + timeout
        while True:
            if lib.usrsctp_finish() == 0:
                self.finished = True
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _raw_permitted() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_RAW, ffi.IPPROTO_SCTP).close()
        return True
    except OSError:
        return False


def _wait(event: threading.Event, deadline: float, sock: _Socket | None = None,
          retry: Callable[[], bool] | None = None) -> bool:
    """Wait for ``event`` up to the deadline (one slice); False when the deadline passed.

    With ``sock``: arm its upcall, clear the event, and wait only if ``retry()``
    still finds nothing (so a wake-up between the caller's try and the arming is
    not lost)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return False
    if sock is None:
        event.wait(min(remaining, _POLL_SLICE))
        return True
    sock.arm()
    try:
        event.clear()
        if retry is None or not retry():
            event.wait(min(remaining, _POLL_SLICE))
    finally:
        sock.disarm()
    return True


# --- associations ---------------------------------------------------------------------

def _subscribe_and_tune(sock: _Socket, streams: int) -> None:
    for kind in (ffi.SCTP_ASSOC_CHANGE, ffi.SCTP_PEER_ADDR_CHANGE, ffi.SCTP_SHUTDOWN_EVENT,
                 ffi.SCTP_REMOTE_ERROR, ffi.SCTP_SEND_FAILED_EVENT):
        sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_EVENT, ffi.SctpEvent(ffi.SCTP_FUTURE_ASSOC, kind, 1),
                    "SCTP_EVENT")
    on = c_int(1)
    sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_RECVRCVINFO, on, "SCTP_RECVRCVINFO")
    sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_NODELAY, on, "SCTP_NODELAY")
    init = ffi.SctpInitmsg(streams, streams, 0, 0)
    sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_INITMSG, init, "SCTP_INITMSG")


def _getopt(sock: _Socket, opt: int, value: ctypes.Structure, what: str) -> None:
    size = c_uint(sizeof(value))
    if ffi.lib().usrsctp_getsockopt(sock.so, ffi.IPPROTO_SCTP, opt, byref(value), byref(size)) < 0:
        raise TransportError(f"usrsctp_getsockopt({what}) failed: {os.strerror(_errno())}")


_TIMER_OPTION = {"rto_initial_ms": "SCTP_RTOINFO", "rto_min_ms": "SCTP_RTOINFO", "rto_max_ms": "SCTP_RTOINFO",
                 "association_max_retrans": "SCTP_ASSOCINFO", "heartbeat_interval_ms": "SCTP_PEER_ADDR_PARAMS",
                 "path_max_retrans": "SCTP_PEER_ADDR_PARAMS"}


def apply_timers(sock: _Socket, timers: SctpTimers) -> None:
    """Set RTO, Association.Max.Retrans, heartbeat interval and Path.Max.Retrans on a socket
    before connect/listen (the endpoint defaults every later association starts from: accepted
    ones inherit them), then read them back: a value the stack refused or changed is a
    TransportError naming the option, never a silent default."""
    rto = ffi.SctpRtoinfo(ffi.SCTP_FUTURE_ASSOC, timers.rto_initial_ms, timers.rto_max_ms,
                          timers.rto_min_ms)
    sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_RTOINFO, rto,
                f"SCTP_RTOINFO initial={timers.rto_initial_ms} min={timers.rto_min_ms} "
                f"max={timers.rto_max_ms} ms")
    assoc = ffi.SctpAssocparams()                # zero fields: "leave unchanged"
    assoc.sasoc_assoc_id = ffi.SCTP_FUTURE_ASSOC
    assoc.sasoc_asocmaxrxt = timers.association_max_retrans
    sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_ASSOCINFO, assoc,
                f"SCTP_ASSOCINFO asocmaxrxt={timers.association_max_retrans}")
    paddr = _wildcard_paddrparams(sock)
    paddr.spp_assoc_id = ffi.SCTP_FUTURE_ASSOC
    paddr.spp_hbinterval = timers.heartbeat_interval_ms
    paddr.spp_pathmaxrxt = timers.path_max_retrans
    paddr.spp_flags = ffi.SPP_HB_ENABLE
    sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_PEER_ADDR_PARAMS, paddr,
                f"SCTP_PEER_ADDR_PARAMS hbinterval={timers.heartbeat_interval_ms} ms "
                f"pathmaxrxt={timers.path_max_retrans} flags=SPP_HB_ENABLE")
    got = read_timers(sock)
    if got != timers:
        diff = "; ".join(f"{_TIMER_OPTION[k]} {k}={v} (set {getattr(timers, k)})"
                         for k, v in got.as_dict().items() if v != getattr(timers, k))
        raise TransportError(f"usrsctp took the SCTP timers but changed them: {diff}")


def _wildcard_paddrparams(sock: _Socket) -> ffi.SctpPaddrparams:
    """Peer address parameters for every destination: the any-address of the socket's family
    (on an association usrsctp refuses a zeroed address with EAFNOSUPPORT)."""
    paddr = ffi.SctpPaddrparams()
    paddr.spp_address.ss_family = sock.family
    return paddr


def read_timers(sock: _Socket) -> SctpTimers:
    """The timers in force on a socket (its association's, or the endpoint defaults)."""
    rto, assoc, paddr = ffi.SctpRtoinfo(), ffi.SctpAssocparams(), _wildcard_paddrparams(sock)
    _getopt(sock, ffi.SCTP_RTOINFO, rto, "SCTP_RTOINFO")
    _getopt(sock, ffi.SCTP_ASSOCINFO, assoc, "SCTP_ASSOCINFO")
    _getopt(sock, ffi.SCTP_PEER_ADDR_PARAMS, paddr, "SCTP_PEER_ADDR_PARAMS")
    if not paddr.spp_flags & ffi.SPP_HB_ENABLE:
        raise TransportError(f"usrsctp reports heartbeats off (spp_flags {paddr.spp_flags:#x})")
    try:
        return SctpTimers(rto.srto_initial, rto.srto_min, rto.srto_max, paddr.spp_hbinterval,
                          paddr.spp_pathmaxrxt, assoc.sasoc_asocmaxrxt)
    except ValueError as exc:
        raise TransportError(f"usrsctp reports timers the harness cannot use: {exc}") from None


class UsrsctpAssociation(Transport):
    """One SCTP association (one-to-one socket) as a :class:`Transport`.

    Made by :func:`connect` or :meth:`UsrsctpListener.accept`.
    """

    def __init__(self, sock: _Socket, *, name: str, local: str, remote: str, mode: str,
                 send_timeout: float = 5.0,
                 on_event: Callable[[AssociationEvent], None] | None = None) -> None:
        self._sock = sock
        sock.owner = self
        self.name = name or f"sctp:{remote}"
        self.local = local
        self.remote = remote
        self.mode = mode
        self.send_timeout = send_timeout
        self.on_event = on_event
        self.spin = SPIN_SECONDS
        self.streams: tuple[int, int] = (0, 0)      # (outbound, inbound) from COMM_UP
        self.closed_reason: str | None = None       # why the peer side is gone
        self.events: list[AssociationEvent] = []
        self._pending: deque[Packet] = deque()
        self._partial = bytearray()
        self._partial_info: tuple[int, int] | None = None
        self._discarding = False                    # skipping the rest of a too large message
        self.max_message_size = MAX_MESSAGE_SIZE    # largest message sent or reassembled
        self._sndbuf = 0                            # SO_SNDBUF as last raised by send (0: stack default)
        self._closed = False
        self._up = False
        self._send_lock = threading.Lock()
        self._recv_lock = threading.Lock()
        self._sndinfo = ffi.SctpSndinfo()
        self._rcvinfo = ffi.SctpRcvinfo()
        self._buf = ctypes.create_string_buffer(RECV_BUFFER)
        self._from = ctypes.create_string_buffer(sizeof(ffi.SockaddrStorage))
        self._fromlen = c_uint()
        self._infolen = c_uint()
        self._infotype = c_uint()
        self._flags = c_int()

    # -- public ------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return not self._closed and self.closed_reason is None

    def send(self, data: bytes, *, stream: int = 0, ppid: int = E2AP_PPID) -> Packet:
        data = bytes(data)
        lib = ffi.lib()
        with self._send_lock:
            if self._closed:
                raise TransportError(f"{self.name}: association closed locally")
            if self.closed_reason is not None:
                raise PeerClosed(f"{self.name}: {self.closed_reason}")
            if len(data) > self.max_message_size:
                raise TransportError(f"{self.name}: a message of {len(data)} bytes exceeds max_message_size="
                                     f"{self.max_message_size}; not sent")
            self._fit_send_buffer(len(data))
            info = self._sndinfo
            info.snd_sid = stream
            info.snd_ppid = socket.htonl(ppid & 0xFFFFFFFF)   # opaque to SCTP: network order
            deadline = time.monotonic() + self.send_timeout
            waker = self._sock.waker
            while True:
                waker.write.clear()
                n = lib.usrsctp_sendv(self._sock.so, data, len(data), None, 0, byref(info),
                                      sizeof(info), ffi.SCTP_SENDV_SNDINFO, 0)
                if n >= 0:
                    break
                err = _errno()
                if err in _WOULD_BLOCK:
                    if self._closed:
                        raise TransportError(f"{self.name}: association closed locally")
                    if not _wait(waker.write, deadline, self._sock,
                                 lambda: self._sock.ready(ffi.SCTP_EVENT_WRITE)):
                        raise TransportError(
                            f"{self.name}: send of {len(data)} bytes timed out after "
                            f"{self.send_timeout}s (peer not reading, send buffer full)")
                    continue
                if err in _PEER_GONE:
                    self.closed_reason = self.closed_reason or f"send failed: {os.strerror(err)}"
                    raise PeerClosed(f"{self.name}: {self.closed_reason}")
                if err == errno.EINVAL and self.streams[0] and stream >= self.streams[0]:
                    raise TransportError(f"{self.name}: stream {stream} out of range, the "
                                         f"association has {self.streams[0]} outbound streams")
                raise TransportError(f"{self.name}: usrsctp_sendv failed: {os.strerror(err)}")
        return Packet(data, "sent", now(), stream, ppid, self.name, self.local, self.remote)

    def _fit_send_buffer(self, size: int) -> None:
        """usrsctp refuses (EMSGSIZE) a message larger than the send buffer: grow it to fit."""
        if size + 65536 <= max(self._sndbuf, RECV_BUFFER):
            return
        want = c_int(min(size + 65536, self.max_message_size + 65536))
        self._sock.setopt(ffi.SOL_SOCKET, socket.SO_SNDBUF, want, "SO_SNDBUF")
        self._sndbuf = want.value

    def recv(self, timeout: float) -> Packet | None:
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._recv_lock:
            return self._recv_locked(deadline, closing=False)

    def close(self, timeout: float = 2.0) -> None:
        """Graceful SHUTDOWN (data already sent is delivered first), waiting up to
        ``timeout`` for it to complete; ABORT if it does not. Messages that
        arrive meanwhile are dropped."""
        if self._closed:
            return
        self._closed = True
        self._sock.waker.read.set()
        self._sock.waker.write.set()
        with self._send_lock, self._recv_lock:
            if self.closed_reason is not None or not self._up:
                self._sock.close(abort=not self._up and self.closed_reason is None)
                return
            if ffi.lib().usrsctp_shutdown(self._sock.so, ffi.SHUT_WR) < 0:
                self._sock.close(abort=True)
                return
            deadline = time.monotonic() + timeout
            completed = False
            while time.monotonic() < deadline:
                try:
                    self._recv_locked(deadline, closing=True)
                except PeerClosed:
                    completed = True
                    break
                except TransportError:
                    break
            self._sock.close(abort=not completed)

    def abort(self) -> None:
        """Send an ABORT and close at once."""
        if self._closed:
            return
        self._closed = True
        self._sock.waker.read.set()
        self._sock.waker.write.set()
        with self._send_lock, self._recv_lock:
            self._sock.close(abort=True)

    def status(self) -> ffi.SctpStatus:
        """SCTP_STATUS of the association (state, streams, rwnd, primary path srtt)."""
        st = ffi.SctpStatus()
        ln = c_uint(sizeof(st))
        if ffi.lib().usrsctp_getsockopt(self._sock.so, ffi.IPPROTO_SCTP, ffi.SCTP_STATUS,
                                        byref(st), byref(ln)) < 0:
            raise TransportError(f"{self.name}: SCTP_STATUS failed: {os.strerror(_errno())}")
        return st

    def timers(self) -> SctpTimers:
        """The failure-detection timers in force on this association (read from the stack)."""
        return read_timers(self._sock)

    def _fill_streams(self) -> None:
        if not self.streams[0]:
            try:
                st = self.status()
                self.streams = (st.sstat_outstrms, st.sstat_instrms)
            except TransportError:
                pass

    def __enter__(self) -> UsrsctpAssociation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- receive path (holding _recv_lock) -----------------------------------------------
    def _recv_locked(self, deadline: float, *, closing: bool,
                     until_up: bool = False) -> Packet | None:
        lib = ffi.lib()
        waker = self._sock.waker
        spin_until: float | None = None
        while True:
            if self._pending:
                return self._pending.popleft()
            if self.closed_reason is not None:
                raise PeerClosed(f"{self.name}: {self.closed_reason}")
            if self._closed and not closing:
                raise TransportError(f"{self.name}: association closed locally")
            waker.read.clear()
            self._fromlen.value = sizeof(self._from)
            self._infolen.value = sizeof(self._rcvinfo)
            self._infotype.value = 0
            self._flags.value = 0
            n = lib.usrsctp_recvv(self._sock.so, self._buf, RECV_BUFFER, self._from,
                                  byref(self._fromlen), byref(self._rcvinfo),
                                  byref(self._infolen), byref(self._infotype), byref(self._flags))
            if n > 0:
                flags = self._flags.value
                if flags & ffi.MSG_NOTIFICATION:
                    self._notification(ctypes.string_at(self._buf, n))
                    if until_up and self._up:
                        return None
                    continue
                if self._discarding:
                    self._discarding = not flags & ffi.MSG_EOR
                    continue
                if self._partial_info is None:
                    info = self._rcvinfo
                    self._partial_info = (info.rcv_sid, socket.ntohl(info.rcv_ppid))
                if len(self._partial) + n > self.max_message_size:
                    size = len(self._partial) + n
                    self._partial.clear()
                    self._partial_info = None
                    self._discarding = not flags & ffi.MSG_EOR
                    raise MessageTooLarge(f"{self.name}: incoming SCTP message exceeds max_message_size="
                                          f"{self.max_message_size} bytes ({size} bytes read so far); "
                                          "the rest of it is discarded")
                if not flags & ffi.MSG_EOR:
                    self._partial += ctypes.string_at(self._buf, n)
                    continue
                if self._partial:
                    self._partial += ctypes.string_at(self._buf, n)
                    data = bytes(self._partial)
                    self._partial.clear()
                else:
                    data = ctypes.string_at(self._buf, n)
                sid, ppid = self._partial_info
                self._partial_info = None
                pkt = Packet(data, "received", now(), sid, ppid, self.name, self.remote, self.local)
                if closing:
                    continue                          # dropped during close
                return pkt
            if n == 0:
                self._peer_gone("the peer closed the association")
                continue
            err = _errno()
            if err in _WOULD_BLOCK:
                if spin_until is None:
                    spin_until = time.monotonic() + self.spin
                if time.monotonic() < spin_until and not waker.read.is_set():
                    _yield()
                    continue
                if not _wait(waker.read, deadline, self._sock,
                             lambda: self._sock.ready(ffi.SCTP_EVENT_READ)):
                    return None
                continue
            if err in _PEER_GONE:
                self._peer_gone(f"association gone ({os.strerror(err)})")
                continue
            raise TransportError(f"{self.name}: usrsctp_recvv failed: {os.strerror(err)}")

    def _peer_gone(self, reason: str) -> None:
        if self.closed_reason is None:
            self.closed_reason = reason

    def _event(self, sctp_kind: str, detail: str = "", error: int = 0) -> None:
        kind = EVENT_KINDS.get(sctp_kind, sctp_kind.lower())
        if sctp_kind == "COMM_LOST" and "aborted" in detail:
            kind = "abort"
        text = f"{sctp_kind}: {detail}" if detail else sctp_kind
        if error and "cause" not in detail:
            text += f" (error {error})"
        ev = self.event(kind, text)
        if self.on_event is not None:
            self.on_event(ev)

    def _notification(self, raw: bytes) -> None:
        kind = struct.unpack_from("=H", raw)[0]
        if kind == ffi.SCTP_ASSOC_CHANGE and len(raw) >= sizeof(ffi.SctpAssocChange):
            sac = ffi.SctpAssocChange.from_buffer_copy(raw)
            name = ffi.SAC_STATE_NAMES.get(sac.sac_state, f"state {sac.sac_state}")
            info = raw[sizeof(ffi.SctpAssocChange):sac.sac_length]
            detail = describe_assoc_change(sac, info)
            self._event(name, detail, sac.sac_error)
            if sac.sac_state in (ffi.SCTP_COMM_UP, ffi.SCTP_RESTART):
                self._up = True
                self.streams = (sac.sac_outbound_streams, sac.sac_inbound_streams)
            elif sac.sac_state in (ffi.SCTP_COMM_LOST, ffi.SCTP_CANT_STR_ASSOC,
                                   ffi.SCTP_SHUTDOWN_COMP):
                self._peer_gone(detail)
        elif kind == ffi.SCTP_SHUTDOWN_EVENT:
            self._event("SHUTDOWN", "the peer shut the association down (SHUTDOWN received)")
            self._peer_gone("the peer shut the association down (SHUTDOWN received)")
        elif kind == ffi.SCTP_PEER_ADDR_CHANGE and len(raw) >= sizeof(ffi.SctpPaddrChange):
            spc = ffi.SctpPaddrChange.from_buffer_copy(raw)
            addr = ffi.format_sockaddr(bytes(spc.spc_aaddr))
            state = ffi.PADDR_STATE_NAMES.get(spc.spc_state, f"state {spc.spc_state}")
            self._event("PEER_ADDR_CHANGE", f"{addr} {state}", spc.spc_error)
        elif kind == ffi.SCTP_REMOTE_ERROR and len(raw) >= sizeof(ffi.SctpRemoteError):
            sre = ffi.SctpRemoteError.from_buffer_copy(raw)
            cause = socket.ntohs(sre.sre_error)
            self._event("REMOTE_ERROR", f"ERROR chunk, cause {cause} "
                        f"{ffi.ERROR_CAUSES.get(cause, '')}".rstrip(), cause)
        elif kind == ffi.SCTP_SEND_FAILED_EVENT and len(raw) >= sizeof(ffi.SctpSendFailedEvent):
            ssf = ffi.SctpSendFailedEvent.from_buffer_copy(raw)
            self._event("SEND_FAILED", f"stream {ssf.ssfe_info.snd_sid}, "
                        f"{len(raw) - sizeof(ssf)} bytes not delivered", ssf.ssfe_error)
        else:
            self._event(f"NOTIFICATION_{kind}", raw[:16].hex())


def describe_assoc_change(sac: ffi.SctpAssocChange, info: bytes) -> str:
    """Words for an association change; for COMM_LOST / CANT_STR_ASSOC, the
    ABORT chunk's causes (and the upper-layer reason of a User-Initiated Abort)."""
    state = sac.sac_state
    if state == ffi.SCTP_COMM_UP:
        return (f"association up, {sac.sac_outbound_streams} outbound / "
                f"{sac.sac_inbound_streams} inbound streams")
    if state == ffi.SCTP_SHUTDOWN_COMP:
        return "association shut down (SHUTDOWN COMPLETE)"
    if state == ffi.SCTP_RESTART:
        return "the peer restarted the association"
    causes = _abort_causes(info)
    head = ("the peer aborted the association" if causes
            else "association lost" if state == ffi.SCTP_COMM_LOST
            else "could not start the association")
    err = sac.sac_error
    parts = [f"{head} ({ffi.SAC_STATE_NAMES.get(state, state)}"]
    if err:
        parts.append(f", cause {err} {ffi.ERROR_CAUSES.get(err, '')}".rstrip())
    parts.append(")")
    text = "".join(parts)
    if causes:
        text += ": " + "; ".join(causes)
    return text


def _abort_causes(info: bytes) -> list[str]:
    """Causes from an ABORT chunk (type 6) carried in sac_info, if it is there."""
    if len(info) < 4 or info[0] != 6:
        return []
    length = struct.unpack_from("!H", info, 2)[0]
    body, out = info[4:min(length, len(info))], []
    while len(body) >= 4:
        code, clen = struct.unpack_from("!HH", body)
        if clen < 4:
            break
        value = body[4:clen]
        words = f"cause {code} {ffi.ERROR_CAUSES.get(code, '')}".rstrip()
        if code == 12 and value:
            words += f" reason {value.decode('utf-8', 'replace')!r}"
        out.append(words)
        body = body[(clen + 3) & ~3:]
    return out or ["ABORT"]


# --- connect / listen ---------------------------------------------------------------------

def connect(host: str, port: int, *, mode: str = "udp", local_udp_port: int | None = None,
            remote_udp_port: int = DEFAULT_UDP_PORT, timeout: float = 5.0,
            streams: int = DEFAULT_STREAMS, send_timeout: float = 5.0, name: str = "",
            on_event: Callable[[AssociationEvent], None] | None = None,
            timers: SctpTimers | None = None) -> UsrsctpAssociation:
    """Open an association to ``host:port`` (``mode`` 'udp': encapsulated to the
    peer's UDP port ``remote_udp_port``; 'raw': IP protocol 132). ``timers``: set
    before the INIT (None: the stack's defaults).

    Raises TransportError naming host:port when the peer refuses (ABORT) or
    nothing answers within ``timeout`` seconds.
    """
    stack = UsrsctpStack.start(mode, udp_port=local_udp_port if mode == "udp" else None)
    target = f"{host}:{port}"
    try:
        sa, family = ffi.sockaddr(host, port)
    except OSError as exc:
        raise TransportError(f"SCTP connect to {target}: bad address ({exc})") from exc
    sock = _Socket.new(family)
    try:
        _subscribe_and_tune(sock, streams)
        if timers is not None:
            apply_timers(sock, timers)
        if mode == "udp":
            enc = ffi.SctpUdpencaps()
            enc.sue_assoc_id = ffi.SCTP_FUTURE_ASSOC
            enc.sue_port = socket.htons(remote_udp_port)
            sock.setopt(ffi.IPPROTO_SCTP, ffi.SCTP_REMOTE_UDP_ENCAPS_PORT, enc,
                        "SCTP_REMOTE_UDP_ENCAPS_PORT")
        how = (f"over UDP {stack.udp_port}->{remote_udp_port}" if mode == "udp" else "raw IP")
        assoc = UsrsctpAssociation(sock, name=name, local="", remote=target, mode=mode,
                                   send_timeout=send_timeout, on_event=on_event)
        deadline = time.monotonic() + timeout
        if ffi.lib().usrsctp_connect(sock.so, byref(sa), sizeof(sa)) < 0:
            err = _errno()
            if err not in _WOULD_BLOCK:
                raise TransportError(f"SCTP connect to {target} ({how}) failed: "
                                     f"{os.strerror(err)}")
        with assoc._recv_lock:
            while not assoc._up:
                try:
                    pkt = assoc._recv_locked(deadline, closing=False, until_up=True)
                except PeerClosed:
                    raise TransportError(f"SCTP connect to {target} ({how}) refused: "
                                         f"{assoc.closed_reason}") from None
                if assoc._up:
                    break
                if pkt is None:
                    raise TransportError(f"SCTP connect to {target} ({how}) timed out after "
                                         f"{timeout}s: no answer to INIT")
                assoc._pending.append(pkt)
        assoc.local = sock.local_address(target)
        assoc._fill_streams()
        return assoc
    except BaseException:
        sock.close(abort=True)
        raise


class UsrsctpListener:
    """A listening one-to-one SCTP socket; ``accept`` yields associations."""

    def __init__(self, host: str = "0.0.0.0", port: int = 0, *, mode: str = "udp",
                 local_udp_port: int | None = None, backlog: int = 8,
                 streams: int = DEFAULT_STREAMS, send_timeout: float = 5.0,
                 timers: SctpTimers | None = None) -> None:
        self.stack = UsrsctpStack.start(mode, udp_port=local_udp_port if mode == "udp" else None)
        self.mode = mode
        self.send_timeout = send_timeout
        try:
            sa, family = ffi.sockaddr(host, port)
        except OSError as exc:
            raise TransportError(f"SCTP listen on {host}:{port}: bad address ({exc})") from exc
        self._sock = _Socket.new(family)
        try:
            _subscribe_and_tune(self._sock, streams)
            if timers is not None:
                apply_timers(self._sock, timers)       # accepted associations inherit them
            lib = ffi.lib()
            if lib.usrsctp_bind(self._sock.so, byref(sa), sizeof(sa)) < 0:
                raise TransportError(f"SCTP bind to {host}:{port} failed: "
                                     f"{os.strerror(_errno())}")
            if lib.usrsctp_listen(self._sock.so, backlog) < 0:
                raise TransportError(f"SCTP listen on {host}:{port} failed: "
                                     f"{os.strerror(_errno())}")
        except BaseException:
            self._sock.close()
            raise
        bound = self._sock.local_address()
        self.port = int(bound.rsplit(":", 1)[1]) if bound else port
        self.address = f"{host}:{self.port}"

    def accept(self, timeout: float, *, name: str = "",
               on_event: Callable[[AssociationEvent], None] | None = None) -> UsrsctpAssociation:
        """The next association; TransportError if none arrives within ``timeout``."""
        if self._sock.closed:
            raise TransportError(f"listener {self.address} is closed")
        lib = ffi.lib()
        deadline = time.monotonic() + max(timeout, 0.0)
        peer = ctypes.create_string_buffer(sizeof(ffi.SockaddrStorage))
        while True:
            self._sock.waker.read.clear()
            plen = c_uint(sizeof(peer))
            so = lib.usrsctp_accept(self._sock.so, peer, byref(plen))
            if so:
                break
            err = _errno()
            if err not in _WOULD_BLOCK and err != errno.ECONNABORTED:
                raise TransportError(f"SCTP accept on {self.address} failed: {os.strerror(err)}")
            if not _wait(self._sock.waker.read, deadline, self._sock,
                         lambda: self._sock.ready(ffi.SCTP_EVENT_READ)):
                raise AcceptTimeout(f"no SCTP association arrived on {self.address} "
                                    f"within {timeout}s")
        sock = _Socket(so, self._sock.family)
        remote = ffi.format_sockaddr(peer.raw[:plen.value])
        assoc = UsrsctpAssociation(sock, name=name, local=sock.local_address(remote) or self.address,
                                   remote=remote, mode=self.mode, send_timeout=self.send_timeout,
                                   on_event=on_event)
        assoc._up = True                          # accept returns established associations
        assoc._fill_streams()
        return assoc

    def timers(self) -> SctpTimers:
        """The timers accepted associations start with (the listening socket's)."""
        return read_timers(self._sock)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> UsrsctpListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
