"""``oran-harness fuzz``: lists its targets, runs one for a while, and prints one line per target."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", "fuzz", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_list_names_every_target():
    out = _cli("--list")
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert names == ["e2ap-v02.03", "e2ap-v03.01", "e2sm-kpm-v03.00", "e2sm-kpm-v02.03", "e2sm-rc-v01.03",
                     "fastper", "capture", "sctp", "spec", "profiles"]


def test_a_short_run_reports_its_counts_and_finds_nothing_in_fixed_code(tmp_path):
    out = _cli("--target", "sctp", "--minutes", "0.05", "--corpus", str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.fullmatch(r"sctp +\d+ cases +0 rejected +\d+ accepted +slowest \d+\.\d+ s +0 crash\(es\)\n",
                        out.stdout), out.stdout
    assert not any(tmp_path.iterdir())


def test_an_unknown_target_is_a_usage_error():
    out = _cli("--target", "nope")
    assert out.returncode == 2 and "invalid choice: 'nope'" in out.stderr
