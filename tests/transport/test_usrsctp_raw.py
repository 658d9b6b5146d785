"""Raw IPv4 mode (SCTP directly over IP, protocol 132) between two network
namespaces joined by a veth pair: the client (tests/transport/usrsctp_scenario.py)
runs in one namespace, the peer in the other, each with its own usrsctp stack.

Addresses are 198.51.100.1/24 and 198.51.100.2/24 (TEST-NET-2, documentation
range) and exist only inside the namespaces made here (this host's own eth0 may
sit in TEST-NET-1). The peer sniffs its veth to show what crossed the wire.
Skipped when not root or when ``ip netns`` is not permitted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.transport.usrsctp_support import REPO_ROOT, PeerProcess, requires_usrsctp

pytestmark = requires_usrsctp

A_ADDR, B_ADDR = "198.51.100.1", "198.51.100.2"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@pytest.fixture
def netns_pair():
    if os.geteuid() != 0:
        pytest.skip("raw SCTP between namespaces needs root")
    if shutil.which("ip") is None:
        pytest.skip("iproute2 'ip' not installed")
    tag = f"{os.getpid() % 100000}"
    ns_a, ns_b = f"usctp-{tag}-a", f"usctp-{tag}-b"
    veth_a, veth_b = f"vu{tag}a", f"vu{tag}b"
    try:
        _ip("netns", "add", ns_a)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"'ip netns add' not permitted here: {exc.stderr.decode().strip()}")
    try:
        _ip("netns", "add", ns_b)
        _ip("link", "add", veth_a, "type", "veth", "peer", "name", veth_b)
        _ip("link", "set", veth_a, "netns", ns_a)
        _ip("link", "set", veth_b, "netns", ns_b)
        _ip("-n", ns_a, "addr", "add", f"{A_ADDR}/24", "dev", veth_a)
        _ip("-n", ns_b, "addr", "add", f"{B_ADDR}/24", "dev", veth_b)
        for ns, dev in ((ns_a, veth_a), (ns_b, veth_b)):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
        yield ns_a, ns_b, veth_b
    finally:
        for ns in (ns_a, ns_b):          # deleting a namespace deletes its veth end
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


def test_raw_ipv4_between_namespaces(netns_pair):
    ns_a, ns_b, veth_b = netns_pair
    peer = PeerProcess("--mode", "raw", "--host", B_ADDR, "--blackhole", "2", "--sniff", veth_b,
                       prefix=["ip", "netns", "exec", ns_b])
    try:
        run = subprocess.run(["ip", "netns", "exec", ns_a, sys.executable,
                              str(REPO_ROOT / "tests" / "transport" / "usrsctp_scenario.py"),
                              B_ADDR, str(peer.port)],
                             capture_output=True, text=True, timeout=20,
                             env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)))
        assert run.returncode == 0, run.stderr[-2000:]
        out = json.loads(run.stdout.strip().splitlines()[-1])
        sniff = None
        for _ in range(3):                       # the association ends with the ABORT
            line = peer.readline(3.0)
            if line.startswith("SNIFF "):
                sniff = json.loads(line[6:])
                break
    finally:
        peer.stop()
    assert out["remote"] == f"{B_ADDR}:{peer.port}" and out["local"].startswith(A_ADDR)
    assert out["streams"] == [16, 16]
    assert out["echoes"] == [["raw-0", 0, 70], ["raw-1", 1, 70], ["raw-5", 5, 70]]
    assert out["big_ok"] is True
    assert "aborted" in out["abort"] and "User Initiated Abort" in out["abort"]
    assert f"{B_ADDR}:{peer.port + 1}" in out["refused"]
    assert sniff is not None, "the peer reported no capture"
    assert sniff["sctp"] > 10 and sniff["udp"] == 0       # IP protocol 132, no UDP
    assert sniff["ppids"].get("70", 0) >= 4               # PPID 70 in network order on the wire
