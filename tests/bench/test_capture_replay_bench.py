"""The capture and replay benches' own logic, on a small generated capture (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.bench import capture_bench as cb
from harness.bench import replay_bench as rb
from harness.capture import files

REPO = Path(__file__).resolve().parents[2]


def test_generated_capture_splits_like_a_single_decode(tmp_path):
    path = tmp_path / "small.pcapng"
    cb.generate(path, 600)
    single = cb.decode_file(str(path))
    assert single["packets"] == 600 and single["issues"] == 0
    assert single["indications"] == 600 - 9
    assert single["kpm_values"] == 6 * single["indications"]       # golden pc05-1: 2 records x 3
    parts = [cb.decode_file(str(path), k, 2, chunk=16) for k in range(2)]
    assert sum(p["indications"] for p in parts) == single["indications"]
    assert sum(p["checksum"] for p in parts) == single["checksum"]
    assert all(p["indications"] > 0 for p in parts)


def test_parent_fed_workers_decode_what_one_process_decodes(tmp_path):
    """The bench forks, as `oran-harness bench` does from a fresh process; forking pytest itself (with
    other tests' threads alive) can deadlock the child on an inherited lock, so it runs in its own."""
    path = tmp_path / "small.pcapng"
    cb.generate(path, 700)
    single = cb.decode_file(str(path))
    code = ("import json, sys; from pathlib import Path; from harness.bench import capture_bench as cb; "
            "print(json.dumps(cb.ours_parallel(Path(sys.argv[1]), workers=2, chunk=16)))")
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                         timeout=300, check=True, cwd=REPO)
    both = json.loads(out.stdout.strip().splitlines()[-1])
    assert (both["packets"], both["indications"], both["kpm_values"], both["checksum"], both["issues"]) == (
        single["packets"], single["indications"], single["kpm_values"], single["checksum"], single["issues"])
    assert both["decoded_messages"] == single["decoded"]


def test_indication_frame_filter_matches_the_reader(tmp_path):
    path = tmp_path / "small.pcapng"
    cb.generate(path, 100)
    with open(path, "rb") as f:
        hits = [frame for _, _, _, frame, _ in files.frames(f, str(path), [])
                if len(frame) > 63 and frame[46] == 0 and frame[62] == 0 and frame[63] == 5]
    assert len(hits) == 100 - 9


def test_wire_stats_constant_latency_is_not_error():
    t = [i * 0.001 for i in range(1000)]
    rx = [10.0 + x + 0.000030 for x in t]                 # 30 µs late, every frame: no jitter
    s = rb._wire_stats(rx, t)
    assert s["median_us"] < 0.01 and s["drift_us"] < 0.01
    creep = [10.0 + x * 1.001 for x in t]                 # 0.1 % slow: 1 ms over the run
    assert abs(rb._wire_stats(creep, t)["drift_us"]) > 800
