"""SCTP failure-detection timers: the lab's `transport.timers`, set on real usrsctp sockets,
read back from the stack, and shown to bound how fast a partitioned peer is declared lost
(a real association through the userspace UDP relay, harness/impair/relay.py).

The kernel backend cannot run here (no SCTP module): its byte layouts are checked against
ctypes and the linux/sctp.h offsets instead.
"""

import ctypes
import time

import pytest

from harness.impair.model import Impairment
from harness.impair.relay import UdpRelay
from harness.transport import kernel_sctp_uapi as U
from harness.transport import usrsctp
from harness.transport.base import PeerClosed, TransportError
from harness.transport.sctp import SctpConfig, SctpTimers
from tests.transport.usrsctp_support import requires_usrsctp, udp_peer, usrsctp_stack  # noqa: F401

SHORT = {"rto_initial_ms": 100, "rto_min_ms": 100, "rto_max_ms": 300, "heartbeat_interval_ms": 200,
         "path_max_retrans": 2, "association_max_retrans": 2}


# --- the lab profile's timers: validation and the bound --------------------------------

@pytest.mark.parametrize("change, message", [
    ({"heartbeat_interval_ms": None}, r"lab\.transport\.timers\.heartbeat_interval_ms: missing"),
    ({"hb_ms": 5}, r"lab\.transport\.timers\.hb_ms: unknown key"),
    ({"path_max_retrans": 0}, r"lab\.transport\.timers\.path_max_retrans: must be positive, got 0"),
    ({"rto_max_ms": -300}, r"lab\.transport\.timers\.rto_max_ms: must be positive"),
    ({"rto_min_ms": True}, r"lab\.transport\.timers\.rto_min_ms: expected an integer"),
    ({"rto_initial_ms": "100"}, r"lab\.transport\.timers\.rto_initial_ms: expected an integer"),
    ({"association_max_retrans": 70000}, r"association_max_retrans: at most 65535"),
    ({"rto_initial_ms": 50}, r"lab\.transport\.timers: need rto_min_ms <= rto_initial_ms <= rto_max_ms"),
    ({"rto_initial_ms": 400}, r"rto_min_ms <= rto_initial_ms <= rto_max_ms, got 100 / 400 / 300"),
])
def test_from_dict_refuses_with_where_and_key(change, message):
    d = {k: v for k, v in {**SHORT, **change}.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        SctpTimers.from_dict(d, "lab.transport.timers")


def test_from_dict_refuses_a_non_mapping():
    with pytest.raises(ValueError, match=r"^here: expected a mapping"):
        SctpTimers.from_dict([100], "here")


def test_bounds_follow_rfc9260():
    t = SctpTimers.from_dict(SHORT, "t")
    # (AMR + 2) heartbeat periods of 1.5 x (HB.interval + RTO.Max)
    assert t.detection_bound_ms() == 4 * 1.5 * (200 + 300) == 3000
    # (AMR + 1) periods of at least HB.interval + RTO.Min / 2
    assert t.detection_floor_ms() == 3 * (200 + 50) == 750
    assert t.as_dict() == SHORT


def test_sctp_config_reads_and_keeps_timers():
    cfg = SctpConfig.from_dict({"backend": "usrsctp", "udp_port": 1, "remote_udp_port": 2, "timers": SHORT})
    assert cfg.timers == SctpTimers(**SHORT)
    back = cfg.swapped()
    assert (back.udp_port, back.remote_udp_port, back.timers) == (2, 1, cfg.timers)
    assert SctpConfig.from_dict({}).timers is None
    with pytest.raises(ValueError, match=r"^lab\.transport\.timers\.rto_min_ms: missing"):
        SctpConfig.from_dict({"timers": {k: v for k, v in SHORT.items() if k != "rto_min_ms"}},
                             "lab.transport")


# --- kernel backend: the byte layouts of linux/sctp.h (cannot run here) ----------------

class _KRtoinfo(ctypes.Structure):
    _fields_ = [("srto_assoc_id", ctypes.c_int32), ("srto_initial", ctypes.c_uint32),
                ("srto_max", ctypes.c_uint32), ("srto_min", ctypes.c_uint32)]


class _KAssocparams(ctypes.Structure):
    _fields_ = [("sasoc_assoc_id", ctypes.c_int32), ("sasoc_asocmaxrxt", ctypes.c_uint16),
                ("sasoc_number_peer_destinations", ctypes.c_uint16), ("sasoc_peer_rwnd", ctypes.c_uint32),
                ("sasoc_local_rwnd", ctypes.c_uint32), ("sasoc_cookie_life", ctypes.c_uint32)]


class _KPaddrparams(ctypes.Structure):      # __attribute__((packed, aligned(4)))
    _pack_ = 1
    _fields_ = [("spp_assoc_id", ctypes.c_int32), ("spp_address", ctypes.c_uint8 * 128),
                ("spp_hbinterval", ctypes.c_uint32), ("spp_pathmaxrxt", ctypes.c_uint16),
                ("spp_pathmtu", ctypes.c_uint32), ("spp_sackdelay", ctypes.c_uint32),
                ("spp_flags", ctypes.c_uint32), ("spp_ipv6_flowlabel", ctypes.c_uint32),
                ("spp_dscp", ctypes.c_uint8)]


@pytest.mark.parametrize("layout, cstruct", [(U.SCTP_RTOINFO_LAYOUT, _KRtoinfo),
                                             (U.SCTP_ASSOCPARAMS_LAYOUT, _KAssocparams),
                                             (U.SCTP_PADDRPARAMS_LAYOUT, _KPaddrparams)],
                         ids=lambda x: getattr(x, "name", ""))
def test_kernel_timer_layouts(layout, cstruct):
    # packed size rounded up to the 4-byte alignment linux/sctp.h asks for
    assert layout.size == (ctypes.sizeof(cstruct) + 3) & ~3
    for f in layout.fields:
        assert getattr(cstruct, f.name).offset == f.offset, f.name
        assert getattr(cstruct, f.name).size == f.size, f.name


def test_kernel_timer_bytes():
    assert U.pack_rtoinfo(100, 50, 300) == bytes(_KRtoinfo(0, 100, 300, 50))
    assert U.pack_assocparams(7) == bytes(_KAssocparams(0, 7))
    want = _KPaddrparams(spp_hbinterval=200, spp_pathmaxrxt=3, spp_flags=U.SPP_HB_ENABLE)
    assert U.pack_paddrparams(200, 3) == bytes(want) + b"\0"
    assert (U.SCTP_RTOINFO, U.SCTP_ASSOCINFO, U.SCTP_PEER_ADDR_PARAMS, U.SPP_HB_ENABLE) == (0, 1, 9, 1)


# --- usrsctp: set, read back, refused ----------------------------------------------------

@requires_usrsctp
def test_listener_and_accepted_association_carry_the_timers(usrsctp_stack):  # noqa: F811
    timers = SctpTimers(rto_initial_ms=250, rto_min_ms=120, rto_max_ms=900, heartbeat_interval_ms=700,
                        path_max_retrans=3, association_max_retrans=4)
    with usrsctp.UsrsctpListener("127.0.0.1", 0, timers=timers) as listener:
        assert listener.timers() == timers
        client = usrsctp.connect("127.0.0.1", listener.port, remote_udp_port=usrsctp_stack.udp_port,
                                 timeout=5, timers=SctpTimers(**SHORT))
        server = listener.accept(5.0)
        try:
            assert server.timers() == timers                  # inherited from the listener
            assert client.timers() == SctpTimers(**SHORT)     # the association's own values
        finally:
            client.abort()
            server.abort()


@requires_usrsctp
def test_a_changed_timer_names_the_option_and_value(usrsctp_stack):  # noqa: F811
    # usrsctp (FreeBSD's SCTP) takes a heartbeat interval above 4 hours but clamps it to
    # SCTP_MAX_HB_INTERVAL: the read-back turns that into an error, not a silent change
    too_long = SctpTimers(**{**SHORT, "heartbeat_interval_ms": 14_400_001})
    with pytest.raises(TransportError, match=r"SCTP_PEER_ADDR_PARAMS heartbeat_interval_ms=14400000 "
                                             r"\(set 14400001\)"):
        usrsctp.UsrsctpListener("127.0.0.1", 0, timers=too_long)


# --- usrsctp: the timers bound detection of a partitioned peer --------------------------

@requires_usrsctp
def test_partition_is_detected_within_the_bound(usrsctp_stack, udp_peer):  # noqa: F811
    timers = SctpTimers(**SHORT)
    with UdpRelay("e2", ("127.0.0.1", 0), ("127.0.0.1", udp_peer.udp_port)) as relay:
        assoc = usrsctp.connect("127.0.0.1", udp_peer.port, remote_udp_port=relay.listen[1],
                                timeout=5, timers=timers)
        try:
            # idle on a clean path: the heartbeats (not data) keep it up
            before = relay.counters()["a->b"]["forwarded"]
            assert assoc.recv(2.0) is None and assoc.is_open
            heartbeats = relay.counters()["a->b"]["forwarded"] - before
            assert heartbeats >= 3, f"{heartbeats} datagrams in 2 s idle: heartbeats not at ~200 ms"

            relay.apply(Impairment(partition=True))
            start = time.monotonic()
            deadline = start + 10.0
            with pytest.raises(PeerClosed, match="association lost"):
                while time.monotonic() < deadline:
                    assoc.recv(deadline - time.monotonic())
            took_ms = (time.monotonic() - start) * 1000
            print(f"partition detected after {took_ms:.0f} ms (floor {timers.detection_floor_ms():.0f}, "
                  f"bound {timers.detection_bound_ms():.0f})")
            assert timers.detection_floor_ms() <= took_ms <= timers.detection_bound_ms() + 500
            assert [e.kind for e in assoc.events][-1] == "down"
            assert "COMM_LOST" in assoc.events[-1].detail
            assert relay.counters()["a->b"]["dropped"] >= timers.association_max_retrans + 1
        finally:
            assoc.close(timeout=0.5)


def test_the_simulator_argument_round_trips_and_names_a_bad_item():
    """`--sctp-timers KEY=N,...` is how a simulator process gets the lab's timers (harness/interfaces/e2/live.py)."""
    timers = SctpTimers(1000, 400, 1000, 300, 5, 5)
    assert SctpTimers.from_argument(timers.as_argument(), "--sctp-timers") == timers
    with pytest.raises(ValueError, match=r"^--sctp-timers: 'rto_min_ms=x' is not KEY=N$"):
        SctpTimers.from_argument("rto_min_ms=x", "--sctp-timers")
