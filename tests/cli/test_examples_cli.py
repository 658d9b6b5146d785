"""``oran-harness examples`` (today's main job): passes good vectors, fails a damaged one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "fixtures" / "golden"


def test_examples_checks_every_vector_and_reports_a_bad_one(tmp_path):
    vectors = tmp_path / "vectors"
    (vectors / "e2ap-v03.01").mkdir(parents=True)
    good = GOLDEN / "e2ap-v03.01" / "pc05-1-RICindication.json"
    shutil.copy(good, vectors / "e2ap-v03.01" / good.name)
    bad = json.loads(good.read_text())
    bad["hex"] = bad["hex"][:-2]                       # one octet short
    (vectors / "e2ap-v03.01" / "damaged.json").write_text(json.dumps(bad))
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "examples", "--vectors", str(vectors),
                          "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[-1] == "1 passed, 1 failed"
    assert lines[0].startswith("FAIL e2ap-v03.01/damaged.json")
    assert "DecodeError: E2AP-PDU.initiatingMessage.value" in lines[0]
    assert lines[1].startswith("OK   e2ap-v03.01/pc05-1-RICindication.json")
    written = json.loads((tmp_path / "out" / "e2ap-v03.01" / "pc05-1-RICindication.json").read_text())
    assert written["ok"] is True
    assert written["decoded"] == json.loads(good.read_text())["value"]
