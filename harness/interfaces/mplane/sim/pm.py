"""Performance management of the simulated O-RU (o-ran-performance-management; O-RAN.WG4.MP.0 v08.00,
clause 10, number unchecked): reception-window counters activated by edit-config, reported by
measurement-result-stats every notification-interval and written to a result file in the PM
logical folder (``o-ran/pm``) every file-upload-interval, for the client to list and upload with
file management (clause 12).

The reporter reads the running configuration (so activation is exactly what
edit-config or commit put there) and counts the frames the simulator would
have received: a made-up, growing number, since it has no fronthaul. The
result file is CSV, one row per active object: measurement group, object,
start, end, unit, unit name, count -- the row shape later MP versions show in
an example; v08.00's file format is not checked here (docs/fronthaul.md).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from lxml import etree

from harness.sim.faultspec import Fault

PM = "urn:o-ran:performance-management:1.0"

PM_FOLDER = "o-ran/pm"
RX_WINDOW_GROUP = 2     # the rx-window measurement group's number in the result file's first column

FAULTS = (
    Fault("pm-no-report", "activated measurements are never reported (no measurement-result-stats)", "behaviour"),
    Fault("pm-no-result-file", "activated measurements never produce a result file in o-ran/pm", "behaviour"),
    Fault("pm-result-file-empty", "the result files in o-ran/pm hold nothing (0 octets)", "value"),
    Fault("pm-result-file-unnamed", "the result files' rows leave the measurement-object column empty", "value"),
)


def _q(name: str) -> str:
    return f"{{{PM}}}{name}"


def _seconds(root: etree._Element, leaf: str) -> float:
    try:
        return float(root.findtext(_q(leaf)) or 0)
    except ValueError:
        return 0.0


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MeasurementReporter:
    """Runs until ``stopping`` is set; ``running()`` is the running configuration's tree."""

    def __init__(self, running: Callable[[], etree._Element], fault: str | None,
                 notify: Callable[[etree._Element], None], stopping: threading.Event,
                 store: Callable[[str, bytes], None] | None = None) -> None:
        self.running, self.fault, self.notify, self.stopping = running, fault, notify, stopping
        self.store = store
        self.frames = 0

    def _active(self) -> tuple[list[tuple[str, str]], float, float]:
        """The active (object, unit) pairs, the notification-interval and the file-upload-interval (0: none)."""
        root = self.running().find(_q("performance-measurement-objects"))
        if root is None:
            return [], 0.0, 0.0
        active = [((o.findtext(_q("measurement-object")) or "").strip(),
                   (o.findtext(_q("object-unit")) or "RU").strip())
                  for o in root.iter(_q("rx-window-measurement-objects"))
                  if (o.findtext(_q("active")) or "").strip() == "true"]
        return active, _seconds(root, "notification-interval"), _seconds(root, "file-upload-interval")

    def run(self) -> None:
        started = filed = time.time()
        while not self.stopping.wait(0.2):
            active, interval, file_interval = self._active()
            now = time.time()
            if not active:
                started = filed = now
                continue
            if interval <= 0:
                started = now
            elif now - started >= interval:
                self.frames += int((now - started) * 1000)
                if self.fault != "pm-no-report":
                    self.notify(self._stats([name for name, _ in active], started, now))
                started = now
            if file_interval <= 0:
                filed = now
            elif now - filed >= file_interval:
                self._file(active, filed, now)
                filed = now

    def _file(self, active: list[tuple[str, str]], start: float, end: float) -> None:
        """Write the result file of the period ``start``..``end`` into the PM folder."""
        if self.store is None or self.fault == "pm-no-result-file":
            return
        stamp = dt.datetime.fromtimestamp(start, dt.UTC).strftime("%Y%m%d%H%M%SZ")
        until = dt.datetime.fromtimestamp(end, dt.UTC).strftime("%Y%m%d%H%M%SZ")
        rows = [f"{RX_WINDOW_GROUP},{'' if self.fault == 'pm-result-file-unnamed' else name},{_iso(start)},"
                f"{_iso(end)},{unit},ru-module,{self.frames}\n" for name, unit in active]
        data = b"" if self.fault == "pm-result-file-empty" else "".join(rows).encode()
        self.store(f"{PM_FOLDER}/C{stamp}_{until}_sim-o-ru.csv", data)

    def _stats(self, names: list[str], start: float, end: float) -> etree._Element:
        body = etree.Element(_q("measurement-result-stats"), nsmap={None: PM})
        for name in names:
            entry = etree.SubElement(body, _q("rx-window-stats"))
            for key, text in (("measurement-object", name), ("start-time", _iso(start)), ("end-time", _iso(end)),
                              ("count", str(self.frames))):
                etree.SubElement(entry, _q(key)).text = text
        return body
