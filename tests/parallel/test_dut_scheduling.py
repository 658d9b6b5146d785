"""Four simulated DUTs in one pytest session on xdist workers: each DUT on one worker, in spec
order, the DUTs overlapping in time; and the same verdicts as running the DUTs one after the other.

Real runs (subprocesses, the built-in simulators on in-process links); a spec subset keeps it short.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.parallel.duts import dut_of
from harness.parallel.joint import verdicts

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
DUTS = ["dut-sim-e2-node", "dut-sim-e2-node-b", "dut-sim-near-rt-ric", "dut-sim-near-rt-ric-b"]
SPECS = ["testcases/e2ts/e2-node/reset.yaml", "testcases/e2ts/e2-node/control.yaml",
         "testcases/e2ts/near-rt-ric/e2-setup.yaml", "testcases/e2ts/near-rt-ric/functional-procedures.yaml"]


def _dut_args() -> list[str]:
    return [arg for d in DUTS for arg in ("--dut", str(PROFILES / f"{d}.yaml"))]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_each_dut_runs_on_one_worker_in_spec_order_and_duts_overlap(tmp_path):
    record = tmp_path / "workers.json"
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header",
                          "--rootdir", str(ROOT), "-n", "4", "-p", "tests.parallel.record_workers",
                          "--record-workers", str(record), "--results", str(tmp_path / "results"),
                          *_dut_args(), *SPECS], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    data = json.loads(record.read_text())
    collection, runs = data["collection"], data["runs"]
    calls = [r for r in runs if r["when"] == "setup"]          # every item has a setup report
    assert len(calls) == len(collection) == len(DUTS) * 12
    by_dut: dict[str, list[dict]] = {}
    for r in calls:
        by_dut.setdefault(dut_of(r["nodeid"]), []).append(r)
    assert sorted(by_dut) == sorted(f"dut:{d}" for d in DUTS)
    spans = {}
    for dut, items in by_dut.items():
        assert len({r["worker"] for r in items}) == 1, f"{dut} ran on several workers: {items}"
        in_spec_order = [n for n in collection if dut_of(n) == dut]
        assert [r["nodeid"] for r in items] == in_spec_order, f"{dut} did not run in spec order"
        dut_runs = [r for r in runs if dut_of(r["nodeid"]) == dut]
        spans[dut] = (min(r["start"] for r in dut_runs), max(r["stop"] for r in dut_runs))
    assert len({by_dut[d][0]["worker"] for d in by_dut}) == 4, "four DUTs on four workers"
    # Parallel, not one after the other: every DUT's run overlaps another DUT's run in time.
    for dut, (start, stop) in spans.items():
        others = [s for d, s in spans.items() if d != dut]
        assert any(start < o_stop and o_start < stop for o_start, o_stop in others), (dut, spans)
    assert "O-RAN test case verdicts per DUT" in out.stdout
    for d in DUTS:
        assert (tmp_path / "results" / d / "summary.json").exists()


def test_parallel_run_gives_the_folders_and_verdicts_of_a_sequential_run(tmp_path):
    seq = _cli("run", *_dut_args(), "--results", str(tmp_path / "seq"), "--no-report", *SPECS)
    par = _cli("run", *_dut_args(), "--parallel", "4", "--results", str(tmp_path / "par"), *SPECS)
    assert seq.returncode == 0, seq.stdout[-3000:] + seq.stderr[-2000:]
    assert par.returncode == 0, par.stdout[-3000:] + par.stderr[-2000:]
    assert "4 DUT(s) on 4 worker(s)" in par.stdout
    assert sorted(p.name for p in (tmp_path / "par").iterdir() if p.is_dir()) == sorted(DUTS)
    for d in DUTS:
        seq_v, par_v = verdicts(tmp_path / "seq" / d), verdicts(tmp_path / "par" / d)
        assert par_v == seq_v and len(par_v) == 12, d
        meta = json.loads((tmp_path / "par" / d / "run.json").read_text())
        assert Path(meta["dut_profile"]).stem == d
    # The profiles really differ: the KPM-only E2 node has RIC Control not applicable, the first runs it.
    control = "E2TS-R003-v02.00:6.2.2.5.1"
    assert verdicts(tmp_path / "par" / "dut-sim-e2-node")[control] == "PASS"
    assert verdicts(tmp_path / "par" / "dut-sim-e2-node-b")[control] == "NOT-APPLICABLE"
    joint = tmp_path / "par" / "report.html"
    assert joint.exists() and f"joint report {joint} (4 DUTs" in par.stdout
    html = joint.read_text()
    assert all(model in html for model in ("(KPM-only profile)", "(reduced global procedures)"))
    assert all(f"{name}" in html for name in ("sim-e2-node-b", "sim-near-rt-ric-b"))


def test_two_profiles_with_one_file_name_are_refused(tmp_path):
    twin = tmp_path / "dut-sim-e2-node.yaml"
    twin.write_text((PROFILES / "dut-sim-e2-node.yaml").read_text())
    out = _cli("run", "--dut", str(PROFILES / "dut-sim-e2-node.yaml"), "--dut", str(twin), "--parallel", "2")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"error: --dut {twin}: has the same file name as {PROFILES / 'dut-sim-e2-node.yaml'}; a DUT takes one "
        "test case at a time and its results folder is named after the file stem, so rename one of them"]
