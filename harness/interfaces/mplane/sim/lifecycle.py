"""The simulated O-RU across restarts: what the harness's adapter drives in sim mode.

Why a unit around `OruSimulator`: a `restart` step asks for a real restart. The running
simulator is stopped (its sessions, listener and threads end), stays down `down_for` seconds,
and a new one starts on the same port with the configuration the O-RU keeps in non-volatile
memory (its running configuration; the `stale-after-restart` fault loses it). If the O-RU had
called home, the new one calls home again to the same client once it is up (RFC 8071 clause
3.1: the O-RU initiates the connection at start-up). Other triggers go to the running simulator.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import replace

from harness.interfaces.mplane.sim.oru import OruConfig, OruSimulator


class OruUnit:
    """One O-RU: `start()`, `port`, `trigger()` (restart or the simulator's own actions), `stop()`."""

    def __init__(self, cfg: OruConfig) -> None:
        self.cfg = cfg
        self.sim = OruSimulator(cfg)
        self.generations: list[OruSimulator] = [self.sim]
        self.restarts: list[dict] = []
        self._stopping = threading.Event()
        self._restarting: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.sim.port

    @property
    def errors(self) -> list[str]:
        return [e for s in self.generations for e in s.errors]

    @property
    def events(self) -> list[tuple[float, str]]:
        return [e for s in self.generations for e in s.events]

    def start(self) -> OruUnit:
        self.sim.start()
        return self

    def call_home_to(self, home: tuple[str, int]) -> None:
        """Make the O-RU call home now (RFC 8071), and again after a fallback or a restart."""
        sim = self.sim
        sim._spawn(sim.supervision.call_home, "oru-call-home", home)

    def trigger(self, action: str, params: dict) -> None:
        if action != "restart":
            return self.sim.trigger(action, params)
        down = float(params.get("down_for", 0.0))
        with self._lock:
            if self._restarting is not None and self._restarting.is_alive():
                raise ValueError("the O-RU simulator is already restarting")
            self._restarting = threading.Thread(target=self._restart, args=(down,), name="oru-restart", daemon=True)
            self._restarting.start()
        return None

    def _restart(self, down: float) -> None:
        old = self.sim
        keep = None if self.cfg.fault == "stale-after-restart" else copy.deepcopy(old.datastore.running)
        home = old.supervision.home
        old.event(f"restarting: down for {down:g} s")
        try:
            old.stop()
        except RuntimeError as err:
            old.errors.append(f"restart: {err}")
        self.restarts.append({"down_for": down, "config_kept": keep is not None})
        if self._stopping.wait(down):
            return
        new = OruSimulator(replace(self.cfg, port=old.port, call_home=None))
        if keep is not None:
            new.datastore.running = keep
            new.datastore.candidate = copy.deepcopy(keep)
        else:
            new.event("fault stale-after-restart: the configuration was lost")
        with self._lock:
            self.sim = new
            self.generations.append(new)
        new.start()
        new.event("back from a restart")
        if home is not None:
            new._spawn(new.supervision.call_home, "oru-call-home-again", home, True)

    def stop(self, timeout: float = 3.0) -> None:
        self._stopping.set()
        if self._restarting is not None:
            self._restarting.join(timeout)
        self.sim.stop(timeout)
