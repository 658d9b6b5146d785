"""Profiles for the resilience tests: the CI simulator profiles plus what a resilience lab declares."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.session import HarnessSession, Options

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
CASES = ROOT / "testcases" / "resilience"

E2_PIXIT = {"e2_detection_ms": 1000, "e2_reestablish_ms": 1500, "e2_resubscribe_ms": 1000,
            "e2_indication_gap_ms": 3000}


def profiles(tmp: Path, dut: str, lab: str = "lab-sim-fast.yaml", pixit: dict | None = None,
             pics: dict | None = None, a1: dict | None = None) -> tuple[Path, Path]:
    """Copies of a DUT and a lab profile, the DUT restartable (``a1``: keys added to its a1 block), the
    lab with ``pixit`` (its objectives)."""
    d = yaml.safe_load((PROFILES / dut).read_text())
    d.setdefault("pics", {}).update({"resilience.restart": True, **(pics or {})})
    if a1:
        d["a1"].update(a1)
    labd = yaml.safe_load((PROFILES / lab).read_text())
    labd.setdefault("pixit", {}).update(pixit or {})
    dut_path, lab_path = tmp / dut, tmp / lab
    dut_path.write_text(yaml.safe_dump(d))
    lab_path.write_text(yaml.safe_dump(labd))
    return dut_path, lab_path


def run_case(dut: Path, lab: Path, file: str, fault: str | None = None, index: int = 0,
             results: Path | None = None):
    """Test case ``index`` of ``testcases/resilience/<file>`` run against the simulator."""
    session = HarnessSession(Options(dut, lab, None, fault, results, CASES))
    try:
        tc = session.load(CASES / file).testcases[index]
        return session.run(tc)
    finally:
        session.finish()
