"""The joint report from real simulator runs: content, charts, PDF, bad folders, integrity."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.report import charts, html, model_view, sources
from tests.report.report_runs import RIC_DUT, RIC_SPECS, sim_run


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("runs")
    return {"good": sim_run(base / "good"), "bad": sim_run(base / "bad", fault="wrong-transaction-id"),
            "ric": sim_run(base / "ric", RIC_SPECS, dut=RIC_DUT)}


def _view(*folders: Path, out: Path) -> model_view.ReportView:
    return model_view.build_view([sources.load_run(f) for f in folders], out)


def _test(view, test_id: str, run: int = 0):
    return next(t for t in view.runs[run].tests if t.record.id == test_id)


def test_build_writes_self_contained_html_and_pdf(runs, tmp_path, capsys):
    out = tmp_path / "out" / "joint.html"
    assert main(["report", "build", str(runs["good"]), "-o", str(out)]) == 0
    text = out.read_text()
    assert "<script" not in text.lower() and "<link" not in text.lower()
    assert not re.search(r'(src|href)="(https?:)?//', text), "nothing may load from the network"
    assert "Content-Security-Policy" in text
    for href in re.findall(r'href="([^"#][^"]*)"', text):       # evidence links resolve from the report
        assert (out.parent / href).resolve().is_file(), href
    meta = json.loads((runs["good"] / "run.json").read_text())
    some_hash = next(iter(meta["asn1"]["e2ap"].values()))
    assert some_hash in text and meta["dut"]["vendor"] in text and meta["dut"]["model"] in text
    assert "all mandatory and applicable conditional passed</th><td><span class=\"ok\">YES" in text
    pdf = out.with_suffix(".pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert "integrity unsigned" in capsys.readouterr().out


def test_failing_run_is_summarised_as_failing_with_clauses(runs, tmp_path):
    view = _view(runs["bad"], out=tmp_path)
    cert = view.runs[0].certification
    assert cert.failed > 0 and not cert.all_required_passed
    test = _test(view, "E2TS-R003-v02.00:6.2.1.2.1")
    # The protocol monitor sees the wrong echo (a DUT rule broken: FAIL even in the preamble); the
    # subscription step's own check says it too, as an unmet precondition of this Reset test.
    fail = next(f for f in test.record.findings if f.verdict == "FAIL")
    assert fail.check == "monitor.response.unsolicited" and "RIC request ID 1001/2" in fail.text
    assert fail.clause.startswith("O-RAN.WG3.E2AP v03.01 8.2.1 (RIC Subscription)")
    unmet = next(f for f in test.record.findings if f.check == "expect.match")
    assert unmet.verdict == "INCONC" and unmet.clause == "O-RAN.WG3.E2AP v03.01 8.2.1.2"
    assert unmet.ie_path == "RICrequestID"          # echoed whole: {$echo: sub.RICrequestID}
    assert charts.COLOURS["FAIL"] in test.msc_svg          # the cited message's arrow is drawn red
    page = html.render(view)
    assert "answers RIC request ID 1001/2" in page and "precondition not met" in page and ">NO<" in page


def test_msc_draws_one_arrow_per_message_in_order(runs, tmp_path):
    test = _test(_view(runs["good"], out=tmp_path), "E2TS-R003-v02.00:6.2.1.2.1")
    svg = str(test.msc_svg)
    assert svg.count("<polygon") == len(test.messages) > 3
    labels = re.findall(r'fill="#2c3e50">(\d+)\. (\w+)</text>', svg)
    assert [n for _, n in labels] == [m.name for m in test.messages]
    assert test.messages[0].direction == "received" and test.messages[1].direction == "sent"


def test_kpm_chart_carries_the_indicated_values(runs, tmp_path):
    test_id = "E2TS-R003-v02.00:6.2.2.4.1"
    test = _test(_view(runs["good"], out=tmp_path), test_id)
    exchange = json.loads((runs["good"] / test.record.exchange).read_text())
    expected = []                                    # the first measurement, read straight from the file
    for e in exchange:
        if e["message"] == "RICindication":
            fmt = json.dumps(e["decoded"])
            expected.append(int(re.search(r'"measRecord": \[\{"integer": (\d+)\}', fmt).group(1)))
    series = charts.kpm_series(exchange)
    assert [v for _, v in series["DRB.UEThpDl"]] == expected and len(expected) >= 2
    assert "<polyline" in test.kpm_svg and "DRB.UEThpDl" in test.kpm_svg


def test_interop_matrix_only_with_several_pairings(runs, tmp_path):
    assert _view(runs["good"], out=tmp_path).matrix is None
    matrix = _view(runs["good"], runs["ric"], out=tmp_path).matrix
    assert matrix is not None
    assert any("E2 Node simulator" in r for r in matrix.rows)
    assert any(c.startswith("oran-harness as Near-RT RIC @ sim") for c in matrix.columns) and len(matrix.cells) == 2
    assert (matrix.interface, matrix.row_kind, matrix.column_kind) == ("E2", "E2 nodes", "Near-RT RICs")


# --- bad input: one line naming the file, nothing recorded lost ---------------------------------

def _copy(runs, tmp_path, name="good") -> Path:
    return Path(shutil.copytree(runs[name], tmp_path / f"copy-{name}"))


def test_missing_run_json_is_one_line_naming_it(runs, tmp_path, capsys):
    folder = _copy(runs, tmp_path)
    (folder / "run.json").unlink()
    assert main(["report", "build", str(folder), "-o", str(tmp_path / "r.html"), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and f"{folder / 'run.json'}: missing" in err and "\n" not in err


def test_corrupt_row_names_the_line(runs, tmp_path, capsys):
    folder = _copy(runs, tmp_path)
    lines = (folder / "results.jsonl").read_text().splitlines()
    lines[1] = lines[1][:30]
    (folder / "results.jsonl").write_text("\n".join(lines) + "\n")
    assert main(["report", "build", str(folder), "-o", str(tmp_path / "r.html"), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{folder / 'results.jsonl'}:2: not valid JSON" in err and "Traceback" not in err


def test_corrupt_exchange_is_reported_and_the_rest_renders(runs, tmp_path, capsys):
    folder = _copy(runs, tmp_path)
    rows = [json.loads(x) for x in (folder / "results.jsonl").read_text().splitlines()]
    broken = folder / rows[0]["exchange"]
    broken.write_text('[{"index": 1, "direction": "sent",')
    out = tmp_path / "r.html"
    assert main(["report", "build", str(folder), "-o", str(out), "--no-pdf"]) == 0
    err = capsys.readouterr().err
    assert f"warning: {broken}:1: not valid JSON" in err
    text = out.read_text()
    assert f"{folder.name}/{broken.relative_to(folder)}" in text      # shown in the report too, without local path
    assert str(tmp_path) not in text
    assert all(r["id"] in text for r in rows)           # every recorded test case is still there


def test_killed_run_renders_what_was_recorded(runs, tmp_path, capsys):
    folder = _copy(runs, tmp_path)
    (folder / "summary.json").unlink()
    jsonl = folder / "results.jsonl"
    kept = jsonl.read_text().splitlines()
    jsonl.write_text("\n".join(kept) + "\n" + kept[-1][:40])      # killed while writing a row
    out = tmp_path / "r.html"
    assert main(["report", "build", str(folder), "-o", str(out), "--no-pdf"]) == 0
    err = capsys.readouterr().err
    assert "summary.json: missing: the run did not finish" in err and "results.jsonl:" in err
    text = out.read_text()
    assert all(json.loads(r)["id"] in text for r in kept)


def test_integrity_state_and_key_are_shown(runs, tmp_path):
    integrity = pytest.importorskip("harness.integrity")
    folder = _copy(runs, tmp_path)
    fp = integrity.generate_key(tmp_path / "k.pem", tmp_path / "k.pub")
    integrity.sign_dir(folder, tmp_path / "k.pem")
    view = _view(folder, out=tmp_path)
    state = view.runs[0].provenance.verification
    assert (state.state, state.key) == ("verified", fp) and fp in html.render(view)
    rows = [json.loads(x) for x in (folder / "results.jsonl").read_text().splitlines()]
    (folder / rows[0]["exchange"]).write_text("[]")                 # tampered evidence
    state = _view(folder, out=tmp_path).runs[0].provenance.verification
    assert state.state == "NOT VERIFIED" and "altered" in state.message
