"""Generated frames sent as raw Ethernet over a veth pair, captured on the far end, then checked.

Root only (skipped otherwise).  The veth pair gets names unique to this process and is
always deleted.  Frames are sent untagged: veth hands received 802.1Q tags to the
socket as metadata, not in the frame bytes.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import time

import pytest

from harness.interfaces.cuplane.capture import check_capture
from harness.interfaces.cuplane.generate import GenerateOptions, generate_frames, write_pcap
from harness.core.verdict import Verdict

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not hasattr(socket, "AF_PACKET"),
                                reason="needs root and AF_PACKET")
ETH_P_ALL, ETHERTYPE_ECPRI = 0x0003, 0xAEFE


@pytest.fixture
def veth():
    a, b = f"fhA{os.getpid() % 100000}", f"fhB{os.getpid() % 100000}"
    try:
        subprocess.run(["ip", "link", "add", a, "type", "veth", "peer", "name", b], check=True,
                       capture_output=True, timeout=10)
    except (OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"cannot create a veth pair: {err}")
    try:
        for dev in (a, b):
            subprocess.run(["sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1"], capture_output=True, timeout=10)
            subprocess.run(["ip", "link", "set", dev, "up"], check=True, capture_output=True, timeout=10)
        yield a, b
    finally:
        subprocess.run(["ip", "link", "del", a], capture_output=True, timeout=10)


def _send_and_capture(veth, frames: list, path) -> int:
    a, b = veth
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    try:
        rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        rx.bind((b, ETH_P_ALL))
        tx.bind((a, 0))
        time.sleep(0.2)                                   # link up on both ends
        for i, frame in enumerate(frames):
            tx.send(frame)
            if i % 32 == 31:
                time.sleep(0.002)                         # stay below the veth backlog
        got = []
        deadline = time.monotonic() + 10
        while len(got) < len(frames) and time.monotonic() < deadline:
            ready, _, _ = select.select([rx], [], [], 0.5)
            if ready:
                data, addr = rx.recvfrom(65535)
                if len(data) >= 14 and int.from_bytes(data[12:14], "big") == ETHERTYPE_ECPRI and addr[2] != 4:
                    got.append((time.time(), data))       # addr[2] 4 = PACKET_OUTGOING
        with open(path, "wb") as f:
            write_pcap(f, iter(got))
        return len(got)
    finally:
        rx.close()
        tx.close()


@pytest.mark.parametrize("fault, failing", [(None, set()), ("gap", {"seq-continuity"})])
def test_frames_over_veth_are_checked(veth, tmp_path, profile, fault, failing):
    frames = [f for _t, f in generate_frames(profile, GenerateOptions(packets=400, fault=fault, vlan=None))]
    path = tmp_path / "veth.pcap"
    got = _send_and_capture(veth, frames, path)
    assert got == len(frames), f"the veth delivered {got} of {len(frames)} frames (lab problem, not the DUT)"
    outcome = check_capture(path, profile)
    failed = {r.id for r in outcome.results if r.verdict == Verdict.FAIL}
    assert failed == failing
    assert outcome.messages == len(frames)
