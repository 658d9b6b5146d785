"""Hypothesis settings for the fuzz tests: modest by default, long on demand.

ORAN_FUZZ_EXAMPLES   examples per target (default 200; the spec loader, ~50x slower per
                     example, runs an eighth of it)
ORAN_FUZZ_DEADLINE   per-example deadline in milliseconds (default 10000: the machine is shared)
Long runs: ``oran-harness fuzz --target NAME --minutes N`` (docs/robustness.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("ORAN_FUZZ_EXAMPLES", "200"))
DEADLINE_MS = int(os.environ.get("ORAN_FUZZ_DEADLINE", "10000"))


def fuzz_settings(scale: float = 1.0) -> settings:
    return settings(max_examples=max(5, int(EXAMPLES * scale)), deadline=DEADLINE_MS, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much], print_blob=True)
