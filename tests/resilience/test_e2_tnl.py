"""E2 over two TNL associations with one path cut, run as a user runs it: `oran-harness run` of
testcases/resilience/e2-tnl-failover.yaml, the simulator in its own process, the first association
through the lab's relay 'e2' and the second (added by E2 Connection Update) through 'e2-b'.

The well-behaved simulators PASS in both DUT roles, whichever path is cut: the cut association is
declared lost by SCTP under the lab's timers, the other carries E2 on, and the reports (or the RIC's
next subscription) go on over it. The `tnl-single-path` fault (losing one association ends E2 for the
simulator) FAILs on the failover rule in both roles. The pcapng holds one SCTP association per TNL."""

from __future__ import annotations

import functools

import yaml
from scapy.layers.sctp import SCTP
from scapy.utils import rdpcap

from harness.transport.sctp_timers import SctpTimers
from tests.resilience.impaired import NODE, RIC, ROOT, failed, figures, lab, run

SPEC = ROOT / "testcases" / "resilience" / "e2-tnl-failover.yaml"
FAILOVER = "O-RAN.WG3.E2AP v03.01 8.3.6"
_run = functools.partial(run, SPEC)


def _bound(lab_path) -> tuple[float, float]:
    timers = SctpTimers.from_dict(yaml.safe_load(lab_path.read_text())["transport"]["timers"], "lab")
    return timers.detection_floor_ms(), timers.detection_bound_ms()


def test_an_e2_node_carries_e2_over_the_other_association_whichever_path_is_cut(tmp_path):
    lab_path = lab(tmp_path)
    code, rows = _run(tmp_path, NODE, lab_path)
    assert code == 0, {k: (r["verdict"], failed(r)) for k, r in rows.items()}
    floor, bound = _bound(lab_path)
    for test_id, cut, survivor in (("2.4.1", "TNL 1", "TNL 2"), ("2.4.2", "TNL 2", "TNL 1")):
        row = rows[f"RES-E2-v01.00:{test_id}"]
        f = figures(row)
        assert row["verdict"] == "PASS" and f["tnl-setup"]["verdict"] == "PASS"
        assert f["tnl-failover"]["value"] == 0 and f["tnl-failover"]["clause"].startswith(FAILOVER)
        assert f["tnl-failover"]["detail"]["cut"] == [cut] and f["tnl-failover"]["detail"]["survivors"] == [survivor]
        assert floor / 2 <= f["detection"]["value"] <= bound, f["detection"]      # SCTP's timers, not at once
        gap = f["indication-gap"]
        assert gap["verdict"] == "PASS" and gap["detail"]["duplicates"] == []
        pcap = next((tmp_path / "results").glob(f"tests/*{test_id}*/*.pcapng"))
        pairs = {tuple(sorted((p[SCTP].sport, p[SCTP].dport))) for p in rdpcap(str(pcap)) if SCTP in p}
        assert len(pairs) == 2, pairs                                  # one SCTP association per TNL
    # the first path cut while the reports ran on the second: they never stopped for the detection
    assert figures(rows["RES-E2-v01.00:2.4.1"])["indication-gap"]["value"] < floor / 2


def test_a_near_rt_ric_keeps_the_e2_node_over_the_other_association(tmp_path):
    code, rows = _run(tmp_path, RIC, lab(tmp_path))
    row = rows["RES-E2-v01.00:2.5.1"]
    assert code == 0 and row["verdict"] == "PASS", failed(row)
    f = figures(row)
    assert f["tnl-failover"]["value"] == 0 and f["tnl-failover"]["detail"]["survivors"] == ["TNL 2"]
    sub = [e for e in row.get("findings", []) if e["check"] == "expect"]
    assert sub and sub[-1]["verdict"] == "PASS"                        # its subscription came over TNL 2


def test_an_e2_node_that_drops_e2_with_one_association_fails_the_failover(tmp_path):
    code, rows = _run(tmp_path, NODE, lab(tmp_path), "--fault", "tnl-single-path", "-k", "2.4.1")
    row = rows["RES-E2-v01.00:2.4.1"]
    assert code == 1 and row["verdict"] == "FAIL"
    check, clause = failed(row)[0]
    assert check == "recovery.tnl-failover" and clause.startswith(FAILOVER)
    lost = {x["label"]: x["why"] for x in figures(row)["tnl-failover"]["detail"]["lost"]}
    assert "TNL 2" in lost, lost                      # the path not cut: the simulator dropped it itself


def test_a_near_rt_ric_that_drops_the_e2_node_with_one_association_fails_the_failover(tmp_path):
    code, rows = _run(tmp_path, RIC, lab(tmp_path), "--fault", "tnl-single-path")
    row = rows["RES-E2-v01.00:2.5.1"]
    assert code == 1 and row["verdict"] == "FAIL"
    assert failed(row)[0] == ("recovery.tnl-failover", failed(row)[0][1]) and failed(row)[0][1].startswith(FAILOVER)
