"""SIGKILL a real run at random points; each time the folder must be readable and reportable.

Two runs, each in a subprocess: an E2 suite against the simulated Near-RT RIC
(repeated Reset cases, so every point of the run is a test boundary, a write or a
wait) and the bundled A1TS suite against the simulated Near-RT RIC (HTTP evidence).
A first, whole run measures the duration (from its run.json to its summary.json); then the run is started again
and killed, that long after its run.json appeared, at each of ``ORAN_CRASH_POINTS`` (default 5) instants drawn, with a printed seed
(``ORAN_CRASH_SEED`` replays it), from the whole duration. After every kill:

* `read_results` accepts the folder; a cut last line is a notice, never a row;
* every file a row names exists (`missing()` is empty);
* every pcapng reads in our reader and, with the same packet count, in tshark
  (skipped when tshark is absent); a packet block cut by the kill is an issue on
  the last packet only;
* ``oran-harness report build DIR -o OUT --no-pdf`` exits 0 and says the run did not finish.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.capture.files import frames
from harness.results.reader import read_results
from tests.report.runs import RIC, ROOT, reset_rounds, specs

POINTS = int(os.environ.get("ORAN_CRASH_POINTS", "5"))
SEED = int(os.environ.get("ORAN_CRASH_SEED", str(random.SystemRandom().randrange(1 << 30))))
A1_RIC = ROOT / "fixtures" / "profiles" / "dut-sim-a1-ric.yaml"
FAST_LAB = ROOT / "fixtures" / "profiles" / "lab-sim-fast.yaml"


def e2_command(tmp: Path, results: Path) -> list[str]:
    root = tmp / "e2"
    if not root.exists():
        root.mkdir()
        specs(root, reset_rounds(12, 0.2))
    root = root / "specs"
    return ["--specs-root", str(root), str(root), "--dut", str(RIC), "--results", str(results)]


def a1_command(tmp: Path, results: Path) -> list[str]:
    return ["--specs-root", str(ROOT / "testcases"), str(ROOT / "testcases" / "a1ts"), "--dut", str(A1_RIC),
            "--lab", str(FAST_LAB), "--results", str(results)]


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(ROOT),
                             "-c", str(ROOT / "pyproject.toml"), *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def run_began(proc: subprocess.Popen, results: Path) -> float | None:
    """Wait for run.json (the run's first write, after collection); the time it appeared."""
    deadline = time.monotonic() + 300
    while not (results / "run.json").is_file():
        if proc.poll() is not None or time.monotonic() > deadline:
            return None
        time.sleep(0.02)
    return time.monotonic()


def whole_run(args: list[str], results: Path) -> float:
    """Seconds from run.json to summary.json (the span in which the run writes results)."""
    proc = start(args)
    began = run_began(proc, results)
    assert began is not None, "the whole run wrote no run.json"
    while not (results / "summary.json").is_file() and proc.poll() is None:
        time.sleep(0.02)
    ended = time.monotonic()
    proc.wait(timeout=600)
    return ended - began


def kill_at(args: list[str], results: Path, seconds: float) -> None:
    """Kill the run ``seconds`` after it began (timed from run.json, so collection time does not count)."""
    proc = start(args)
    try:
        if run_began(proc, results) is not None:
            try:
                proc.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                pass
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def packets_by_tshark(path: Path) -> int | None:
    if shutil.which("tshark") is None:
        return None
    out = subprocess.run(["tshark", "-r", str(path), "-T", "fields", "-e", "frame.number"], capture_output=True,
                         text=True, timeout=60)
    return len([x for x in out.stdout.splitlines() if x.strip()])


def check_folder(results: Path, out: Path, where: str) -> tuple[int, bool]:
    """Every check of the docstring; returns (rows, complete)."""
    if not (results / "run.json").is_file():
        return 0, False                                   # killed before the run began: nothing to check
    folder = read_results(results)
    for notice in folder.notices:
        assert "skipped a cut last line" in notice, (where, notice)
    assert folder.missing() == [], (where, folder.missing())
    for pcap in sorted(results.rglob("*.pcapng")):
        issues: list = []
        with open(pcap, "rb") as f:
            ours = sum(1 for _ in frames(f, str(pcap), issues))
        assert all("\n" not in str(i.message) for i in issues), (where, pcap, issues)
        assert all(i.packet >= ours for i in issues), (where, pcap, issues)      # only a cut last block
        theirs = packets_by_tshark(pcap)
        if theirs is not None:
            assert theirs == ours, (where, pcap, ours, theirs)
    proc = subprocess.run([sys.executable, "-m", "harness.cli.main", "report", "build", str(results), "-o",
                           str(out), "--no-pdf"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, (where, proc.stdout[-1500:], proc.stderr[-1500:])
    html = out.read_text() if out.is_file() else (out / "report.html").read_text()
    if not folder.complete:
        assert "the run did not finish (killed?)" in html, where          # harness/report/sources.py
    return len(folder.rows), folder.complete


@pytest.mark.parametrize("name, command", [("e2", e2_command), ("a1", a1_command)])
def test_sigkill_at_random_points_leaves_a_valid_reportable_folder(tmp_path, name, command):
    print(f"ORAN_CRASH_SEED={SEED} ORAN_CRASH_POINTS={POINTS} ({name})")
    rng = random.Random(f"{SEED}-{name}")
    whole = tmp_path / "whole"
    duration = whole_run(command(tmp_path, whole), whole)
    rows, complete = check_folder(whole, tmp_path / "whole.html", f"{name} whole run")
    assert complete and rows >= 5, (rows, complete)
    points = sorted(rng.uniform(0.0, 0.95) * duration for _ in range(POINTS))
    seen = []
    for i, at in enumerate(points):
        results = tmp_path / f"killed-{i}"
        kill_at(command(tmp_path, results), results, at)
        seen.append(check_folder(results, tmp_path / f"killed-{i}.html", f"{name} killed at {at:.2f} s (seed {SEED})"))
    print(f"{name}: whole run {duration:.1f} s, {rows} rows; killed at "
          + ", ".join(f"{at:.1f} s -> {n} rows" for at, (n, _) in zip(points, seen)))
    assert any(0 < n < rows for n, _ in seen) or POINTS < 3, seen          # some kill landed mid-run
