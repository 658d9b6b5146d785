"""Real simulator runs for the joint-report tests (small spec subsets, so they stay quick)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
E2_NODE_SPECS = ("testcases/e2ts/e2-node/indication.yaml", "testcases/e2ts/e2-node/reset.yaml")
RIC_DUT = ROOT / "fixtures" / "profiles" / "dut-sim-near-rt-ric.yaml"
RIC_SPECS = ("testcases/e2ts/near-rt-ric/e2-setup.yaml",)


def lab_profile(folder: Path, name: str, site: str, operator: str = "ci") -> Path:
    """A copy of the simulator lab profile under another lab name and site."""
    text = (ROOT / "fixtures" / "profiles" / "lab-sim.yaml").read_text()
    text = text.replace("name: sim", f"name: {name}").replace("site: local", f"site: {site}")
    text = text.replace("operator: ci", f"operator: {operator}")
    path = folder / f"lab-{name}.yaml"
    path.write_text(text)
    return path


def sim_run(out: Path, specs=E2_NODE_SPECS, dut: Path | None = None, lab: Path | None = None,
            fault: str | None = None) -> Path:
    """Run the harness CLI against the built-in simulator; the results folder."""
    cmd = [sys.executable, "-m", "harness.cli.main", "run", "--results", str(out), *specs]
    if dut:
        cmd += ["--dut", str(dut)]
    if lab:
        cmd += ["--lab", str(lab)]
    if fault:
        cmd += ["--fault", fault]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (out / "summary.json").exists(), done.stdout[-2000:] + done.stderr[-2000:]
    return out
