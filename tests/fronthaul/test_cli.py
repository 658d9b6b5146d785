"""``oran-harness fronthaul`` end to end: generate, check (table, jsonl, results folder), errors."""

from __future__ import annotations

import json

from harness.cli.main import main

from .conftest import CAPTURES, LAB


def test_generate_then_check_fails_on_the_injected_gap(tmp_path, capsys):
    out = tmp_path / "g.pcap"
    assert main(["fronthaul", "generate", str(out), "--packets", "300", "--fault", "gap"]) == 0
    assert capsys.readouterr().out.strip() == f"{out}: 299 packets, fault gap"
    assert main(["fronthaul", "check", str(out), "--lab", str(LAB)]) == 1
    text = capsys.readouterr().out
    assert "FAIL   CONF-CUS:5.1.3.1.7/seq-continuity" in text
    assert "PASS   CONF-CUS:eCPRI-3.1.3.1.1/ecpri-revision" in text


def test_check_writes_a_results_folder_like_e2_runs(tmp_path, capsys):
    results = tmp_path / "res"
    assert main(["fronthaul", "check", str(CAPTURES / "fault-bad-revision.pcap"), "--lab", str(LAB),
                 "--results", str(results), "--format", "jsonl"]) == 1
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[-1]["summary"] and lines[-1]["frames"] == 200
    rows = [json.loads(x) for x in (results / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 11 and {r["interface"] for r in rows} == {"o-ru.ofh-cu"}
    (bad,) = [r for r in rows if r["verdict"] != "PASS"]
    assert bad["id"] == "CONF-CUS:eCPRI-3.1.3.1.1/ecpri-revision" and bad["oran"] == "FAIL"
    assert bad["findings"][0]["evidence"] == [101] and bad["findings"][0]["clause"] == \
        "eCPRI Specification v2.0 3.1.3.1.1"
    assert (results / "run.json").exists() and (results / "summary.json").exists()
    from harness.results.reader import read_results      # the one reader of results folders
    assert len(read_results(results).rows) == 11


def test_clean_capture_exits_zero(capsys):
    assert main(["fronthaul", "check", str(CAPTURES / "clean.pcap"), "--lab", str(LAB)]) == 0


def test_bad_profile_is_one_line_naming_file_and_line(tmp_path, capsys):
    lab = tmp_path / "lab.yaml"
    lab.write_text("name: x\nfronthaul:\n  eaxc_ids: [1]\n  carriers: []\n  sectoin_types: [1]\n")
    assert main(["fronthaul", "check", str(CAPTURES / "clean.pcap"), "--lab", str(lab)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {lab}:5: unknown key 'sectoin_types' in fronthaul (did you mean section_types?)")


def test_not_a_capture_is_one_line(tmp_path, capsys):
    bogus = tmp_path / "x.pcap"
    bogus.write_text("hello")
    assert main(["fronthaul", "check", str(bogus), "--lab", str(LAB)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a pcap or pcapng file" in err and str(bogus) in err


def test_check_records_the_dut_identity_when_given_a_dut_profile(tmp_path, capsys):
    from pathlib import Path
    dut = Path(__file__).resolve().parents[2] / "fixtures" / "profiles" / "dut-sim-o-ru.yaml"
    results = tmp_path / "res"
    assert main(["fronthaul", "check", str(CAPTURES / "fault-bad-revision.pcap"), "--lab", str(LAB),
                 "--dut", str(dut), "--results", str(results)]) == 1
    run = json.loads((results / "run.json").read_text())
    assert run["dut_profile"] == str(dut) and run["dut"]["role"] == "o-ru" and run["dut"]["vendor"]
    # meant to fail: a DUT profile that does not exist is one line, exit 2, nothing written
    assert main(["fronthaul", "check", str(CAPTURES / "fault-bad-revision.pcap"), "--lab", str(LAB),
                 "--dut", str(tmp_path / "nope.yaml"), "--results", str(tmp_path / "r2")]) == 2
    assert "nope.yaml" in capsys.readouterr().err and not (tmp_path / "r2").exists()
