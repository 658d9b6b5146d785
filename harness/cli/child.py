"""Run the pytest child of `oran-harness run` so that SIGINT and SIGTERM stop everything it started.

Theory of operation: the child gets its own session (and so its own process group), which holds
everything it spawns: simulators (`SimulatorProcess`), capture tools (dumpcap), xdist
workers. Ctrl-C at the terminal reaches only this process; SIGINT or SIGTERM to it is passed on
once, as SIGTERM, to the child, which stops like Ctrl-C (the plugin turns SIGTERM into pytest's
KeyboardInterrupt), closes its simulators and captures and writes its results as INCOMPLETE. If it
has not ended within ``grace`` seconds, or anything of its group is left when it has, the group is
killed. A second signal while waiting kills at once. If this process itself dies without a
chance to pass anything on (SIGKILL), the kernel sends the child SIGTERM (Linux PR_SET_PDEATHSIG),
so it still stops and writes its results as INCOMPLETE.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from types import FrameType

STOP_GRACE_S = 20.0      # how long a stopped child may take to close its simulators and write its results


@dataclass(frozen=True)
class ChildExit:
    code: int                  # the child's exit code (negative: killed by that signal)
    stopped_by: str | None     # 'SIGINT' | 'SIGTERM' when the run was stopped, else None


def _signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to the process group; False when nothing of it is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:    # a member changed its credentials (dumpcap); nothing more we may do
        return True
    return True


def _reap_group(pgid: int, grace: float) -> None:
    """Ask what is left of the group to stop, then kill it."""
    if not _signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _signal_group(pgid, 0):
            return
        time.sleep(0.05)
    _signal_group(pgid, signal.SIGKILL)


PR_SET_PDEATHSIG = 1      # linux/prctl.h


def _stop_with_parent() -> None:
    """In the child, before exec: SIGTERM when the parent dies, even by SIGKILL (Linux only)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):   # not Linux: SIGINT/SIGTERM forwarding still works
        pass


def run_child(cmd: list[str], grace: float = STOP_GRACE_S, stdout: int | None = None,
              pass_fds: tuple[int, ...] = ()) -> ChildExit:
    """Run ``cmd`` to its end, or stop it (and everything it started) on SIGINT/SIGTERM.

    ``stdout``: a file descriptor for the child's stdout (None: this process's own); ``pass_fds``:
    descriptors the child keeps (the terminal an operator answers on, harness.runner.adapters).
    """
    stopped: list[str] = []
    proc = subprocess.Popen(cmd, start_new_session=True, preexec_fn=_stop_with_parent, stdout=stdout,
                            pass_fds=pass_fds)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stopped:                              # asked twice: no more waiting
            _signal_group(proc.pid, signal.SIGKILL)
            return
        stopped.append(name)
        print(f"\noran-harness: {name}: stopping the run (simulators, captures, pytest) ...", flush=True)
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        deadline: float | None = None
        while True:
            try:
                code = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stopped and deadline is None:
                    deadline = time.monotonic() + grace
                if deadline is not None and time.monotonic() > deadline:   # the child overran its grace time
                    print(f"oran-harness: the run did not stop within {grace:g} s; killing it", flush=True)
                    _signal_group(proc.pid, signal.SIGKILL)
                    deadline = float("inf")
    finally:
        _reap_group(proc.pid, 2.0)                # whatever the child left behind (a simulator, dumpcap)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return ChildExit(code, stopped[0] if stopped else None)
