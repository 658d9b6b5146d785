"""Was this run against a built-in simulator? One answer, for every output that must say so.

A run whose DUT was one of the harness's own simulators proves the harness, not a product;
its verdicts must never pass for a vendor's. Every output (CLI summary, run.json, JUnit, O-RAN
JSON, HTML and PDF) asks `is_simulated` and marks such a run with `LABEL`.

The answer is run.json's explicit ``simulated`` flag when it has one. Older folders (and
sessions that do not set it) are judged from what they recorded: mode ``sim`` (the built-in
simulator stands in for the DUT), a DUT profile that names a simulator (``simulator:`` key, or
vendor ``oran-harness`` with a ``built-in ...`` model, as fixtures/profiles/dut-sim-*.yaml), or
a live lab that spawns the simulator as a process (``transport.spawn_simulator``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LABEL = "SIMULATED"
EXPLANATION = ("the device under test was a built-in oran-harness simulator, not real equipment; "
               "these verdicts test the harness, not a product")


def _get(obj: Any, key: str) -> Any:
    """A field of a profile, whether run.json's dict or the loader's dataclass."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def is_simulated(meta: Mapping | None) -> bool:
    """True when the run's DUT was a built-in simulator (see the module docstring for how it is known)."""
    if not isinstance(meta, Mapping):
        return False
    flag = meta.get("simulated")
    if isinstance(flag, bool):
        return flag
    if meta.get("mode") == "sim":
        return True
    dut, lab = meta.get("dut"), meta.get("lab")
    if _get(dut, "simulator"):
        return True
    if str(_get(dut, "vendor") or "") == "oran-harness" and str(_get(dut, "model") or "").startswith("built-in"):
        return True
    transport = _get(lab, "transport")
    return bool(isinstance(transport, Mapping) and transport.get("spawn_simulator"))


def simulated_line(meta: Mapping | None) -> str:
    """The one-line CLI marking of a simulated run ('' for a run against real equipment)."""
    return f"{LABEL}: {EXPLANATION}" if is_simulated(meta) else ""
