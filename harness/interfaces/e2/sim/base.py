"""What both E2 simulators share: the thread, the I/O loop, error handling, faults.

Theory of operation: a simulator owns one `Transport`, one `E2Codec` (its RAN
function table is per association) and one sans-I/O `E2Endpoint`. A single
thread runs `_run`: it executes queued triggers, sends responses whose (fault-
induced) delay is over, runs periodic work, drives the endpoint's guard timers
and waits at most `poll` seconds for the next message. Everything that touches
the endpoint happens on that thread, so `trigger` only enqueues and hands back
a `Future` the thread settles: a trigger that cannot be carried out (a bad
parameter, a message the state forbids) fails its future and the loop goes on;
once the thread has ended, `trigger` refuses with the reason it ended, so no
caller is told a trigger was taken that nobody will run. Every wait is
bounded, so `stop` always returns.

Erroneous data from the peer is answered as E2AP clause 10 asks: an
undecodable PDU with an Error Indication (cause protocol
transfer-syntax-error, criticality diagnostics from the PDU header when it can
be read); a request missing a mandatory IE with the procedure's failure message
(cause abstract-syntax-error-reject) or, when the procedure has none, an Error
Indication (abstract-syntax-error-falsely-constructed-message); a message
the receiver's state does not allow with an Error Indication
(message-not-compatible-with-receiver-state).
"""

from __future__ import annotations

import heapq
import itertools
import queue
import random
import threading
from concurrent.futures import Future
import time
from typing import Any
from collections.abc import Callable

from harness.codec.e2 import E2Codec
from harness.codec.errors import CodecError, DecodeError
from harness.interfaces.e2.events import LocalMisuse, MessageReceived, ProcedureCompleted, ProtocolViolation
from harness.interfaces.e2.procedures import E2Endpoint
from harness.interfaces.e2.tables import MESSAGE_INDEX, Conn
from harness.interfaces.e2.view import E2Messages
from harness.core.errors import LabError
from harness.interfaces.e2.sim import content, faults, hostile
from harness.sim import hostilespec
from harness.transport.base import PeerClosed, Transport, TransportError
from harness.transport.group import TnlGroup

_KINDS = {0: "initiatingMessage", 1: "successfulOutcome", 2: "unsuccessfulOutcome"}
_CRIT = {0: "reject", 1: "ignore", 2: "notify"}


class SimulatorError(LabError):
    """The simulator was misused or broke (a harness problem, not a DUT finding)."""


def peek_header(data: bytes) -> tuple[str, int, str] | None:
    """(PDU kind, procedure code, procedure criticality) from the first octets of
    an aligned-PER E2AP-PDU, or None when they cannot be read."""
    if len(data) < 3 or data[0] & 0x80:
        return None
    kind = _KINDS.get((data[0] >> 5) & 0x03)
    crit = _CRIT.get(data[2] >> 6)
    if kind is None or crit is None:
        return None
    return kind, data[1], crit


class Simulator:
    """Base of `E2NodeSimulator` and `RicSimulator`.

    Args:
        transport: the link to the harness side (one E2 association).
        codec: an E2 codec; a fresh default one when None.
        fault: ``NAME[@Message,...]`` of `harness.interfaces.e2.sim.faults.E2_FAULTS`, or None.
        seed: seeds every random choice (values, faults).
        late_delay: seconds a 'late-response' fault holds each response.
        poll: longest single wait for a message, seconds.
        timeouts: guard timers per procedure for the endpoint.
        clock: monotonic seconds; injectable for tests.
        dial: makes a new association to the peer (the E2 node's way back after a restart or a
            lost association); None when the simulator listens or cannot come back.
        listener: where the simulator accepts a new association (the Near-RT RIC's way back).
        slow_extra: seconds a 'slow-recover' fault adds to every restart's down time.
        tnl_listeners: ((host, port), listener) where a Near-RT RIC accepts further TNL associations
            of the E2 interface (E2AP v03.01 8.3.6), offered in its E2 Connection Update.
        dial_tnl: (host, port) -> a new association or None: how an E2 node sets up the TNL
            associations an E2 Connection Update asks for.

    Several TNL associations: ``transport`` is a `TnlGroup`; losing one member while others stay
    up leaves E2 up (`on_tnl_lost`), losing the last is a lost association as before.

    Restart (action 'restart', ``down_for`` seconds): the association is closed for real, the
    simulator stays down, then comes back through ``dial`` or ``listener``. What survives is the
    simulator's declared `SURVIVES_RESTART`; the protocol state (`E2Endpoint`) never does, as
    a new association starts with E2 Setup (E2AP v03.01 8.3.1). A peer that closes the
    association is met the same way, with no down time, when the simulator has a way back.
    """

    SURVIVES_RESTART: tuple[str, ...] = ()

    role = ""
    ACTIONS: dict[str, str] = {}          # trigger action -> method name

    def __init__(self, transport: Transport, *, codec: E2Codec | None = None, fault: str | None = None,
                 seed: int = 0, late_delay: float = 3.0, poll: float = 0.02,
                 timeouts: dict | None = None, clock: Callable[[], float] = time.monotonic,
                 dial: Callable[[], Transport | None] | None = None, listener: Any = None,
                 slow_extra: float = 4.0, tnl_listeners: list | None = None,
                 dial_tnl: Callable[[str, int], Transport | None] | None = None) -> None:
        self.transport = TnlGroup.of(transport)
        self.tnl_listeners = list(tnl_listeners or ())
        self.dial_tnl = dial_tnl
        self.route: str | None = None           # send on this TNL member instead of the group's choice
        self._came_on: str | None = None        # the TNL member the message being handled came on
        self._lost_seen = 0
        self.dial = dial
        self.listener = listener
        self.slow_extra = slow_extra
        self._timeouts = timeouts
        self._down_until: float | None = None   # down (restarting) until then; None: up
        self.restarts: list[dict] = []          # each restart or loss: why, when, how long
        # 'fault@Msg1,Msg2' limits the fault to those messages (requests included);
        # a bare fault applies to every response.
        chosen = faults.E2_FAULTS.parse(fault, self.role) if fault else None
        self.fault = chosen.name if chosen else None
        self.fault_scope = chosen.scope if chosen else None
        self.codec = codec or E2Codec()
        self.messages = E2Messages(self.codec.e2ap)
        self.endpoint = E2Endpoint(self.role, self.messages, timeouts=timeouts)
        self.seed = seed
        self.rng = random.Random(seed)
        self.fault_rng = random.Random(seed + 1)
        self.late_delay = late_delay
        self.poll = poll
        self.clock = clock
        self.events: list = []           # every endpoint event, in order
        self.sent: list = []             # Packet, as the transport returned them
        self.received: list = []
        self.errors: list[str] = []      # harness-side problems met in the loop
        self.withheld: list[str] = []    # responses a 'no-response' fault never sent
        self.peer_closed = False
        self._commands: queue.Queue = queue.Queue()
        self._deferred: list[tuple[str, dict, Future[None]]] = []
        self._outbox: list = []
        self._seq = itertools.count()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()    # orders `trigger` against the thread's end
        self.ended: str | None = None    # why the thread ended, once it has
        self._end_reason = "it was stopped"

    # ------------------------------------------------------------------ control
    def start(self) -> None:
        if self._thread is not None:
            raise SimulatorError(f"{type(self).__name__} already started")
        self._thread = threading.Thread(target=self._run, name=f"{self.role}-sim", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the loop, join the thread (bounded) and close the transport.

        Raises:
            SimulatorError: the thread did not end within ``timeout``.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise SimulatorError(f"{type(self).__name__} thread did not stop within {timeout} s")
        self.transport.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def trigger(self, action: str, params: dict | None = None) -> Future[None]:
        """Ask the simulator to do ``action`` on its thread; the future says whether it was done.

        The future fails with `SimulatorError` when the action cannot be
        carried out (bad parameter, refused by the protocol state, the
        simulator ended before running it).

        Raises:
            SimulatorError: unknown action (the text lists the known ones), params
                not a mapping, or the simulator has already stopped (with why).
        """
        if action not in self.ACTIONS:
            raise SimulatorError(f"{type(self).__name__} has no action '{action}'; "
                                 f"known: {', '.join(self.ACTIONS)}")
        if params is not None and not isinstance(params, dict):
            raise SimulatorError(f"trigger {action}: params must be an object of named parameters, "
                                 f"not {type(params).__name__}")
        outcome: Future[None] = Future()
        with self._lock:
            if self.ended is not None:
                raise SimulatorError(f"the simulator stopped: {self.ended}")
            self._commands.put((action, dict(params or {}), outcome))
        return outcome

    # While E2 Setup or E2 Removal awaits its outcome, E2AP allows no other procedure
    # (E2AP v03.01 clause 8.3). A lab asking for one at that moment means "once it is
    # settled": the simulator holds the trigger until the outcome arrives or the guard
    # timer ends it, as an E2 node would, instead of racing the answer already on the wire.
    SETTLING = (Conn.SETUP_PENDING, Conn.REMOVING)

    def _settling(self) -> bool:
        return getattr(self.endpoint, "state", None) in self.SETTLING

    def _retry_deferred(self) -> None:
        if self._deferred and not self._settling():
            held, self._deferred = self._deferred, []
            for action, params, outcome in held:
                self._do(action, params, outcome, may_defer=False)

    def _do(self, action: str, params: dict, outcome: Future[None], may_defer: bool = True) -> None:
        """Run one trigger; whatever it raises fails its future, never the thread
        (a broken link is re-raised: the loop must end on it)."""
        try:
            getattr(self, self.ACTIONS[action])(params)
        except LocalMisuse as err:
            if may_defer and self._settling():
                self._deferred.append((action, params, outcome))
                return
            self._fail_trigger(action, err, outcome)
        except TransportError as err:
            outcome.set_exception(SimulatorError(f"trigger {action}: the link failed: {err}"))
            raise
        except Exception as err:  # noqa: BLE001 -- a bad parameter is the operator's, the loop lives on
            self._fail_trigger(action, err, outcome)
        else:
            outcome.set_result(None)

    def _fail_trigger(self, action: str, err: Exception, outcome: Future[None]) -> None:
        reason = str(err) if isinstance(err, (LocalMisuse, SimulatorError, CodecError)) \
            else f"bad parameter ({type(err).__name__}: {err})"
        self.errors.append(f"trigger {action}: {reason}")
        outcome.set_exception(SimulatorError(f"trigger {action}: {reason}"))

    def _end(self, reason: str) -> None:
        """The thread is ending: refuse later triggers and fail those still queued."""
        with self._lock:
            self.ended = reason
            held, self._deferred = self._deferred, []
            for action, _, outcome in held:
                outcome.set_exception(SimulatorError(f"trigger {action}: the simulator stopped: {reason}"))
            while True:
                try:
                    action, _, outcome = self._commands.get_nowait()
                except queue.Empty:
                    break
                outcome.set_exception(SimulatorError(f"trigger {action}: the simulator stopped: {reason}"))

    # ------------------------------------------------------------------ loop
    def _run(self) -> None:
        reason = "it was stopped"
        try:
            self.on_start()
            while not self._stop.is_set():
                while True:
                    try:
                        action, params, outcome = self._commands.get_nowait()
                    except queue.Empty:
                        break
                    self._do(action, params, outcome)
                if self._stop.is_set():
                    break
                now = self.clock()
                if self._down_until is not None and not self._come_back(now):
                    self._stop.wait(self.poll)
                    continue
                try:
                    self._turn(now)
                except PeerClosed:
                    if self._stop.is_set() or (self.dial is None and self.listener is None):
                        raise
                    self.peer_closed = True
                    self._go_down(0.0, "the peer closed the association")
            reason = self._end_reason
        except PeerClosed:
            self.peer_closed = True
            reason = "the peer closed the association"
        except TransportError as err:
            self.errors.append(f"transport: {err}")
            reason = f"transport: {err}"
        except Exception as err:   # noqa: BLE001 -- keep the thread's death visible to the test
            self.errors.append(f"simulator crashed: {type(err).__name__}: {err}")
            reason = f"it crashed: {type(err).__name__}: {err}"
        finally:
            self._end(reason)

    def _turn(self, now: float) -> None:
        """One turn of the loop while the association is up."""
        self._flush(now)
        self.periodic(now)
        self.events.extend(self.endpoint.tick(now))
        self._retry_deferred()
        wait = self.poll
        if self._outbox:
            wait = max(0.0, min(wait, self._outbox[0][0] - now))
        self._accept_tnl()
        packet = self.transport.recv(wait)
        if len(self.transport.lost) > self._lost_seen:
            gone = self.transport.lost[self._lost_seen:]
            self._lost_seen = len(self.transport.lost)
            self.on_tnl_lost(gone)
        if packet is not None:
            self.received.append(packet)
            self._came_on = self.transport.via.label if self.transport.via is not None else None
            self.handle_bytes(packet.data)
            self._retry_deferred()

    def _accept_tnl(self) -> None:
        for entry in list(self.tnl_listeners):
            try:
                transport = entry[1].accept(0.0)
            except TransportError as err:          # a listener closed under it: it offers no more
                self.errors.append(f"TNL listener {entry[0]}: {err}")
                self.tnl_listeners.remove(entry)
                continue
            if transport is not None:
                self.transport.add(transport)

    def on_tnl_lost(self, gone: list) -> None:
        """TNL associations ended while others carry E2 on (E2AP v03.01 8.3.6): E2 stays up.
        Under 'tnl-single-path' the simulator treats it as the loss of E2 itself."""
        if self.fault == "tnl-single-path":
            self.transport.close()
            raise PeerClosed(f"{gone[0].label} lost ('tnl-single-path': every association goes with it)")

    # ------------------------------------------------------------------ restart
    def do_restart(self, params: dict) -> None:
        """params: down_for (seconds, default 1). Close the association now, come back later."""
        down = float(params.get("down_for", 1.0))
        if not down >= 0:
            raise ValueError(f"down_for must be 0 or more seconds, not {down}")
        if self.dial is None and self.listener is None:
            raise SimulatorError("this simulator has no way back after a restart (no link to dial or listen on)")
        self._go_down(down, "restart")

    def _go_down(self, down: float, why: str) -> None:
        self.transport.close()
        if self.listener is not None:
            self.listener.close()
        self.on_restart()
        self.endpoint = E2Endpoint(self.role, self.messages, timeouts=self._timeouts)
        self._outbox.clear()
        extra = self.slow_extra if self.fault == "slow-recover" else 0.0
        self._down_until = self.clock() + down + extra
        self.restarts.append({"why": why, "down_for": down + extra, "at": time.time()})

    def _come_back(self, now: float) -> bool:
        """Try to be up again (True once a new association is there)."""
        if self._down_until is None or now < self._down_until:
            return self._down_until is None
        if self.dial is not None:
            transport = self.dial()
        elif self.fault == "no-recover":
            return False                      # the listener stays closed
        else:
            self.listener.open()
            transport = self.listener.accept(0.0)
        if transport is None:
            return False
        self.transport = TnlGroup.of(transport)
        self._lost_seen = 0
        self._down_until = None
        self.on_back()
        return True

    def on_restart(self) -> None:
        """The association is going down: drop what does not survive (see `SURVIVES_RESTART`)."""

    def on_back(self) -> None:
        """A new association is up (after a restart or a lost association)."""

    def on_start(self) -> None:
        """Run once on the thread before the loop."""

    def periodic(self, now: float) -> None:
        """Run on every loop turn (indications and the like)."""

    def _flush(self, now: float) -> None:
        while self._outbox and self._outbox[0][0] <= now:
            _, _, data = heapq.heappop(self._outbox)
            self.sent.append(self.transport.send(data))

    # ------------------------------------------------------------------ sending
    def faulted(self, name: str | None, response: bool) -> bool:
        """Whether the fault applies to a message of that name."""
        if self.fault is None:
            return False
        if self.fault_scope is None:
            return response
        return name in self.fault_scope

    def transmit(self, pdu: Any, *, response: bool = False) -> None:
        """Encode and send; faulted messages pass through the fault first."""
        name = self.messages.parse(pdu).name
        hit = self.faulted(name, response) if self.fault else False
        if hit and name is not None and self.fault in hostile.HOSTILE:
            return self._transmit_hostile(pdu, name)
        if hit:
            pdu = faults.apply_value_fault(self.fault, self.messages, pdu)
        data = self.codec.encode(pdu)
        if hit:
            data = faults.apply_bytes_fault(self.fault, data, self.fault_rng)
            if self.fault == "late-response":
                heapq.heappush(self._outbox, (self.clock() + self.late_delay, next(self._seq), data))
                return
        self.sent.append(self._send(data))

    def _send(self, data: bytes):
        """On the route asked for, else -- several TNL associations up -- on the newest: an E2 Connection
        Update moves the simulator's own traffic to the association it added (8.3.6); answers go back
        where their request came from (`respond`)."""
        route = self.route or (self.transport.newest if len(self.transport.members) > 1 else None)
        if route is None:
            return self.transport.send(data)
        return self.transport.send_on(route, data, fallback=True)

    def _transmit_hostile(self, pdu: Any, name: str) -> None:
        """A faulted message under a hostile mode (harness.interfaces.e2.sim.hostile): the link is attacked."""
        data = self.codec.encode(pdu)
        if self.fault == "disconnect":
            self.withheld.append(name)
            self.close_link()
            return
        if self.fault == "disconnect-mid-message":
            self.sent.append(self.transport.send(hostilespec.half(data)))
            self.close_link()
            return
        if self.fault == "slow-peer":
            heapq.heappush(self._outbox, (self.clock() + hostile.slow_delay(self.late_delay), next(self._seq), data))
            return
        if self.fault == "oversized":
            data += bytes(hostile.OVERSIZE_OCTETS)
        else:
            hostile.before_response(self, name)
        self.sent.append(self.transport.send(data))

    def request(self, name: str, ies: dict) -> Any:
        pdu = self.endpoint.send(name, ies, now=self.clock())
        self.transmit(pdu)
        return pdu

    def respond(self, msg: MessageReceived, name: str, ies: dict | None = None) -> Any:
        if self.fault == "no-response" and self.faulted(name, True):
            self.withheld.append(name)
            return None
        pdu = self.endpoint.respond(msg, name, ies, now=self.clock())
        held, self.route = self.route, self.route or self._came_on
        try:
            self.transmit(pdu, response=True)
        finally:
            self.route = held
        return pdu

    def error_indication(self, cause: tuple, *, diagnostics: dict | None = None,
                         about: MessageReceived | None = None) -> None:
        ies: dict = {"Cause": cause}
        if about is not None:
            for ie_name in ("TransactionID", "RICrequestID", "RANfunctionID"):
                if ie_name in about.ies:
                    ies[ie_name] = about.ies[ie_name]
        if diagnostics:
            ies["CriticalityDiagnostics"] = diagnostics
        try:
            self.request("ErrorIndication", ies)
        except LocalMisuse as err:
            self.errors.append(f"could not send Error Indication: {err}")

    def close_link(self) -> None:
        self._end_reason = "it closed the association"
        self.transport.close()
        self._stop.set()

    # ------------------------------------------------------------------ receiving
    def handle_bytes(self, data: bytes) -> None:
        notes: list = []
        try:
            pdu = self.codec.decode(data, notes=notes)
        except DecodeError as err:
            self.events.extend(self.endpoint.receive_undecodable(str(err)))
            header = peek_header(data)
            diag = None
            if header is not None:
                diag = content.criticality_diagnostics(header[1], content.TRIGGERING[header[0]], header[2])
            self.error_indication(("protocol", "transfer-syntax-error"), diagnostics=diag)
            return
        self.learn(pdu)
        events = self.endpoint.receive(pdu)
        self.events.extend(events)
        received = next((e for e in events if isinstance(e, MessageReceived)), None)
        violations = [e for e in events if isinstance(e, ProtocolViolation)]
        if received is None:
            self.error_indication(("protocol", "abstract-syntax-error-falsely-constructed-message"))
            return
        if self.on_violations(received, violations):
            return
        for event in events:
            if isinstance(event, ProcedureCompleted):
                self.on_completed(event)
        handler = getattr(self, "on_" + received.name, None)
        if handler is not None:
            handler(received)

    def learn(self, pdu: Any) -> None:
        """Learn RAN functions from the PDU (the RIC does; the E2 node knows its own)."""

    def on_completed(self, event: ProcedureCompleted) -> None:
        """A procedure we started got its outcome."""

    def on_violations(self, msg: MessageReceived, violations: list) -> bool:
        """Answer erroneous messages (clause 10); True when the message is dealt with."""
        missing = [v for v in violations if v.kind == "missing-ie"]
        proc, part = MESSAGE_INDEX[msg.name]
        spec = self.messages.spec(msg.name)
        if missing:
            diag = content.criticality_diagnostics(
                spec.procedure_code, content.TRIGGERING[spec.kind], spec.procedure_criticality,
                [(v.ie[1], v.ie[2]) for v in missing])
            if part == "request" and proc.failure and msg.key is not None:
                try:
                    self.respond(msg, proc.failure, {"Cause": ("protocol", "abstract-syntax-error-reject"),
                                                     "CriticalityDiagnostics": diag})
                    return True
                except LocalMisuse:
                    pass
            self.error_indication(("protocol", "abstract-syntax-error-falsely-constructed-message"),
                                  diagnostics=diag, about=msg)
            return True
        if any(v.kind in ("state", "wrong-direction", "unknown-transaction") for v in violations):
            diag = content.criticality_diagnostics(spec.procedure_code, content.TRIGGERING[spec.kind],
                                                   spec.procedure_criticality)
            self.error_indication(("protocol", "message-not-compatible-with-receiver-state"),
                                  diagnostics=diag, about=msg)
            return True
        if any(v.kind in ("unknown-subscription", "unknown-action") for v in violations):
            self.error_indication(("ricRequest", "request-id-unknown"), about=msg)
            return True
        return False
