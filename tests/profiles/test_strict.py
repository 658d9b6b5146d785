"""Strict profiles and no silent simulator (issue 15): every typo or unsupported value is a clear
error before anything runs (exit 2, the first line naming file:line and the key), and a DUT profile
that names real equipment never gets a built-in simulator in its place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures/profiles"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (PROFILES / name).read_text()
    assert old in text
    out = tmp_path / name
    out.write_text(text.replace(old, new, 1))
    return out


REAL_A1 = """\
name: osc-a1
role: near-rt-ric
vendor: OSC
model: near-RT RIC
a1: {version: v03.01}
"""

# (profile, old text, new text, what the first line of the error says after "file:line: ")
CASES = [
    ("lab-live-udp.yaml", "  listen: 127.0.0.1:36422", "  listen: {hots: 10.1.2.3, port: 36421}",
     "unknown key 'transport.listen.hots' (did you mean host?)"),
    ("lab-live-udp.yaml", "  udp_port: 9899", "  conect_timeout: 2\n  udp_port: 9899",
     "unknown key 'transport.conect_timeout' (did you mean connect_timeout?)"),
    ("lab-sim.yaml", "  expect: 2", "  expext: 2",
     "unknown key 'timers.expext' (did you mean expect?)"),
    ("lab-live-udp.yaml", "  backend: auto", "  backend: kernal",
     "'transport.backend' is 'kernal', not one of: auto, kernel, usrsctp (did you mean kernel?)"),
    ("dut-sim-a1-ric.yaml", "version: v03.01", "version: v01.01",
     "'a1.version' is 'v01.01', not one of: v03.01 (the A1AP versions this harness tests)"),
    ("dut-sim-o-ru.yaml", "call_home: true", "call_home: false",
     "'mplane.call_home' false is not supported: NETCONF call home (RFC 8071) is part of the mandatory"),
    ("lab-live-udp.yaml", "  listen: 127.0.0.1:36422", "  dut: {host: 10.1.2.3, port: 36421}",
     "'transport.dut' is not a lab setting here: the DUT's address is the DUT profile's endpoints.e2"),
    ("lab-live-udp.yaml", "  listen: 127.0.0.1:36422", "  listen: 127.0.0.1:99999",
     "'transport.listen' not an address: port 99999 is not 1..65535"),
]


@pytest.mark.parametrize("name, old, new, says", CASES, ids=[c[3].split()[0] + c[3].split()[-1] for c in CASES])
def test_a_typo_or_unsupported_value_stops_validate_and_run(tmp_path, name, old, new, says):
    bad = copy(tmp_path, name, old, new)
    line = next(i for i, text in enumerate(bad.read_text().splitlines(), 1) if new.splitlines()[0] in text)
    out = cli("validate", str(bad), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stdout.splitlines()[0].startswith(f"{bad}:{line}: {says}")
    is_dut = name.startswith("dut-")
    dut = str(bad) if is_dut else str(PROFILES / "dut-sim-near-rt-ric.yaml")
    lab = str(PROFILES / ("lab-sim-mplane.yaml" if "o-ru" in name else "lab-sim-fast.yaml")) if is_dut else str(bad)
    out = cli("run", "--dut", dut, "--lab", lab, "--results", str(tmp_path / "r"), cwd=tmp_path)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert f"{bad}:{line}: {says}" in out.stdout + out.stderr
    assert "PASS" not in out.stdout


def test_a_real_dut_never_runs_against_a_simulator(tmp_path):
    dut = tmp_path / "dut-osc-a1.yaml"
    dut.write_text(REAL_A1)
    out = cli("run", "testcases/a1ts", "--dut", str(dut), "--results", str(tmp_path / "r"), cwd=ROOT)
    assert out.returncode == 2
    text = out.stdout + out.stderr
    assert f"{dut}: osc-a1 names real equipment (no simulator:) but the lab profile" in text
    assert "runs the built-in simulators (mode: sim) in the DUT's place" in text
    assert "PASS" not in out.stdout


def test_a_real_dut_with_a_live_lab_needs_its_address(tmp_path):
    dut = tmp_path / "dut-osc-a1.yaml"
    dut.write_text(REAL_A1)
    out = cli("run", "testcases/a1ts", "--dut", str(dut), "--lab", str(PROFILES / "lab-live-a1.yaml"),
              "--results", str(tmp_path / "r"), cwd=ROOT)
    assert out.returncode == 2
    assert (f"{dut}: osc-a1 names real equipment (no simulator:) but gives no A1 URL for it: add endpoints: "
            "{a1: URL}") in out.stdout + out.stderr


def test_a_simulator_must_fit_the_profile(tmp_path):
    bad = copy(tmp_path, "dut-sim-a1-ric.yaml", "simulator: a1-ric", "simulator: a1-nonrt-ric")
    out = cli("validate", str(bad), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stdout.startswith(f"{bad}:5: simulator 'a1-nonrt-ric' plays a DUT with role non-rt-ric and an a1: "
                                 "block; this profile is a near-rt-ric with an a1: block")


def test_every_bundled_profile_validates():
    out = cli("validate", str(PROFILES), cwd=ROOT)
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip().endswith(f"({len(list(PROFILES.rglob('*.yaml')))} profile(s))")   # paths/ too
