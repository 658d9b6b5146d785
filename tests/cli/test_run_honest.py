"""Runs that finish honestly (issue 15, item 4): fresh results folders, INCOMPLETE everywhere,
ERROR rows for the harness's own failures, SIGINT/SIGTERM that stop every child, one exit-code table.

The signal tests start `oran-harness run` as a real process on a slow suite over real SCTP (UDP
encapsulation on loopback) against the simulator it spawns (UDP 9900), stop it after two test cases
and look in /proc for anything left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.core.verdict import Verdict, exit_status
from harness.results.reader import read_results
from tests.conftest import ROOT

LAB_LIVE = ROOT / "fixtures" / "profiles" / "lab-live-udp.yaml"
CLI = [sys.executable, "-m", "harness.cli.main"]


def _slow_suite(folder: Path, cases: int = 8, wait: float = 1.0) -> Path:
    """A suite of E2 setups that each wait ``wait`` s: long enough to stop it in the middle."""
    folder.mkdir(parents=True, exist_ok=True)
    text = ["testcases:"]
    for i in range(1, cases + 1):
        text += [f"  - id: SLOW-R001-v01.00:1.{i}", f"    title: slow case {i}", "    interface: e2-node.e2",
                 "    dut: e2-node", "    status: mandatory", "    steps:", "      - {use: e2-setup-as-ric}",
                 f"      - wait: {wait}", "    expected:", "      - the E2 setup works"]
    (folder / "slow.yaml").write_text("\n".join(text) + "\n")
    return folder


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc: no psutil)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), ()):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _rows(results: Path) -> int:
    path = results / "results.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


# ------------------------------------------------------------------------------ exit codes

@pytest.mark.parametrize(("verdicts", "complete", "code"), [
    (["PASS", "PASS", "NOT-APPLICABLE"], True, 0),
    (["PASS", "FAIL", "INCONC"], True, 1),
    (["PASS", "FAIL", "ERROR"], True, 3),
    (["PASS", "NONE"], True, 3),
    (["PASS", "PASS"], False, 3),
    (["PASS", "INCONC"], True, 4),
    (["NOT-APPLICABLE"], True, 4),
    ([Verdict.PASS, Verdict.FAIL], True, 1),
])
def test_one_exit_code_table(verdicts, complete, code):
    assert exit_status(verdicts, complete) == code


# ------------------------------------------------------------------------------ fresh folders

def test_a_folder_that_holds_files_is_refused_and_append_keeps_runs_apart(tmp_path):
    suite = _slow_suite(tmp_path / "suite", cases=1, wait=0)
    results = tmp_path / "results"
    results.mkdir()
    (results / "notes.txt").write_text("somebody's notes\n")
    refused = subprocess.run([*CLI, "run", str(suite), "--results", str(results)], capture_output=True,
                             text=True, timeout=120)
    assert refused.returncode == 2
    assert f"error: --results {results}: the folder is not empty; give a new folder, or add --append to keep " \
           f"this run apart in {results / 'run-2'}" in refused.stderr
    assert sorted(p.name for p in results.iterdir()) == ["notes.txt"]
    for expected in ("run-2", "run-3"):
        done = subprocess.run([*CLI, "run", str(suite), "--results", str(results), "--append"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        run = read_results(results / expected)
        assert run.status == "COMPLETE" and [r.verdict for r in run.rows] == ["PASS"]
    assert json.loads((results / "run-2" / "run.json").read_text())["run_id"] != \
        json.loads((results / "run-3" / "run.json").read_text())["run_id"]


def test_pytest_results_refuses_a_folder_that_holds_a_run(tmp_path):
    suite = _slow_suite(tmp_path / "suite", cases=1, wait=0)
    results = tmp_path / "results"
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(suite), "--results", str(results)]
    assert subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT).returncode == 0
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert again.returncode == 4                      # pytest's usage error
    assert f"oran-harness: {results}: already holds a run (run.json)" in again.stderr
    assert len(read_results(results).rows) == 1       # the first run is untouched


# ------------------------------------------------------------------------------ stopped runs

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_run_stops_every_child_and_is_incomplete_everywhere(tmp_path, sig):
    suite = _slow_suite(tmp_path / "suite")
    results = tmp_path / "results"
    proc = subprocess.Popen([*CLI, "run", str(suite), "--lab", str(LAB_LIVE), "--results", str(results)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while _rows(results) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert _rows(results) >= 2, "the run did not get through two test cases"
        children = _descendants(proc.pid)
        assert any("harness.cli.main\x00sim" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
                   for pid in children if _alive(pid)), "no simulator process was spawned"
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 3, out
    left = [pid for pid in children if _alive(pid)]
    assert not left, f"processes left after {sig.name}: {left}"
    assert f"stopped by {sig.name}: the run is INCOMPLETE; partial results in {results}" in out
    assert f"build the report: oran-harness report build {results}" in out
    run = json.loads((results / "run.json").read_text())
    assert run["status"] == "INCOMPLETE"
    planned = [p["id"] for p in run["planned"]]
    assert planned == [f"SLOW-R001-v01.00:1.{i}" for i in range(1, 9)]
    done = [json.loads(line)["id"] for line in (results / "results.jsonl").read_text().splitlines()]
    assert run["not_run"] == [p for p in planned if p not in done] and run["not_run"]
    for never in run["not_run"]:
        assert f"NOT RUN         {never}" in out
    junit = (results / "junit.xml").read_text()
    assert '<property name="status" value="INCOMPLETE" />' in junit
    assert junit.count('type="INCOMPLETE"') == len(run["not_run"])
    oran = json.loads((results / "oran-results.json").read_text())
    assert oran["testMetadata"]["result"] != "PASS"
    assert any(n["title"] == "run incomplete" and run["not_run"][-1] in n["body"] for n in oran["notes"])
    report = subprocess.run([*CLI, "report", "build", str(results), "-o", str(tmp_path / "report.html"),
                             "--no-pdf"], capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stdout + report.stderr
    html = (tmp_path / "report.html").read_text()
    assert "NO: INCOMPLETE run" in html and f"NOT RUN {run['not_run'][0]}" in html
    assert '<span class="ok">YES</span>' not in html


def test_a_killed_harness_still_stops_its_children(tmp_path):
    """SIGKILL to `oran-harness run` cannot be passed on: the kernel tells the child (PR_SET_PDEATHSIG)."""
    suite = _slow_suite(tmp_path / "suite")
    results = tmp_path / "results"
    proc = subprocess.Popen([*CLI, "run", str(suite), "--lab", str(LAB_LIVE), "--results", str(results)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while _rows(results) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert _rows(results) >= 2, "the run did not get through two test cases"
        children = _descendants(proc.pid)
        assert children
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 40
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL) if proc.poll() is None else None
    left = [pid for pid in children if _alive(pid)]
    for pid in left:                                   # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left after SIGKILL of the harness: {left}"
    assert json.loads((results / "run.json").read_text())["status"] == "INCOMPLETE"


# ------------------------------------------------------------------------------ harness failures

def test_a_full_disk_is_an_error_row_and_nothing_recorded_is_lost(tmp_path):
    """A results folder on a 64 KiB tmpfs: the evidence soon does not fit."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        done = subprocess.run([*CLI, "run", "--results", str(mount / "results")], capture_output=True, text=True,
                              timeout=300)
        output = done.stdout + done.stderr
        assert "Traceback" not in output
        assert done.returncode == 3, output
        run = read_results(mount / "results")          # every line on disk is whole: no cut line
        assert not run.notices and run.status == "INCOMPLETE"
        written = [f for r in run.rows for f in r.findings if f.check == "results.write"]
        assert written and all("No space left on device" in f.message for f in written)
        assert "INCOMPLETE: " in done.stdout and "planned test case(s) without a result" in done.stdout
        assert "was not written (No space left on device)" in output
    finally:
        subprocess.run(["umount", str(mount)], check=False)
