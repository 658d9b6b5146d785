"""The harness's NETCONF client (the O-DU / SMO side of the M-plane), on ncclient.

Theory of operation: `MplaneClient.connect` (or `CallHomeListener.accept` for
RFC 8071 call home) opens SSH with the known host key from the lab profile as
the only accepted key, runs the hello exchange and keeps both sides'
capabilities. Every message on the wire, hello included, is recorded as a
`Frame` (direction, time, XML text) from ncclient's own message logging, so
the exchange evidence is what really went over the channel, malformed or not.
RPCs are sent as XML bodies and their replies come back as `Reply` values;
rpc-errors are data, not exceptions.

Errors are split by who is to blame, because verdicts depend on it:
`LabError` (wrong known host key, unreachable host, bad profile values) and
`PeerError` (the DUT broke NETCONF: no or bad hello, malformed XML, closed
session, no reply in time). Both carry one line naming host:port and what.

Licence: ncclient is Apache-2.0; import it only inside harness/interfaces/mplane/.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import hashlib
import logging
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from harness.core import errors
from harness.interfaces.mplane.framing import Deframer, FramingError

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"


class MplaneError(errors.HarnessError):
    """Something stopped a NETCONF exchange; the text names host:port and what.

    ``frames`` holds what was exchanged before it (evidence), when `MplaneClient.connect` raised it.
    """

    frames: tuple[Frame, ...] = ()


class LabError(MplaneError, errors.LabError):
    """The lab's side is wrong (profile, known host key, network): an ERROR verdict."""


class PeerError(MplaneError, errors.DutError):
    """The DUT broke the protocol (hello, XML, session): a FAIL verdict."""


class HostKeyMismatch(LabError):
    """The server's SSH host key is not the known one (never accepted silently)."""


class AuthenticationFailed(MplaneError, errors.LabError):
    """The server refused the credentials (a lab error, unless the test meant it)."""


class ConnectFailed(LabError):
    """No TCP/SSH connection (refused, unreachable, timed out)."""


class CallHomeTimeout(PeerError):
    """No O-RU opened a TCP connection to the call-home listener in time (RFC 8071 4.1, S1)."""


@dataclass(frozen=True)
class SshTarget:
    """Where and how to reach the O-RU's NETCONF server (from the lab profile)."""

    host: str
    port: int
    username: str
    password: str | None
    known_host_key: str            # OpenSSH public key line: 'ssh-ed25519 AAAA...'
    timeout: float = 10.0          # connect + hello, and each rpc
    key_file: str | None = None    # SSH private key for public-key authentication (tried before the password)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Frame:
    """One NETCONF message as it crossed the channel."""

    direction: str                 # 'sent' | 'received'
    time: float
    xml: str
    kind: str                      # 'hello' | 'rpc' | 'rpc-reply' | 'notification' | '?' (unparsable)
    connection: Connection | None = None     # the TCP connection it crossed (pcapng evidence)


@dataclass(frozen=True)
class Connection:
    """The TCP connection under one SSH session, as the harness's socket saw it."""

    ident: int                     # distinct per connection within a run
    local: tuple[str, int]         # the harness's address
    remote: tuple[str, int]        # the O-RU's address
    call_home: bool                # True: the O-RU opened TCP (RFC 8071), the harness listened


@dataclass(frozen=True)
class Reply:
    """An rpc-reply: ok, rpc-errors, or data (the reply element itself, parsed)."""

    xml: str
    element: etree._Element = field(compare=False)
    ok: bool
    errors: tuple                  # RpcErrorInfo...


@dataclass(frozen=True)
class RpcErrorInfo:
    """One <rpc-error> (RFC 6241 4.3); ``info`` holds error-info's leaves (session-id, bad-element, ...)."""

    tag: str
    type: str
    severity: str
    message: str
    path: str
    app_tag: str = ""
    info: tuple[tuple[str, str], ...] = ()


def fingerprint(key_b64: str) -> str:
    """OpenSSH SHA256 fingerprint of a base64 public key blob."""
    digest = hashlib.sha256(base64.b64decode(key_b64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def md5_fingerprint(key_b64: str) -> str:
    """The colon-separated MD5 fingerprint paramiko and ncclient report."""
    digest = hashlib.md5(base64.b64decode(key_b64), usedforsecurity=False).hexdigest()     # a display format
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _open(target: SshTarget) -> socket.socket:
    """TCP to the target, and its SSH banner seen within the timeout (a silent peer never hangs us)."""
    try:
        sock = socket.create_connection((target.host, target.port), timeout=target.timeout)
    except OSError as err:
        raise ConnectFailed(f"{target.address}: cannot connect: {err}") from None
    ready, _, _ = select.select([sock], [], [], target.timeout)
    if not ready:
        sock.close()
        raise PeerError(f"{target.address}: TCP connected but no SSH banner within {target.timeout:g} s")
    try:                      # the peer accepted TCP, so a reset or close now is the DUT's doing, not the lab's
        first = sock.recv(1, socket.MSG_PEEK)
    except OSError as err:
        sock.close()
        raise PeerError(f"{target.address}: the server reset the TCP connection before its SSH banner "
                        f"({err.strerror or err})") from None
    if not first:
        sock.close()
        raise PeerError(f"{target.address}: the server closed the TCP connection before its SSH banner")
    return sock


MAX_MESSAGE_OCTETS = 4 << 20      # what may arrive between two whole messages: bounds an endless reply


class _Budget:
    """The session's TCP socket, cut (end of data) once the peer has sent more than ``limit`` octets
    since its last whole NETCONF message (the wire log resets ``received`` on each one).

    Why here: ncclient buffers a whole NETCONF message before parsing it, with no size
    limit, and its chunk parser slows down quadratically with the message size (14 MB
    took 30 s here), so the only place to bound what a hostile O-RU makes us hold is
    the socket under SSH. The count is of SSH octets, a little above the NETCONF ones.
    """

    def __init__(self, sock: socket.socket, limit: int) -> None:
        self._sock = sock
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def recv(self, n: int, *flags) -> bytes:
        if self.exceeded:
            return b""
        data = self._sock.recv(n, *flags)
        self.received += len(data)
        if self.received > self.limit:
            self.exceeded = True
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return b""
        return data

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _split_key(line: str, where: str) -> tuple[str, str]:
    parts = (line or "").split()
    if len(parts) < 2:
        raise LabError(f"{where}: known host key {line!r} is not an OpenSSH public key line ('ssh-ed25519 AAAA...')")
    try:
        base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise LabError(f"{where}: known host key is not valid base64") from None
    return parts[0], parts[1]


_CONNECTIONS = iter(range(1, 1 << 62))


def _connection(sock: socket.socket, call_home: bool) -> Connection | None:
    try:
        local, remote = sock.getsockname()[:2], sock.getpeername()[:2]
    except OSError:                 # the peer is gone already: the evidence falls back to stand-ins
        return None
    return Connection(next(_CONNECTIONS), (str(local[0]), int(local[1])), (str(remote[0]), int(remote[1])),
                      call_home)


def _kind(root: etree._Element) -> str:
    return etree.QName(root).localname


# ---------------------------------------------------------------------- wire recording
class _WireLog(logging.Handler):
    """Collects ncclient's 'Sending:' / 'Received:' log records, by session object."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[int, float, str, str]] = []     # (id(session), time, direction, text)
        self.budgets: dict = {}                                   # id(session) -> _Budget
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        session = getattr(record, "session", None)
        if session is None or not record.args:
            return
        msg = str(record.msg)             # ncclient prefixes '[host ... session-id N] '
        if "Sending:\n" in msg:
            direction = "sent"
        elif "Received:\n" in msg:
            direction = "received"
            budget = self.budgets.get(id(session))
            if budget is not None:
                budget.received = 0
        else:
            return
        if not isinstance(record.args, tuple):      # ncclient logs the message as the one positional argument
            return
        data = record.args[0]
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
        with self._guard:
            self.records.append((id(session), record.created, direction, text))

    def take(self, since: int, session_ids: set | None) -> tuple[list, int]:
        """The records after ``since`` of those sessions (None: any), and the new mark, atomically."""
        with self._guard:
            return ([r for r in self.records[since:] if session_ids is None or r[0] in session_ids],
                    len(self.records))

    def mark(self) -> int:
        with self._guard:
            return len(self.records)


_WIRE = _WireLog()
for _name, _level in (("ncclient.transport.session", logging.INFO), ("ncclient.transport.ssh", logging.DEBUG),
                      ("ncclient.transport.tls", logging.DEBUG)):      # TLS call home: tls_callhome.py
    _logger = logging.getLogger(_name)
    _logger.addHandler(_WIRE)
    _logger.propagate = False       # the wire is evidence in exchange.json, not log noise
    if _logger.level == logging.NOTSET or _logger.level > _level:
        _logger.setLevel(_level)


def _unframe(text: str) -> list[str]:
    """The messages inside one logged send (ncclient logs the framed bytes)."""
    data = text.encode()
    if data.startswith((b"b'", b'b"')):
        data = ast.literal_eval(text)
    for version in ("1.1", "1.0"):
        try:
            msgs = Deframer(version).feed(data)
        except FramingError:
            continue
        if msgs:
            return [m.decode("utf-8", "replace") for m in msgs]
    return [data.decode("utf-8", "replace")]


# ---------------------------------------------------------------------- the client
class MplaneClient:
    """One NETCONF session to an O-RU; `frames` is its evidence."""

    def __init__(self) -> None:
        self.manager: Any = None               # ncclient's Manager (untyped) while connected
        self.budget: _Budget | None = None
        self.target: SshTarget | None = None
        self.frames: list[Frame] = []
        self._seen = 0
        self._mark = 0
        self._sessions: set = set()
        self.connection: Connection | None = None

    # ------------------------------------------------------------------ connect
    def connect(self, target: SshTarget, sock: socket.socket | None = None,
                call_home: bool = False) -> MplaneClient:
        """SSH + the netconf subsystem + hello.

        Raises:
            HostKeyMismatch / ConnectFailed (LabError), AuthenticationFailed, PeerError (hello);
            the error's ``frames`` hold what was exchanged before it (evidence).
        """
        try:
            return self._connect(target, sock, call_home)
        except MplaneError as err:
            err.frames = tuple(self.frames)
            raise

    def _connect(self, target: SshTarget, sock: socket.socket | None, call_home: bool) -> MplaneClient:
        from ncclient import manager  # noqa: PLC0415 - optional: ncclient is the mplane extra
        from ncclient.transport import errors as nc_errors  # noqa: PLC0415 - optional: the mplane extra

        self.target = target
        where = target.address
        key_type, key_b64 = _split_key(target.known_host_key, f"lab profile, host {where}")
        self._mark = _WIRE.mark()
        seen: dict = {}
        if sock is None:
            sock = _open(target)
        self.connection = _connection(sock, call_home)
        self.budget = _Budget(sock, MAX_MESSAGE_OCTETS)

        def unknown_host(host: str, fp: str) -> bool:
            seen["fp"] = fp
            return False
        try:
            self.manager = manager.connect(
                host=target.host, port=target.port, username=target.username, password=target.password,
                hostkey_verify=True, hostkey_b64=key_b64, unknown_host_cb=unknown_host, sock=self.budget,
                key_filename=target.key_file, look_for_keys=False, allow_agent=False, timeout=target.timeout,
                manager_params={"timeout": target.timeout})
        except nc_errors.SSHUnknownHostError:
            self._collect(None)
            raise HostKeyMismatch(
                f"{where}: SSH host key mismatch: the server offered a key with MD5 fingerprint "
                f"{seen.get('fp', '?')}, the lab profile knows {key_type} MD5 {md5_fingerprint(key_b64)} "
                f"({fingerprint(key_b64)}); not connecting") from None
        except nc_errors.AuthenticationError as err:
            self._collect(None)
            raise AuthenticationFailed(f"{where}: SSH authentication failed for user "
                                       f"'{target.username}': {err}") from None
        except (ConnectionRefusedError, TimeoutError, OSError) as err:
            raise ConnectFailed(f"{where}: cannot connect: {err}") from None
        except nc_errors.SessionCloseError as err:
            self._collect(None)
            raise PeerError(f"{where}: the server closed the session during the hello exchange: "
                            f"{_line(err)}") from None
        except (nc_errors.SSHError, nc_errors.SessionError) as err:
            self._collect(None)
            text = str(err)
            if "Capability exchange timed out" in text or "hello" in text.lower():
                raise PeerError(f"{where}: no NETCONF hello from the server within {target.timeout:g} s") from None
            if "Negotiation failed" in text or "Error reading SSH protocol banner" in text:
                raise PeerError(f"{where}: SSH negotiation failed: {text}") from None
            raise ConnectFailed(f"{where}: SSH failed: {text}") from None
        except nc_errors.TransportError as err:
            self._collect(None)
            raise PeerError(f"{where}: NETCONF transport failed: {_line(err)}") from None
        except UnicodeDecodeError as err:            # ncclient's 1.0 parser decodes the stream as UTF-8
            self._collect(None)
            raise PeerError(f"{where}: the server's hello is not UTF-8 text ({err.reason} at octet "
                            f"{err.start} of what it sent)") from None
        return self.adopt(self.manager)

    def prepare(self, target: SshTarget, sock: Any, call_home: bool) -> _Budget:
        """Where the session goes, its TCP connection, and the size cap over ``sock`` (before any message)."""
        self.target = target
        self._mark = _WIRE.mark()
        self.connection = _connection(sock, call_home)
        self.budget = _Budget(sock, MAX_MESSAGE_OCTETS)
        return self.budget

    def follow(self, session: Any) -> None:
        """Record the wire of this ncclient session (from its hello on) as this client's frames."""
        self._sessions = {id(session)}
        _WIRE.budgets[id(session)] = self.budget

    def adopt(self, manager: Any) -> MplaneClient:
        """Take over a connected ncclient Manager whose session reads through ``self.budget``
        (SSH here; TLS call home in tls_callhome.py): rpc-errors become data, the wire log follows it."""
        from ncclient.operations.rpc import RaiseMode  # noqa: PLC0415 - optional: the mplane extra
        self.manager = manager
        self.manager.raise_mode = RaiseMode.NONE       # rpc-errors are data for the steps to judge
        self._sessions = {id(self.manager._session)}
        _WIRE.budgets[id(self.manager._session)] = self.budget
        self._collect(self._sessions)
        return self

    # ------------------------------------------------------------------ evidence
    def _collect(self, sessions: set | None) -> None:
        records, self._mark = _WIRE.take(self._mark, sessions)
        for _sid, t, direction, text in records:
            for xml in (_unframe(text) if direction == "sent" else [text]):
                try:
                    kind = _kind(etree.fromstring(xml.encode()))
                except etree.XMLSyntaxError:
                    kind = "?"
                self.frames.append(Frame(direction, t, xml, kind, self.connection))

    def poll(self) -> list[Frame]:
        """Bring `frames` up to date; returns the frames new since the last poll."""
        self._collect(self._sessions)
        new = self.frames[self._seen:]
        self._seen = len(self.frames)
        return new

    # ------------------------------------------------------------------ capabilities
    @property
    def server_capabilities(self) -> list[str]:
        return list(self.manager.server_capabilities) if self.manager else []

    @property
    def client_capabilities(self) -> list[str]:
        return list(self.manager.client_capabilities) if self.manager else []

    @property
    def session_id(self) -> str | None:
        return self.manager.session_id if self.manager else None

    @property
    def connected(self) -> bool:
        return bool(self.manager and self.manager.connected)

    # ------------------------------------------------------------------ rpcs
    def rpc(self, body: str | etree._Element, timeout: float | None = None) -> Reply:
        """Send one operation (its XML element); wait for the reply.

        Raises:
            PeerError: no reply in time, a malformed reply, or the session ended.
        """
        from ncclient.operations.errors import TimeoutExpiredError  # noqa: PLC0415 - optional: the mplane extra
        from ncclient.transport.errors import TransportError  # noqa: PLC0415 - optional: the mplane extra

        where = self.target.address if self.target else "?"
        element = etree.fromstring(body.encode()) if isinstance(body, str) else body
        if not self.connected:
            raise PeerError(f"{where}: the NETCONF session is closed")
        if timeout is not None:
            self.manager.timeout = timeout
        try:
            reply = self.manager.dispatch(element)
        except TimeoutExpiredError:
            self._collect(self._sessions)
            self._over_budget(where)
            bad = self._malformed()
            if bad:
                raise PeerError(bad) from None
            raise PeerError(f"{where}: no rpc-reply to <{etree.QName(element).localname}> within "
                            f"{self.manager.timeout:g} s") from None
        except TransportError as err:
            self._collect(self._sessions)
            self._over_budget(where)
            raise PeerError(f"{where}: the session ended while waiting for the rpc-reply: {_line(err)}") from None
        except Exception as err:  # ncclient raises parse errors of bad replies as plain exceptions
            self._collect(self._sessions)
            self._over_budget(where)      # a cut at the cap can surface as EOFError from ncclient's reader
            bad = self._malformed()
            raise PeerError(bad or f"{where}: the rpc-reply could not be read: {_line(err)}") from None
        self._collect(self._sessions)
        return _reply(reply.xml)

    def _over_budget(self, where: str) -> None:
        if self.budget is not None and self.budget.exceeded:
            raise PeerError(f"{where}: the server sent more than {self.budget.limit} octets without ending a "
                            "message (the harness's cap per NETCONF message); the session was dropped")

    def _malformed(self) -> str | None:
        where = self.target.address if self.target else "?"
        for i, f in enumerate(self.frames, 1):
            if f.direction == "received" and f.kind == "?":
                try:
                    etree.fromstring(f.xml.encode())
                except etree.XMLSyntaxError as err:
                    return f"{where}: message #{i} from the server is not well-formed XML: {err}"
        return None

    def notification(self, timeout: float):
        """The next notification as (eventTime, element of its content), or None after ``timeout``."""
        if self.manager is None:
            return None
        n = self.manager.take_notification(block=True, timeout=max(timeout, 0.001))
        self._collect(self._sessions)
        if n is None:
            return None
        root = etree.fromstring(n.notification_xml.encode() if isinstance(n.notification_xml, str)
                                else n.notification_xml)
        return root

    def cut(self) -> None:
        """Drop the TCP connection under SSH at once, no close-session: a cut link, as the O-RU sees it."""
        m, self.manager = self.manager, None
        if m is None:
            return
        _WIRE.budgets.pop(id(m._session), None)
        if self.budget is not None:
            with contextlib.suppress(OSError):
                self.budget._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(Exception):
            m._session.close()
        self._collect(self._sessions)

    def close(self, timeout: float = 2.0) -> None:
        """close-session when still connected, then drop the SSH connection."""
        m, self.manager = self.manager, None
        if m is None:
            return
        _WIRE.budgets.pop(id(m._session), None)
        try:
            with contextlib.suppress(Exception):    # the peer may be gone already; closing must not fail a run
                if m.connected:
                    m.timeout = timeout
                    m.close_session()
        finally:
            with contextlib.suppress(Exception):
                m._session.close()
        self._collect(self._sessions)


def first_line(err: BaseException) -> str:
    """An ncclient error's first line (its SessionCloseError appends the raw input buffer on more lines)."""
    return _line(err)


def _line(err: BaseException) -> str:
    """An ncclient error's first line (its SessionCloseError appends the raw input buffer on more lines)."""
    return (str(err).splitlines() or [type(err).__name__])[0]


def _reply(xml: str) -> Reply:
    root = etree.fromstring(xml.encode())
    errors = []
    for e in root.iter(f"{{{NC}}}rpc-error"):
        info = e.find(f"{{{NC}}}error-info")
        leaves = tuple((etree.QName(c).localname, (c.text or "").strip()) for c in (info if info is not None else ())
                       if isinstance(c.tag, str) and len(c) == 0)
        errors.append(RpcErrorInfo(e.findtext(f"{{{NC}}}error-tag", "").strip(),
                                   e.findtext(f"{{{NC}}}error-type", "").strip(),
                                   e.findtext(f"{{{NC}}}error-severity", "").strip(),
                                   e.findtext(f"{{{NC}}}error-message", "").strip(),
                                   e.findtext(f"{{{NC}}}error-path", "").strip(),
                                   e.findtext(f"{{{NC}}}error-app-tag", "").strip(), leaves))
    return Reply(xml, root, root.find(f"{{{NC}}}ok") is not None, tuple(errors))


class CallHomeListener:
    """RFC 8071 call home: the harness listens; the O-RU connects; SSH then runs as usual."""

    def __init__(self, host: str = "0.0.0.0", port: int = 4334) -> None:
        try:
            self.socket = socket.create_server((host, port))
        except OSError as err:
            raise LabError(f"cannot listen for call home on {host}:{port}: {err}") from None
        self.host = host
        self.port = self.socket.getsockname()[1]
        self.accepted_at: float | None = None      # wall-clock time the O-RU's TCP connection was accepted

    def accept(self, target: SshTarget, timeout: float) -> MplaneClient:
        """Wait up to ``timeout`` s for the O-RU, then SSH on its socket (host key still checked).

        Raises:
            PeerError: no O-RU called home in time. And whatever `MplaneClient.connect` raises.
        """
        sock, called = self.take(target, timeout)
        return MplaneClient().connect(called, sock=sock, call_home=True)

    def take(self, target: SshTarget, timeout: float) -> tuple[socket.socket, SshTarget]:
        """The O-RU's TCP connection (within ``timeout`` s) and ``target`` at the address it came from.

        Raises:
            CallHomeTimeout: no O-RU called home in time.
        """
        self.socket.settimeout(timeout)
        try:
            sock, peer = self.socket.accept()
        except TimeoutError:
            raise CallHomeTimeout(f"no O-RU called home to {self.host}:{self.port} within {timeout:g} s") from None
        self.accepted_at = time.time()
        sock.settimeout(target.timeout)
        return sock, SshTarget(peer[0], peer[1], target.username, target.password, target.known_host_key,
                               target.timeout, target.key_file)

    def close(self) -> None:
        try:
            self.socket.close()
        except OSError:
            pass
