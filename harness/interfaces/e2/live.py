"""Live mode: the DUT at the other end of a real SCTP association.

The DUT is real equipment, or a built-in simulator started as a separate
process (`oran-harness sim ...`, possibly in another network namespace) when
the DUT profile says `simulator:` — that is how CI runs the E2
suite over real SCTP. Roles: a Near-RT RIC DUT listens and the harness
connects, once per test case; an E2 node DUT connects to the harness, which
listens for the whole run.

Lab profile `transport:` for live mode (the harness's side):
    kind: sctp
    backend: auto | kernel | usrsctp        usrsctp_mode: udp | raw
    udp_port / remote_udp_port: usrsctp UDP encapsulation ports (harness / DUT side)
    listen: HOST:PORT       where the harness listens for an E2 node DUT
    connect_timeout: S      how long an SCTP connect may take
    simulator: {address: HOST:PORT, netns: NAME}   where a simulator DUT runs
    tnl: [{listen: HOST:PORT, simulator: HOST:PORT, link: NAME}, ...]   further TNL associations
        (E2AP v03.01 8.3.6): where the harness, as the RIC, accepts each (and offers it in its E2
        Connection Update); where a simulated Near-RT RIC listens for it; the lab link it runs through
DUT profile (the DUT's side): `simulator: e2-node | near-rt-ric` starts that simulator as a
process; otherwise `endpoints: {e2: HOST:PORT}` is where a real Near-RT RIC DUT listens.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import IO

from harness.core.errors import LabError
from harness.interfaces.e2 import tnl
from harness.profiles.schema import parse_address
from harness.runner.adapters import TriggerError
from harness.transport import sctp
from harness.transport.base import TransportError
from harness.transport.sctp import SctpConfig


class LiveError(LabError):
    """The live set-up is unusable (a lab problem); the text says what to fix."""


@dataclass(frozen=True)
class TnlEntry:
    """One further TNL association of the lab (``transport.tnl``): see the module docstring.

    ``udp``: where the side that dials it sends its SCTP-over-UDP datagrams (the relay of ``link``),
    when a relay sits in its path.
    """

    listen: tuple | None
    simulator: tuple | None
    link: str | None
    udp: int | None = None


@dataclass(frozen=True)
class LiveConfig:
    sctp: sctp.SctpConfig
    dut: tuple
    listen: tuple
    spawn: bool
    netns: str | None
    connect_timeout: float
    peer_sctp: SctpConfig | None = None     # a simulator DUT's ports when not ours swapped (a relay between)
    tnl: tuple[TnlEntry, ...] = ()

    @classmethod
    def from_lab(cls, lab, dut) -> LiveConfig:
        """The live settings: the DUT's address from the DUT profile, the harness's side from the lab's.

        The profile loader has checked every key and address already (harness/profiles/schema.py);
        what is left is which of them this DUT needs.

        Raises:
            LiveError: the lab is not an SCTP lab, or a real Near-RT RIC DUT has no endpoints.e2.
        """
        t = lab.transport
        where = f"{lab.where.file}: transport"
        if t.get("kind") != "sctp":
            raise LiveError(f"{where}: live mode needs kind: sctp (got {t.get('kind')!r})")
        listen = parse_address(t["listen"]) if "listen" in t else ("127.0.0.1", 36422)
        sim = t.get("simulator") or {}
        if dut.simulated:
            address = parse_address(sim["address"]) if "address" in sim else ("127.0.0.1", 36421)
        elif dut.endpoints.e2 is not None:
            address = dut.endpoints.e2
        elif dut.role == "near-rt-ric":
            raise LiveError(f"{dut.where.file}: {dut.name} names real equipment (no simulator:) but gives no "
                            "E2 address for it: add endpoints: {e2: HOST:PORT} (where the Near-RT RIC listens)")
        else:
            address = ("", 0)        # an E2 node DUT connects to the harness's listen address
        tnl = tuple(TnlEntry(parse_address(e["listen"]) if "listen" in e else None,
                             parse_address(e["simulator"]) if "simulator" in e else None, e.get("link"))
                    for e in t.get("tnl") or ())
        for i, entry in enumerate(tnl):
            if dut.role == "e2-node" and entry.listen is None:
                raise LiveError(f"{where}.tnl[{i}]: an E2 node DUT dials the harness's further TNL endpoints: give "
                                "listen: HOST:PORT (an IP address the DUT can reach, offered in E2 Connection Update)")
            if dut.role == "near-rt-ric" and dut.simulated and entry.simulator is None:
                raise LiveError(f"{where}.tnl[{i}]: the simulated Near-RT RIC needs simulator: HOST:PORT, where it "
                                "listens for this TNL association and which it offers in its E2 Connection Update")
        return cls(sctp.SctpConfig.from_dict(t, where), address, listen, dut.simulated,
                   sim.get("netns") if dut.simulated else None, float(t.get("connect_timeout", 5.0)), tnl=tnl)


class SimulatorProcess:
    """A built-in simulator in its own process, driven over its stdin/stdout control lines."""

    def __init__(self, role: str, cfg: LiveConfig, fault: str | None, late_delay: float) -> None:
        peer = cfg.peer_sctp or cfg.sctp.swapped()
        cmd = [sys.executable, "-m", "harness.cli.main", "sim"]
        if role == "near-rt-ric":
            cmd += ["ric", "--listen", f"{cfg.dut[0]}:{cfg.dut[1]}"]
            for entry in cfg.tnl:
                if entry.simulator is not None:
                    cmd += ["--tnl-listen", _text(entry.simulator)]
        else:
            cmd += ["e2-node", "--ric", f"{cfg.listen[0]}:{cfg.listen[1]}", "--wait"]
            for entry in cfg.tnl:                 # its datagrams to that endpoint go through the link's relay
                if entry.listen is not None and entry.udp is not None:
                    cmd += ["--tnl-udp", f"{_text(entry.listen)}={entry.udp}"]
        cmd += ["--sctp-backend", peer.backend, "--usrsctp-mode", peer.usrsctp_mode,
                "--udp-port", str(peer.udp_port), "--remote-udp-port", str(peer.remote_udp_port),
                "--late-delay", str(late_delay)]
        if peer.timers is not None:         # the lab's timers on both ends: each side detects a partition alike
            cmd += ["--sctp-timers", peer.timers.as_argument()]
        if fault:
            cmd += ["--fault", fault]
        if cfg.netns:
            cmd = ["ip", "netns", "exec", cfg.netns] + cmd
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, bufsize=1)
        self._stdin, self._stdout, self._stderr = _pipes(self.proc)
        self.lines: queue.Queue = queue.Queue()
        self.events: list = []
        self._n = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True, name="sim-stdout").start()
        first = self.wait_event(("listening", "ready", "error"), 15.0)
        if first is None or first.get("event") == "error":
            err = self._stderr.read() if self.proc.poll() is not None else ""
            self.close()
            detail = (first or {}).get("detail") or err.strip().splitlines()[-1:] or ["no answer"]
            raise LiveError(f"the simulator process did not start: {detail if isinstance(detail, str) else detail[0]}")

    def _read(self) -> None:
        for line in self._stdout:
            try:
                self.lines.put(json.loads(line))
            except json.JSONDecodeError:
                continue
        self.lines.put(None)

    def wait_event(self, kinds: tuple, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if msg is None:
                return None
            self.events.append(msg)
            if msg.get("event") in kinds:
                return msg
        return None

    def command(self, cmd: dict, timeout: float = 10.0) -> dict:
        with self._lock:
            self._n += 1
            n = self._n
            try:
                self._stdin.write(json.dumps(cmd) + "\n")
                self._stdin.flush()
            except (BrokenPipeError, OSError) as err:
                raise TriggerError(f"the simulator process has gone: {err}") from None
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    msg = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if msg is None:
                    raise TriggerError("the simulator process has gone")
                self.events.append(msg)
                if msg.get("ack") == n:
                    return msg
            raise TriggerError(f"the simulator process did not answer {cmd.get('cmd')} within {timeout:g} s")

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._stdin.write(json.dumps({"cmd": "quit"}) + "\n")
                self._stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class ProcessSimulatorAdapter:
    """Trigger steps for a simulator in another process."""

    def __init__(self, sim: SimulatorProcess) -> None:
        self.sim = sim

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        answer = self.sim.command({"cmd": "trigger", "action": action, "params": params}, timeout)
        if not answer.get("ok"):
            raise TriggerError(f"the simulator cannot '{action}': {answer.get('error')}")


def _text(address: tuple) -> str:
    host, port = address
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def _pipes(proc: subprocess.Popen) -> tuple[IO[str], IO[str], IO[str]]:
    """stdin, stdout and stderr of a process started with all three as pipes."""
    if proc.stdin is None or proc.stdout is None or proc.stderr is None:
        raise LiveError("the simulator process was started without its pipes")
    return proc.stdin, proc.stdout, proc.stderr


class LiveLink:
    """Opens one association per test case towards (or from) the DUT."""

    def __init__(self, cfg: LiveConfig, dut_role: str, simulator: SimulatorProcess | None) -> None:
        self.cfg = cfg
        self.role = dut_role
        self.sim = simulator
        self.listener = None
        self.tnl_listeners: list = []            # (TnlEntry, listener): the further TNL endpoints offered
        self._dialled = 0                        # further TNL associations dialled in this test case
        if dut_role == "e2-node":
            for address, entry in [(cfg.listen, None), *((e.listen, e) for e in cfg.tnl)]:
                if address is None:
                    continue
                try:
                    listener = sctp.listen(address[0], address[1], cfg.sctp)
                except TransportError as err:
                    self.close()
                    raise LiveError(f"cannot listen on {_text(address)}: {err}") from None
                if entry is None:
                    self.listener = listener
                else:
                    self.tnl_listeners.append((entry, listener))

    def open(self, timeout: float):
        """The association for one test case.

        Raises:
            TransportError: the DUT could not be reached (a verdict of ERROR
                for the lab, unless the runner decides otherwise).
        """
        if self.role == "near-rt-ric":
            return sctp.connect(self.cfg.dut[0], self.cfg.dut[1], self.cfg.sctp, timeout=self.cfg.connect_timeout)
        if self.sim is not None and self.listener is not None:
            self._drain()
        if self.sim is not None:
            self.sim.command({"cmd": "connect"}, timeout=self.cfg.connect_timeout + 5)
        if self.listener is None:
            raise LiveError(f"a DUT in role {self.role!r} neither accepts the harness nor connects to it")
        transport = self.listener.accept(timeout)
        if transport is None:
            raise TransportError(f"no E2 node connected to {self.cfg.listen[0]}:{self.cfg.listen[1]} "
                                 f"within {timeout:g} s")
        return transport

    def _drain(self) -> None:
        """Close associations the simulator E2 node made on its own before the last test case ended
        (it dials again when it loses one): the next test case must get the one its 'connect' makes."""
        for listener in [self.listener, *(x for _, x in self.tnl_listeners)]:
            while listener is not None:
                stale = listener.accept(0.0)
                if stale is None:
                    break
                stale.close()

    def tnl_offer(self) -> list:
        """(TnlAddress, accept, link) of each further TNL endpoint the harness offers as the RIC."""
        return [(tnl.TnlAddress(str(e.listen[0]), int(e.listen[1])), x.accept, e.link)
                for e, x in self.tnl_listeners if e.listen is not None]

    def dial_tnl(self, host: str, port: int) -> tuple:
        """(a new association to a TNL address the RIC offered, or None while refused; its lab link).

        The lab's entry for it is the one whose ``simulator`` address it is, else (a real RIC) the entry
        at the position of the TNL associations dialled so far; its relay, when it has one, carries it."""
        entries = [e for e in self.cfg.tnl if e.simulator == (host, port)] or \
            list(self.cfg.tnl[self._dialled:self._dialled + 1])
        entry = entries[0] if entries else None
        cfg = self.cfg.sctp if entry is None or entry.udp is None else replace(self.cfg.sctp, remote_udp_port=entry.udp)
        try:
            transport = sctp.connect(host, port, cfg, timeout=self.cfg.connect_timeout)
        except TransportError:
            return None, None
        self._dialled += 1
        return transport, entry.link if entry is not None else None

    def after(self) -> None:
        self._dialled = 0
        if self.sim is not None:
            try:
                self.sim.command({"cmd": "drop"}, timeout=5.0)
            except TriggerError:
                pass

    def close(self) -> None:
        for listener in [self.listener, *(x for _, x in self.tnl_listeners)]:
            if listener is not None:
                listener.close()
