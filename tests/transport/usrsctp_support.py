"""Fixtures and helpers for the usrsctp transport tests (imported by the test modules,
not a conftest: the folder is shared with the kernel SCTP tests).

usrsctp runs one stack per process, so this process holds one stack (UDP
encapsulation on a free loopback port) and every peer runs in a subprocess
(``python -m harness.transport.usrsctp_peer``), killed in the finalizer.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.transport import usrsctp_ffi

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _have_lib() -> bool:
    try:
        usrsctp_ffi.lib()
        return True
    except OSError:
        return False


requires_usrsctp = pytest.mark.skipif(not _have_lib(),
                                      reason="libusrsctp not installed (Debian libusrsctp2)")


class PeerProcess:
    """A usrsctp_peer subprocess; ``port`` is its SCTP port once READY."""

    def __init__(self, *args: str, prefix: list[str] | None = None, timeout: float = 10.0) -> None:
        cmd = (prefix or []) + [sys.executable, "-m", "harness.transport.usrsctp_peer", *args]
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, cwd=REPO_ROOT)
        line = _readline(self.proc, timeout)
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError(f"peer did not start: {line!r}: {self.proc.stderr.read()[-800:]}")
        self.port = int(line.split()[1])

    def readline(self, timeout: float = 5.0) -> str:
        return _readline(self.proc, timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()


def _readline(proc: subprocess.Popen, timeout: float) -> str:
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            return ""
        return proc.stdout.readline()
    finally:
        sel.close()


@pytest.fixture(scope="session")
def usrsctp_stack():
    if not _have_lib():
        pytest.skip("libusrsctp not installed (Debian libusrsctp2)")
    from harness.transport.usrsctp import UsrsctpStack
    return UsrsctpStack.current() or UsrsctpStack.start("udp", udp_port=free_udp_port())


@pytest.fixture(scope="module")
def udp_peer(usrsctp_stack):
    udp_port = free_udp_port()
    peer = PeerProcess("--mode", "udp", "--udp-port", str(udp_port), "--host", "127.0.0.1")
    peer.udp_port = udp_port
    yield peer
    peer.stop()
