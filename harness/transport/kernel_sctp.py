"""Kernel SCTP transport (Linux): one-to-one style sockets from the stdlib.

``socket.socket(family, SOCK_STREAM, IPPROTO_SCTP)`` gives one association per
socket, like TCP. Per-message metadata travels in ancillary data:

- send: ``sendmsg`` with an ``SCTP_SNDINFO`` cmsg (stream, PPID);
- receive: ``recvmsg`` returns an ``SCTP_RCVINFO`` cmsg once ``SCTP_RECVRCVINFO``
  is on. A message larger than one read arrives in pieces; the last carries
  ``MSG_EOR``. Pieces are joined up to ``max_message_size``.
- association events (``SCTP_ASSOC_CHANGE``, ``SCTP_SHUTDOWN_EVENT``) arrive as
  reads flagged ``MSG_NOTIFICATION``; COMM_LOST / SHUTDOWN_COMP / CANT_STR_ASSOC
  (and end of file, and ECONNRESET/EPIPE) become :class:`PeerClosed`.

Layouts and constants: :mod:`harness.transport.kernel_sctp_uapi`.

Every wait is bounded: an association's socket is non-blocking and every
send/receive waits with ``poll()`` up to a deadline (connect and accept use the
socket timeout, which CPython also implements with poll()). One thread may send
while another receives; two threads receiving at once are not supported.
IPv4 and IPv6; single-homed (no ``sctp_bindx``/``connectx``). Linux only.
"""

from __future__ import annotations

import errno
import select
import socket
import struct
import time
from collections import deque
from dataclasses import dataclass, field

from harness.transport import kernel_sctp_uapi as U
from harness.transport.base import (
    E2AP_PPID,
    MAX_MESSAGE_SIZE,
    MessageTooLarge,
    Packet,
    PeerClosed,
    Transport,
    TransportError,
    now,
)
from harness.transport.sctp_timers import SctpTimers

DEFAULT_STREAMS = 16                   # outbound streams asked for, inbound accepted
DEFAULT_RECV_BUFFER = 64 * 1024        # bytes per recvmsg()
DEFAULT_MAX_MESSAGE = MAX_MESSAGE_SIZE  # largest message reassembled (64 MiB)
DEFAULT_SEND_TIMEOUT = 5.0
DEFAULT_CLOSE_LINGER = 1.0             # seconds close() waits for SHUTDOWN_COMPLETE

_ANC_BUFSIZE = socket.CMSG_SPACE(U.SCTP_RCVINFO_LAYOUT.size) + 64
_PEER_GONE_ERRNOS = {errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN, errno.ECONNABORTED,
                     errno.ESHUTDOWN}

MODULE_HINT = (
    "load the kernel module with `sudo modprobe sctp` (RHEL/Fedora: install "
    "kernel-modules-extra and remove the blacklist line in /etc/modprobe.d/sctp-blacklist.conf; "
    "in a container the host kernel must have it loaded), or use the 'usrsctp' backend"
)


@dataclass(frozen=True)
class SctpEvent:
    """A notification, kept for evidence (``KernelSctpAssociation.events``)."""

    time: float
    type: int
    name: str
    state: int | None = None           # sac_state for SCTP_ASSOC_CHANGE
    state_name: str = ""
    error: int | None = None
    outbound_streams: int | None = None
    inbound_streams: int | None = None
    assoc_id: int | None = None
    raw: bytes = field(default=b"", repr=False)


def parse_notification(data: bytes, stamp: float | None = None) -> SctpEvent:
    """Decode one complete notification (union sctp_notification)."""
    stamp = now() if stamp is None else stamp
    if len(data) < U.SCTP_NOTIFICATION_HEADER_LAYOUT.size:
        raise TransportError(f"SCTP notification too short ({len(data)} bytes)")
    head = U.SCTP_NOTIFICATION_HEADER_LAYOUT.unpack(data)
    kind = head["sn_type"]
    name = U.NOTIFICATION_NAMES.get(kind, f"notification 0x{kind:04x}")
    if kind == U.SCTP_ASSOC_CHANGE and len(data) >= U.SCTP_ASSOC_CHANGE_LAYOUT.size:
        sac = U.SCTP_ASSOC_CHANGE_LAYOUT.unpack(data)
        return SctpEvent(stamp, kind, name, sac["sac_state"],
                         U.SAC_STATE_NAMES.get(sac["sac_state"], str(sac["sac_state"])),
                         sac["sac_error"], sac["sac_outbound_streams"],
                         sac["sac_inbound_streams"], sac["sac_assoc_id"], bytes(data))
    if kind == U.SCTP_SHUTDOWN_EVENT and len(data) >= U.SCTP_SHUTDOWN_EVENT_LAYOUT.size:
        sse = U.SCTP_SHUTDOWN_EVENT_LAYOUT.unpack(data)
        return SctpEvent(stamp, kind, name, assoc_id=sse["sse_assoc_id"], raw=bytes(data))
    return SctpEvent(stamp, kind, name, raw=bytes(data))


def format_address(addr) -> str:
    """'host:port' or '[v6host]:port' from a socket address tuple."""
    if isinstance(addr, tuple) and len(addr) >= 2:
        host, port = addr[0], addr[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(addr or "")


# --- socket set-up ---------------------------------------------------------------

def _new_socket(family: int, *, streams: int, nodelay: bool,
                timers: SctpTimers | None = None) -> socket.socket:
    try:
        sock = socket.socket(family, socket.SOCK_STREAM, U.IPPROTO_SCTP)
    except OSError as exc:
        raise TransportError(f"kernel SCTP is not available on this host "
                             f"(socket(..., IPPROTO_SCTP) failed: {exc}); {MODULE_HINT}") from exc
    try:
        sock.setsockopt(U.SOL_SCTP, U.SCTP_INITMSG, U.pack_initmsg(streams, streams))
        if nodelay:
            sock.setsockopt(U.SOL_SCTP, U.SCTP_NODELAY, 1)
        configure_socket(sock)
        if timers is not None:
            apply_timers(sock, timers)
    except BaseException:
        sock.close()
        raise
    return sock


def apply_timers(sock, timers: SctpTimers) -> None:
    """RTO, Association.Max.Retrans, heartbeat interval and Path.Max.Retrans, set before
    connect/listen so the association (and accepted ones) start with them. Not read back:
    the stdlib's getsockopt passes an uninitialised buffer, and SCTP_PEER_ADDR_PARAMS reads
    the address from it. Untested on a live kernel here (no SCTP module); the byte layouts
    are tested (tests/transport/test_sctp_timers.py)."""
    options = (
        (U.SCTP_RTOINFO, U.pack_rtoinfo(timers.rto_initial_ms, timers.rto_min_ms, timers.rto_max_ms),
         f"SCTP_RTOINFO initial={timers.rto_initial_ms} min={timers.rto_min_ms} max={timers.rto_max_ms} ms"),
        (U.SCTP_ASSOCINFO, U.pack_assocparams(timers.association_max_retrans),
         f"SCTP_ASSOCINFO asocmaxrxt={timers.association_max_retrans}"),
        (U.SCTP_PEER_ADDR_PARAMS, U.pack_paddrparams(timers.heartbeat_interval_ms, timers.path_max_retrans),
         f"SCTP_PEER_ADDR_PARAMS hbinterval={timers.heartbeat_interval_ms} ms "
         f"pathmaxrxt={timers.path_max_retrans} flags=SPP_HB_ENABLE"),
    )
    for opt, value, what in options:
        try:
            sock.setsockopt(U.SOL_SCTP, opt, value)
        except OSError as exc:
            raise TransportError(f"setsockopt({what}) failed: {exc}") from exc


def configure_socket(sock) -> None:
    """Turn on SCTP_RCVINFO cmsgs and the association/shutdown notifications."""
    try:
        sock.setsockopt(U.SOL_SCTP, U.SCTP_RECVRCVINFO, 1)
    except OSError as exc:
        raise TransportError(f"setsockopt(SCTP_RECVRCVINFO) failed: {exc} "
                             "(kernel older than 3.12?)") from exc
    wanted = (U.SCTP_ASSOC_CHANGE, U.SCTP_SHUTDOWN_EVENT)
    try:
        for kind in wanted:                       # RFC 6458 SCTP_EVENT (Linux >= 5.1)
            sock.setsockopt(U.SOL_SCTP, U.SCTP_EVENT, U.pack_event(kind, True))
    except OSError as exc:
        if exc.errno not in (errno.ENOPROTOOPT, errno.EINVAL):
            raise TransportError(f"setsockopt(SCTP_EVENT) failed: {exc}") from exc
        try:                                      # deprecated SCTP_EVENTS, short prefix
            sock.setsockopt(U.SOL_SCTP, U.SCTP_EVENTS, U.event_subscribe_prefix(*wanted))
        except OSError as exc2:
            raise TransportError(f"cannot subscribe to SCTP notifications: {exc2}") from exc2


def _resolve(host: str, port: int, passive: bool = False) -> list[tuple]:
    flags = socket.AI_PASSIVE if passive else 0
    try:
        infos = socket.getaddrinfo(host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM,
                                   0, flags)
    except socket.gaierror as exc:
        raise TransportError(f"cannot resolve {host!r}: {exc}") from exc
    seen, out = set(), []
    for family, _t, _p, _c, addr in infos:
        if family in (socket.AF_INET, socket.AF_INET6) and (family, addr) not in seen:
            seen.add((family, addr))
            out.append((family, addr))
    if not out:
        raise TransportError(f"no IPv4/IPv6 address for {host!r}")
    return out


# --- the association -------------------------------------------------------------

class KernelSctpAssociation(Transport):
    """One SCTP association on a connected one-to-one socket.

    ``sock`` needs only ``setblocking``, ``sendmsg``, ``recvmsg``, ``setsockopt``,
    ``shutdown``, ``close``, ``fileno`` (and optionally ``getsockname`` /
    ``getpeername``); the tests drive this class with a scripted fake socket and
    replace :meth:`_wait_ready`.
    """

    def __init__(self, sock, *, name: str = "", recv_buffer: int = DEFAULT_RECV_BUFFER,
                 max_message_size: int = DEFAULT_MAX_MESSAGE,
                 send_timeout: float = DEFAULT_SEND_TIMEOUT,
                 close_linger: float = DEFAULT_CLOSE_LINGER) -> None:
        if recv_buffer < 64:
            raise ValueError("recv_buffer must be at least 64 bytes")
        if max_message_size < 1:
            raise ValueError("max_message_size must be positive")
        self.sock = sock
        sock.setblocking(False)
        self.local = _sockname(sock, "getsockname")
        self.peer = _sockname(sock, "getpeername")
        self.name = name or f"kernel-sctp {self.local}->{self.peer}"
        self.recv_buffer = recv_buffer
        self.max_message_size = max_message_size
        self.send_timeout = send_timeout
        self.close_linger = close_linger
        self.events: deque[SctpEvent] = deque(maxlen=256)
        self.outbound_streams: int | None = None
        self.inbound_streams: int | None = None
        self.assoc_id: int | None = None
        self.peer_shutting_down = False
        self.closed = False
        self._peer_gone: str | None = None
        self._ready: deque[Packet] = deque()
        self._parts: list[bytes] = []         # data message being reassembled
        self._parts_len = 0
        self._parts_info: dict[str, int] | None = None
        self._notice = bytearray()            # notification being reassembled
        self._discarding = False              # dropping the rest of an oversize message

    # -- Transport ------------------------------------------------------------------

    def send(self, data: bytes, *, stream: int = 0, ppid: int = E2AP_PPID) -> Packet:
        if self.closed:
            raise TransportError(f"{self.name}: send on a closed association")
        if self._peer_gone is not None:
            raise PeerClosed(f"{self.name}: {self._peer_gone}")
        data = bytes(data)
        if not data:
            raise TransportError("SCTP cannot carry an empty user message (RFC 9260 DATA chunk)")
        if not 0 <= stream <= 0xFFFF:
            raise TransportError(f"stream {stream} out of range 0..65535")
        if self.outbound_streams is not None and stream >= self.outbound_streams:
            raise TransportError(f"stream {stream} not available: the association has "
                                 f"{self.outbound_streams} outbound streams")
        if not 0 <= ppid <= 0xFFFFFFFF:
            raise TransportError(f"PPID {ppid} out of range 0..2**32-1")
        cmsg = [(U.SOL_SCTP, U.SCTP_SNDINFO, U.pack_sndinfo(sid=stream, ppid=ppid))]
        deadline = time.monotonic() + max(self.send_timeout, 0.0)
        while True:
            try:
                sent = self.sock.sendmsg([data], cmsg, socket.MSG_NOSIGNAL)
                break
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as exc:
                self._raise_os_error(exc, f"send on stream {stream}")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._wait_ready(True, remaining):
                raise TransportError(f"{self.name}: send of {len(data)} bytes timed out after "
                                     f"{self.send_timeout}s (peer not reading?)")
            time.sleep(0.0005)          # writable but the kernel wants more room: no spin
        if sent != len(data):
            raise TransportError(f"{self.name}: partial SCTP send ({sent} of {len(data)} bytes)")
        return Packet(data, "sent", now(), stream, ppid, self.name, self.local, self.peer)

    def recv(self, timeout: float) -> Packet | None:
        if self._ready:
            return self._ready.popleft()
        if self.closed:
            raise TransportError(f"{self.name}: recv on a closed association")
        if self._peer_gone is not None:
            raise PeerClosed(f"{self.name}: {self._peer_gone}")
        return self._read_message(time.monotonic() + max(timeout, 0.0))

    def close(self) -> None:
        """Graceful SHUTDOWN; waits up to ``close_linger`` s for it to complete."""
        if self.closed:
            return
        self.closed = True
        try:
            if self._peer_gone is None:
                try:
                    self.sock.shutdown(socket.SHUT_WR)     # SCTP: starts SHUTDOWN
                except OSError:
                    pass
                else:
                    self._await_shutdown(time.monotonic() + max(self.close_linger, 0.0))
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    def abort(self) -> None:
        """Close with an SCTP ABORT (SO_LINGER 0): the peer sees COMM_LOST."""
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> KernelSctpAssociation:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    def poll_events(self) -> None:
        """Read whatever is already queued (notifications; data is kept for recv)."""
        try:
            pkt = self._read_message(time.monotonic())
        except PeerClosed:
            return                      # recorded in _peer_gone; recv raises it
        if pkt is not None:
            self._ready.append(pkt)

    def _wait_ready(self, for_write: bool, timeout: float) -> bool:
        """poll() the socket; True when readable/writable (or in error) in time."""
        poller = select.poll()
        poller.register(self.sock.fileno(), select.POLLOUT if for_write else select.POLLIN)
        try:
            return bool(poller.poll(max(timeout, 0.0) * 1000.0))
        except InterruptedError:
            return False

    def _recvmsg(self, deadline: float):
        """One recvmsg(), waiting until ``deadline`` at most; None when it passed."""
        while True:
            try:
                data, anc, flags, _addr = self.sock.recvmsg(self.recv_buffer, _ANC_BUFSIZE)
                return data, anc, flags
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as exc:
                self._raise_os_error(exc, "recv")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._wait_ready(False, remaining):
                return None

    def _read_message(self, deadline: float) -> Packet | None:
        first = True
        while True:
            if not first and time.monotonic() >= deadline:
                return None             # keeps a partial message for the next call
            first = False
            got = self._recvmsg(deadline)
            if got is None:
                return None
            data, anc, flags = got
            if flags & U.MSG_NOTIFICATION:
                self._notice += data
                if flags & U.MSG_EOR or len(self._notice) > 65536:
                    raw, self._notice = bytes(self._notice), bytearray()
                    self._on_notification(raw)
                continue
            if not data:
                truncated = (f" ({self._parts_len} bytes of an unfinished message lost)"
                             if self._parts_len else "")
                self._gone("the peer closed the association (end of file)" + truncated)
            if self._discarding:
                if flags & U.MSG_EOR:
                    self._discarding = False
                continue
            if not self._parts:
                self._parts_info = _rcvinfo(anc)
            self._parts.append(data)
            self._parts_len += len(data)
            if self._parts_len > self.max_message_size:
                size = self._parts_len
                self._reset_parts()
                self._discarding = not (flags & U.MSG_EOR)
                raise MessageTooLarge(
                    f"{self.name}: incoming SCTP message exceeds max_message_size="
                    f"{self.max_message_size} bytes ({size} bytes read so far); "
                    "the rest of it is discarded")
            if flags & U.MSG_EOR:
                info = self._parts_info or {}
                payload = b"".join(self._parts)
                self._reset_parts()
                return Packet(payload, "received", now(), info.get("rcv_sid", 0),
                              info.get("rcv_ppid", 0), self.name, self.peer, self.local)
            # no MSG_EOR: more pieces of this message follow

    def _reset_parts(self) -> None:
        self._parts, self._parts_len, self._parts_info = [], 0, None

    def _on_notification(self, raw: bytes) -> None:
        event = parse_notification(raw)
        self.events.append(event)
        if event.type == U.SCTP_ASSOC_CHANGE:
            if event.state in (U.SCTP_COMM_UP, U.SCTP_RESTART):
                self.outbound_streams = event.outbound_streams
                self.inbound_streams = event.inbound_streams
                self.assoc_id = event.assoc_id
            elif event.state in (U.SCTP_COMM_LOST, U.SCTP_SHUTDOWN_COMP, U.SCTP_CANT_STR_ASSOC):
                self._gone(f"association ended: SCTP_ASSOC_CHANGE {event.state_name} "
                           f"(error {event.error})")
        elif event.type == U.SCTP_SHUTDOWN_EVENT:
            self.peer_shutting_down = True

    def _gone(self, reason: str) -> None:
        if self._peer_gone is None:
            self._peer_gone = reason
        raise PeerClosed(f"{self.name}: {self._peer_gone}")

    def _raise_os_error(self, exc: OSError, what: str):
        if exc.errno in _PEER_GONE_ERRNOS:
            self._gone(f"{what} failed: {exc}")
        if exc.errno == errno.EINVAL and what.startswith("send"):
            raise TransportError(f"{self.name}: {what} rejected by the kernel ({exc}); "
                                 "is the stream beyond the negotiated outbound streams?") from exc
        raise TransportError(f"{self.name}: {what} failed: {exc}") from exc

    def _await_shutdown(self, deadline: float) -> None:
        try:
            while self._read_message(deadline) is not None:
                pass                    # data arriving during shutdown is dropped
        except TransportError:
            pass                        # PeerClosed: SHUTDOWN_COMP or EOF, as hoped


def _rcvinfo(anc) -> dict[str, int] | None:
    for level, kind, payload in anc:
        if level == U.SOL_SCTP and kind == U.SCTP_RCVINFO:
            return U.unpack_rcvinfo(payload)
    return None


def _sockname(sock, method: str) -> str:
    try:
        return format_address(getattr(sock, method)())
    except (OSError, AttributeError):
        return ""


# --- client and server -----------------------------------------------------------

def connect(host: str, port: int, timeout: float, *, streams: int = DEFAULT_STREAMS,
            local: tuple[str, int] | None = None, nodelay: bool = True,
            timers: SctpTimers | None = None, **assoc_options) -> KernelSctpAssociation:
    """Open an association to ``host:port`` (IPv4 or IPv6) within ``timeout`` s.

    ``assoc_options`` go to :class:`KernelSctpAssociation` (name, recv_buffer,
    max_message_size, send_timeout, close_linger). ``timers``: set before connecting.
    """
    deadline = time.monotonic() + max(timeout, 0.0)
    errors = []
    for family, addr in _resolve(host, port):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = _new_socket(family, streams=streams, nodelay=nodelay, timers=timers)
        try:
            if local is not None:
                sock.bind(local)
            sock.settimeout(remaining)
            sock.connect(addr)
        except (TimeoutError, OSError) as exc:
            sock.close()
            errors.append(f"{format_address(addr)}: {exc or 'timed out'}")
            continue
        assoc = KernelSctpAssociation(sock, **assoc_options)
        assoc.poll_events()             # COMM_UP tells the negotiated stream counts
        return assoc
    detail = "; ".join(errors) or f"no time left (timeout {timeout}s)"
    raise TransportError(f"SCTP connect to {host}:{port} failed: {detail}")


class KernelSctpListener:
    """A listening one-to-one SCTP socket; ``accept`` yields associations."""

    def __init__(self, host: str, port: int, *, backlog: int = 8,
                 streams: int = DEFAULT_STREAMS, nodelay: bool = True,
                 timers: SctpTimers | None = None, **assoc_options) -> None:
        family, addr = _resolve(host, port, passive=True)[0]
        self.sock = _new_socket(family, streams=streams, nodelay=nodelay, timers=timers)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(addr)
            self.sock.listen(backlog)
        except OSError as exc:
            self.sock.close()
            raise TransportError(f"cannot listen for SCTP on {format_address(addr)}: {exc}") from exc
        self.family = family
        self.assoc_options = assoc_options
        self.closed = False

    @property
    def address(self) -> tuple[str, int]:
        host, port = self.sock.getsockname()[:2]
        return host, port

    def accept(self, timeout: float) -> KernelSctpAssociation | None:
        """The next association, or None when ``timeout`` s pass first."""
        if self.closed:
            raise TransportError("accept on a closed SCTP listener")
        try:
            self.sock.settimeout(max(timeout, 0.0))
            conn, _addr = self.sock.accept()
        except (TimeoutError, BlockingIOError):
            return None
        except OSError as exc:
            raise TransportError(f"SCTP accept failed: {exc}") from exc
        try:
            configure_socket(conn)      # inherited from the listener; set again to be sure
        except TransportError:
            conn.close()
            raise
        assoc = KernelSctpAssociation(conn, **self.assoc_options)
        assoc.poll_events()
        return assoc

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()

    def __enter__(self) -> KernelSctpListener:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
