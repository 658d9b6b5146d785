"""The built-in O-RU M-plane simulator: a NETCONF server over SSH (paramiko).

Theory of operation: `OruSimulator` listens on TCP (or, in call-home mode,
connects out to the NETCONF client as RFC 8071 has it, and then still plays
the SSH server). Each SSH connection that authenticates and asks for the
`netconf` subsystem gets one `_Session` thread: hello (RFC 6241 clause 8.1,
framing switched to base:1.1 chunks when both sides offer it, RFC 6242
clause 4.1), then one rpc at a time from a table of operations. A
supervision thread per session implements O-RAN.WG4.MP v08.00 clause 6.3
(M-plane connection supervision): after `supervision-watchdog-reset` it sends
`supervision-notification` every interval; the O-RU's watchdog, its fallback
when no reset arrives within interval + guard-timer-overhead (carriers off,
sessions ended, call home again) live in sim/supervision.py. Alarms (clause 11, o-ran-fm)
are raised by `trigger('raise-alarm')` and announced as `alarm-notif` to
subscribed sessions.

Faults (`ORU_FAULTS`) bend exactly one behaviour each so a test can show its
checker fails for the right reason. Everything a session does is appended to
`events`; a failure inside the simulator lands in `errors` (an ERROR of the
lab, never a FAIL of the DUT).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import paramiko
from lxml import etree

from harness.interfaces.mplane.datastore import (FM, NC, NOTIFICATION, SUPERVISION, Datastore, EditError, FilterError,
                                                Identity)
from harness.interfaces.mplane.capabilities import capability_uri
from harness.interfaces.mplane.framing import Deframer, FramingError, frame
from harness.interfaces.mplane.sim import hostile as oru_hostile
from harness.interfaces.mplane.sim import management as oru_management
from harness.interfaces.mplane.sim import schemas as oru_schemas
from harness.interfaces.mplane.sim import supervision as oru_supervision
from harness.interfaces.mplane.sim import tlscallhome as oru_tls
from harness.interfaces.mplane.sim.confops import ConfigOps, Features, RpcFailure, datastore_of
from harness.sim.faultspec import Fault, FaultError, FaultRegistry
from harness.interfaces.mplane.sim.hostkey import fresh_key, load_or_create, public_line

BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"
MODULE_CAPABILITIES = (
    f"{SUPERVISION}?module=o-ran-supervision&revision=2022-08-15",
    f"{FM}?module=o-ran-fm&revision=2022-08-15",
    "urn:o-ran:operations:1.0?module=o-ran-operations&revision=2022-08-15",
    "urn:ietf:params:xml:ns:yang:ietf-hardware?module=ietf-hardware&revision=2018-03-13",
    *oru_schemas.CAPABILITIES,         # iana-hardware, ietf-netconf-monitoring (get-schema): sim/schemas.py
    *oru_management.CAPABILITIES,      # software, file, performance management, U-plane: sim/management.py
)
# What the simulator announces when its DUT profile declares no `netconf:` list.
DEFAULT_NETCONF = ("base:1.0", "base:1.1", "notification:1.0", "interleave:1.0", "xpath:1.0", "writable-running:1.0",
                   "candidate:1.0", "confirmed-commit:1.1", "validate:1.1",
                   "with-defaults:1.0?basic-mode=explicit&also-supported=report-all,report-all-tagged,trim")
CAPABILITIES = tuple(capability_uri(n) for n in DEFAULT_NETCONF) + MODULE_CAPABILITIES


class OruFaultError(FaultError):
    """An O-RU fault that cannot be selected (unknown name, or an '@' scope: O-RU faults take none)."""


ORU_FAULTS = FaultRegistry("O-RU", (
    Fault("no-hello", "never sends its hello", "behaviour"),
    Fault("bad-hello", "its hello lacks the base:1.0 and base:1.1 capabilities", "behaviour"),
    Fault("malformed-xml", "rpc replies are not well-formed XML", "bytes"),
    Fault("rpc-error", "get and get-config answer rpc-error operation-failed", "value"),
    Fault("wrong-message-id", "rpc-replies carry a message-id other than the rpc's (RFC 6241 4.2)", "value"),
    Fault("no-supervision", "no supervision-notification is sent and a missed watchdog reset goes unnoticed",
          "timing"),
    Fault("late-supervision", "supervision-notifications leave guard + 2.5 s after the interval (late)", "timing"),
    Fault("wrong-next-update", "next-update-at is three intervals ahead instead of one", "value"),
    Fault("hang", "accepts the TCP connection and then says nothing (no SSH banner)", "timing"),
    Fault("no-alarm-notif", "a raised alarm is listed but no alarm-notif is sent", "behaviour"),
    Fault("wrong-host-key", "presents a freshly generated SSH host key instead of the known one", "behaviour"),
    Fault("commit-not-applied", "commit answers <ok/> but running keeps its old content (RFC 6241 8.3.4.1)",
          "behaviour"),
    Fault("lock-not-enforced", "a lock is granted but binds nobody: a second lock and other sessions' edits "
          "succeed (RFC 6241 7.5)", "behaviour"),
    Fault("no-rollback", "a confirmed commit not confirmed in time is kept (RFC 6241 8.4)", "behaviour"),
    Fault("wrong-error-tag", "every rpc-error says operation-failed, whatever the cause (RFC 6241 appendix A)",
          "value"),
    Fault("ignore-with-defaults", "announces with-defaults modes but answers in its basic-mode, whatever the "
          "with-defaults parameter asks (RFC 6243 4.5)", "value"),
    *oru_schemas.FAULTS,               # replies that break the YANG model (sim/schemas.py)
    *oru_management.FAULTS,            # software, file, PM, U-plane management (sim/management.py)
    *oru_supervision.FAULTS,           # supervision loss: watchdog, fallback, call home again, restart
    *oru_tls.FAULTS,                   # NETCONF call home over TLS (sim/tlscallhome.py)
    *oru_hostile.HOSTILE_ORU.faults(),  # attacks on the client's transport (harness/interfaces/mplane/sim/hostile.py)
), error=OruFaultError)


def check_fault(name: str | None) -> str | None:
    """The fault name, checked against `ORU_FAULTS` (None for none).

    Raises:
        OruFaultError: unknown fault; the text lists the known ones.
    """
    return None if name is None else ORU_FAULTS.parse(name).name


def now_iso(at: float | None = None) -> str:
    """RFC 3339 date-and-time (YANG ietf-yang-types), UTC, millisecond precision."""
    t = dt.datetime.fromtimestamp(time.time() if at is None else at, dt.UTC)
    return t.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class OruConfig:
    """How the simulator runs; built from the lab profile (or the standalone command line)."""

    host: str = "127.0.0.1"
    port: int = 0                              # 0: an ephemeral port (see OruSimulator.port)
    username: str = "oran"
    password: str = "oran-sim"  # noqa: S105 -- the simulator's documented default login, not a secret
    host_key_dir: Path | None = None           # where the generated host key is kept (None: ~/.cache/oran-harness)
    fault: str | None = None
    call_home: tuple[str, int] | None = None   # connect out to the NETCONF client (RFC 8071)
    tls: oru_tls.SimTls | None = None          # call home over TLS with this material (RFC 7589), not SSH
    identity: Identity = field(default_factory=Identity)
    hello_timeout: float = 10.0
    netconf: tuple[str, ...] | None = None     # capabilities to announce (the DUT profile's mplane.netconf); None:
                                               # DEFAULT_NETCONF. They decide candidate, writable running, ...

    @property
    def capabilities(self) -> tuple[str, ...]:
        names = DEFAULT_NETCONF if self.netconf is None else self.netconf
        return tuple(capability_uri(n) for n in names) + MODULE_CAPABILITIES


class _Auth(paramiko.ServerInterface):
    def __init__(self, cfg: OruConfig) -> None:
        self.cfg = cfg
        self.subsystem = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.cfg.username and password == self.cfg.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel, name: str) -> bool:
        if name != "netconf":
            return False
        self.subsystem.set()
        return True


class OruSimulator:
    """A NETCONF/SSH O-RU; `start()` then `port`; `trigger()` for alarms; `stop()`."""

    def __init__(self, cfg: OruConfig) -> None:
        self.cfg = cfg
        check_fault(cfg.fault)
        self.datastore = Datastore(cfg.identity)
        self.config = ConfigOps(self.datastore, Features.of(cfg.capabilities), cfg.fault, self.event)
        self.host_key = fresh_key() if cfg.fault == "wrong-host-key" else load_or_create(cfg.host_key_dir)
        self.port = cfg.port
        self.events: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.sessions: list[_Session] = []
        self.stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._next_session = 0
        self._next_fault_id = 1
        self.management = oru_management.Management(self)
        self.supervision = oru_supervision.Supervision(self)   # the watchdog, fallback, call home again

    @property
    def public_key(self) -> str:
        """The host key it presents, as an OpenSSH public key line."""
        return public_line(self.host_key)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> OruSimulator:
        if self.cfg.call_home is None:
            self._listener = socket.create_server((self.cfg.host, self.cfg.port))
            self._listener.settimeout(0.2)
            self.port = self._listener.getsockname()[1]
            self.event(f"listening on {self.cfg.host}:{self.port}")
            self._spawn(self._accept_loop, "oru-accept")
        else:
            self._spawn(self.call_home, "oru-call-home")
        self.management.start()
        return self

    def call_home(self) -> None:
        """Connect out to the NETCONF client (RFC 8071 clause 3.1) and serve SSH on that socket."""
        if self.cfg.call_home is None:
            raise ValueError("call_home() needs OruConfig.call_home")
        self.supervision.call_home(self.cfg.call_home)

    def stop(self, timeout: float = 3.0) -> None:
        self.stopping.set()
        self.config.stop()
        for s in list(self.sessions):
            s.close()
        for sock in self._sockets:
            _quiet_close(sock)
        if self._listener is not None:
            _quiet_close(self._listener)
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in self._threads if t.is_alive()]
        if stuck:
            raise RuntimeError(f"O-RU simulator threads did not stop within {timeout:g} s: {', '.join(stuck)}")

    def event(self, text: str) -> None:
        with self._lock:
            self.events.append((time.time(), text))

    def _spawn(self, target, name: str, *args) -> threading.Thread:
        t = threading.Thread(target=self._guarded, args=(target, name) + args, name=name, daemon=True)
        self._threads.append(t)
        t.start()
        return t

    def _guarded(self, target, name: str, *args) -> None:
        try:
            target(*args)
        except Exception as err:  # a simulator bug is the lab's problem: keep it visible
            if not self.stopping.is_set():
                self.errors.append(f"{name}: {type(err).__name__}: {err}")

    def _accept_loop(self) -> None:
        listener = self._listener
        if listener is None:
            raise ValueError("_accept_loop() runs after start() opened the listener")
        while not self.stopping.is_set():
            try:
                sock, peer = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.event(f"TCP connection from {peer[0]}:{peer[1]}")
            self._spawn(self._serve, f"oru-conn-{peer[1]}", sock)

    # ------------------------------------------------------------------ one SSH connection
    def _serve(self, sock: socket.socket) -> None:
        self._sockets.append(sock)
        if self.cfg.fault == "hang":
            self.event("fault hang: saying nothing")
            self.stopping.wait()
            return
        if self.cfg.fault == "reset-storm":
            self.event("hostile reset-storm: TCP reset")
            oru_hostile.reset(sock)
            return
        transport = paramiko.Transport(sock)
        transport.add_server_key(self.host_key)
        auth = _Auth(self.cfg)
        try:
            transport.start_server(server=auth)
        except (paramiko.SSHException, EOFError, OSError) as err:
            self.event(f"SSH negotiation failed: {err}")
            transport.close()
            return
        channel = transport.accept(10.0)
        if channel is None:
            self.event("no SSH channel opened (authentication failed or the client left)")
            transport.close()
            return
        if not auth.subsystem.wait(10.0):
            self.event("the client asked for no netconf subsystem")
            transport.close()
            return
        self._run_session(channel, transport, "netconf subsystem")

    def serve_called(self, sock: socket.socket) -> None:
        """Serve the connection this O-RU opened by calling home: SSH, or TLS when it has TLS material."""
        if self.cfg.tls is None:
            return self._serve(sock)
        self._sockets.append(sock)
        channel = oru_tls.open_channel(self, sock, self.cfg.tls)
        if channel is not None:
            self._run_session(channel, channel, "NETCONF over TLS")
        return None

    def _run_session(self, channel, transport, how: str) -> None:
        with self._lock:
            self._next_session += 1
            session = _Session(self, channel, transport, self._next_session)
            self.sessions.append(session)
        self.event(f"session {session.id}: {how} started")
        session.run()

    # ------------------------------------------------------------------ triggers
    def trigger(self, action: str, params: dict) -> None:
        """Actions a test (or an operator) can ask for: 'raise-alarm'."""
        if action != "raise-alarm":
            raise ValueError(f"the O-RU simulator cannot '{action}'; it can: raise-alarm")
        with self._lock:
            fault_id = int(params.get("fault_id", self._next_fault_id))
            self._next_fault_id = fault_id + 1
        entry = self.datastore.raise_alarm(fault_id, str(params.get("source", "ru-module")),
                                           str(params.get("severity", "MAJOR")),
                                           str(params.get("text", "simulated fault")), now_iso())
        self.event(f"alarm {fault_id} raised")
        if self.cfg.fault == "no-alarm-notif":
            return
        body = etree.Element(f"{{{FM}}}alarm-notif", nsmap={None: FM})
        for child in entry:
            if etree.QName(child).localname != "fault-text":
                etree.SubElement(body, child.tag).text = child.text
        for s in list(self.sessions):
            s.notify(body)


def _quiet_close(sock) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class _Session:
    """One NETCONF session on one SSH channel (server side)."""

    def __init__(self, sim: OruSimulator, channel, transport, session_id: int) -> None:
        self.sim = sim
        self.channel = channel
        self.transport = transport
        self.id = session_id
        self.version = "1.0"
        self.deframer = Deframer("1.0")
        self.subscribed = False
        self.closed = threading.Event()
        self._send_lock = threading.Lock()
        self._reset = threading.Event()
        self._supervising = False
        self.interval = 60.0
        self.guard = 10.0
        self._inbox: list[bytes] = []
        self.wire: list[tuple[str, bytes]] = []     # ('sent' | 'received', message): the server's own record

    @property
    def fault(self) -> str | None:
        return self.sim.cfg.fault

    def close(self) -> None:
        self.closed.set()
        with contextlib.suppress(Exception):     # closing twice, or a dead socket
            self.transport.close()

    # ------------------------------------------------------------------ I/O
    def send(self, xml: bytes) -> None:
        with self._send_lock:
            if self.closed.is_set():
                return
            self.wire.append(("sent", xml))
            try:
                self.channel.sendall(frame(xml, self.version))
            except (OSError, EOFError, paramiko.SSHException):
                self.closed.set()

    def read(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while not self._inbox:
            if self.closed.is_set() or self.sim.stopping.is_set():
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.channel.settimeout(min(left, 0.2))
            try:
                data = self.channel.recv(65536)
            except TimeoutError:
                continue
            except (OSError, EOFError):
                return None
            if not data:
                self.closed.set()
                return None
            self._inbox.extend(self.deframer.feed(data))
        message = self._inbox.pop(0)
        self.wire.append(("received", message))
        return message

    # ------------------------------------------------------------------ the session
    def run(self) -> None:
        try:
            self._run()
        except FramingError as err:
            self.sim.event(f"session {self.id}: framing error from the client: {err}")
        finally:
            self.close()
            self.sim.config.session_ended(self.id)
            self.sim.event(f"session {self.id}: closed")

    def send_raw(self, data: bytes) -> bool:
        """Octets straight onto the channel (hostile modes); False once the session is gone."""
        if self.closed.is_set() or self.sim.stopping.is_set():
            return False
        try:
            self.channel.settimeout(30.0)         # read() leaves 0.2 s, too short for a full SSH window
            self.channel.sendall(data)
            return True
        except (OSError, EOFError, paramiko.SSHException):
            self.closed.set()
            return False

    def _run(self) -> None:
        if self.fault == "garbage":
            self.send_raw(oru_hostile.garbage(self.id))
            self.closed.wait(self.sim.cfg.hello_timeout)
            return
        if self.fault != "no-hello":
            caps = [c for c in self.sim.cfg.capabilities
                    if not (self.fault == "bad-hello" and c in (BASE_10, BASE_11))]
            hello = etree.Element(_q(NC, "hello"), nsmap={None: NC})
            cap_el = etree.SubElement(hello, _q(NC, "capabilities"))
            for c in caps:
                etree.SubElement(cap_el, _q(NC, "capability")).text = c
            etree.SubElement(hello, _q(NC, "session-id")).text = str(self.id)
            self.send(etree.tostring(hello, xml_declaration=True, encoding="UTF-8"))
        raw = self.read(self.sim.cfg.hello_timeout)
        if raw is None:
            self.sim.event(f"session {self.id}: no hello from the client")
            return
        try:
            client_caps = {(c.text or "").strip() for c in etree.fromstring(raw).iter(_q(NC, "capability"))}
        except etree.XMLSyntaxError:
            self.sim.event(f"session {self.id}: the client hello is not XML")
            return
        if BASE_11 in client_caps and self.fault != "bad-hello":
            self.version = "1.1"
            self.deframer.version = "1.1"
        if self.fault == "no-hello":
            self.closed.wait()
            return
        while not self.closed.is_set():
            raw = self.read(3600.0)
            if raw is None:
                return
            self._rpc(raw)

    # ------------------------------------------------------------------ rpcs
    def _rpc(self, raw: bytes) -> None:
        try:
            rpc = etree.fromstring(raw)
        except etree.XMLSyntaxError as err:
            self._reply(None, _error("malformed-message", "rpc", f"not well-formed XML: {err}"))
            self.close()
            return
        attrs = dict(rpc.attrib)
        ops = [c for c in rpc if isinstance(c.tag, str)]
        if etree.QName(rpc).localname != "rpc" or not ops:
            self._reply(attrs, _error("operation-not-supported", "protocol", "not an rpc with an operation"))
            return
        op = ops[0]
        name = etree.QName(op).localname
        handler = _OPERATIONS.get(name) or self.sim.management.operations.get(name)
        if handler is None:
            self._reply(attrs, _error("operation-not-supported", "protocol", f"operation '{name}' is not supported"))
            return
        try:
            body = handler(self, op)
        except EditError as err:
            body = _error(err.tag, "application", str(err), err.path)
        except FilterError as err:
            body = _error("invalid-value", "protocol", str(err))
        except RpcFailure as err:
            body = _error(err.tag, err.kind, str(err), session_id=err.session_id, app_tag=err.app_tag)
        if self.fault == "wrong-error-tag" and isinstance(body, etree._Element):
            for tag in body.iter(_q(NC, "error-tag")):
                tag.text = "operation-failed"
        self._reply(attrs, body)
        if name == "close-session":
            self.close()

    def _reply(self, attrs: dict | None, body: etree._Element | None) -> None:
        reply = etree.Element(_q(NC, "rpc-reply"), nsmap={None: NC})
        for k, v in (attrs or {}).items():
            reply.set(k, v)
        if self.fault == "wrong-message-id" and "message-id" in reply.attrib:
            reply.set("message-id", "x" + reply.get("message-id"))
        reply.extend(body if isinstance(body, list) else [body if body is not None else etree.Element(_q(NC, "ok"))])
        data = etree.tostring(reply, encoding="UTF-8")
        if self.fault == "malformed-xml":
            data = data[: max(10, len(data) // 2)]      # cut in the middle of the document
        if self.fault in oru_hostile.HOSTILE_ORU and self._hostile_reply(data, body):
            return
        self.send(data)

    def _hostile_reply(self, data: bytes, body) -> bool:
        """The hostile modes that replace a reply; True when the reply was dealt with."""
        framed = frame(data, self.version)
        self.wire.append(("sent", data))
        if self.fault == "truncated":
            self.send_raw(oru_hostile.half(framed))
        elif self.fault == "dribble":
            oru_hostile.dribble(self.send_raw, framed, lambda: self.closed.is_set() or self.sim.stopping.is_set())
        elif self.fault == "disconnect-mid-message":
            self.send_raw(oru_hostile.half(framed))
            self.close()
        elif self.fault == "oversized" and isinstance(body, etree._Element) and etree.QName(body).localname == "data":
            size, pieces = oru_hostile.padded_reply(data)
            self.send_raw(b"\n#%d\n" % size if self.version == "1.1" else b"")
            for piece in pieces:
                if not self.send_raw(piece):
                    return True
            self.send_raw(b"\n##\n" if self.version == "1.1" else b"]]>]]>")
        else:
            self.wire.pop()
            return False
        return True

    def notify(self, body: etree._Element) -> None:
        if not self.subscribed or self.closed.is_set():
            return
        n = etree.Element(_q(NOTIFICATION, "notification"), nsmap={None: NOTIFICATION})
        etree.SubElement(n, _q(NOTIFICATION, "eventTime")).text = now_iso()
        n.append(body)
        self.send(etree.tostring(n, encoding="UTF-8"))

    # ------------------------------------------------------------------ operations
    def op_get(self, op, config_only: bool = False):
        if self.fault == "rpc-error":
            return _error("operation-failed", "application", "simulated failure (fault rpc-error)")
        f = op.find(_q(NC, "filter"))
        source = datastore_of(op, "source") if config_only else "running"
        self.sim.config.check_store(source, writing=False)
        self.sim.supervision.refresh_state()
        data = self.sim.datastore.get(f, config_only=config_only, source=source,
                                      defaults=self.sim.config.defaults_mode(op))
        return self.sim.management.bend(oru_schemas.bend(self.fault, data))

    def op_get_schema(self, op):
        try:
            return oru_schemas.get_schema(op)
        except oru_schemas.SchemaMissing as err:
            return _error("invalid-value", "application", str(err))

    def op_get_config(self, op):
        return self.op_get(op, config_only=True)

    def op_edit_config(self, op):
        self.sim.config.edit(op, self.id)

    def op_lock(self, op):
        self.sim.config.lock(datastore_of(op, "target"), self.id)

    def op_unlock(self, op):
        self.sim.config.unlock(datastore_of(op, "target"), self.id)

    def op_commit(self, op):
        self.sim.config.commit(op, self.id)

    def op_cancel_commit(self, op):
        self.sim.config.cancel_commit(op, self.id)

    def op_discard_changes(self, op):
        self.sim.config.discard(self.id)

    def op_validate(self, op):
        self.sim.config.validate(op)

    def op_create_subscription(self, op):
        if self.subscribed:
            return _error("operation-failed", "protocol", "a subscription is already active on this session")
        self.subscribed = True
        self.sim.event(f"session {self.id}: subscribed to notifications")
        if self.fault == "flood":               # after the reply: the client is then waiting for notifications
            flood = threading.Timer(0.05, self._flood)
            flood.daemon = True
            flood.start()
        return None

    def _flood(self) -> None:
        for i in range(oru_hostile.FLOOD_COUNT):
            if self.closed.is_set():
                return
            change = etree.Element(_q(oru_hostile.NETCONF_NOTIFICATIONS, "netconf-config-change"),
                                   nsmap={None: oru_hostile.NETCONF_NOTIFICATIONS})
            etree.SubElement(change, _q(oru_hostile.NETCONF_NOTIFICATIONS, "datastore")).text = f"flood-{i}"
            self.notify(change)

    def op_close_session(self, op):
        self.sim.supervision.ended_on_purpose(self.id)
        return None

    def op_kill_session(self, op):
        sid = op.findtext(_q(NC, "session-id"), "").strip()
        victims = [s for s in self.sim.sessions if str(s.id) == sid and s is not self]
        if not victims:
            return _error("invalid-value", "protocol", f"no other session {sid!r}")
        victims[0].close()
        self.sim.config.session_ended(victims[0].id)     # RFC 6241 7.9: its locks go with it, before the reply
        return None

    def op_watchdog_reset(self, op):
        interval = float(op.findtext(_q(SUPERVISION, "supervision-notification-interval"), "60"))
        guard = float(op.findtext(_q(SUPERVISION, "guard-timer-overhead"), "10"))
        self.interval, self.guard = interval, guard
        next_at = time.time() + interval * (3 if self.fault == "wrong-next-update" else 1)
        self._reset.set()
        self.sim.supervision.reset(self.id, interval, guard)
        if not self._supervising and self.fault != "no-supervision":
            self._supervising = True
            self.sim._spawn(self._supervise, f"oru-supervision-{self.id}")
        self.sim.event(f"session {self.id}: watchdog reset (interval {interval:g} s, guard {guard:g} s)")
        out = etree.Element(_q(SUPERVISION, "next-update-at"), nsmap={None: SUPERVISION})
        out.text = now_iso(next_at)
        return out

    def _supervise(self) -> None:
        """A supervision-notification every interval while the session lasts; the watchdog that ends
        the M-plane when resets stop is the O-RU's (sim/supervision.py)."""
        next_note = time.monotonic() + self._note_gap()
        self._reset.clear()
        while not self.closed.is_set() and not self.sim.stopping.is_set():
            if self._reset.wait(max(0.0, min(next_note - time.monotonic(), 0.2))):
                self._reset.clear()
                next_note = time.monotonic() + self._note_gap()
                continue
            t = time.monotonic()
            if t >= next_note:
                note = etree.Element(_q(SUPERVISION, "supervision-notification"), nsmap={None: SUPERVISION})
                self.notify(note)
                next_note = t + self._note_gap()

    def _note_gap(self) -> float:
        return self.interval + self._late()

    def _late(self) -> float:
        """How late the late-supervision fault is (its watchdog is as lenient, so lateness shows alone)."""
        return self.guard + 2.5 if self.fault == "late-supervision" else 0.0


def _error(tag: str, kind: str, message: str, path: str = "", *, session_id: int | None = None,
           app_tag: str = "") -> etree._Element:
    """An <rpc-error> element (RFC 6241 clause 4.3); lock-denied and in-use name the holder's session-id."""
    err = etree.Element(_q(NC, "rpc-error"), nsmap={None: NC})
    etree.SubElement(err, _q(NC, "error-type")).text = kind
    etree.SubElement(err, _q(NC, "error-tag")).text = tag
    etree.SubElement(err, _q(NC, "error-severity")).text = "error"
    if app_tag:
        etree.SubElement(err, _q(NC, "error-app-tag")).text = app_tag
    if path:
        etree.SubElement(err, _q(NC, "error-path")).text = path
    etree.SubElement(err, _q(NC, "error-message")).text = message
    if session_id is not None:
        info = etree.SubElement(err, _q(NC, "error-info"))
        etree.SubElement(info, _q(NC, "session-id")).text = str(session_id)
    return err


_OPERATIONS = {
    "get": _Session.op_get,
    "get-config": _Session.op_get_config,
    "edit-config": _Session.op_edit_config,
    "create-subscription": _Session.op_create_subscription,
    "close-session": _Session.op_close_session,
    "kill-session": _Session.op_kill_session,
    "lock": _Session.op_lock,
    "unlock": _Session.op_unlock,
    "commit": _Session.op_commit,
    "cancel-commit": _Session.op_cancel_commit,
    "discard-changes": _Session.op_discard_changes,
    "validate": _Session.op_validate,
    "supervision-watchdog-reset": _Session.op_watchdog_reset,
    "get-schema": _Session.op_get_schema,
}
