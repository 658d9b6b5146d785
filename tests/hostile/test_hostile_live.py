"""Hostile peers over real SCTP (libusrsctp, SCTP over UDP on loopback), the simulator in its own process.

The harness side runs in a subprocess too (tests/hostile/live_cases.py): libusrsctp
has one stack per process. Ports are free ones picked here, so runs of
tests/live elsewhere on the machine do not collide with these. The expect timer is
10 s: moving 20 MiB through libusrsctp takes a few seconds here.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.transport import usrsctp_ffi

ROOT = Path(__file__).resolve().parents[2]
RIC = ROOT / "fixtures" / "profiles" / "dut-sim-near-rt-ric.yaml"
RESET_BY_NODE = "E2TS-R003-v02.00:5.2.1.2.1"
SETUP_BY_NODE = "E2TS-R003-v02.00:5.2.1.1.1"       # E2 Setup is the test purpose


def _have_usrsctp() -> bool:
    try:
        usrsctp_ffi.lib()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _have_usrsctp(), reason="libusrsctp not installed (Debian libusrsctp2)")


def _free(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lab(tmp_path: Path) -> Path:
    text = (ROOT / "fixtures" / "profiles" / "lab-live-udp.yaml").read_text()
    for old, new in (("udp_port: 9899", f"udp_port: {_free(socket.SOCK_DGRAM)}"),
                     ("remote_udp_port: 9900", f"remote_udp_port: {_free(socket.SOCK_DGRAM)}"),
                     ("address: 127.0.0.1:36421}", f"address: 127.0.0.1:{_free(socket.SOCK_STREAM)}}}"),
                     ("listen: 127.0.0.1:36422", f"listen: 127.0.0.1:{_free(socket.SOCK_STREAM)}"),
                     # 20 MiB over SCTP-in-UDP on a loaded 2-core machine can take seconds
                     ("expect: 3", "expect: 10"), ("guard: 20", "guard: 40")):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "lab.yaml"
    path.write_text(text)
    return path


def _run(tmp_path: Path, mode: str, case: str = RESET_BY_NODE) -> tuple[dict, float]:
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "tests.hostile.live_cases", str(RIC), str(_lab(tmp_path)), mode,
                          case], capture_output=True, text=True, cwd=ROOT, timeout=120)
    wall = time.monotonic() - t0
    lines = [json.loads(x) for x in out.stdout.splitlines() if x.startswith("{")]
    assert out.returncode == 0 and len(lines) == 1, out.stdout[-2000:] + out.stderr[-2000:]
    return lines[0], wall


@pytest.mark.parametrize("mode, finding", [
    ("oversized", ["FAIL", "decode", "the DUT sent a PDU that does not decode: E2AP-PDU (bit offset 608): "
                                     "20971520 octet(s) left over after the end of E2AP-PDU"]),
    ("disconnect-mid-message", ["FAIL", "decode", "the DUT sent a PDU that does not decode: "
                                                  "E2AP-PDU.successfulOutcome.value (bit offset 32): out of data"]),
    # E2 Setup is the purpose here; as the preamble of the Reset test the flood would give INCONC.
    ("flood", ["FAIL", "expect.message", "received ErrorIndication while waiting for E2setupResponse"]),
])
def test_a_hostile_peer_over_sctp_gets_the_right_verdict(tmp_path, mode, finding):
    outcome, wall = _run(tmp_path, mode, SETUP_BY_NODE if mode == "flood" else RESET_BY_NODE)
    assert outcome["verdict"] == "FAIL"
    assert outcome["findings"][0] == finding
    assert wall < 60


def test_sctp_carries_tens_of_megabytes_and_bounds_what_it_reassembles():
    out = subprocess.run([sys.executable, "-m", "tests.hostile.big_messages"], capture_output=True, text=True,
                         cwd=ROOT, timeout=180)
    checks = {c["check"]: c for c in (json.loads(x) for x in out.stdout.splitlines() if x.startswith("{"))}
    assert len(checks) == 3, out.stdout + out.stderr[-2000:]
    assert checks["30 MiB arrives whole"]["size"] == 30 << 20
    bounded = checks["bounded"]
    assert "incoming SCTP message exceeds max_message_size=1048576 bytes" in bounded["error"]
    assert bounded["error"].endswith("the rest of it is discarded")
    assert (bounded["next"], bounded["next_octet"]) == (100, 3)          # the next message is intact
    assert checks["send refused"]["error"].endswith("a message of 67108865 bytes exceeds "
                                                    "max_message_size=67108864; not sent")
