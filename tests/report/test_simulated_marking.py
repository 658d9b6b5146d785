"""A run against a built-in simulator says SIMULATED in every output; a run that is not, nowhere.

The simulated run is real (the CLI against the built-in Near-RT RIC); its control is a results
folder whose run.json says ``simulated: false``. Each output is read back as a reader sees it:
the CLI's text, run.json, junit.xml, oran-results.json (schema-valid), the HTML and the PDF's text.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.cli.run_commands import summary
from harness.results.export import export_reports
from harness.results.simulated import EXPLANATION, is_simulated
from tests.report.pdf_text import pdf_text
from tests.report.report_runs import RIC_DUT, RIC_SPECS, ROOT
from tests.report.runs import SCHEMA, finding, handmade

MARK = "SIMULATED"


def _outputs(folder: Path, tmp: Path) -> dict[str, str]:
    """Every output of a results folder, as text: run.json, junit.xml, oran-results.json, HTML, PDF."""
    report = tmp / f"{folder.name}-report" / "report.html"
    assert main(["report", "build", str(folder), "-o", str(report)]) == 0
    return {"run.json": (folder / "run.json").read_text(), "junit": (folder / "junit.xml").read_text(),
            "oran": (folder / "oran-results.json").read_text(), "html": report.read_text(),
            "pdf": pdf_text(report.with_suffix(".pdf").read_bytes())}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory) -> tuple[Path, str, dict]:
    tmp = tmp_path_factory.mktemp("sim-mark")
    out = tmp / "results"
    done = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "--results", str(out), *RIC_SPECS,
                           "--dut", str(RIC_DUT)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (out / "summary.json").exists(), done.stdout[-2000:] + done.stderr[-2000:]
    return out, done.stdout, _outputs(out, tmp)


@pytest.fixture(scope="module")
def real(tmp_path_factory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("real-mark")
    folder = handmade(tmp, [{"id": "E2TS-R003-v02.00:5.2.1.2.1", "verdict": "PASS", "oran": "PASS",
                             "findings": [finding("PASS", "match", "answered")]}],
                      meta={"mode": "live", "simulated": False})
    export_reports(folder)                         # junit.xml and oran-results.json, as a finished run writes
    return folder, _outputs(folder, tmp)


def test_cli_marks_a_simulated_run_in_pytest_and_in_the_run_summary(simulated):
    _, stdout, _ = simulated
    plugin = stdout.split("O-RAN test case verdicts", 1)[1]
    assert f"{MARK}: {EXPLANATION}" in plugin.splitlines()[1]          # first line under the pytest section
    run_summary = stdout.split("Summary (verdicts per DUT):", 1)[1]
    assert f"DUT {RIC_DUT.name}" in run_summary and f"\n    {MARK}: {EXPLANATION}\n" in run_summary


def test_run_json_junit_and_oran_json_say_simulated(simulated):
    folder, _, out = simulated
    assert json.loads(out["run.json"])["simulated"] is True
    suite = ET.fromstring(out["junit"]).find("testsuite")  # noqa: S314 - our own junit.xml
    assert suite is not None and suite.get("name", "").endswith(f"[{MARK}]")
    props = {p.get("name"): p.get("value") for p in suite.iter("property") if p in suite.find("properties")}
    assert props["simulated"] == "true" and props[MARK] == EXPLANATION
    doc = json.loads(out["oran"])
    assert "simulated" in doc["tags"]
    assert doc["notes"][0] == {"title": MARK, "body": EXPLANATION}
    assert doc["testbedComponents"][0]["componentDescription"].startswith(f"{MARK} DUT:")
    _schema_valid(doc)


def test_html_and_pdf_show_a_banner_and_a_badge(simulated):
    _, _, out = simulated
    html = out["html"]
    assert html.count('class="sim-banner"') == 1                      # the run's section
    assert html.count('class="banner-sim"') == 1                      # the verdict banner's explanation
    assert html.count(f'<span class="sim">{MARK}</span>') == 3       # verdict banner, provenance table, run heading
    text = " ".join(out["pdf"].split())
    assert f"{MARK}: {EXPLANATION}" in text and f"{MARK} results" in text   # banner; run heading (label)
    assert f"sim ({MARK})" in text                                   # the mode in the provenance table


def test_a_run_that_says_simulated_false_is_marked_nowhere(real):
    folder, out = real
    assert json.loads(out["run.json"])["simulated"] is False
    for name, text in out.items():
        assert MARK not in text, name
    assert "simulated" not in json.loads(out["oran"])["tags"]
    assert 'name="simulated"' not in out["junit"] and 'class="sim' not in out["html"]
    assert MARK not in summary([(RIC_DUT, folder)])
    _schema_valid(json.loads(out["oran"]))


def test_simulated_is_inferred_from_older_run_json():
    builtin = {"vendor": "oran-harness", "model": "built-in Near-RT RIC simulator"}
    assert is_simulated({"mode": "sim"})
    assert is_simulated({"mode": "live", "dut": builtin})
    assert is_simulated({"mode": "live", "dut": {"vendor": "acme"}, "lab": {"transport": {"spawn_simulator": True}}})
    assert is_simulated({"mode": "live", "dut": {"vendor": "acme", "simulator": "near-rt-ric"}})
    assert not is_simulated({"mode": "live", "dut": {"vendor": "acme", "model": "RIC 9"}, "lab": {"transport": {}}})
    assert not is_simulated({"mode": "sim", "simulated": False, "dut": builtin})   # the explicit flag wins


def _schema_valid(doc: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"the O-RAN test-results schema is not at {SCHEMA}")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(doc)] == []
