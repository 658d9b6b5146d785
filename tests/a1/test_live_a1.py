"""Live mode: the A1 suite over real loopback HTTP against `oran-harness sim a1-ric` in its own
process, with the lab profile fixtures/profiles/lab-live-a1.yaml (the DUT profile fixtures/profiles/dut-live-a1-ric.yaml's endpoints.a1 pointed at
the process's port). Bad DUT behaviour (fault modes of the simulator) must give FAIL with a clear
message, within a bounded wall time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.suite import run_suite

ROOT = Path(__file__).resolve().parents[2]
RIC = ROOT / "fixtures/profiles/dut-sim-a1-ric.yaml"
LIVE_LAB = ROOT / "fixtures/profiles/lab-live-a1.yaml"
LIVE_RIC = ROOT / "fixtures/profiles/dut-live-a1-ric.yaml"
SPECS = ROOT / "testcases/a1ts"


class SimProcess:
    """`oran-harness sim a1-ric` as a child process; its URL is read from its first JSON line."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", "a1-ric", "--port", "0",
                                      *args], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        event = json.loads(line) if line.strip() else {}
        if event.get("event") != "listening":
            self.close()
            raise RuntimeError(f"simulator did not start: {line!r} {self.proc.stderr.read()[-400:]}")
        self.url = event["url"]

    def close(self) -> None:
        try:
            self.proc.stdin.write('{"cmd": "quit"}\n')
            self.proc.stdin.flush()
            self.proc.wait(5)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(5)


def _dut(tmp_path: Path, url: str) -> Path:
    """A Near-RT RIC the harness does not start (no simulator:), its A1-P API at ``url``."""
    dut = tmp_path / "dut-live-a1-ric.yaml"
    dut.write_text(LIVE_RIC.read_text().replace("http://127.0.0.1:18080", url))
    return dut


def _lab(tmp_path: Path, url: str) -> Path:
    lab = tmp_path / "lab-live-a1.yaml"
    lab.write_text(LIVE_LAB.read_text().replace("http://127.0.0.1:18080", url))
    return lab


def _types_only(tmp_path: Path) -> Path:
    """The policy-type cases only (three short cases) for the fault runs; the library is bundled."""
    root = tmp_path / "specs"
    (root / "near-rt-ric").mkdir(parents=True)
    shutil.copy(SPECS / "near-rt-ric/policy-types.yaml", root / "near-rt-ric/policy-types.yaml")
    return root


def test_whole_near_rt_ric_suite_passes_against_a_separate_process(tmp_path):
    sim = SimProcess()
    try:
        run = run_suite(_dut(tmp_path, sim.url), _lab(tmp_path, sim.url), specs_root=SPECS, results=tmp_path / "r")
        again = run_suite(_dut(tmp_path, sim.url), _lab(tmp_path, sim.url), specs_root=SPECS)    # state left by the first run
    finally:
        sim.close()
    for r in (run, again):
        ran = {o.id: o for o in r.outcomes if o.verdict != "NOT-APPLICABLE"}
        assert len(ran) == 13 and {o.verdict for o in ran.values()} == {"PASS"}, ran
    meta = json.loads((tmp_path / "r/run.json").read_text())
    assert meta["mode"] == "live"
    assert (tmp_path / "r/tests/A1TS-v02.00_6.2.1/A1TS-v02.00_6.2.1.pcapng").stat().st_size > 0


# fault of the separate simulator -> (test case, check, text in the message)
LIVE_FAULTS = {
    "malformed-json": ("A1TS-v02.00:6.2.1", "http.json", "GET /A1-P/v2/policytypes: the body is not JSON: "),
    "wrong-content-type": ("A1TS-v02.00:6.2.2", "http.content-type",
                           "Content-Type is text/plain, expected application/json"),
    "huge-body": ("A1TS-v02.00:6.2.1", "http.body-size",
                  "GET /A1-P/v2/policytypes: the response body is over the harness's cap of 1048576 octets"),
    "slow@query-type": ("A1TS-v02.00:6.2.2", "http.timeout",
                        "GET /A1-P/v2/policytypes/ORAN_QoSTarget_2.0.0: no complete response within 3 s"),
    "hang@query-type": ("A1TS-v02.00:6.2.2", "http.timeout",
                        "GET /A1-P/v2/policytypes/ORAN_QoSTarget_2.0.0: no complete response within 3 s"),
    "redirect": ("A1TS-v02.00:6.2.1", "http.redirect", "GET /A1-P/v2/policytypes answered 307 (redirect to "),
}


@pytest.mark.parametrize("fault", sorted(LIVE_FAULTS))
def test_bad_dut_behaviour_fails_clearly_and_never_hangs(tmp_path, fault):
    tc_id, check, text = LIVE_FAULTS[fault]
    sim = SimProcess("--fault", fault, "--slow-delay", "6")
    t0 = time.monotonic()
    try:
        run = run_suite(_dut(tmp_path, sim.url), _lab(tmp_path, sim.url), specs_root=_types_only(tmp_path))
    finally:
        sim.close()
    wall = time.monotonic() - t0
    o = next(x for x in run.outcomes if x.id == tc_id)
    assert (o.verdict, o.check) == ("FAIL", check), o
    assert text in o.message, o.message
    assert o.duration < 8                        # bounded by the 3 s timer, with slack for a loaded machine
    assert wall < 45
