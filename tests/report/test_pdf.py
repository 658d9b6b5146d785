"""The print edition of the joint report: the facts a reviewer needs are in the PDF itself.

The PDF's text is read back from the file (tests/report/pdf_text.py), so these
tests see what a reader sees, not the template's input. A passing run is the
control that shows each check can fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.report import model_view, pdf, sources
from tests.report.pdf_text import pdf_text
from tests.report.report_runs import sim_run
from tests.report.runs import finding, handmade

FAIL_ID = "E2TS-R003-v02.00:6.2.1.2.1"       # fails under the simulator fault wrong-transaction-id
FAIL_CLAUSE = "O-RAN.WG3.E2AP v03.01 8.2.1 (RIC Subscription)"   # the protocol monitor's finding comes first
REQUIRED = "all mandatory and applicable conditional passed"


def _squash(text: str) -> str:
    """Without whitespace: a line may wrap anywhere in the PDF, even inside a path or an id."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """Real simulator runs (a good one, one with a fault) built with the CLI; (folder, PDF text)."""
    base = tmp_path_factory.mktemp("pdf")
    out = {}
    for name, fault in (("good", None), ("bad", "wrong-transaction-id")):
        folder = sim_run(base / name, fault=fault)
        report = base / f"{name}-report" / "report.html"
        assert main(["report", "build", str(folder), "-o", str(report)]) == 0
        data = report.with_suffix(".pdf").read_bytes()
        assert data.startswith(b"%PDF")
        out[name] = (folder, pdf_text(data))
    return out


def test_failing_run_pdf_names_the_failure_its_clause_and_the_verdict(built):
    folder, text = built["bad"]
    flat = _squash(text)
    assert _squash(f"FAIL{FAIL_ID}") in flat                      # the failing test, marked FAIL
    assert _squash(f"FAIL {FAIL_CLAUSE}") in flat                 # its finding, with the clause
    assert _squash("monitor.response.unsolicited: RICsubscriptionResponse answers RIC request ID 1001/2") in flat
    assert _squash("INCONC O-RAN.WG3.E2AP v03.01 8.2.1.2 expect.match: precondition not met") in flat
    assert _squash(f"{REQUIRED} NO") in flat
    assert "(!)" in flat                                           # the cited message, flagged in the chart
    meta = json.loads((folder / "run.json").read_text())          # front matter: identity, hashes
    assert _squash(meta["dut"]["model"]) in flat and next(iter(meta["asn1"]["e2ap"].values())) in flat
    assert _squash(f"harness version {meta['harness']}") in flat


def test_passing_run_is_the_control(built):
    flat = _squash(built["good"][1])
    assert _squash(f"{REQUIRED} YES") in flat and _squash(f"{REQUIRED} NO") not in flat
    assert _squash(f"FAIL{FAIL_ID}") not in flat and _squash(f"PASS{FAIL_ID}") in flat
    assert _squash(f"FAIL {FAIL_CLAUSE}") not in flat and "(!)" not in flat


def _view(folder: Path, out: Path) -> model_view.ReportView:
    return model_view.build_view([sources.load_run(folder)], out)


def test_msc_for_every_test_that_did_not_pass(built, tmp_path):
    view = _view(built["bad"][0], tmp_path)
    not_passed = {t.anchor for t in view.runs[0].tests if t.msc_svg and t.record.verdict != "PASS"}
    assert not_passed
    assert pdf.charted(view, pdf.PdfOptions(msc_per_run=0)) == not_passed
    assert pdf.render(view, pdf.PdfOptions(msc_per_run=0)).count('class="msc"') == len(not_passed)


def test_msc_of_passing_tests_only_up_to_the_limit(built, tmp_path):
    view = _view(built["good"][0], tmp_path)
    charted = [t for t in view.runs[0].tests if t.msc_svg]
    assert len(charted) > 2 and all(t.record.verdict == "PASS" for t in charted)
    assert pdf.charted(view, pdf.PdfOptions(msc_per_run=0)) == frozenset()
    assert pdf.charted(view, pdf.PdfOptions(msc_per_run=2)) == {charted[0].anchor, charted[1].anchor}
    page = pdf.render(view, pdf.PdfOptions(msc_per_run=2))
    assert page.count('class="msc"') == 2 and page.count('class="pass"') == len(charted) - 2


def test_verdicts_without_evidence_are_shown_in_full_and_escaped(tmp_path):
    hostile = '<script>alert(1)</script><img src="http://198.51.100.7/x.png">'
    folder = handmade(tmp_path, [
        {"id": "E2TS-R003-v02.00:7.2.1.1", "verdict": "INCONC", "oran": "WARN", "title": hostile,
         "findings": [finding("INCONC", "capture.diverged", "the capture ends early", clause=hostile)]},
        {"id": "E2TS-R003-v02.00:5.2.1.1.1", "verdict": "ERROR", "oran": "SKIP",
         "findings": [finding("ERROR", "transport", "receiving failed: connection reset")]},
        {"id": "E2TS-R003-v02.00:6.2.1.1.1", "verdict": "NOT-APPLICABLE", "oran": "SKIP",
         "reason": "the test case is for a e2-node DUT"}])
    view = model_view.build_view([sources.load_run(folder)], tmp_path)
    page = pdf.render(view)
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    text = pdf_text(pdf.write(view, tmp_path / "r.pdf").read_bytes())
    flat = _squash(text)
    assert _squash(hostile) in flat                                  # shown as text, fetched nothing
    assert _squash("INCONC E2TS-R003-v02.00:7.2.1.1") in flat
    assert _squash("ERROR E2TS-R003-v02.00:5.2.1.2.1 transport: receiving failed") in flat
    assert _squash("E2TS-R003-v02.00:6.2.1.1.1 (mandatory)") in flat and "e2-nodeDUT" in flat
    assert _squash(f"{REQUIRED} NO") in flat
