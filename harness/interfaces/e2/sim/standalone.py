"""Standalone simulators: ``oran-harness sim e2-node|ric``, over real SCTP.

A lab points a real Near-RT RIC or E2 node at them; the harness's own live
runs in CI use them as the DUT in another network namespace or process.

Control (one JSON object per line on stdin, one answer per line on stdout),
so that an operator can type and a harness can script:

    {"cmd": "trigger", "action": "reset", "params": {}}   -> {"ack": 1, "ok": true}
    (the answer waits until the simulator's thread has carried the trigger out:
    a bad parameter answers {"ok": false, "error": ...} and the simulator runs
    on; once it has stopped, every trigger answers why)
    {"cmd": "connect"}      (e2-node) open a new association to the RIC
    {"cmd": "drop"}         stop the current simulator and close its association
    {"cmd": "quit"}
    reset {"k": 1}          shorthand for a trigger

Events are printed as they happen: {"event": "listening"|"association"|"closed", ...}.
Ctrl-C (SIGINT) or SIGTERM stops everything cleanly: simulators, associations, listener.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import replace
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from harness.sim.control import ControlLoop, parse_command, run_until_signalled, trigger_request
from harness.interfaces.e2.sim.base import SimulatorError
from harness.interfaces.e2.sim.factory import SIMULATORS
from harness.interfaces.e2.sim.faults import FaultError, check
from harness.transport import sctp
from harness.transport.base import TransportError

__all__ = ["Standalone", "main", "parse_command", "register_roles", "run_until_signalled"]


class Standalone(ControlLoop):
    """The E2 simulator process: one simulator per association, over real SCTP."""

    COMMANDS = ("trigger", "connect", "drop")
    USER_ERRORS = (ValueError, KeyError, TypeError, TransportError, SimulatorError)
    TRIGGER_WAIT = 10.0                   # longest wait for the simulator's thread to carry out a trigger, s
    FATAL_ERRORS = (TransportError,)

    def __init__(self, role: str, address: tuple[str, int], cfg: sctp.SctpConfig, *, fault: str | None,
                 seed: int, late_delay: float, connect_now: bool, out=None, tnl_listen: tuple = (),
                 tnl_udp: dict | None = None) -> None:
        super().__init__(out)
        self.role = role                      # 'e2-node' (connects) | 'near-rt-ric' (listens)
        self.address = address
        self.cfg = cfg
        self.fault = fault
        self.seed = seed
        self.late_delay = late_delay
        self.connect_now = connect_now
        self.current: Any = None
        self.listener: Any = None
        self.count = 0
        self.owned = False                    # the current simulator accepts its own associations (after a restart)
        self.tnl_listen = tuple(tnl_listen)   # RIC: where it listens for further TNL associations (8.3.6)
        self.tnl_listeners: list = []
        self.tnl_udp = dict(tnl_udp or {})    # E2 node: (host, port) -> the UDP port its datagrams go to

    # ------------------------------------------------------------------ simulators
    def _start(self, transport) -> None:
        self._drop()
        self.count += 1
        cls = SIMULATORS[self.role]
        # When its association is lost (a restart, an ABORT, SCTP failure detection across a partition)
        # an E2 node dials the RIC again and a RIC takes the next association, as real ones do.
        node = self.role == "e2-node"
        self.current = cls(transport, fault=self.fault, seed=self.seed + self.count, late_delay=self.late_delay,
                           dial=self._dial if node else None, listener=None if node else _Relisten(self),
                           dial_tnl=self._dial_tnl if node else None,
                           tnl_listeners=None if node else list(self.tnl_listeners))
        self.owned = not node                 # the RIC accepts its next association itself, keeping its state
        self.current.start()
        self.say(event="association", n=self.count, peer=getattr(transport, "peer_address", ""))

    def _drop(self) -> None:
        sim, self.current = self.current, None
        self.owned = False                    # the next association is the next test case's: poll() takes it
        if sim is not None:
            try:
                sim.stop()
            except Exception as err:  # noqa: BLE001 -- a stuck simulator must not block the process
                self.say(event="error", detail=str(err))
            self.say(event="closed", n=self.count, errors=list(getattr(sim, "errors", [])))

    def _connect(self) -> None:
        host, port = self.address
        transport = sctp.connect(host, port, self.cfg, timeout=5.0)
        self._start(transport)

    # ------------------------------------------------------------------ commands
    def do_trigger(self, cmd: dict) -> None:
        action, params = trigger_request(cmd)
        if self.current is None:
            raise ValueError("no association yet")
        outcome = self.current.trigger(action, params)
        try:
            outcome.result(self.TRIGGER_WAIT)
        except FutureTimeout:
            raise SimulatorError(f"trigger {action}: not carried out within {self.TRIGGER_WAIT:g} s "
                                 "(the simulator is busy or stuck)") from None

    def do_connect(self, cmd: dict) -> None:
        if self.role != "e2-node":
            raise ValueError("only the e2-node simulator connects")
        self._connect()

    def do_drop(self, cmd: dict) -> None:
        self._drop()


    def _dial(self):
        try:
            return sctp.connect(*self.address, self.cfg, timeout=1.0)
        except TransportError:
            return None                       # refused while the RIC is down: tried again

    def _dial_tnl(self, host: str, port: int):
        """A further TNL association the RIC asked for (E2 Connection Update); None when refused."""
        udp = self.tnl_udp.get((host, port), self.cfg.remote_udp_port)
        try:
            return sctp.connect(host, port, replace(self.cfg, remote_udp_port=udp), timeout=2.0)
        except TransportError:
            return None

    # ------------------------------------------------------------------ hooks
    def begin(self) -> None:
        if self.role == "near-rt-ric":
            self.listener = sctp.listen(*self.address, self.cfg)
            self.tnl_listeners = [(a, sctp.listen(a[0], a[1], self.cfg)) for a in self.tnl_listen]
            self.say(event="listening", address=f"{self.address[0]}:{self.address[1]}",
                     backend=sctp.backend_of(self.cfg))
        else:
            self.say(event="ready", ric=f"{self.address[0]}:{self.address[1]}", backend=sctp.backend_of(self.cfg))
            if self.connect_now:
                self._connect()

    def poll(self) -> None:
        if self.listener is not None and not self.owned:
            transport = self.listener.accept(0.05)
            if transport is not None:
                self._start(transport)

    def end(self) -> None:
        self._drop()
        if self.listener is not None:
            self.listener.close()
        for _, listener in self.tnl_listeners:
            listener.close()


class _Relisten:
    """The RIC simulator's listening point during a restart: down closes the real socket (new
    associations are refused), up listens again on the same address."""

    def __init__(self, owner: Standalone) -> None:
        self.owner = owner

    def close(self) -> None:
        listener, self.owner.listener = self.owner.listener, None
        if listener is not None:
            listener.close()

    def open(self) -> None:
        if self.owner.listener is None:
            self.owner.listener = sctp.listen(*self.owner.address, self.owner.cfg)

    def accept(self, timeout: float):
        listener = self.owner.listener
        return listener.accept(timeout) if listener is not None else None


def main(args) -> int:
    role = "e2-node" if args.sim_role == "e2-node" else "near-rt-ric"
    target = args.ric if role == "e2-node" else args.listen
    try:
        timers = _timers(args.sctp_timers)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    cfg = sctp.SctpConfig(args.sctp_backend, args.usrsctp_mode, args.udp_port or free_udp_port(),
                          args.remote_udp_port, timers)
    try:
        address = sctp.parse_address(target, 36421)
    except TransportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        check(args.fault, role)
    except FaultError as err:
        print(f"error: --fault {args.fault}: {err}", file=sys.stderr)
        return 2
    try:
        tnl_listen = tuple(sctp.parse_address(a, 36421) for a in getattr(args, "tnl_listen", None) or ())
        tnl_udp = dict(_udp_route(text) for text in getattr(args, "tnl_udp", None) or ())
    except (TransportError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    sim = Standalone(role, address, cfg, fault=args.fault, seed=args.seed, late_delay=args.late_delay,
                     connect_now=not getattr(args, "wait", False), tnl_listen=tnl_listen, tnl_udp=tnl_udp)

    return run_until_signalled(sim)


def _udp_route(text: str) -> tuple[tuple[str, int], int]:
    """``--tnl-udp HOST:PORT=UDPPORT`` -> ((host, port), udp port)."""
    target, sep, udp = text.rpartition("=")
    if not sep or not udp.isdigit() or not 0 < int(udp) < 65536:
        raise ValueError(f"--tnl-udp {text!r}: give HOST:PORT=UDPPORT (where datagrams to that TNL address go)")
    return sctp.parse_address(target, 36421), int(udp)


def _timers(text: str | None) -> sctp.SctpTimers | None:
    """``--sctp-timers KEY=N,...`` (every key of `SctpTimers`) -> the timers; None when not given."""
    return sctp.SctpTimers.from_argument(text, "--sctp-timers") if text else None


def free_udp_port() -> int:
    """A UDP port nothing uses now (the kernel's choice), for a simulator's own encapsulation port."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("0.0.0.0", 0))      # usrsctp binds every address; so does the probe
        return int(probe.getsockname()[1])


def register_roles(roles) -> None:
    """Add the E2 roles to ``oran-harness sim`` (harness/cli/sim_command.py; the E2 binding calls it)."""
    for name, target, help_text in (("e2-node", "--ric", "the Near-RT RIC to connect to, HOST:PORT"),
                                    ("ric", "--listen", "where to listen for E2 nodes, HOST:PORT")):
        r = roles.add_parser(name, help=f"the {name} simulator")
        r.add_argument(target, required=True, help=help_text)
        r.add_argument("--fault", default=None,
                       help="a fault or hostile mode (harness/interfaces/e2/sim/faults.py), optionally @Message,...")
        r.add_argument("--seed", type=int, default=0, help="seed of the simulator's random choices (reproducible runs)")
        r.add_argument("--late-delay", type=float, default=3.0, help="seconds a late-response fault waits")
        r.add_argument("--sctp-backend", choices=("auto", "kernel", "usrsctp"), default="auto",
                       help="auto: kernel SCTP when the kernel has it, else usrsctp (docs/live.md)")
        r.add_argument("--usrsctp-mode", choices=("udp", "raw"), default="udp",
                       help="usrsctp only: SCTP over UDP (RFC 6951) or raw IP protocol 132 (needs root)")
        # usrsctp over UDP: the RIC listens on 9900 and learns each E2 node's port from its packets (RFC 6951);
        # an E2 node takes a free port of its own, so two simulators on one host never collide.
        r.add_argument("--udp-port", type=int, default=9900 if name == "ric" else 0,
                       help="this simulator's UDP encapsulation port (usrsctp udp mode; "
                            + ("default 9900)" if name == "ric" else "default 0: any free port)"))
        r.add_argument("--remote-udp-port", type=int, default=9899 if name == "ric" else 9900,
                       help="the peer's UDP encapsulation port (default: "
                            + ("9899, the harness's)" if name == "ric" else "9900, the ric simulator's)"))
        r.add_argument("--sctp-timers", default=None, metavar="KEY=MS,...",
                       help="SCTP failure-detection timers, every key of the lab profile's transport.timers "
                            "(rto_initial_ms, rto_min_ms, rto_max_ms, heartbeat_interval_ms, path_max_retrans, "
                            "association_max_retrans); default: the SCTP stack's own")
        if name == "e2-node":
            r.add_argument("--wait", action="store_true", help="connect only on a 'connect' command")
            r.add_argument("--tnl-udp", action="append", metavar="HOST:PORT=UDPPORT",
                           help="usrsctp udp mode: send the datagrams of the TNL association to HOST:PORT (one an "
                                "E2 Connection Update adds) to this UDP port, e.g. a lab relay's; repeatable")
        else:
            r.add_argument("--tnl-listen", action="append", metavar="HOST:PORT",
                           help="listen here too for a further TNL association of E2 (E2AP v03.01 8.3.6), offered "
                                "by the 'connection-update' trigger; repeatable")
        r.set_defaults(handler=main)
