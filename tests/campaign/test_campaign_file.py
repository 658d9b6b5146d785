"""Campaign files are strict: a typo, an unknown path profile or link is a file:line error, exit 2,
before anything runs; the distributions are the honest statistics of what was measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.campaign.model import CampaignError, load_campaign
from harness.campaign.stats import distributions, percentile
from harness.report.recovery_view import distribution_svg
from harness.results.reader import read_results

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
BUNDLED = ROOT / "fixtures" / "campaigns" / "e2-restart-sim.yaml"

GOOD = f"""campaign: small
lab: {PROFILES / 'lab-sim-resilience.yaml'}
duts: [{PROFILES / 'dut-sim-e2-node-resilience.yaml'}]
testcases: [{ROOT / 'testcases/resilience/e2-node-restart.yaml'}]
link: e2
impairments:
  - none
  - submarine-long-haul
  - {{name: lossy, loss: 0.02, delay_ms: 5}}
repetitions: 2
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("path", sorted((ROOT / "fixtures" / "campaigns").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_campaign_loads_with_its_lab_links(path):
    camp = load_campaign(path)
    assert camp.duts and camp.repetitions >= 1 and camp.impairments and camp.testcases
    assert camp.link in yaml.safe_load(Path(camp.lab).read_text())["links"]      # the link it impairs exists


def test_the_bundled_campaign_loads():
    camp = load_campaign(BUNDLED)
    assert [i.name for i in camp.impairments] == ["none", "submarine-long-haul"]
    assert camp.repetitions == 3 and len(camp.duts) == 2 and camp.link == "e2"
    assert camp.impairments[1].impairment.delay_ms == 55


@pytest.mark.parametrize(("old", "new", "line", "says"), [
    ("repetitions: 2", "repetitons: 2", 10, "unknown key 'repetitons' in campaign (did you mean repetitions?)"),
    ("  - submarine-long-haul", "  - submarine-longhaul", 8,
     "impairment 'submarine-longhaul' is neither none nor a path profile (did you mean submarine-long-haul?)"),
    ("link: e2", "link: E2", 5, "link 'E2' is not in the lab profile's links (did you mean e2?) (known: e2)"),
    ("loss: 0.02", "loss: 2", 9, "loss"),
    ("repetitions: 2", "repetitions: 0", 10, "'repetitions' is 0: give 1 to 1000"),
])
def test_a_mistake_is_a_file_line_error(tmp_path, old, new, line, says):
    path = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(CampaignError) as err:
        load_campaign(path)
    assert str(err.value).startswith(f"{path}:{line}: ") and says in str(err.value), str(err.value)


def test_the_command_exits_2_on_a_typo_and_runs_nothing(tmp_path):
    path = _write(tmp_path, GOOD.replace("repetitions: 2", "repetitons: 2"))
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "campaign", str(path), "--results",
                          str(tmp_path / "out")], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"error: {path}:10: unknown key 'repetitons' in campaign"), out.stderr
    assert not (tmp_path / "out").exists()


def test_percentile_is_nearest_rank():
    assert percentile([], 0.95) is None
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([float(v) for v in range(1, 21)], 0.95) == 19.0
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2.0


def _folder(tmp_path: Path, name: str, values: list) -> Path:
    """A minimal results folder whose one row carries detection figures ``values`` (None: never)."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "run.json").write_text('{"harness": "t", "mode": "live", "dut": {}, "lab": {}}')
    rows = []
    for v in values:
        verdict = "PASS" if v is not None and v <= 1000 else "FAIL"
        rows.append(json.dumps({"id": "T-0", "title": "t", "verdict": verdict, "recovery": [
            {"interface": "e2", "figure": "detection", "value": v, "units": "ms", "objective": 1000,
             "pixit": "e2_detection_ms", "verdict": verdict, "clause": "c"}]}))
    (folder / "results.jsonl").write_text("\n".join(rows) + "\n")
    return folder


def test_distributions_keep_never_out_of_the_statistics(tmp_path):
    runs = [("dut", "none", read_results(_folder(tmp_path, f"r{i}", [v])))
            for i, v in enumerate([100.0, 300.0, None, 200.0])]
    (d,) = distributions(runs)
    assert (d.testcase, d.impairment, d.figure, d.n, d.not_measured) == ("T-0", "none", "detection", 4, 1)
    assert d.values == (100.0, 300.0, 200.0)
    assert (d.median, d.p95, d.max) == (200.0, 300.0, 300.0)
    assert d.verdicts == {"PASS": 3, "FAIL": 1}
    svg = str(distribution_svg([d]))
    assert svg.count('class="sample"') == 3 and 'class="box"' in svg and 'class="median"' in svg
    assert 'class="objective"' in svg and "never 1" in svg
