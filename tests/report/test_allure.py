"""Allure: labels, one step per spec step, evidence attachments; and nothing breaks without allure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.report.runs import ERROR_ID, FAIL_ID, PASS_ID, RIC, pytest_run, specs

pytest.importorskip("allure_pytest", reason="allure-pytest is not installed (dev dependency)")


def _results(folder: Path) -> dict:
    out = {}
    for f in folder.glob("*-result.json"):
        data = json.loads(f.read_text())
        out[dict((l["name"], l["value"]) for l in data["labels"])["story"]] = data
    return out


@pytest.fixture(scope="module")
def allure_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("allure")
    root = specs(tmp)
    out = pytest_run(root, "--dut", str(RIC), "--results", str(tmp / "results"), "--alluredir", str(tmp / "allure"))
    assert out.returncode == 1, out.stdout + out.stderr          # one FAIL, one ERROR
    return tmp, root, _results(tmp / "allure")


def test_labels_name_interface_procedure_test_and_specification(allure_run):
    _, _, results = allure_run
    assert set(results) == {PASS_ID, FAIL_ID, ERROR_ID}
    labels = [(l["name"], l["value"]) for l in results[PASS_ID]["labels"]]
    for expected in (("epic", "near-rt-ric.e2"), ("feature", "Reset"), ("story", PASS_ID), ("severity", "critical"),
                     ("tag", "O-RAN.WG3.E2TS-R003"), ("tag", "O-RAN.WG3.E2TS-R003 v02.00")):
        assert expected in labels
    assert ("severity", "normal") in [(l["name"], l["value"]) for l in results[FAIL_ID]["labels"]]
    assert ("severity", "minor") in [(l["name"], l["value"]) for l in results[ERROR_ID]["labels"]]
    assert results[PASS_ID]["links"][0]["name"] == "O-RAN.WG3.E2TS-R003 v02.00 clause 5.2.1.2.1"
    assert results[PASS_ID]["description"] == "The Near-RT RIC answers the Reset Request with a Reset Response"


def test_statuses_keep_the_verdict_meaning(allure_run):
    _, _, results = allure_run
    assert {k: r["status"] for k, r in results.items()} == {PASS_ID: "passed", FAIL_ID: "failed",
                                                             ERROR_ID: "broken"}


def test_every_spec_step_is_an_allure_step(allure_run):
    _, root, results = allure_run
    steps = [(s["name"].split(" (")[0], s["status"]) for s in results[PASS_ID]["steps"]]
    assert steps == [("send E2setupRequest", "passed"), ("expect E2setupResponse", "passed"),
                     ("send ResetRequest", "passed"), ("expect ResetResponse", "passed")]
    failing = results[FAIL_ID]["steps"][-1]
    assert failing["status"] == "failed"
    assert "expect.match at TransactionID: expected 22, observed 21" in failing["statusDetails"]["message"]
    assert failing["name"].endswith("cases.yaml:24)")            # the step names its YAML line
    broken = results[ERROR_ID]["steps"][-1]
    assert broken["name"].startswith("trigger power-cycle") and broken["status"] == "broken"


def test_attachments_are_decoded_messages_hex_and_pcapng(allure_run):
    tmp, _, results = allure_run
    attachments = {a["name"]: tmp / "allure" / a["source"] for a in results[PASS_ID]["attachments"]}
    assert {"decoded messages", "messages (hex)", "findings"} <= set(attachments)
    pcap = [p for name, p in attachments.items() if name.endswith(".pcapng")]
    assert len(pcap) == 1 and pcap[0].read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"     # a pcapng section header
    decoded = json.loads(attachments["decoded messages"].read_text())
    assert [d["message"] for d in decoded] == ["E2setupRequest", "E2setupResponse", "ResetRequest", "ResetResponse"]
    assert decoded[2]["decoded"]                                 # the JSON mapping of the PDU, not just a name
    hex_text = attachments["messages (hex)"].read_text().splitlines()
    assert hex_text[0].startswith("#1 -> E2setupRequest") and bytes.fromhex(hex_text[1])


def test_history_ids_are_distinct_per_case_and_per_parameters(allure_run, tmp_path):
    _, root, results = allure_run
    assert len({r["historyId"] for r in results.values()}) == 3
    out = pytest_run(root, "--dut", str(RIC), "--alluredir", str(tmp_path / "allure"), "--sim-fault", "no-response",
                     "-k", "5.2.1.2.1 and not wrong")
    assert out.returncode == 1, out.stdout
    again = _results(tmp_path / "allure")[PASS_ID]
    assert ("fault", "'no-response'") in [(p["name"], p["value"]) for p in again["parameters"]]
    assert again["historyId"] != results[PASS_ID]["historyId"]   # another fault mode: another history


def test_without_allure_the_plugin_still_works(tmp_path):
    root = specs(tmp_path)
    # allure cannot be imported at all, and its pytest plugin is not loaded.
    block = ("import sys\n"
             "class NoAllure:\n"
             "    def find_spec(self, name, path=None, target=None):\n"
             "        if name.split('.')[0] in ('allure', 'allure_commons', 'allure_pytest'):\n"
             "            raise ImportError(f'{name} is hidden in this test')\n"
             "sys.meta_path.insert(0, NoAllure())\n"
             "for m in [m for m in sys.modules if m.split('.')[0] in ('allure', 'allure_commons')]:\n"
             "    del sys.modules[m]")
    out = pytest_run(root, "-p", "no:allure_pytest", "--dut", str(RIC), "--results", str(tmp_path / "results"),
                     "--junitxml", str(tmp_path / "junit.xml"), prelude=block)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "1 failed, 1 passed, 1 error" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr
    assert (tmp_path / "results" / "oran-results.json").is_file()
    assert "<error" in (tmp_path / "junit.xml").read_text()


def test_the_failure_message_is_the_finding_not_the_exception(allure_run):
    _, _, results = allure_run
    message = results[FAIL_ID]["statusDetails"]["message"]
    assert "DutFailure" not in message and "harness.pytest_plugin" not in message
    assert message.startswith("[SIMULATED] FAIL: expect.match at TransactionID:")      # a simulator played the DUT
    assert "expected 22, observed 21" in message
    broken = results[ERROR_ID]["statusDetails"]["message"]
    assert broken.startswith("[SIMULATED] ERROR:") and "VerdictError" not in broken
    assert "statusDetails" not in results[PASS_ID] or not results[PASS_ID]["statusDetails"].get("message")


def test_categories_sort_dut_failures_lab_errors_and_simulated_runs(allure_run):
    tmp, _, results = allure_run
    categories = json.loads((tmp / "allure" / "categories.json").read_text())
    names = [c["name"] for c in categories]
    assert {"DUT failure (FAIL)", "Lab or harness error (ERROR)", "Inconclusive (INCONC)"} <= set(names)

    def category(status: str, message: str) -> str:
        """The first category that matches, as Allure assigns them (Java Pattern.matches)."""
        return next(c["name"] for c in categories if status in c["matchedStatuses"]
                    and re.fullmatch(c["messageRegex"], message))
    failed = results[FAIL_ID]["statusDetails"]["message"]
    assert category("failed", failed).startswith("SIMULATED DUT: failure")
    assert category("failed", failed.removeprefix("[SIMULATED] ")) == "DUT failure (FAIL)"
    assert category("broken", "ERROR: transport: connection reset") == "Lab or harness error (ERROR)"


def test_environment_names_dut_lab_versions_and_simulation(allure_run):
    tmp, _, _ = allure_run
    lines = dict(line.split("=", 1) for line in (tmp / "allure" / "environment.properties").read_text().splitlines())
    assert lines["DUT.role"] == "near-rt-ric" and lines["lab"] == "sim" and lines["mode"] == "sim"
    assert lines["simulated"].startswith("yes") and lines["harness"]
    assert "oran-harness" in lines["DUT"]


def test_each_step_carries_its_decoded_messages(allure_run):
    tmp, _, results = allure_run
    step = next(s for s in results[PASS_ID]["steps"] if s["name"].startswith("expect ResetResponse"))
    attachment = next(a for a in step["attachments"] if a["name"] == "messages (decoded)")
    decoded = json.loads((tmp / "allure" / attachment["source"]).read_text())
    assert [d["message"] for d in decoded] == ["ResetResponse"] and decoded[0]["decoded"]
