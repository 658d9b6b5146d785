"""A1 test case items carry the `a1` marker (not `e2`), so `-m a1` / `-m e2` select by interface."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _collect(marker: str) -> str:
    cp = subprocess.run([sys.executable, "-m", "pytest", "testcases/a1ts", "--dut", "fixtures/profiles/dut-sim-a1-ric.yaml",
                         "-m", marker, "--co", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True,
                        text=True, timeout=120)
    return cp.stdout


def test_a1_items_have_the_a1_marker_only():
    assert "16 tests collected" in _collect("a1") or "16 collected" in _collect("a1")
    assert "no tests collected (16 deselected)" in _collect("e2")
