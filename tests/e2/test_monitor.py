"""The E2 protocol monitor (harness/interfaces/e2/monitor.py) on captures made outside our codec.

Every check must fail on the corpus capture made to break it (fixtures/captures/corpus, pycrate
encoded; the manifest says side, check id and packet) and pass on correct traffic: the corpus's
correct captures and fixtures/captures/e2-session.pcapng (our own simulators), in both DUT roles.
"""

from __future__ import annotations

import pytest
import yaml

from harness.capture import dispatch
from harness.capture.reader import read_messages
from harness.codec.e2 import E2Codec, E2Versions
from harness.interfaces.e2.association import E2Association
from harness.interfaces.e2.ierules import message_problems
from harness.interfaces.e2.monitor import E2Monitor
from harness.profiles.loader import load_dut
from tests.conftest import ROOT

CORPUS = ROOT / "fixtures" / "captures" / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text())["captures"]
ROLES = {"e2-node": "fixtures/profiles/dut-sim-e2-node.yaml", "near-rt-ric": "fixtures/profiles/dut-sim-near-rt-ric.yaml"}
MONITOR_CHECKS = ("monitor.", "ie.")


def monitor_findings(path, role: str) -> list:
    """(side, check, first packet, message) of every monitor finding on ``path`` with the DUT in ``role``."""
    dut = load_dut(ROOT / ROLES[role])
    assoc = E2Association(E2Codec(E2Versions(e2ap=dut.e2ap_version, e2sm=dict(dut.e2sm_versions))))
    monitor = E2Monitor(assoc.codec, assoc.view, dut.role, dut)
    out = []
    for m in read_messages(path, issues=[]):
        if not dispatch.is_e2ap(m):
            continue
        d = assoc.feed(m.data, m.src, m.time)
        side = "dut" if (d.side == "e2-node") == (role == "e2-node") else "peer"
        out += [(f.side, f.check, f.packets[0], f.line()) for f in
                monitor.observe(d.parsed, side, data=m.data, notes=d.notes, packets=m.packets)]
    return out


FAULTY = [pytest.param(e, id=e["name"]) for e in MANIFEST if e["expected"]["findings"]]
CORRECT = [pytest.param(CORPUS / e["file"], e["dut_role"], id=e["name"]) for e in MANIFEST
           if e["name"].startswith("correct-")]
CORRECT += [pytest.param(ROOT / "fixtures" / "captures" / "e2-session.pcapng", role, id=f"e2-session@{role}")
            for role in ROLES]


@pytest.mark.parametrize("entry", FAULTY)
def test_each_check_fails_on_the_capture_made_to_break_it(entry):
    found = monitor_findings(CORPUS / entry["file"], entry["dut_role"])
    for want in entry["expected"]["findings"]:
        if not want["check"].startswith(MONITOR_CHECKS):
            continue
        side = "dut" if want["side"] == "dut" else "peer"
        hits = [f for f in found if (f[0], f[1], f[2]) == (side, want["check"], want["packet"])]
        assert hits, f"{entry['name']}: no {want} among {found}"
        if side == "dut":
            assert "(peer)" not in hits[0][3]
        else:
            assert "(peer)" in hits[0][3]
    # nothing else against the DUT than what the manifest expects
    wanted = {(w["check"], w["packet"]) for w in entry["expected"]["findings"] if w["side"] == "dut"}
    extra = [f for f in found if f[0] == "dut" and (f[1], f[2]) not in wanted]
    assert not extra, f"{entry['name']}: unexpected DUT findings {extra}"


@pytest.mark.parametrize("path, role", CORRECT)
def test_correct_traffic_gives_no_finding(path, role):
    assert monitor_findings(path, role) == []


def test_the_peer_side_of_a_fault_is_named_the_peer():
    found = monitor_findings(CORPUS / "transaction-id-not-echoed.pcap", "e2-node")
    assert [(s, c, p) for s, c, p, _ in found] == [("peer", "monitor.transaction-id.echo", 6)]
    assert found[0][3] == ("monitor.transaction-id.echo: (peer) E2setupResponse carries TransactionID 6; the "
                           "E2setupRequest it answers carried TransactionID 5 (packet 6) [O-RAN.WG3.E2AP v03.01 "
                           "9.2.33 (Transaction ID), 8.3.1 (E2 Setup)]")


def test_ie_rules_are_shared_with_decode():
    codec = E2Codec()
    assoc = E2Association(codec)
    messages = list(read_messages(CORPUS / "ie-order.pcap", issues=[]))
    problems = {}
    for m in messages:
        d = assoc.feed(m.data, m.src, m.time)
        problems[m.packets[0]] = [p.check for p in message_problems(assoc.view, d.parsed)]
    assert problems[10] == ["ie.order"]
    assert all(not v for k, v in problems.items() if k != 10)


def test_decode_shows_a_message_breaking_an_ie_rule_as_not_ok(capsys):
    from harness.cli.capture_commands import main
    assert main([str(CORPUS / "duplicate-ie.pcap")]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.strip().startswith("4 ")]
    assert rows and "not ok" in rows[0] and "ie.duplicate" in rows[0]
