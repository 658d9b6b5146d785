"""Passive conformance: the specs judge captures of real runs (the harness's own evidence).

A capture of a good exchange passes the test cases it follows; a capture made
against a faulty simulator fails them with the finding and the packet number;
test cases whose stimulus the capture does not contain are INCONC, never PASS.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from harness.suite import run_suite

PROFILES = ROOT / "fixtures" / "profiles"
CASE = "E2TS-R003-v02.00_6.2.2.4.1"


def _capture(tmp: Path, fault: str | None) -> Path:
    run_suite(PROFILES / "dut-sim-e2-node.yaml", PROFILES / "lab-sim.yaml", fault, ROOT / "testcases", tmp)
    return tmp / "tests" / CASE / f"{CASE}.pcapng"


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    return _capture(tmp_path_factory.mktemp("good"), None)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> Path:
    return _capture(tmp_path_factory.mktemp("faulty"), "wrong-criticality@RICsubscriptionResponse")


def _analyze(capture: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", "analyze", str(capture),
                           "--dut", str(PROFILES / "dut-sim-e2-node.yaml"), *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_a_good_capture_passes_the_test_cases_it_follows(good):
    out = _analyze(good)
    assert out.returncode == 0, out.stdout + out.stderr
    verdicts = {line.split()[1]: line.split()[0] for line in out.stdout.splitlines() if line.startswith(("PASS", "FAIL"))}
    monitor = {k: v for k, v in verdicts.items() if k.startswith("MONITOR:e2/")}
    assert list(monitor.values()) == ["PASS"]          # the protocol monitor's row: every message judged
    assert {k: v for k, v in verdicts.items() if k not in monitor} == {
        "E2TS-R003-v02.00:6.2.1.1.1": "PASS", "E2TS-R003-v02.00:6.2.2.1.1": "PASS", "E2TS-R003-v02.00:6.2.2.4.1": "PASS"}


def test_a_capture_of_a_faulty_dut_fails_with_the_packet_number(faulty):
    out = _analyze(faulty)
    assert out.returncode == 1
    assert ("    FAIL: ie.criticality at RICrequestID: IE RICrequestID has criticality ignore; "
            "RICsubscriptionResponse-IEs gives reject") in out.stdout
    assert "(packet 8)" in out.stdout


def test_test_cases_the_capture_does_not_follow_are_inconclusive(good):
    out = _analyze(good, "--all")
    line = next(l for l in out.stdout.splitlines() if "6.2.2.1.2" in l)
    assert line.startswith("INCONC")
    assert ("the tester's RICsubscriptionRequest (packet 7) has RANfunctionID = 2 where the test case sends 99"
            in out.stdout)


def test_a_capture_without_e2_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty.pcapng"
    from harness.evidence.pcapng import PcapngWriter
    with PcapngWriter(empty) as w:
        w.association(local=("127.0.0.1", 1), remote=("127.0.0.2", 2)).packet(b"\x01\x02", direction="sent",
                                                                               time=1.0, ppid=18)
    out = _analyze(empty)
    assert out.returncode == 2
    assert out.stderr.strip() == ("error: no E2 association with an E2 Setup Request in the capture: "
                                  "the roles are unknown")


def test_an_ignored_unknown_ie_makes_the_interop_scenario_successful_with_remarks(tmp_path):
    """E2TS 7.2.1.1 judged on a capture whose E2 Setup Request carries an IE from a later version."""
    from harness.capture.reader import read_messages
    from harness.codec.e2 import E2Codec
    from harness.evidence.pcapng import PcapngWriter
    run_suite(PROFILES / "dut-sim-e2-node.yaml", PROFILES / "lab-sim.yaml", None, ROOT / "testcases", tmp_path / "r")
    source = tmp_path / "r" / "tests" / "E2TS-R003-v02.00_7.2.1.1" / "E2TS-R003-v02.00_7.2.1.1.pcapng"
    codec = E2Codec()
    messages = list(read_messages(source))
    setup = codec.decode(messages[0].data)
    setup[1]["value"][1]["protocolIEs"].append({"id": 999, "criticality": "ignore", "value": b"\x00"})
    capture = tmp_path / "with-extension.pcapng"
    node, ric = messages[0].src.rsplit(":", 1), messages[0].dst.rsplit(":", 1)
    with PcapngWriter(capture) as w:
        flow = w.association(local=(ric[0], int(ric[1])), remote=(node[0], int(node[1])), initiator="remote")
        for i, m in enumerate(messages):
            data = codec.encode(setup) if i == 0 else m.data
            flow.packet(data, direction="received" if m.src == messages[0].src else "sent", time=m.time)
    out = _analyze(capture)
    assert out.returncode == 0, out.stdout + out.stderr
    line = next(l for l in out.stdout.splitlines() if "7.2.1.1" in l)
    assert line.startswith("PASS (with remarks)")
    assert "remark.unknown-ie" in out.stdout
    assert "id 999 is not in E2setupRequestIEs (extensible)" in out.stdout



def test_a_step_no_capture_can_show_leaves_its_test_case_unfollowed_never_passed(good):
    """6.2.1.6.1 starts like the captured exchange (E2 Setup); its tnl-add judges a second association and
    the naming on it, which no capture of one association holds: INCONC observe.unsupported, not
    followed, never PASS on the preamble alone (it did, before the step had an observer)."""
    out = _analyze(good, "--all")
    line = next(l for l in out.stdout.splitlines() if "6.2.1.6.1" in l)
    assert line.startswith("INCONC"), line
    assert "observe.unsupported: tnl-add judges a further TNL association" in out.stdout
    assert out.returncode == 0, out.stdout[-3000:]       # not followed: it does not make the capture's verdict
