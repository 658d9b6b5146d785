"""A small campaign against the simulators, end to end: 1 test case (E2 node restart), 2 impairments
(the clean path, and a 20 ms each-way path through the UDP relay), 2 repetitions. It writes
campaign.json with the distributions, and a report with the figure tables, per-run timelines (the
impairment window shaded) and a distribution chart per figure; `report build` on the campaign folder
shows the same. The lab is a copy of the bundled one on ports of its own."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
FIGURES = {"detection", "reestablish", "subscription", "indication-gap"}


def _lab(tmp_path: Path) -> Path:
    lab = yaml.safe_load((PROFILES / "lab-sim-resilience.yaml").read_text())
    lab["transport"].update(udp_port=9881, remote_udp_port=9882, listen="127.0.0.1:36452",
                            simulator={"address": "127.0.0.1:36451"})
    lab["links"]["e2"].update(listen="127.0.0.1:39912", upstream="127.0.0.1:9882")
    path = tmp_path / "lab.yaml"
    path.write_text(yaml.safe_dump(lab))
    return path


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    tmp = tmp_path_factory.mktemp("campaign")
    file = tmp / "small.yaml"
    file.write_text(f"""campaign: small
lab: {_lab(tmp)}
duts: [{PROFILES / 'dut-sim-e2-node-resilience.yaml'}]
testcases: [{ROOT / 'testcases/resilience/e2-node-restart.yaml'}]
link: e2
impairments:
  - none
  - {{name: delay-20ms, delay_ms: 20}}
repetitions: 2
""")
    out = tmp / "out"
    proc = subprocess.run([sys.executable, "-m", "harness.cli.main", "campaign", str(file), "--results", str(out)],
                          capture_output=True, text=True, timeout=900, cwd=tmp)
    return out, proc


def test_campaign_json_has_the_distributions(campaign):
    out, proc = campaign
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((out / "campaign.json").read_text())
    assert data["format"] == "oran-harness-campaign/1" and data["complete"] and data["exit"] == 0
    assert [r["folder"] for r in data["runs"]] == ["none--r1", "delay-20ms--r1", "none--r2", "delay-20ms--r2"]
    assert all(r["verdicts"] == {"PASS": 1} for r in data["runs"])
    dists = {(d["impairment"], d["figure"]): d for d in data["distributions"]}
    assert {f for _, f in dists} >= FIGURES
    for imp in ("none", "delay-20ms"):
        for figure in FIGURES:
            d = dists[(imp, figure)]
            assert d["n"] == 2 and len(d["values"]) == 2 and d["verdicts"] == {"PASS": 2}
            assert d["median"] <= d["p95"] == d["max"] == max(d["values"])
    # the console table: one line per (test case, impairment, figure)
    assert re.search(r"RES-E2-v01\.00:1\.1\.1\s+delay-20ms\s+reestablish\s+2\s", proc.stdout), proc.stdout
    # the row's lab profile carries the impairment, and the relay applied it from its first datagram
    lab = yaml.safe_load((out / "profiles" / "lab-delay-20ms.yaml").read_text())
    assert lab["links"]["e2"]["impairment"] == {"delay_ms": 20}
    run = json.loads((out / "delay-20ms--r1" / "run.json").read_text())
    assert run["lab"]["links"]["e2"]["impairment"] == {"delay_ms": 20}


def _svg(html: str, cls: str) -> list[str]:
    return re.findall(rf'<svg [^>]*class="chart {cls}".*?</svg>', html, flags=re.S)


def test_the_report_shows_figures_timelines_and_distributions(campaign, tmp_path):
    out, _ = campaign
    for page in (out / "report.html", tmp_path / "built.html"):
        if page.parent == tmp_path:
            built = subprocess.run([sys.executable, "-m", "harness.cli.main", "report", "build", str(out), "-o",
                                    str(page), "--no-pdf"], capture_output=True, text=True, timeout=300)
            assert built.returncode == 0, built.stdout + built.stderr
        html = page.read_text()
        assert "Resilience campaign small: recovery figure distributions" in html
        dist = _svg(html, "distribution")
        assert len(dist) >= len(FIGURES)
        assert all(s.count('class="sample"') == 4 and s.count('class="box"') == 2 for s in dist)
        timed = [s for s in dist if re.search(r'aria-label="distribution of ([a-z-]+)"', s).group(1) in FIGURES]
        assert len(timed) == len(FIGURES) and all(s.count('class="objective"') == 2 for s in timed)
        timelines = _svg(html, "timeline")
        assert len(timelines) == 4                   # one per run
        impaired = [t for t in timelines if 'class="impairment-window"' in t]
        assert len(impaired) == 2 and all("delay_ms=20" in t for t in impaired)
        assert all('class="restart-window"' in t and 'class="recovery-event"' in t for t in timelines)
        assert html.count('<table class="recovery">') == 4 and "lab objective PIXIT e2_reestablish_ms" in html


def test_the_charts_render_in_chromium(campaign):
    """The charts are drawn by a real browser (no script needed): every sample dot and shaded
    window has a size on the page. A screenshot is left in /tmp/campaign-report.png."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    out, _ = campaign
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto((out / "report.html").as_uri(), wait_until="load", timeout=60_000)
            sizes = page.evaluate("""() => Object.fromEntries(['svg.distribution circle.sample',
                'svg.timeline rect.impairment-window', 'svg.timeline circle.recovery-event'].map(sel =>
                [sel, [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect().width)]))""")
            page.locator("svg.distribution").first.scroll_into_view_if_needed()
            page.screenshot(path="/tmp/campaign-report.png")
        finally:
            browser.close()
    dots, windows, events = sizes.values()
    assert len(dots) >= 4 * len(FIGURES) and all(w > 0 for w in dots)
    assert len(windows) == 2 and all(w > 100 for w in windows)       # the whole test case, shaded
    assert events and all(w > 0 for w in events)
