"""E2 across an impaired path, run as a user runs it (`oran-harness run`, one process per run): the
simulator as a separate process over SCTP over UDP through the real UDP relay of link 'e2'.

The well-behaved simulators PASS (GEO and submarine indication flow, a partition shorter than SCTP
failure detection, both DUT roles); the `duplicate-indications` fault and a first-indication
objective the GEO round trip cannot meet FAIL with the right finding; the CI DUT profiles keep the
cases NOT-APPLICABLE. Each run is bounded (timeout) and the file stays under about a minute and a half.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
SPEC = ROOT / "testcases" / "resilience" / "e2-impaired-path.yaml"
NODE = PROFILES / "dut-sim-e2-node-resilience.yaml"
RIC = PROFILES / "dut-sim-near-rt-ric-resilience.yaml"
SN = "O-RAN.WG3.E2AP v03.01 8.2.3"


def _udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _lab(tmp: Path, **pixit) -> Path:
    """The bundled impaired lab on UDP ports of its own (the relay, both encapsulation ports)."""
    lab = yaml.safe_load((PROFILES / "lab-sim-impaired.yaml").read_text())
    mine, sim, relay = _udp_port(), _udp_port(), _udp_port()
    lab["transport"].update(udp_port=mine, remote_udp_port=sim)
    lab["links"] = {"e2": {"relay": "udp", "listen": f"127.0.0.1:{relay}", "upstream": f"127.0.0.1:{sim}"}}
    lab["pixit"].update(pixit)
    path = tmp / "lab.yaml"
    path.write_text(yaml.safe_dump(lab))
    return path


def _run(tmp: Path, dut: Path, lab: Path, *args: str) -> tuple[int, dict[str, dict]]:
    """`oran-harness run` of the spec; (exit code, results rows by test case id)."""
    out = tmp / "results"
    proc = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", str(SPEC), "--dut", str(dut),
                           "--lab", str(lab), "--results", str(out), *args],
                          capture_output=True, text=True, timeout=180, cwd=tmp)
    lines = (out / "results.jsonl").read_text().splitlines() if (out / "results.jsonl").exists() else []
    rows = [json.loads(line) for line in lines]
    by_id = {r["id"]: r for r in rows if "id" in r and "verdict" in r}
    assert by_id, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.returncode, by_id


def _figures(row: dict) -> dict[str, dict]:
    """figure -> its latest measurement (after a break: the one after it)."""
    return {f["figure"]: f for f in row["recovery"]}


def _failed(row: dict) -> list[tuple[str, str]]:
    return [(f["check"], f.get("clause") or "") for f in row.get("findings", []) if f["verdict"] == "FAIL"]


def test_e2_node_dut_keeps_reporting_across_geo_submarine_and_a_short_partition(tmp_path):
    code, rows = _run(tmp_path, NODE, _lab(tmp_path))
    assert code == 0, {k: (r["verdict"], _failed(r)) for k, r in rows.items()}
    geo, sub, part = (rows[f"RES-E2-v01.00:{n}"] for n in ("2.1.1", "2.1.2", "2.2.1"))
    assert all(r["verdict"] == "PASS" for r in (geo, sub, part))
    g, s = _figures(geo), _figures(sub)
    # the GEO round trip (600 ms) shows in the first indication, not in the period
    assert g["indication-first"]["value"] >= 600 > s["indication-first"]["value"] >= 110
    for figs in (g, s):
        assert 50 <= figs["indication-interval-median"]["value"] <= 150
        assert figs["indication-interval"]["detail"]["count"] == 10
        assert figs["indication-missing"]["value"] == 0 and figs["indication-duplicates"]["value"] == 0
    p = _figures(part)
    assert p["association"]["verdict"] == "PASS" and p["association"]["detail"]["setup_again"] == []
    gap = p["indication-gap"]["detail"]
    assert gap["first_sn_after"] == gap["last_sn_before"] + 1 and gap["missing"] == [] == gap["duplicates"]
    assert p["indication-gap"]["value"] >= 2000           # the partition lasted 2 s
    evidence = json.loads((tmp_path / "results" / part["impairments"]).read_text())
    assert any(e["impairment"].get("partition") for e in evidence["timeline"])      # the relay partitioned


def test_near_rt_ric_dut_keeps_its_association_across_geo_and_a_short_partition(tmp_path):
    code, rows = _run(tmp_path, RIC, _lab(tmp_path))
    assert code == 0, {k: (r["verdict"], _failed(r)) for k, r in rows.items()}
    row = rows["RES-E2-v01.00:2.3.1"]
    assert row["verdict"] == "PASS"
    assert _figures(row)["association"]["value"] == 0
    assert all(rows[f"RES-E2-v01.00:{n}"]["verdict"] == "NOT-APPLICABLE" for n in ("2.1.1", "2.1.2", "2.2.1"))


def test_duplicate_indications_fail_on_the_sequence_number_rule(tmp_path):
    code, rows = _run(tmp_path, NODE, _lab(tmp_path), "--fault", "duplicate-indications", "-k", "submarine")
    row = rows["RES-E2-v01.00:2.1.2"]
    assert code == 1 and row["verdict"] == "FAIL"
    assert _failed(row)[0][0] == "recovery.indication-duplicates" and _failed(row)[0][1].startswith(SN)
    assert _figures(row)["indication-duplicates"]["detail"]["duplicates"] == [0, 1, 2]


def test_a_first_indication_objective_below_the_geo_round_trip_fails_on_geo_only(tmp_path):
    code, rows = _run(tmp_path, NODE, _lab(tmp_path, e2_first_indication_ms=400), "-k", "satellite or submarine")
    geo, sub = rows["RES-E2-v01.00:2.1.1"], rows["RES-E2-v01.00:2.1.2"]
    assert code == 1 and geo["verdict"] == "FAIL" and sub["verdict"] == "PASS"
    assert _failed(geo) == [("recovery.indication-first", "lab objective PIXIT e2_first_indication_ms")]
    first = _figures(geo)["indication-first"]
    assert first["verdict"] == "FAIL" and first["value"] > first["objective"] == 400


@pytest.mark.parametrize("dut", ["dut-sim-e2-node.yaml", "dut-sim-near-rt-ric.yaml"])
def test_the_ci_profiles_keep_the_cases_not_applicable(tmp_path, dut):
    code, rows = _run(tmp_path, PROFILES / dut, _lab(tmp_path))
    assert code == 4 and {r["verdict"] for r in rows.values()} == {"NOT-APPLICABLE"}    # 4: nothing judged
    assert "resilience.impaired-path" in json.dumps(rows)
