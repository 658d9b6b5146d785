"""Send at the captured times: sleep most of the gap, spin the last bit.

Measured on these machines (ARCHITECTURE.md): a thread that sleeps, then
busy-waits the last ~200 µs, hit ~0.5 µs median and 10–40 µs p99 error at
1 ms gaps, where plain sleeps are millisecond-grained. On later VMs a sleep
overslept by up to ~1.8 ms at p99 (bench replay), so the spin is 600 µs:
a core is busy for that long before each send, in exchange for a p99 in
microseconds.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

SPIN = 0.0006


def parse_spin(text: str) -> float:
    """'--spin' as given: microseconds to busy-wait before each send, or 'full' (never sleep).

    'full' keeps a core busy for the whole replay; it is there for when a VM's sleeps
    overshoot even the default margin (p99 in milliseconds rather than microseconds).
    """
    if text.strip().lower() == "full":
        return math.inf
    try:
        us = float(text)
    except ValueError:
        raise ValueError(f"--spin takes microseconds or 'full', not {text!r}") from None
    if not 0 <= us < math.inf:
        raise ValueError(f"--spin must be zero or more microseconds, not {text!r}")
    return us / 1e6


class Pacer:
    """Releases events at ``start + offset / speed`` and records how late each release was."""

    def __init__(self, speed: float = 1.0, spin: float = SPIN) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.spin = spin
        self.start: float | None = None
        self.errors: list[float] = []

    def wait(self, offset: float) -> float:
        """Block until ``offset`` (capture seconds since the first event) is due; return the lateness."""
        now = time.perf_counter()
        if self.start is None:
            self.start = now
        target = self.start + offset / self.speed
        gap = target - now
        if gap > self.spin:
            time.sleep(gap - self.spin)
        while time.perf_counter() < target:
            pass
        late = time.perf_counter() - target
        self.errors.append(late)
        return late


@dataclass(frozen=True)
class TimingReport:
    count: int
    median_us: float
    p99_us: float
    max_us: float
    drift_us: float          # lateness of the last release minus the first: creeping error

    def line(self) -> str:
        return (f"{self.count} sends: timing error median {self.median_us:.1f} µs, p99 {self.p99_us:.1f} µs, "
                f"max {self.max_us:.1f} µs, drift {self.drift_us:.1f} µs")


def report(errors: list[float]) -> TimingReport:
    if not errors:
        return TimingReport(0, 0.0, 0.0, 0.0, 0.0)
    us = sorted(e * 1e6 for e in errors)
    p99 = us[min(len(us) - 1, int(round(0.99 * (len(us) - 1))))]
    return TimingReport(len(us), statistics.median(us), p99, us[-1], (errors[-1] - errors[0]) * 1e6)
