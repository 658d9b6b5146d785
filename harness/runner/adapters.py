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

import json
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

from harness.core.errors import HarnessError, LabError


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
            command = template.format(**{k: _Param(v, k) for k, v in params.items()})
        except (KeyError, _MissingField) as err:
            raise TriggerError(f"command for '{action}' needs parameter {err}") from None
        except (IndexError, ValueError) as err:
            raise TriggerError(f"command for '{action}': the template {template!r} is not usable: {err}") from None
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


class _MissingField(HarnessError):
    """A ``{name.field}`` placeholder names a field the parameter lacks."""


class _Param:
    """A trigger parameter in a command template, shell-quoted.

    Why: a nested value (``status: {state: up}``) must reach the command as data, not as a
    Python repr: ``{status}`` is its JSON text, ``{status.state}`` or ``{status[state]}`` one field.
    """

    def __init__(self, value: Any, name: str) -> None:
        self.value = value
        self.name = name

    def _field(self, key: str) -> _Param:
        value = self.value
        if isinstance(value, dict) and key in value:
            return _Param(value[key], f"{self.name}.{key}")
        if isinstance(value, list) and key.lstrip("-").isdigit() and -len(value) <= int(key) < len(value):
            return _Param(value[int(key)], f"{self.name}.{key}")
        raise _MissingField(f"'{self.name}.{key}' (the parameter has no such field)")

    def __getattr__(self, key: str) -> _Param:
        if key.startswith("__"):
            raise AttributeError(key)
        return self._field(key)

    def __getitem__(self, key: Any) -> _Param:
        return self._field(str(key))

    def __format__(self, spec: str) -> str:
        value = self.value
        text = json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list, tuple)) else str(value)
        return shlex.quote(format(text, spec))

    def __str__(self) -> str:
        return self.__format__("")


def _kill_group(proc: subprocess.Popen) -> None:
    """End a command that outlived its timeout, with the children it started (its own session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    proc.communicate()


TTY_FD_ENV = "ORAN_HARNESS_TTY_FD"    # `oran-harness run` hands its pytest child the terminal as this fd


class ManualAdapter:
    """Asks an operator at the user's terminal, and waits for Enter at most ``prompt_timeout`` seconds.

    Why the terminal and not stdin: under pytest stdin and stderr are captured, and the child of
    `oran-harness run` has no controlling terminal (its own session); the prompt goes to the
    terminal fd `oran-harness run` passes on (``ORAN_HARNESS_TTY_FD``), else to /dev/tty. Streams
    given to the constructor (tests) are used as they are.
    """

    background = True

    def __init__(self, stream_in=None, stream_out=None, prompt_timeout: float | None = None) -> None:
        self.stream_in = stream_in
        self.stream_out = stream_out
        self.prompt_timeout = prompt_timeout     # the lab profile's; None: the trigger step's timeout
        self._lock = threading.Lock()            # one prompt at a time

    def trigger(self, action: str, params: dict, prompt: str, timeout: float) -> None:
        wait = self.prompt_timeout or timeout
        text = prompt or f"Make the DUT perform '{action}' {params or ''}".strip()
        question = f"\n>>> {text}\n>>> press Enter when done ({wait:g} s) "
        with self._lock:
            if self.stream_in is not None:
                self._ask_streams(action, question, wait)
                return
            fd, owned = terminal_fd()
            if fd is None:
                raise TriggerError(f"'{action}' needs an operator, but there is no terminal to ask "
                                   "(run from a terminal, or use the lab profile's adapter kind 'command')")
            try:
                os.write(fd, question.encode())
                ready, _, _ = select.select([fd], [], [], wait)
                if not ready:
                    os.write(fd, b"\n")
                    raise TriggerError(f"no operator answer within {wait:g} s for '{action}'")
                os.read(fd, 4096)
            finally:
                if owned:
                    os.close(fd)

    def _ask_streams(self, action: str, question: str, wait: float) -> None:
        if not hasattr(self.stream_in, "fileno") or not self.stream_in.isatty():
            raise TriggerError(f"'{action}' needs an operator, but there is no terminal to ask")
        out = self.stream_out or sys.stderr
        out.write(question)
        out.flush()
        ready, _, _ = select.select([self.stream_in], [], [], wait)
        if not ready:
            raise TriggerError(f"no operator answer within {wait:g} s for '{action}'")
        self.stream_in.readline()


def terminal_fd() -> tuple[int | None, bool]:
    """A file descriptor of the user's terminal and whether the caller must close it; (None, False)
    when there is none (no controlling terminal and none handed over)."""
    handed = os.environ.get(TTY_FD_ENV, "")
    if handed.isdigit():
        try:
            if os.isatty(int(handed)):
                return int(handed), False
        except OSError:
            pass
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY), True
    except OSError:
        return None, False


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
