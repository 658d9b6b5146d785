"""Backend choice (runs everywhere; the probe is replaced where it matters)."""

import pytest

from harness.transport import backends as sel
from harness.transport.base import TransportError


@pytest.fixture
def kernel(monkeypatch):
    def set_available(available: bool):
        monkeypatch.setattr(sel, "_probe", lambda: None if available else
                            "socket(SOCK_STREAM, IPPROTO_SCTP) failed: [Errno 93] "
                            "Protocol not supported")
    return set_available


def test_auto_prefers_kernel(kernel):
    kernel(True)
    assert sel.choose_backend("auto") == "kernel"
    assert sel.choose_backend() == "kernel"


def test_auto_falls_back_to_usrsctp(kernel):
    kernel(False)
    assert sel.choose_backend("auto") == "usrsctp"
    assert sel.choose_backend(" AUTO ") == "usrsctp"


def test_forced_backends(kernel):
    kernel(True)
    assert sel.choose_backend("kernel") == "kernel"
    assert sel.choose_backend("usrsctp") == "usrsctp"
    kernel(False)
    assert sel.choose_backend("usrsctp") == "usrsctp"


def test_forced_kernel_without_it_says_why_and_what_to_do(kernel):
    kernel(False)
    with pytest.raises(TransportError) as info:
        sel.choose_backend("kernel")
    text = str(info.value)
    assert "kernel SCTP is not available" in text
    assert "Protocol not supported" in text
    assert "modprobe sctp" in text and "usrsctp" in text


def test_unknown_preference():
    with pytest.raises(ValueError, match="auto, kernel, usrsctp"):
        sel.choose_backend("tcp")


def test_probe_is_cached_and_consistent():
    first = sel.kernel_sctp_available()
    assert sel.kernel_sctp_available() is first
    assert sel._probe.cache_info().hits >= 1
    assert (sel.kernel_sctp_unavailable_reason() == "") is first


@pytest.mark.skipif(sel.kernel_sctp_available(), reason="this host has kernel SCTP")
def test_without_kernel_sctp_the_socket_helpers_fail_clearly():
    from harness.transport.kernel_sctp import KernelSctpListener, connect
    with pytest.raises(TransportError, match="modprobe sctp"):
        KernelSctpListener("127.0.0.1", 0)
    with pytest.raises(TransportError, match="modprobe sctp"):
        connect("127.0.0.1", 9, timeout=0.5)
