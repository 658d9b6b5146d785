"""The simulated O-RU's management functions beyond NETCONF itself: software (sim/swm.py), files
(sim/filemgmt.py), performance measurements (sim/pm.py), U-plane configuration (sim/uplane.py).

Why one front: sim/oru.py wires them in with a few lines (capabilities, faults,
rpc handlers, the reporter thread, the read-back bend) and stays about NETCONF.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from harness.interfaces.mplane.sim import filemgmt, pm, swm, uplane

MODULES = (("o-ran-software-management", swm.SWM), ("o-ran-file-management", filemgmt.FILE_MGMT),
           ("o-ran-performance-management", pm.PM), ("o-ran-uplane-conf", uplane.UPLANE))
CAPABILITIES = tuple(f"{ns}?module={name}&revision=2022-08-15" for name, ns in MODULES)
FAULTS = (*swm.FAULTS, *filemgmt.FAULTS, *pm.FAULTS, *uplane.FAULTS)


class Management:
    """Built with the simulator (``sim``: OruSimulator); `operations` maps rpc names to handler(session, op)."""

    def __init__(self, sim) -> None:
        self.sim = sim
        fault = sim.cfg.fault
        sim.datastore.state.append(etree.fromstring(swm.inventory(sim.cfg.identity.software)))
        self.software = swm.SoftwareManager(sim.datastore.state.find(f"{{{swm.SWM}}}software-inventory"), fault,
                                            self.broadcast, sim._spawn, sim.event)
        self.files = filemgmt.FileManager(fault, self._log, self.broadcast, sim._spawn, sim.event)
        self.reporter = pm.MeasurementReporter(lambda: sim.datastore.running, fault, self.broadcast, sim.stopping,
                                               self.files.store)
        self.operations: dict[str, Callable] = {**self.software.operations(), **self.files.operations()}

    def start(self) -> None:
        self.sim._spawn(self.reporter.run, "oru-pm")

    def broadcast(self, body: etree._Element) -> None:
        """A notification to every subscribed session (each session copies nothing: one send per session)."""
        for s in list(self.sim.sessions):
            s.notify(body)

    def _log(self) -> bytes:
        """The O-RU's log file: its events so far, one per line."""
        return "".join(f"{at:.3f} {text}\n" for at, text in list(self.sim.events)).encode()

    def bend(self, data: etree._Element) -> etree._Element:
        return uplane.bend(self.sim.cfg.fault, data)
