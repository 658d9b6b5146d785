"""DUT adapters: how a `trigger` step asks the DUT to act.

Chosen by the lab profile: the built-in simulators are driven directly
('simulator'); real equipment either by a shell command the lab configures per
action ('command') or by an operator at a prompt ('manual'). Whatever goes
wrong here is the lab's problem, so it raises `TriggerError` (an ERROR verdict,
never a FAIL of the DUT).
"""

from __future__ import annotations

import select
import shlex
import subprocess
import sys
import threading
import time
from typing import Any, Protocol

from harness.core.errors import LabError


class TriggerError(LabError):
    """The adapter could not make the DUT act."""


class Adapter(Protocol):
    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None: ...


class SimulatorAdapter:
    """Drives a built-in simulator (its `trigger(action, params)`)."""

    def __init__(self, simulator: Any) -> None:
        self.simulator = simulator

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        try:
            self.simulator.trigger(action, dict(params))
        except Exception as err:  # whatever the simulator says, it is the lab's side that failed
            raise TriggerError(f"the simulator cannot '{action}': {err}") from None


class CommandAdapter:
    """Runs the lab's shell command for an action; parameters fill {placeholders}."""

    def __init__(self, commands: dict[str, str]) -> None:
        self.commands = dict(commands)

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        template = self.commands.get(action)
        if template is None:
            known = ", ".join(sorted(self.commands)) or "none"
            raise TriggerError(f"the lab profile has no command for '{action}' (it has: {known})")
        try:
            command = template.format(**{k: shlex.quote(str(v)) for k, v in params.items()})
        except KeyError as err:
            raise TriggerError(f"command for '{action}' needs parameter {err}") from None
        try:
            done = subprocess.run(command, shell=True, capture_output=True, text=True,  # noqa: S602 -- the lab's own
                                  timeout=timeout)             # command line; parameters are shlex-quoted
        except subprocess.TimeoutExpired:
            raise TriggerError(f"command for '{action}' did not finish within {timeout:g} s") from None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
            raise TriggerError(f"command for '{action}' exited {done.returncode}: {tail[0]}")


class ManualAdapter:
    """Asks an operator, and waits for Enter at most ``timeout`` seconds."""

    def __init__(self, stream_in=None, stream_out=None) -> None:
        self.stream_in = stream_in or sys.stdin
        self.stream_out = stream_out or sys.stderr

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        if not hasattr(self.stream_in, "fileno") or not self.stream_in.isatty():
            raise TriggerError(f"'{action}' needs an operator, but there is no terminal to ask")
        text = prompt or f"Make the DUT perform '{action}' {params or ''}".strip()
        self.stream_out.write(f"\n>>> {text}\n>>> press Enter when done ({timeout:g} s) ")
        self.stream_out.flush()
        ready, _, _ = select.select([self.stream_in], [], [], timeout)
        if not ready:
            raise TriggerError(f"no operator answer within {timeout:g} s for '{action}'")
        self.stream_in.readline()


class BackgroundAdapter:
    """Runs another adapter's triggers in a thread, so the runner can serve what they cause.

    Why: an A1 simulator's trigger sends an HTTP request to the harness and waits
    for the answer, which only the runner's next step gives; a blocking trigger
    would deadlock. Failures are kept in `errors` and turned into ERROR findings
    by the session (the lab side failed, never the DUT).
    """

    def __init__(self, inner: Adapter) -> None:
        self.inner = inner
        self.errors: list[str] = []
        self.threads: list = []

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:

        def run() -> None:
            try:
                self.inner.trigger(action, params, prompt, timeout)
            except TriggerError as err:
                self.errors.append(str(err))
        t = threading.Thread(target=run, daemon=True, name=f"trigger-{action}")
        t.start()
        self.threads.append(t)

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
