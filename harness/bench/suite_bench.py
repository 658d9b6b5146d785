"""``oran-harness bench suite``: the E2 suite's wall time and the harness's overhead per test.

Runs the whole E2 suite in-process against the built-in simulators (both DUT
roles, fault-free), as the README's main job does, and splits each test case's
time into waiting the spec asked for ('expect: nothing' timers, wait steps) and
everything else (encode, send, simulator round trip, decode, checks): the
latter is the harness overhead a lab pays per test case.
"""

from __future__ import annotations

import json
import statistics
import time

from harness import bundled
from harness.suite import run_suite

PROFILES = ("dut-sim-near-rt-ric.yaml", "dut-sim-e2-node.yaml")


def main(as_json: bool = False, rounds: int = 3) -> int:
    rows = []
    for profile in PROFILES:
        walls, loads, busy, idle, count = [], [], [], [], 0
        for _ in range(rounds):
            t0 = time.monotonic()
            run = run_suite(bundled.profile(profile))
            walls.append(time.monotonic() - t0)
            loads.append(run.load)
            ran = [o for o in run.outcomes if o.verdict != "NOT-APPLICABLE"]
            count = len(ran)
            busy.append(sum(o.duration - o.idle for o in ran))
            idle.append(sum(o.idle for o in ran))
        rows.append({"dut": profile, "tests": count, "wall_s": statistics.median(walls),
                     "load_s": statistics.median(loads), "idle_s": statistics.median(idle),
                     "overhead_per_test_ms": 1000 * statistics.median(busy) / max(count, 1)})
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"E2 suite against the built-in simulators, fault-free, median of {rounds} runs")
    print(f"{'DUT profile':<28} | {'tests':>5} | {'wall s':>7} | {'load s':>6} | {'spec waits s':>12} | "
          f"{'overhead/test ms':>16}")
    print("-" * 90)
    for r in rows:
        print(f"{r['dut']:<28} | {r['tests']:>5} | {r['wall_s']:>7.2f} | {r['load_s']:>6.2f} | {r['idle_s']:>12.2f} | "
              f"{r['overhead_per_test_ms']:>16.1f}")
    print("overhead = a test case's time minus the waiting its spec asks for (encode, send, simulator "
          "round trip, decode, checks, simulator start/stop)")
    return 0
