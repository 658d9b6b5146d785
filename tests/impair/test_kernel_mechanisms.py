"""tc netem (refused with a clear reason where the kernel lacks it) and a veth link flap between namespaces."""

import os
import subprocess
import sys

import pytest

from harness.impair.model import Impairment
from harness.impair.netem import (RESTORE, LinkDown, MechanismError, Netem, flap, link_state, netem_args,
                                  netem_available)

root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (tc, ip netns)")


def test_netem_args():
    assert netem_args(Impairment(delay_ms=50, jitter_ms=5, loss=0.01, loss_correlation=0.25)) == [
        "limit", "10000", "delay", "50ms", "5ms", "distribution", "normal", "loss", "1%", "25%"]
    assert netem_args(Impairment(partition=True))[-2:] == ["loss", "100%"]
    with pytest.raises(MechanismError, match="one-direction blackhole"):
        netem_args(Impairment(blackhole="a->b"))


@root
def test_netem_refused_here_names_the_missing_module():
    ok, why = netem_available("lo")
    if ok:
        pytest.skip("this kernel has sch_netem")
    assert "module sch_netem" in why and "Specified qdisc kind is unknown" in why
    with pytest.raises(MechanismError, match=r"^link fh: the kernel has no netem queueing discipline \(module "
                                             r"sch_netem"):
        Netem("fh", "lo").apply(Impairment(delay_ms=5))


@pytest.fixture
def veth_pair():
    """imp-a <-> imp-b namespaces joined by a veth pair, 10.77.0.1/30 and .2; removed afterwards."""
    sh = [["ip", "netns", "add", "imp-a"], ["ip", "netns", "add", "imp-b"],
          ["ip", "link", "add", "imp-va", "netns", "imp-a", "type", "veth", "peer", "name", "imp-vb", "netns", "imp-b"],
          ["ip", "-n", "imp-a", "addr", "add", "10.77.0.1/30", "dev", "imp-va"],
          ["ip", "-n", "imp-b", "addr", "add", "10.77.0.2/30", "dev", "imp-vb"],
          ["ip", "-n", "imp-a", "link", "set", "imp-va", "up"], ["ip", "-n", "imp-b", "link", "set", "imp-vb", "up"]]
    try:
        for cmd in sh:
            subprocess.run(cmd, check=True, capture_output=True, timeout=10)
        yield
    finally:
        for ns in ("imp-a", "imp-b"):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10, check=False)


def _ping(timeout: str = "1") -> bool:
    """Whether imp-b answers imp-a: a TCP connect to a closed port is refused (reachable) or fails otherwise."""
    probe = ("import socket,sys\ntry:\n socket.create_connection(('10.77.0.2', 9), timeout=%s)\n"
             "except ConnectionRefusedError:\n sys.exit(0)\nexcept OSError:\n sys.exit(1)\n").replace("%s", timeout)
    return subprocess.run(["ip", "netns", "exec", "imp-a", sys.executable, "-c", probe],
                          capture_output=True, timeout=10, check=False).returncode == 0


@root
def test_veth_flap_between_namespaces(veth_pair):
    assert _ping("2")
    down, up = flap("imp-va", 0.3, "imp-a")
    assert _ping("2")
    assert 0.3 <= up - down < 1.0
    assert link_state("imp-va", "imp-a") == "UP"


@root
def test_link_is_restored_by_the_restorer_whatever_happens(veth_pair):
    with pytest.raises(RuntimeError), LinkDown("imp-va", "imp-a"):
        assert link_state("imp-va", "imp-a") == "DOWN"
        assert not _ping()
        raise RuntimeError("the step broke")
    assert link_state("imp-va", "imp-a") == "UP"
    # a flap still pending at exit is undone by RESTORE (atexit / SIGTERM)
    LinkDown("imp-va", "imp-a").__enter__()
    assert link_state("imp-va", "imp-a") == "DOWN"
    RESTORE.run_all()
    assert link_state("imp-va", "imp-a") == "UP"
