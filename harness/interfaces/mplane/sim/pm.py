"""Performance management of the simulated O-RU (o-ran-performance-management; O-RAN.WG4.MP.0 v08.00,
performance management clause): reception-window counters activated by edit-config, reported by
measurement-result-stats every notification-interval.

The reporter reads the running configuration (so activation is exactly what
edit-config or commit put there) and counts the frames the simulator would
have received: a made-up, growing number, since it has no fronthaul.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from lxml import etree

from harness.sim.faultspec import Fault

PM = "urn:o-ran:performance-management:1.0"

FAULTS = (
    Fault("pm-no-report", "activated measurements are never reported (no measurement-result-stats)", "behaviour"),
)


def _q(name: str) -> str:
    return f"{{{PM}}}{name}"


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MeasurementReporter:
    """Runs until ``stopping`` is set; ``running()`` is the running configuration's tree."""

    def __init__(self, running: Callable[[], etree._Element], fault: str | None,
                 notify: Callable[[etree._Element], None], stopping: threading.Event) -> None:
        self.running, self.fault, self.notify, self.stopping = running, fault, notify, stopping
        self.frames = 0

    def _active(self) -> tuple[list[str], float]:
        root = self.running().find(_q("performance-measurement-objects"))
        if root is None:
            return [], 0.0
        names = [(o.findtext(_q("measurement-object")) or "").strip()
                 for o in root.iter(_q("rx-window-measurement-objects"))
                 if (o.findtext(_q("active")) or "").strip() == "true"]
        try:
            interval = float(root.findtext(_q("notification-interval")) or 0)
        except ValueError:
            interval = 0.0
        return names, interval

    def run(self) -> None:
        started = time.time()
        while not self.stopping.wait(0.2):
            names, interval = self._active()
            if not names or interval <= 0:
                started = time.time()
                continue
            if time.time() - started < interval:
                continue
            end = time.time()
            self.frames += int((end - started) * 1000)
            if self.fault != "pm-no-report":
                self.notify(self._stats(names, started, end))
            started = end

    def _stats(self, names: list[str], start: float, end: float) -> etree._Element:
        body = etree.Element(_q("measurement-result-stats"), nsmap={None: PM})
        for name in names:
            entry = etree.SubElement(body, _q("rx-window-stats"))
            for key, text in (("measurement-object", name), ("start-time", _iso(start)), ("end-time", _iso(end)),
                              ("count", str(self.frames))):
                etree.SubElement(entry, _q(key)).text = text
        return body
