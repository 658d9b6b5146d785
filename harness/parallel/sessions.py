"""Harness sessions per DUT for one pytest process, opened where they are needed.

Under xdist every worker collects every item, but only the worker that runs a
DUT may write its results folder (a second writer would overwrite run.json and
duplicate rows). So each process keeps two kinds of session per DUT:

* a collection session (profiles, codec, spec library; writes nothing), used to
  load specs and decide applicability on every worker;
* a run session (the same, plus the results writer), opened on the first test
  case of that DUT that this process runs, and finished at the end.

The same split serves a multi-DUT run without xdist, where one process runs all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from harness.parallel.duts import DutSlot
from harness.session import HarnessSession, Options


class DutSessions:
    """The DUT slots of a run and their harness sessions in this process."""

    def __init__(self, slots: tuple[DutSlot, ...], mode: str | None, fault: str | None, specs_root: Path,
                 wire_capture: str | None = None, on_open: Callable | None = None) -> None:
        self.slots = {slot.key: slot for slot in slots}
        self.order = [slot.key for slot in slots]
        self.multi = len(slots) > 1
        self._mode, self._fault, self._specs_root, self._wire = mode, fault, specs_root, wire_capture
        self._on_open = on_open
        self._collect: dict = {}
        self._run: dict = {}
        self._plans: dict = {}          # key -> the applicable test cases collected for that DUT

    def _open(self, slot: DutSlot, results: Path | None) -> HarnessSession:
        return HarnessSession(Options(dut=slot.profile, lab=slot.lab, mode=self._mode, fault=self._fault,
                                      results=results, specs_root=self._specs_root,
                                      wire_capture=self._wire if results else None))

    def for_collection(self, key: str):
        """The DUT's session that loads specs and judges applicability (writes nothing).

        Raises:
            harness.session.SessionError: the DUT's or lab's profile is bad.
        """
        if key not in self._collect:
            self._collect[key] = self._open(self.slots[key], None)
        return self._collect[key]

    def for_run(self, key: str):
        """The DUT's session that runs test cases and writes its results folder (opened once)."""
        if key not in self._run:
            session = self._open(self.slots[key], self.slots[key].results)
            if self._on_open is not None:
                self._on_open(session)
            if key in self._plans:
                session.plan(self._plans[key])
            self._run[key] = session
        return self._run[key]

    def plan(self, key: str, planned: list[dict]) -> None:
        """The DUT's applicable test cases ({id, title, status}); its results record them when it runs."""
        self._plans[key] = list(planned)
        if key in self._run:
            self._run[key].plan(self._plans[key])

    def ran(self) -> list[tuple[DutSlot, HarnessSession]]:
        """The DUTs this process ran, with their run sessions."""
        return [(self.slots[k], self._run[k]) for k in self.order if k in self._run]

    def finish(self, interrupted: bool = False) -> None:
        """Close the run sessions (summary.json, links, wire captures); collection ones hold nothing."""
        for _, session in self.ran():
            session.finish(interrupted)
