"""The simulated O-RU's M-plane supervision watchdog, its fallback and its call home again.

O-RAN.WG4.MP.0 v08.00 clause 6.3 (M-plane connection supervision; clause number as cited across
this binding, unchecked against the published edition) has the NETCONF client reset the O-RU's
watchdog (supervision-watchdog-reset) within supervision-notification-interval +
guard-timer-overhead; when it expires the O-RU considers the M-plane connection lost, stops
radiating and re-establishes the M-plane (call home, RFC 8071 clause 3.1). What this simulator
does (declared behaviour, the harness's `recover` step measures it):

* one watchdog per O-RU: every reset, from any session, re-arms it with the reset's interval +
  guard; it keeps running when the SSH connection is cut; a close-session from the supervising
  client ends supervision on purpose (no fallback);
* expiry = supervision failure: every tx/rx array carrier is deactivated (running `active`
  INACTIVE, operational `state` DISABLED), alarm fault-id `ALARM_ID` is raised (alarm-notif to
  the sessions still subscribed), every NETCONF session ends, and the O-RU calls home again to the
  client it last called, every `RETRY` s until one answers; the next reset clears the alarm;
* a carrier's operational `state` is READY when `active` is ACTIVE, else DISABLED.

Faults: `no-watchdog` (never expires, no fallback), `late-watchdog` (expires interval + guard +
`LATE` s after the reset), `no-call-home-again` (falls back, never calls home),
`stale-after-restart` (comes back from a restart with its factory configuration: sim/lifecycle.py).
"""

from __future__ import annotations

import socket
import threading
import time

from lxml import etree

from harness.sim.faultspec import Fault

UPLANE = "urn:o-ran:uplane-conf:1.0"
FM = "urn:o-ran:fm:1.0"
CARRIERS = ("tx-array-carriers", "rx-array-carriers")
ALARM_ID = 1001          # the simulator's own fault-id for "M-plane supervision failure" (vendor range)
RETRY = 0.2              # seconds between two call-home attempts after a fallback
LATE = 3.0               # extra seconds the late-watchdog fault waits beyond interval + guard

FAULTS = (
    Fault("no-watchdog", "the supervision watchdog never expires: no fallback, no call home again", "timing"),
    Fault("late-watchdog", f"the supervision watchdog expires interval + guard + {LATE:g} s after the last reset",
          "timing"),
    Fault("no-call-home-again", "after a supervision failure the O-RU falls back but never calls home again",
          "behaviour"),
    Fault("stale-after-restart", "a restart loses the running configuration (back to the factory one)",
          "behaviour"),
)


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class Supervision:
    """The watchdog of one simulated O-RU (``sim``: its OruSimulator)."""

    def __init__(self, sim) -> None:
        self.sim = sim
        self.home: tuple[str, int] | None = None     # the NETCONF client it called home to
        self.fallbacks: list[float] = []             # wall-clock time of each supervision failure
        self._cond = threading.Condition()
        self._deadline: float | None = None          # monotonic expiry; None: not armed
        self._window = 0.0
        self._thread = False

    @property
    def fault(self) -> str | None:
        return self.sim.cfg.fault

    # ------------------------------------------------------------------ the watchdog
    def reset(self, session_id: int, interval: float, guard: float) -> None:
        """A supervision-watchdog-reset arrived: (re-)arm the watchdog."""
        extra = guard + 2.5 if self.fault == "late-supervision" else LATE if self.fault == "late-watchdog" else 0.0
        with self._cond:
            self._window = interval + guard
            self._deadline = time.monotonic() + interval + guard + extra
            if not self._thread:
                self._thread = True
                self.sim._spawn(self._watch, "oru-watchdog")
            self._cond.notify_all()
        self._clear_alarm()

    def ended_on_purpose(self, session_id: int) -> None:
        """close-session: the client ends the M-plane on purpose, supervision with it."""
        with self._cond:
            self._deadline = None
            self._cond.notify_all()

    def _watch(self) -> None:
        while not self.sim.stopping.is_set():
            with self._cond:
                deadline = self._deadline
                left = 0.2 if deadline is None else deadline - time.monotonic()
                if deadline is None or left > 0:
                    self._cond.wait(min(max(left, 0.0), 0.2))
                    continue
                self._deadline = None
            if self.fault not in ("no-watchdog", "no-supervision"):
                self.fallback()

    # ------------------------------------------------------------------ supervision failure
    def fallback(self) -> None:
        """Supervision failure: carriers off, alarm, sessions ended, call home again."""
        self.fallbacks.append(time.time())
        self.sim.event(f"supervision failure: no watchdog reset within {self._window:g} s; deactivating the "
                       "carriers and ending the M-plane sessions")
        self._deactivate()
        self.sim.trigger("raise-alarm", {"fault_id": ALARM_ID, "source": "ru-module", "severity": "MAJOR",
                                         "text": "M-plane supervision failure: the watchdog expired"})
        for s in list(self.sim.sessions):
            s.close()
        if self.fault == "no-call-home-again":
            self.sim.event("fault no-call-home-again: not calling home")
        elif self.home is not None:
            self.sim._spawn(self.call_home, "oru-call-home-again", self.home, True)

    def _deactivate(self) -> None:
        ds = self.sim.datastore
        for tree in (ds.running, ds.candidate):
            for name in CARRIERS:
                for active in tree.iter(_q(UPLANE, name)):
                    leaf = active.find(_q(UPLANE, "active"))
                    if leaf is not None and (leaf.text or "").strip() == "ACTIVE":
                        leaf.text = "INACTIVE"

    def _clear_alarm(self) -> None:
        alarms = self.sim.datastore.state.find(_q(FM, "active-alarm-list"))
        for entry in list(alarms if alarms is not None else ()):
            if (entry.findtext(_q(FM, "fault-id")) or "").strip() == str(ALARM_ID):
                alarms.remove(entry)
                self.sim.event(f"alarm {ALARM_ID} cleared: supervision re-established")

    def refresh_state(self) -> None:
        """Each carrier's operational `state` from its `active` (before a get answers)."""
        ds = self.sim.datastore
        for old in ds.state.findall(_q(UPLANE, "user-plane-configuration")):
            ds.state.remove(old)
        config = ds.running.find(_q(UPLANE, "user-plane-configuration"))
        if config is None:
            return
        out = etree.SubElement(ds.state, _q(UPLANE, "user-plane-configuration"), nsmap={None: UPLANE})
        for name in CARRIERS:
            for carrier in config.findall(_q(UPLANE, name)):
                entry = etree.SubElement(out, _q(UPLANE, name))
                etree.SubElement(entry, _q(UPLANE, "name")).text = carrier.findtext(_q(UPLANE, "name"))
                active = (carrier.findtext(_q(UPLANE, "active")) or "").strip()
                etree.SubElement(entry, _q(UPLANE, "state")).text = "READY" if active == "ACTIVE" else "DISABLED"

    # ------------------------------------------------------------------ call home (RFC 8071 3.1)
    def call_home(self, home: tuple[str, int], retry: bool = False) -> None:
        """Open TCP to the NETCONF client and serve SSH on it; with ``retry``, until one answers."""
        self.home = home
        host, port = home
        while not self.sim.stopping.is_set():
            try:
                sock = socket.create_connection((host, port), timeout=5.0)
            except OSError as err:
                if not retry:
                    self.sim.errors.append(f"call home to {host}:{port} failed: {err}")
                    return
                self.sim.stopping.wait(RETRY)
                continue
            self.sim.event(f"called home to {host}:{port}" + (" again" if retry else ""))
            self.sim.serve_called(sock)
            return
