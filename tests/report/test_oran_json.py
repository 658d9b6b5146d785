"""O-RAN test-results JSON: valid against the O-RAN ALLIANCE schema, verdicts mapped, evidence linked."""

from __future__ import annotations

import copy
import json
from datetime import datetime

import pytest

from harness.cli.report_export import main as export_main
from harness.results.oran_json import oran_document
from harness.results.reader import ResultsDirError, read_results
from tests.report.runs import (ERROR_ID, FAIL_ID, PASS_ID, RIC, ROOT, SCHEMA, finding, handmade, pytest_run,
                               specs)

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA.is_file():
        pytest.skip(f"the O-RAN test-results schema is not at {SCHEMA} (it is not copied into the repo)")
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def problems(validator, doc) -> list[str]:
    """Schema errors, plus the date-time format (jsonschema checks it only with an extra package)."""
    out = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(doc)]

    def dates(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("startDate", "stopDate"):
                    try:
                        assert datetime.fromisoformat(v).tzinfo is not None
                    except (AssertionError, TypeError, ValueError):
                        out.append(f"{path}.{k}: {v!r} is not an RFC 3339 date-time")
                dates(v, f"{path}.{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                dates(v, f"{path}[{i}]")
    dates(doc, "$")
    return out


def cases(doc) -> dict:
    out = {}
    for group in doc["testResults"]:
        for case in group["groupItems"]:
            out[case["name"].split(": ")[0]] = (group, case)
    return out


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("oran")
    out = pytest_run(specs(tmp), "--dut", str(RIC), "--results", str(tmp / "results"))
    assert out.returncode == 1, out.stdout + out.stderr
    return tmp / "results"


def test_a_real_run_is_valid_and_maps_verdicts(run, validator):
    doc = json.loads((run / "oran-results.json").read_text())
    assert problems(validator, doc) == []
    found = cases(doc)
    assert {k: c["result"] for k, (g, c) in found.items()} == {PASS_ID: "PASS", FAIL_ID: "FAIL", ERROR_ID: "SKIP"}
    group, passed = found[PASS_ID]
    assert group["number"] == "5.2.1.2" and group["name"] == "Reset (E2TS-R003 v02.00 clause 5.2.1.2)"
    assert passed["number"] == "5.2.1.2.1" and passed["status"] == "mandatory"
    assert found[FAIL_ID][1]["status"] == "conditionally.mandatory"
    assert [m["result"] for m in found[FAIL_ID][1]["metrics"]][-1] == "FAIL"
    assert any(n["title"] == "harness verdict ERROR" for n in found[ERROR_ID][1]["notes"])
    assert doc["testMetadata"]["result"] == "FAIL"
    assert doc["testMetadata"]["interfaceUnderTest"] == ["near-rt-ric.e2"]
    measurements = {m["name"]: m for m in passed["measurements"]}
    assert measurements["messages sent"]["values"] == [2] and measurements["messages received"]["values"] == [2]
    assert measurements["duration"]["units"] == "second"
    for artifact in passed["artifacts"]:
        assert (run / artifact["path"]).is_file()
    assert {a["name"] for a in passed["artifacts"]} == {"exchange.json", "E2TS-R003-v02.00_5.2.1.2.1.pcapng"}
    assert doc["testSpecifications"][0]["name"] == "O-RAN.WG3.E2TS-R003"
    assert doc["testSpecifications"][0]["version"] == "v02.00"
    dut = doc["testbedComponents"][0]
    assert (dut["manufacturerName"], dut["serialNumber"]) == ("oran-harness", "SIM-RIC-0001")
    assert doc["testLab"]["contacts"][0]["email"] == "ci@oran-harness.invalid"


def test_kpm_values_become_measurements(tmp_path, validator):
    out = pytest_run(ROOT / "testcases", str(ROOT / "testcases/e2ts/e2-node/indication.yaml"), "--results",
                     str(tmp_path / "r"))
    assert out.returncode == 0, out.stdout + out.stderr
    doc = json.loads((tmp_path / "r" / "oran-results.json").read_text())
    assert problems(validator, doc) == []
    assert doc["testMetadata"]["interfaceUnderTest"] == ["o-du.e2"]           # oran_component in the profile
    (_, case), = [v for k, v in cases(doc).items() if k.endswith("6.2.2.4.1")]
    kpm = {m["name"]: m for m in case["measurements"]}
    assert kpm["DRB.UEThpDl"]["units"] == "kbps" and len(kpm["DRB.UEThpDl"]["values"]) >= 1
    assert all(isinstance(v, int) for v in kpm["RRU.PrbUsedDl"]["values"])


def test_inconc_error_and_not_applicable_are_explicit(tmp_path, validator):
    folder = handmade(tmp_path, [
        {"id": "E2TS-R003-v02.00:7.2.1.1", "verdict": "INCONC", "oran": "WARN",
         "findings": [finding("PASS", "expect", "E2 Setup seen"),
                      finding("INCONC", "capture.diverged", "the capture ends before the removal")]},
        {"id": "E2TS-R003-v02.00:6.2.1.1.1", "verdict": "NOT-APPLICABLE", "oran": "SKIP",
         "reason": "the test case is for a e2-node DUT"},
        {"id": "E2TS-R003-v02.00:5.2.1.1.1", "verdict": "ERROR", "oran": "SKIP",
         "findings": [finding("ERROR", "transport", "receiving failed: connection reset")]}], finished=False)
    doc = oran_document(read_results(folder))
    assert problems(validator, doc) == []
    found = cases(doc)
    inconc = found["E2TS-R003-v02.00:7.2.1.1"][1]
    assert inconc["result"] == "WARN" and [m["result"] for m in inconc["metrics"]] == ["PASS", "SKIP"]
    na = found["E2TS-R003-v02.00:6.2.1.1.1"][1]
    assert na["result"] == "SKIP" and na["notes"] == [{"title": "not applicable",
                                                       "body": "the test case is for a e2-node DUT"}]
    assert doc["testMetadata"]["result"] == "WARN"                     # no FAIL, but never a PASS
    titles = [n["title"] for n in doc["notes"]]
    assert "run incomplete" in titles and "test cases to re-run" in titles


def test_a_broken_document_fails_validation(run, validator):
    doc = json.loads((run / "oran-results.json").read_text())
    broken = copy.deepcopy(doc)
    del broken["testLab"]["contacts"]
    broken["testMetadata"]["result"] = "INCONC"
    broken["testResults"][0]["groupItems"][0]["number"] = "5.2.x"
    found = problems(validator, broken)
    assert any("testLab" in p and "'contacts' is a required property" in p for p in found)
    assert any(p.startswith("$.testMetadata.result") for p in found)
    assert any(p.startswith("$.testResults[0]") for p in found)      # oneOf: the group no longer fits
    broken = copy.deepcopy(doc)
    broken["testMetadata"]["startDate"] = "yesterday"
    assert problems(validator, broken) == ["$.testMetadata.startDate: 'yesterday' is not an RFC 3339 date-time"]


def test_reader_names_the_bad_file_and_line(tmp_path, capsys):
    folder = handmade(tmp_path, [{"id": "E2TS-R003-v02.00:5.2.1.1.1", "verdict": "PASS", "oran": "PASS",
                                  "findings": [finding("PASS", "expect", "ok")]}])
    with (folder / "results.jsonl").open("a") as f:
        f.write('{"id": "x", "verdict": \n{"id": "y", "verdict": "PASS"}\n')
    with pytest.raises(ResultsDirError, match=r"results.jsonl:2: not valid JSON"):
        read_results(folder)
    assert export_main(["export", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and err.count("\n") == 0 and "results.jsonl:2" in err
    (folder / "results.jsonl").write_text('{"id": "a", "verdict": "PASS"}\n{"id": "b", "verd')   # a cut last line
    results = read_results(folder)
    assert [r.id for r in results.rows] == ["a"] and "skipped a cut last line" in results.notices[0]
    (folder / "run.json").unlink()
    with pytest.raises(ResultsDirError, match=r"run.json: missing"):
        read_results(folder)
