"""``oran-harness bench all``: one table, each row's ratio computed from two figures measured in the
same run, a missing bench module a row that says so, and the README snippet.

Runs the cheap codec row for real (a subprocess, pycrate beside ours, short settings).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.bench import all_bench
from harness.bench.all_bench import BenchSpec, Row

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", "bench", "all", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)


def test_quick_codec_row_is_measured_beside_pycrate():
    out = _cli("--quick", "--only", "codec", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [r["key"] for r in rows] == ["codec"]
    row = rows[0]
    assert set(row) >= {"what", "ours", "peer", "ratio", "target", "met", "peak_rss_mib", "note"}
    assert row["ours"] > 0 and row["peer"] > 0 and row["peer_name"] == "pycrate"
    assert row["ratio"] == pytest.approx(row["ours"] / row["peer"])
    assert row["met"] == (row["ratio"] >= 5.0) and row["target"] == ">= 5x"
    assert 10 < row["peak_rss_mib"] < 4096       # a Python process that loaded the codecs, in MiB


def test_text_table_shape_and_markdown_snippet():
    rows = [Row("codec", "E2AP+E2SM deep decode", "msg/s", ours=4500.0, peer=2250.0, peer_name="pycrate",
                target=">= 2x", met=True, peak_rss_mib=120.4),
            Row("a1", "A1-P client requests", "req/s", note="skipped: harness.bench.a1_bench is not installed")]
    lines = all_bench.text_table(rows).splitlines()
    assert [c.strip() for c in lines[0].split("|")] == ["what", "ours", "peer", "ratio", "target", "met?",
                                                          "peak RSS"]
    assert len({len(line) for line in lines}) == 1                  # aligned columns
    assert [c.strip() for c in lines[2].split("|")] == [
        "E2AP+E2SM deep decode", "4,500 msg/s", "2,250 msg/s pycrate", "2.00x", ">= 2x", "yes", "120 MiB"]
    assert "skipped: harness.bench.a1_bench is not installed" in lines[3] and lines[3].count(" - ") >= 4
    md = all_bench.markdown_table(rows, "oran-harness bench all").splitlines()
    assert md[0].startswith("`oran-harness bench all` (") and md[2].startswith("| what | ours | peer | ratio |")
    assert md[3] == "|---|---|---|---|---|---|---|" and len(md) == 6


def test_a_missing_bench_module_is_a_row_that_says_why():
    spec = BenchSpec("ghost", "ghost_bench", (), (), lambda doc: {}, "a bench not written yet", "x/s")
    row = all_bench.run_one(spec, quick=True)
    assert row.ours is None and row.ratio is None
    assert row.note == "skipped: harness.bench.ghost_bench is not installed"


def test_a_failing_bench_is_a_row_with_its_last_error_line():
    spec = BenchSpec("codec", "codec_bench", ("--seconds", "not-a-number"), ("--seconds", "not-a-number"),
                     all_bench._codec, "E2AP+E2SM deep decode", "msg/s")
    row = all_bench.run_one(spec, quick=True)
    assert row.ours is None and row.note.startswith("failed (exit 2): ")
    assert "invalid float value: 'not-a-number'" in row.note


def test_unknown_bench_name_is_one_line():
    out = _cli("--only", "codec,warp")
    assert out.returncode == 2
    assert out.stderr.strip() == ("error: --only codec,warp: unknown bench warp; known: a1, capture, codec, "
                                  "fronthaul, relay, replay, report, suite, transport")


def test_capture_bench_gives_three_rows_with_their_targets():
    doc = {"rows": [{"tool": "ours (2 processes)", "pkts_per_s": 40000.0},
                    {"tool": "ours (1 process)", "pkts_per_s": 16000.0},
                    {"tool": "tshark -T json", "pkts_per_s": 8000.0}],
           "targets": {"ratio_target": 4.0, "single_ratio_target": 2.0, "memory_target": 1.25,
                       "memory_flat": True},
           "memory": {"big_packets": 1_000_000, "small": {"peak_rss_kib": 102400},
                      "big": {"peak_rss_kib": 107520}}}
    spec = next(b for b in all_bench.BENCHES if b.key == "capture")
    rows = [Row(f.pop("key", spec.key), f.pop("what", spec.what), f.pop("unit", spec.unit), **f)
            for f in all_bench._capture(doc)]
    both, one, mem = rows
    assert (both.ratio, both.target, both.met) == (5.0, ">= 4x", True)
    assert (one.ratio, one.target, one.met) == (2.0, ">= 2x", True)
    assert both.peer_name == one.peer_name == "tshark -T json (1 process)"
    assert (mem.key, mem.unit, mem.ours, mem.peer, mem.target) == ("capture-memory", "MiB", 105.0, 100.0,
                                                                    "<= 1.25x (flat)")
    assert mem.ratio == 1.05 and mem.met and mem.note == "1,000,000 packets"
