"""E2 across an impaired path, run as a user runs it (`oran-harness run`, one process per run): the
simulator as a separate process over SCTP over UDP through the real UDP relay of link 'e2'.

The well-behaved simulators PASS (GEO and submarine indication flow, a partition shorter than SCTP
failure detection, one longer than it under the lab's transport.timers, both DUT roles); an E2 node
that never sets up E2 again (`no-recover`) FAILs on re-establishment; the `duplicate-indications`
fault and a first-indication objective the GEO round trip cannot meet FAIL with the right finding;
the CI DUT profiles keep the cases NOT-APPLICABLE. Each run is bounded (timeout) and the file stays
under about two and a half minutes.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import yaml

from harness.transport.sctp_timers import SctpTimers
from tests.resilience.impaired import NODE, PROFILES, RIC, ROOT, failed as _failed, figures as _figures, lab as _lab, \
    run

SPEC = ROOT / "testcases" / "resilience" / "e2-impaired-path.yaml"
SN = "O-RAN.WG3.E2AP v03.01 8.2.3"
_run = functools.partial(run, SPEC)


def test_e2_node_dut_keeps_reporting_across_geo_submarine_and_a_short_partition(tmp_path):
    lab = _lab(tmp_path)
    code, rows = _run(tmp_path, NODE, lab)
    assert code == 0, {k: (r["verdict"], _failed(r)) for k, r in rows.items() if r["verdict"] != "NOT-APPLICABLE"}
    geo, sub, part = (rows[f"RES-E2-v01.00:{n}"] for n in ("2.1.1", "2.1.2", "2.2.1"))
    assert all(r["verdict"] == "PASS" for r in (geo, sub, part))
    g, s = _figures(geo), _figures(sub)
    # the GEO round trip (600 ms) shows in the first indication, not in the period
    assert g["indication-first"]["value"] >= 600 > s["indication-first"]["value"] >= 110
    for figs in (g, s):
        assert 50 <= figs["indication-interval-median"]["value"] <= 150
        assert figs["indication-interval"]["detail"]["count"] == 10
        assert figs["indication-missing"]["value"] == 0 and figs["indication-duplicates"]["value"] == 0
    timers = _lab_timers(lab)
    long = rows["RES-E2-v01.00:2.2.2"]
    assert long["verdict"] == "PASS", _failed(long)
    _timed_out(long, timers.detection_floor_ms(), timers.detection_bound_ms())
    gap = _figures(long)["indication-gap"]["detail"]
    assert gap["association"] == "new" and gap["duplicates"] == []
    dut = _figures(long)["dut-detection"]          # the E2 node's first INIT on the path after the cut
    assert dut["verdict"] == "PASS" and 0 < dut["value"] <= timers.detection_bound_ms(), dut
    assert dut["detail"]["inits_seen"] >= 1
    p = _figures(part)
    assert p["association"]["verdict"] == "PASS" and p["association"]["detail"]["setup_again"] == []
    gap = p["indication-gap"]["detail"]
    assert gap["first_sn_after"] == gap["last_sn_before"] + 1 and gap["missing"] == [] == gap["duplicates"]
    short = yaml.safe_load(lab.read_text())["pixit"]["e2_short_partition_s"]
    assert p["indication-gap"]["value"] >= short * 1000   # nothing crossed while the path was cut
    evidence = json.loads((tmp_path / "results" / part["impairments"]).read_text())
    assert any(e["impairment"].get("partition") for e in evidence["timeline"])      # the relay partitioned


def _timed_out(row: dict, floor_ms: float, bound_ms: float) -> None:
    """A partition longer than failure detection: the loss came from the lab's SCTP timers (within their
    floor and bound, not at once), then a new association, E2 Setup and the subscription again."""
    f = _figures(row)
    assert floor_ms / 2 <= f["detection"]["value"] <= bound_ms, f["detection"]
    assert f["reestablish"]["verdict"] == "PASS" and f["subscription"]["verdict"] == "PASS"
    assert f["detection"]["clause"].startswith("lab objective PIXIT e2_sctp_detection_ms")


def _lab_timers(lab: Path):
    return SctpTimers.from_dict(yaml.safe_load(lab.read_text())["transport"]["timers"], "lab")


def test_near_rt_ric_dut_keeps_its_association_across_geo_and_a_short_partition(tmp_path):
    lab = _lab(tmp_path)
    code, rows = _run(tmp_path, RIC, lab)
    assert code == 0, {k: (r["verdict"], _failed(r)) for k, r in rows.items() if r["verdict"] != "NOT-APPLICABLE"}
    row = rows["RES-E2-v01.00:2.3.1"]
    assert row["verdict"] == "PASS"
    assert _figures(row)["association"]["value"] == 0
    timers = _lab_timers(lab)
    long = rows["RES-E2-v01.00:2.3.2"]
    assert long["verdict"] == "PASS", _failed(long)
    _timed_out(long, timers.detection_floor_ms(), timers.detection_bound_ms())
    assert all(rows[f"RES-E2-v01.00:{n}"]["verdict"] == "NOT-APPLICABLE" for n in ("2.1.1", "2.1.2", "2.2.1", "2.2.2"))


def test_an_e2_node_that_never_sets_up_e2_again_after_a_long_partition_fails(tmp_path):
    code, rows = _run(tmp_path, NODE, _lab(tmp_path), "--fault", "no-recover", "-k", "2.2.2")
    row = rows["RES-E2-v01.00:2.2.2"]
    assert code == 1 and row["verdict"] == "FAIL", _failed(row)
    assert _failed(row)[0] == ("recovery.reestablish", "O-RAN.WG3.E2AP v03.01 8.3.1 (E2 Setup: the first E2AP "
                                                      "procedure on a new TNL association)")
    assert _figures(row)["detection"]["verdict"] == "PASS"          # the loss itself was seen in time


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
