"""Results survive SIGKILL: every recorded row is whole, every file it names is there, and the
reports can still be made from the partial folder (`oran-harness report export`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from harness.cli.report_export import main as export_main
from harness.results.reader import read_exchange, read_results
from tests.report.runs import RIC, ROOT, SCHEMA, reset_rounds, specs

TOTAL = 12


def _rows(path) -> int:
    try:
        return path.read_text().count("\n")
    except FileNotFoundError:
        return 0


def test_sigkill_mid_run_leaves_a_readable_exportable_folder(tmp_path, capsys):
    root = specs(tmp_path, reset_rounds(TOTAL, 0.4))
    results = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                             "-c", str(ROOT / "pyproject.toml"), "--specs-root", str(root), str(root),
                             "--dut", str(RIC), "--results", str(results)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _rows(results / "results.jsonl") < 3:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no results within 120 s"
            time.sleep(0.05)
        assert (results / "run.json").is_file()            # written when the run started
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    folder = read_results(results)
    assert not folder.complete and 3 <= len(folder.rows) < TOTAL
    assert folder.missing() == [] and folder.notices == ()
    for row in folder.rows:
        assert row.verdict == "PASS"
        assert [e.message for e in read_exchange(folder, row)][-1] == "ResetResponse"
        assert (results / row.pcap).read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"

    assert export_main(["export", str(results)]) == 0
    assert "incomplete (no summary.json" in capsys.readouterr().out
    junit = ET.parse(results / "junit.xml").getroot()
    # the planned test cases that never ran are <error type="INCOMPLETE">: never a short all-green file
    assert folder.not_run and len(folder.rows) + len(folder.not_run) == TOTAL
    assert junit.get("tests") == str(TOTAL) and junit.get("failures") == "0"
    assert junit.get("errors") == str(len(folder.not_run)) == str(len(junit.findall(".//error[@type='INCOMPLETE']")))
    props = {p.get("name"): p.get("value") for p in junit.iterfind("testsuite/properties/property")}
    assert props["complete"] == "false" and props["status"] == "INCOMPLETE"
    doc = json.loads((results / "oran-results.json").read_text())
    assert doc["testMetadata"]["result"] == "WARN"                 # cut short: never a PASS
    assert any(n["title"] == "run incomplete" for n in doc["notes"])
    if SCHEMA.is_file():
        jsonschema = pytest.importorskip("jsonschema")
        jsonschema.validate(doc, json.loads(SCHEMA.read_text()))
