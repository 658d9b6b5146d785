"""JUnit XML keeps the verdict meaning: pytest's --junitxml through the plugin, and junit.xml per run."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from harness.results.junit import junit_tree
from harness.results.reader import read_results
from tests.report.runs import ERROR_ID, FAIL_ID, PASS_ID, RIC, ROOT, finding, handmade, pytest_run, specs


def _cases(root: ET.Element) -> dict:
    return {c.get("name").split(": ")[0]: c for c in root.iter("testcase")}


def _outcome(case: ET.Element) -> str:
    child = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
    return child.tag if child is not None else "passed"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("junit")
    out = pytest_run(specs(tmp), "--dut", str(RIC), "--results", str(tmp / "results"),
                     "--junitxml", str(tmp / "pytest-junit.xml"))
    assert out.returncode == 1, out.stdout + out.stderr
    return tmp


def test_pytest_junitxml_error_is_an_error_and_fail_a_failure_with_its_clause(run):
    root = ET.parse(run / "pytest-junit.xml").getroot()
    cases = _cases(root)
    assert {k: _outcome(c) for k, c in cases.items()} == {PASS_ID: "passed", FAIL_ID: "failure", ERROR_ID: "error"}
    failure = cases[FAIL_ID].find("failure")
    assert failure.get("message") == ("FAIL: expect.match at TransactionID: expected 22, observed 21 "
                                      "[E2TS-R003-v02.00:5.2.1.2.1]")
    assert cases[ERROR_ID].find("error").get("message").startswith("ERROR: trigger: the simulator cannot 'power-cycle'")
    suite = root.find("testsuite")
    assert (suite.get("failures"), suite.get("errors")) == ("1", "1")


def test_results_folder_junit_from_results_jsonl(run):
    root = ET.parse(run / "results" / "junit.xml").getroot()
    cases = _cases(root)
    assert {k: _outcome(c) for k, c in cases.items()} == {PASS_ID: "passed", FAIL_ID: "failure", ERROR_ID: "error"}
    failure = cases[FAIL_ID].find("failure")
    assert "[E2TS-R003-v02.00:5.2.1.2.1]" in failure.get("message") and "step: expect ResetResponse" in failure.text
    assert cases[PASS_ID].get("classname") == "O-RAN.WG3.E2TS-R003 v02.00"
    props = {p.get("name"): p.get("value") for p in cases[PASS_ID].iter("property")}
    assert props["clause"] == "5.2.1.2.1" and props["verdict"] == "PASS"
    assert "tests/E2TS-R003-v02.00_5.2.1.2.1/exchange.json" in cases[PASS_ID].find("system-out").text
    assert root.get("tests") == "3" and root.get("failures") == "1" and root.get("errors") == "1"


def test_inconclusive_is_skipped_never_passed_and_not_applicable_keeps_its_reason(tmp_path):
    folder = handmade(tmp_path, [
        {"id": "E2TS-R003-v02.00:7.2.1.1", "verdict": "INCONC", "oran": "WARN",
         "findings": [finding("PASS", "expect", "E2 Setup seen"),
                      finding("INCONC", "capture.diverged", "the capture ends before the removal")]},
        {"id": "E2TS-R003-v02.00:6.2.1.1.1", "verdict": "NOT-APPLICABLE", "oran": "SKIP",
         "reason": "the test case is for a e2-node DUT"},
        {"id": "E2TS-R003-v02.00:5.2.1.1.1", "verdict": "NONE", "oran": "SKIP", "findings": []}])
    cases = _cases(junit_tree(read_results(folder)).getroot())
    assert cases["E2TS-R003-v02.00:7.2.1.1"].find("skipped").get("message") == \
        "INCONC: the capture ends before the removal"
    assert cases["E2TS-R003-v02.00:6.2.1.1.1"].find("skipped").get("message") == \
        "NOT-APPLICABLE: the test case is for a e2-node DUT"
    assert _outcome(cases["E2TS-R003-v02.00:5.2.1.1.1"]) == "error"          # no check is not a pass


def test_oran_harness_run_writes_junit_and_oran_results(tmp_path):
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "testcases/e2ts/near-rt-ric/e2-setup.yaml",
                          "--dut", str(RIC), "--fault", "wrong-transaction-id", "--results", str(tmp_path / "r")],
                         capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert out.returncode == 1, out.stdout + out.stderr
    root = ET.parse(tmp_path / "r" / "junit.xml").getroot()
    assert root.get("failures") == "2" and root.get("errors") == "0"      # 5.2.1.1.3 passes under this fault (baseline)
    # the first finding of each: the protocol monitor's (the answer does not echo the request's id)
    assert all("monitor.transaction-id.echo at TransactionID" in f.get("message") for f in root.iter("failure"))
    assert (tmp_path / "r" / "oran-results.json").is_file()
