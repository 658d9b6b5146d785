"""Active replay: a capture of a real run, replayed towards the simulators.

The capture is the harness's own evidence of one test case (a pcapng with the
real E2AP bytes), read back by the capture reader; the DUT is the built-in E2
node simulator, fault-free and then with a fault the comparison must catch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.capture.reader import read_messages
from harness.interfaces.e2.replay import ReplayError, plan, replay
from tests.conftest import ROOT
from harness.interfaces.e2.sim.factory import start_simulator
from harness.suite import run_suite
from harness.transport import inproc

PROFILES = ROOT / "fixtures" / "profiles"


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> Path:
    results = tmp_path_factory.mktemp("run")
    specs = ROOT / "testcases"
    run_suite(PROFILES / "dut-sim-e2-node.yaml", PROFILES / "lab-sim.yaml", None, specs, results)
    path = results / "tests" / "E2TS-R003-v02.00_6.2.2.4.1" / "E2TS-R003-v02.00_6.2.2.4.1.pcapng"
    assert path.exists()
    return path


def _replay(capture: Path, fault: str | None = None):
    items = plan(read_messages(capture), "e2-node")
    harness_end, dut_end = inproc.pair()
    sim = start_simulator("e2-node", dut_end, fault=fault)
    try:
        return items, replay(items, harness_end, answer_timeout=2.0)
    finally:
        harness_end.close()
        sim.stop()


def test_the_plan_splits_the_sides_by_who_sent_e2_setup(capture):
    items = plan(read_messages(capture), "e2-node")
    assert [(i.side, i.name) for i in items[:4]] == [
        ("dut", "E2setupRequest"), ("harness", "E2setupResponse"),
        ("harness", "RICsubscriptionRequest"), ("dut", "RICsubscriptionResponse")]


def test_replaying_to_a_correct_dut_gives_the_same_answers(capture):
    items, result = _replay(capture)
    assert result.errors == []
    assert [c.line().split()[0] for c in result.comparisons] == ["SAME"] * sum(i.side == "dut" for i in items)
    assert result.sent == sum(i.side == "harness" for i in items)
    assert result.timing.count == result.sent


def test_a_dut_answering_differently_is_caught(capture):
    _, result = _replay(capture, fault="missing-mandatory-ie@RICsubscriptionResponse")
    assert not result.ok
    lines = [c.line() for c in result.comparisons if not c.ok]
    assert lines[0].startswith("DIFFERS  packet 8 RICsubscriptionResponse: RICactions-Admitted: captured ")
    assert lines[0].endswith("live null")


def test_a_capture_without_e2_setup_cannot_tell_the_roles(capture):
    messages = [m for m in read_messages(capture)][1:]
    with pytest.raises(ReplayError) as info:
        plan(messages, "e2-node")
    assert str(info.value).endswith("no E2 Setup Request, so the E2 node's side is unknown")


def test_the_replay_command(capture):
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "replay", str(capture),
                          "--dut", str(PROFILES / "dut-sim-e2-node.yaml")],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-1].endswith("different or missing; 2 sent")
    assert "sends: timing error median" in out.stdout
