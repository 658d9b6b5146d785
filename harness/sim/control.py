"""The run loop every standalone simulator process shares (``oran-harness sim ...``).

Theory of operation: a `ControlLoop` reads control lines from stdin on a
daemon thread into a queue; the main thread alternates between the
interface's `poll` (accept an association, print notifications) and one
queued line, so the simulator's own state is only touched from one thread.
Each line is one JSON object, or the short form ``ACTION {json params}`` for a
trigger; each gets one answer line ``{"ack": n, "ok": ...}``. Events are JSON
lines too. SIGINT or SIGTERM (`run_until_signalled`) or a ``quit`` command
sets `stopping`; the loop then calls `end` and prints ``{"event": "stopped"}``.

An interface subclasses it with its commands (``do_<name>`` methods, listed
in `COMMANDS`) and hooks; harness/interfaces/e2/sim/standalone.py (E2),
harness/interfaces/a1/sim/standalone.py and harness/interfaces/mplane/sim/standalone.py are the three.
"""

from __future__ import annotations

import json
import queue
import signal
import sys
import threading
from typing import Any, ClassVar, TextIO


def parse_command(line: str) -> dict:
    """One control line: a JSON object, or the short form 'ACTION {json params}' for a trigger.

    Raises:
        ValueError: the line is not valid JSON where JSON is needed, or not an object.
    """
    if line.startswith("{"):
        cmd = json.loads(line)
        if not isinstance(cmd, dict):
            raise ValueError("a control line in braces must be one JSON object")
        return cmd
    action, _, rest = line.partition(" ")
    return {"cmd": "trigger", "action": action, "params": json.loads(rest) if rest.strip() else {}}


def trigger_request(cmd: dict) -> tuple[str, dict]:
    """(action, params) of a ``trigger`` command, checked before a simulator sees them.

    Raises:
        ValueError: no action name, or params that are not a JSON object.
    """
    action = cmd.get("action")
    if not isinstance(action, str) or not action:
        raise ValueError("a trigger needs an 'action' (a name)")
    params = cmd.get("params")
    if params is None:
        return action, {}
    if not isinstance(params, dict):
        raise ValueError(f"trigger {action}: 'params' must be a JSON object, not {type(params).__name__}")
    return action, params


def run_until_signalled(runner: ControlLoop) -> int:
    """Run a standalone simulator's loop; SIGINT or SIGTERM sets its ``stopping`` event."""
    def stop(_signum, _frame) -> None:
        runner.stopping.set()
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    return runner.run()


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


class ControlLoop:
    """One standalone simulator process: control lines in, answers and events out.

    Subclasses set `COMMANDS` (besides ``quit``), write ``do_<command>(cmd)``
    methods (returning extra answer fields, or None) and override the hooks.
    """

    COMMANDS: ClassVar[tuple[str, ...]] = ("trigger",)
    #: Exceptions that are the operator's mistake: answered with their text alone.
    USER_ERRORS: ClassVar[tuple[type[Exception], ...]] = (ValueError, KeyError, TypeError)
    #: Exceptions that end the process with exit status 2 (the transport under the simulator broke).
    FATAL_ERRORS: ClassVar[tuple[type[Exception], ...]] = ()
    POLL = 0.05                      # longest wait for a control line, seconds

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.stopping = threading.Event()
        self.commands: queue.Queue = queue.Queue()

    # ------------------------------------------------------------------ hooks
    def begin(self) -> None:
        """Start serving and print the first event (listening, ready, ...)."""

    def poll(self) -> None:
        """Work between control lines (accept an association, print notifications)."""

    def end(self) -> None:
        """Stop the simulator (runs however the loop ended)."""

    def stopped_details(self) -> dict:
        """Extra fields of the final ``stopped`` event."""
        return {}

    # ------------------------------------------------------------------ output
    def say(self, **event: Any) -> None:
        self.out.write(json.dumps(event, default=_jsonable) + "\n")
        self.out.flush()

    # ------------------------------------------------------------------ control
    def handle(self, line: str, n: int) -> None:
        """Answer control line number ``n`` (blank lines get no answer)."""
        line = line.strip()
        if not line:
            return
        try:
            cmd = parse_command(line)
            kind = cmd.get("cmd")
            if kind == "quit":
                self.stopping.set()
                extra = None
            elif kind in self.COMMANDS:
                extra = getattr(self, f"do_{kind}")(cmd)
            else:
                raise ValueError(f"unknown command {kind!r}; known: {', '.join((*self.COMMANDS, 'quit'))}")
            self.say(ack=n, ok=True, **(extra or {}))
        except self.USER_ERRORS as err:
            self.say(ack=n, ok=False, error=str(err))
        except Exception as err:  # noqa: BLE001 -- the simulator said no: report, keep running
            self.say(ack=n, ok=False, error=f"{type(err).__name__}: {err}")

    def _stdin(self) -> None:
        for line in sys.stdin:
            self.commands.put(line)
        self.commands.put(None)

    # ------------------------------------------------------------------ main loop
    def run(self, read_stdin: bool = True) -> int:
        """Serve until ``stopping`` is set; 0, or 2 when a fatal (transport) error ended it."""
        if read_stdin:
            threading.Thread(target=self._stdin, daemon=True, name="control").start()
        status = 0
        try:
            self.begin()
            n = 0
            while not self.stopping.is_set():
                self.poll()
                try:
                    line = self.commands.get(timeout=self.POLL)
                except queue.Empty:
                    continue
                if line is None:          # stdin closed: run on until a signal stops us
                    continue
                n += 1
                self.handle(line, n)
        except self.FATAL_ERRORS as err:
            self.say(event="error", detail=str(err))
            status = 2
        finally:
            self.end()
            self.say(event="stopped", **self.stopped_details())
        return status
