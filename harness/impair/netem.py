"""Kernel mechanisms: tc netem on an interface, and link down/up (a flap), each restored on exit.

`tc qdisc ... netem` is the lab-host mechanism when the kernel has sch_netem; where it does
not (these CI machines), `tc` answers "Specified qdisc kind is unknown" and `netem_available`
says so, and `Netem.apply` raises a LabError naming the missing module. Both mechanisms
change host state, so every change is registered with `_Restorer`, which undoes it on
`close()`, at interpreter exit and on SIGTERM: a crashed run never leaves a link down.
"""

from __future__ import annotations

import atexit
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

from harness.core.errors import LabError
from harness.impair.model import NONE, Impairment

MISSING_NETEM = ("the kernel has no netem queueing discipline (module sch_netem, CONFIG_NET_SCH_NETEM): "
                 "load it (modprobe sch_netem) or give this link a userspace relay (relay: udp|tcp)")


class MechanismError(LabError):
    """A kernel mechanism cannot act here (no tc, no sch_netem, no such interface, not root)."""


def _ip(netns: str | None, *args: str) -> list[str]:
    return (["ip", "netns", "exec", netns] if netns else []) + list(args)


def _run(cmd: list[str], what: str) -> str:
    tool = cmd[4] if cmd[:3] == ["ip", "netns", "exec"] else cmd[0]
    if shutil.which(tool) is None:
        raise MechanismError(f"{what}: '{tool}' is not installed (Debian: iproute2)")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=10, check=False)
    if proc.returncode != 0:
        err = (proc.stderr or proc.stdout).strip()
        if "qdisc kind is unknown" in err:
            raise MechanismError(f"{what}: {MISSING_NETEM} (tc said: {err})")
        raise MechanismError(f"{what}: {' '.join(cmd)} failed: {err or f'exit {proc.returncode}'}")
    return proc.stdout


class _Restorer:
    """Undo actions for host state we changed, run once each at close, exit or SIGTERM."""

    def __init__(self) -> None:
        self._undo: dict[int, Callable[[], None]] = {}
        self._lock = threading.Lock()
        self._n = 0
        self._installed = False

    def add(self, undo: Callable[[], None]) -> int:
        with self._lock:
            if not self._installed:
                self._install()
            self._n += 1
            self._undo[self._n] = undo
            return self._n

    def run(self, key: int) -> None:
        with self._lock:
            undo = self._undo.pop(key, None)
        if undo is not None:
            undo()

    def run_all(self) -> None:
        for key in list(self._undo):
            try:
                self.run(key)
            except (OSError, LabError, subprocess.SubprocessError):
                pass

    def _install(self) -> None:
        self._installed = True
        atexit.register(self.run_all)
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGTERM)

            def on_term(signum: int, frame: Any) -> None:
                self.run_all()
                if callable(previous):
                    previous(signum, frame)
                else:
                    raise SystemExit(128 + signum)
            signal.signal(signal.SIGTERM, on_term)


RESTORE = _Restorer()


def netem_available(dev: str = "lo", netns: str | None = None) -> tuple[bool, str]:
    """Whether `tc ... netem` works here: (True, '') or (False, why). Probes with a root netem qdisc
    on ``dev`` and removes it at once (needs root; ``lo`` by default)."""
    probe = _ip(netns, "tc", "qdisc", "add", "dev", dev, "root", "handle", "7a5e:", "netem", "delay", "0ms")
    try:
        _run(probe, f"netem probe on {dev}")
    except MechanismError as err:
        return False, str(err)
    subprocess.run(_ip(netns, "tc", "qdisc", "del", "dev", dev, "root"), capture_output=True, check=False)
    return True, ""


def netem_args(imp: Impairment) -> list[str]:
    """The `tc qdisc ... netem` arguments for ``imp`` (partition = 100 % loss)."""
    if imp.blackhole:
        raise MechanismError("netem impairs a device's egress only: a one-direction blackhole needs the link "
                             "defined on the device of that direction")
    args = ["limit", str(imp.queue_packets)]
    if imp.delay_ms or imp.jitter_ms:
        args += ["delay", f"{imp.delay_ms:g}ms"]
        if imp.jitter_ms:
            normal = imp.jitter_distribution == "normal"
            args += [f"{imp.jitter_ms:g}ms"] + (["distribution", "normal"] if normal else [])
    if imp.partition:
        args += ["loss", "100%"]
    elif imp.loss:
        args += ["loss", f"{imp.loss * 100:g}%"]
        args += [f"{imp.loss_correlation * 100:g}%"] if imp.loss_correlation else []
    if imp.duplicate:
        args += ["duplicate", f"{imp.duplicate * 100:g}%"]
    if imp.reorder:
        args += ["reorder", f"{imp.reorder * 100:g}%", "gap", str(imp.reorder_gap)]
    if imp.rate_kbps:
        args += ["rate", f"{imp.rate_kbps:g}kbit"]
    return args


class Netem:
    """tc netem on one device (egress), optionally in a network namespace."""

    kind = "netem"

    def __init__(self, name: str, dev: str, netns: str | None = None) -> None:
        self.name, self.dev, self.netns = name, dev, netns
        self._key: int | None = None
        self.timeline: list = []

    def apply(self, imp: Impairment, note: str = "") -> None:
        if imp == NONE:
            self.clear(note)
            return
        verb = "change" if self._key is not None else "add"
        _run(_ip(self.netns, "tc", "qdisc", verb, "dev", self.dev, "root", "netem", *netem_args(imp)),
             f"link {self.name}")
        if self._key is None:
            self._key = RESTORE.add(self._remove)
        self.timeline.append((time.monotonic(), time.time(), "apply", imp.as_dict(), note))

    def _remove(self) -> None:
        subprocess.run(_ip(self.netns, "tc", "qdisc", "del", "dev", self.dev, "root"),
                       capture_output=True, check=False, timeout=10)

    def clear(self, note: str = "") -> None:
        if self._key is not None:
            RESTORE.run(self._key)
            self._key = None
            self.timeline.append((time.monotonic(), time.time(), "clear", {}, note))

    def close(self) -> None:
        self.clear("closed")


def link_state(dev: str, netns: str | None = None) -> str:
    """'UP' or 'DOWN' (the administrative flag of ``dev``)."""
    out = _run(_ip(netns, "ip", "-o", "link", "show", "dev", dev), f"interface {dev}")
    flags = out.split("<", 1)[1].split(">", 1)[0].split(",") if "<" in out else []
    return "UP" if "UP" in flags else "DOWN"


def set_link(dev: str, up: bool, netns: str | None = None) -> None:
    _run(_ip(netns, "ip", "link", "set", "dev", dev, "up" if up else "down"),
         f"link {'up' if up else 'down'} on {dev}{' in ' + netns if netns else ''}")


class LinkDown:
    """``with LinkDown(dev, netns):`` the interface is down inside, up again after (and at exit, on SIGTERM)."""

    def __init__(self, dev: str, netns: str | None = None) -> None:
        self.dev, self.netns = dev, netns
        self._key: int | None = None

    def __enter__(self) -> LinkDown:
        set_link(self.dev, False, self.netns)
        self._key = RESTORE.add(lambda: set_link(self.dev, True, self.netns))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._key is not None:
            RESTORE.run(self._key)
            self._key = None


def flap(dev: str, down_for: float, netns: str | None = None) -> tuple[float, float]:
    """Take ``dev`` down for ``down_for`` seconds; (monotonic down, monotonic up)."""
    with LinkDown(dev, netns):
        t0 = time.monotonic()
        time.sleep(down_for)
    return t0, time.monotonic()
