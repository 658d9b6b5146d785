"""DUT adapters: how a `trigger` step asks the DUT to act.

Chosen by the lab profile: the built-in simulators are driven directly
('simulator'); real equipment either by a shell command the lab configures per
action ('command') or by an operator at a prompt ('manual'). Whatever goes
wrong here is the lab's problem, so it raises `TriggerError` (an ERROR verdict,
never a FAIL of the DUT).

Theory of operation: an adapter whose `background` is true (a lab command, an
operator prompt, a simulator that calls the harness back) never blocks the
runner: the trigger step starts it as a `RunningTrigger` and the next steps go
on, so what the DUT sends while the command still runs (an HTTP callback, an
E2 message) is read and answered in time. The runner collects every running
trigger before the test case ends (harness/runner/basic_steps.py), bounded by
the trigger's timeout.
"""

from __future__ import annotations

import os
import select
import shlex
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from typing import Any, Protocol

from harness.core.errors import LabError


class TriggerError(LabError):
    """The adapter could not make the DUT act."""


class Adapter(Protocol):
    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None: ...


class SimulatorAdapter:
    """Drives a built-in simulator (its `trigger(action, params)`); in-process and quick, so it blocks."""

    background = False

    def __init__(self, simulator: Any) -> None:
        self.simulator = simulator

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        try:
            done = self.simulator.trigger(action, dict(params))
            if isinstance(done, Future):        # the E2 simulators carry it out on their own thread
                done.result(timeout=timeout)
        except Exception as err:  # whatever the simulator says, it is the lab's side that failed
            raise TriggerError(f"the simulator cannot '{action}': {err}") from None


class CommandAdapter:
    """Runs the lab's shell command for an action; parameters fill {placeholders}.

    The command runs in its own process group, so a timeout ends it and every child it started.
    """

    background = True

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
            proc = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE,  # noqa: S602 -- the lab's own
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,  # command line; parameters
                                    text=True, start_new_session=True)     # are shlex-quoted
        except OSError as err:
            raise TriggerError(f"command for '{action}' cannot start: {err}") from None
        try:
            out, err_text = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise TriggerError(f"command for '{action}' did not finish within {timeout:g} s") from None
        if proc.returncode != 0:
            tail = (err_text or out).strip().splitlines()[-1:]
            raise TriggerError(f"command for '{action}' exited {proc.returncode}" + (f": {tail[0]}" if tail else ""))


def _kill_group(proc: subprocess.Popen) -> None:
    """End a command that outlived its timeout, with the children it started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


class ManualAdapter:
    """Asks an operator, and waits for Enter at most ``timeout`` seconds."""

    background = True

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
    """Another adapter's triggers, run in the background (see the module's theory of operation).

    Why: an A1 simulator's trigger sends an HTTP request to the harness and waits
    for the answer, which only the runner's next step gives; a blocking trigger
    would deadlock.
    """

    background = True

    def __init__(self, inner: Adapter) -> None:
        self.inner = inner

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        self.inner.trigger(action, params, prompt, timeout)


def runs_in_background(adapter: Any) -> bool:
    """Whether ``adapter``'s triggers must not block the runner (its ``background`` attribute)."""
    return bool(getattr(adapter, "background", False))


class RunningTrigger:
    """One trigger running in a thread: started by the trigger step, collected before the test case ends."""

    def __init__(self, adapter: Adapter, action: str, params: dict, prompt: str, timeout: float) -> None:
        self.action = action
        self.timeout = timeout
        self.started = time.monotonic()
        self.error: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(adapter, params, prompt), daemon=True,
                                        name=f"trigger-{action}")
        self._thread.start()

    def _run(self, adapter: Adapter, params: dict, prompt: str) -> None:
        try:
            adapter.trigger(self.action, params, prompt, self.timeout)
        except TriggerError as err:
            self.error = str(err)
        except Exception as err:  # noqa: BLE001 -- an adapter bug is still the lab's side: an ERROR with the reason
            self.error = f"'{self.action}' failed: {type(err).__name__}: {err}"
        finally:
            self._done.set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def collect(self, grace: float = 1.0) -> str | None:
        """Wait for the end (at most the timeout from its start, plus ``grace``); None when it succeeded,
        else why not."""
        left = self.started + self.timeout + grace - time.monotonic()
        if not self._done.wait(max(left, 0.0)):
            return f"'{self.action}' was still running {self.timeout + grace:g} s after it started"
        return self.error
