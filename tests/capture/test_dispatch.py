"""The one dispatch table (harness/capture/dispatch.py): which decoder takes a captured message."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.capture import dispatch
from harness.capture.model import CapturedMessage
from harness.capture.reader import DEFAULT_UDP_PORTS, read_messages
from harness.evidence.pcapng import PPID_E2AP
from harness.interfaces.cuplane import fields
from harness.transport.base import E2AP_PPID

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures"


def msg(transport: str, src: str, dst: str, ppid: int) -> CapturedMessage:
    return CapturedMessage((1,), 0.0, transport, src, dst, f"{src}-{dst}", 0, ppid, b"")


@pytest.mark.parametrize("transport, src, dst, ppid, expected", [
    ("sctp", "10.0.0.1:40000", "10.0.0.2:5000", 70, dispatch.E2AP),          # the PPID decides
    ("sctp-udp", "10.0.0.1:40000", "10.0.0.2:5000", 70, dispatch.E2AP),
    ("sctp", "10.0.0.1:40000", "10.0.0.2:36421", 0, dispatch.E2AP),          # PPID 0: an E2 port
    ("sctp", "10.0.0.1:37464", "10.0.0.2:40000", 0, dispatch.E2AP),
    ("sctp", "[2001:db8::1]:36422", "[2001:db8::2]:40000", 0, dispatch.E2AP),
    ("sctp", "10.0.0.1:40000", "10.0.0.2:36421", 46, None),                  # another PPID, E2 port
    ("sctp", "10.0.0.1:40000", "10.0.0.2:5000", 0, None),
    ("tcp", "10.0.0.1:40000", "10.0.0.2:9001", 0, dispatch.HTTP),
    ("tcp", "10.0.0.1:40000", "10.0.0.2:36421", 0, dispatch.HTTP),          # E2 ports are SCTP ports
])
def test_route(transport, src, dst, ppid, expected):
    m = msg(transport, src, dst, ppid)
    assert dispatch.route(m) == expected
    assert dispatch.is_e2ap(m) == (expected == dispatch.E2AP)


def test_every_fixture_capture_message_is_e2ap():
    for path in sorted(CAPTURES.glob("*.pcap*")):
        messages = list(read_messages(path, issues=[]))
        assert messages and all(dispatch.is_e2ap(m) for m in messages), path.name


def test_numbers_are_defined_once():
    assert dispatch.E2AP_PPID is E2AP_PPID and PPID_E2AP is E2AP_PPID and E2AP_PPID == 70
    assert DEFAULT_UDP_PORTS == dispatch.sctp_udp_ports() == (9899,)
    assert fields.ETHERTYPE_ECPRI == dispatch.ETHERTYPE_ECPRI == 0xAEFE
    assert [dispatch.by_ethertype(e) for e in (0x0800, 0x86DD, 0xAEFE, 0x0806)] == [
        dispatch.IPV4, dispatch.IPV6, dispatch.ECPRI, None]


def test_the_table_is_read_only():
    with pytest.raises(TypeError):
        dispatch.TABLE[("sctp.ppid", 46)] = dispatch.E2AP
