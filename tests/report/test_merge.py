"""Merging two labs' real results: provenance, conflicts, a re-readable joint folder."""

from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.report import merge as merging
from harness.report.sources import ReportInputError
from tests.report.report_runs import lab_profile, sim_run


@pytest.fixture(scope="module")
def labs(tmp_path_factory):
    base = tmp_path_factory.mktemp("labs")
    lab_a = lab_profile(base, "lab-a", "Berlin", "alice")
    lab_b = lab_profile(base, "lab-b", "Turin", "bob")
    return {"a": sim_run(base / "a", lab=lab_a),
            "b": sim_run(base / "b", lab=lab_b, fault="wrong-transaction-id"),
            "b_clean": sim_run(base / "b-clean", lab=lab_b)}


def test_merge_lists_conflicts_with_provenance(labs, tmp_path, capsys):
    joint = tmp_path / "joint"
    assert main(["report", "merge", str(labs["a"]), str(labs["b"]), "-o", str(joint), "--no-pdf"]) == 0
    doc = json.loads((joint / "merged.json").read_text())
    assert [(s["lab"], s["site"], s["operator"]) for s in doc["sources"]] == [
        ("lab-a", "Berlin", "alice"), ("lab-b", "Turin", "bob")]
    assert all(s["harness"] and s["date"] != "unknown" for s in doc["sources"])
    conflicted = {c["test"] for c in doc["conflicts"]}
    assert "E2TS-R003-v02.00:6.2.1.2.1" in conflicted
    first = next(c for c in doc["conflicts"] if c["test"] == "E2TS-R003-v02.00:6.2.1.2.1")
    assert {(v["lab"], v["verdict"]) for v in first["verdicts"]} == {("lab-a / Berlin", "PASS"),
                                                                     ("lab-b / Turin", "FAIL")}
    # every result row keeps its source, and its evidence path works inside the joint folder
    for row in doc["results"]:
        assert row["source"] in {s["label"] for s in doc["sources"]}
        if row.get("exchange"):
            assert (joint / row["exchange"]).is_file()
    page = (joint / "report.html").read_text()
    assert "Conflicts" in page and "Turin" in page and "Berlin" in page
    assert f"conflicts: {len(doc['conflicts'])}" in capsys.readouterr().out


def test_agreeing_labs_have_no_conflict(labs, tmp_path):
    view = merging.merge([labs["a"], labs["b_clean"]], tmp_path / "joint")
    assert view.conflicts == () and len(view.runs) == 2
    assert json.loads((tmp_path / "joint" / "merged.json").read_text())["conflicts"] == []


def test_joint_folder_is_re_readable(labs, tmp_path, capsys):
    joint = tmp_path / "joint"
    first = merging.merge([labs["a"], labs["b"]], joint)
    out = tmp_path / "again.html"
    assert main(["report", "build", str(joint), "-o", str(out), "--no-pdf"]) == 0
    again = capsys.readouterr().out
    assert f"conflicts: {len(first.conflicts)}" in again and len(first.conflicts) > 0
    assert "lab-a-Berlin-a" in out.read_text()


def test_merge_never_overwrites_what_is_not_a_merge(labs, tmp_path, capsys):
    target = tmp_path / "busy"
    target.mkdir()
    (target / "keep.txt").write_text("precious")
    assert main(["report", "merge", str(labs["a"]), "-o", str(target), "--no-pdf"]) == 2
    assert "is not a merged folder" in capsys.readouterr().err
    assert (target / "keep.txt").read_text() == "precious"
    merging.merge([labs["a"]], tmp_path / "j")
    with pytest.raises(ReportInputError, match="pass --force"):
        merging.merge([labs["a"]], tmp_path / "j")
    merging.merge([labs["a"], labs["b"]], tmp_path / "j", force=True)
    with pytest.raises(ReportInputError, match="inside the source"):
        merging.merge([labs["a"]], labs["a"] / "joint")


def test_merge_of_a_corrupt_source_writes_nothing(labs, tmp_path, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "run.json").write_text("{not json")
    (bad / "results.jsonl").write_text("")
    assert main(["report", "merge", str(labs["a"]), str(bad), "-o", str(tmp_path / "j"), "--no-pdf"]) == 2
    assert f"{bad / 'run.json'}:1: not valid JSON" in capsys.readouterr().err
    assert not (tmp_path / "j").exists()
