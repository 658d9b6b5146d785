"""Big hostile inputs cost bounded memory and time (tracemalloc peak, wall clock).

The limits are generous for a loaded shared machine; what they catch is the
difference between megabytes and gigabytes (asn1tools alone would need ~27
octets per input octet: about 800 MB for the 30 MB PDU below).
"""

from __future__ import annotations

import os
import struct
import time
import tracemalloc

import pytest

from harness.capture.reader import read_messages
from harness.codec.codec import SLOW_DECODE_LIMIT
from harness.codec.errors import DecodeError
from harness.fuzz.targets import TARGETS

MB = 1 << 20


def _measure(fn):
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        try:
            result = fn()
        except Exception as err:     # the caller asserts which error
            result = err
        return result, tracemalloc.get_traced_memory()[1], time.monotonic() - t0
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def indication():
    seed = next(c for c in TARGETS["e2ap-v03.01"].seeds() if c.data[1] == 5)     # procedure code 5
    TARGETS["e2ap-v03.01"].parse(seed)                                            # compile outside the measure
    return seed


def test_thirty_megabytes_after_a_valid_pdu_are_rejected_cheaply(indication):
    data = indication.data + os.urandom(30 * MB)
    err, peak, wall = _measure(lambda: TARGETS["e2ap-v03.01"].parse(type(indication)("E2AP-PDU", data)))
    assert isinstance(err, DecodeError)
    assert str(err).startswith(f"E2AP-PDU (bit offset {8 * len(indication.data)}): {30 * MB} octet(s) left over")
    assert peak < 16 * MB and wall < 10


def test_an_undecodable_pdu_above_the_precise_decoders_limit_is_refused_cheaply(indication):
    data = b"\x60" + os.urandom(SLOW_DECODE_LIMIT + 1)          # CHOICE index 3: never decodes
    err, peak, wall = _measure(lambda: TARGETS["e2ap-v03.01"].parse(type(indication)("E2AP-PDU", data)))
    assert isinstance(err, DecodeError)
    assert str(err) == (f"E2AP-PDU (bit offset 0): {len(data)} octets that the fast decoder cannot decode; "
                        f"more than the {SLOW_DECODE_LIMIT} the precise decoder takes, so not decoded further")
    assert peak < 16 * MB and wall < 10


def test_a_never_ending_fragmented_sctp_message_is_bounded(tmp_path):
    """24 MB of DATA fragments (B, then middles, never E): the reassembly table is capped."""
    path = tmp_path / "endless.pcap"
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))     # raw IPv4 link type
        chunk = os.urandom(16000)
        for i in range(1536):
            flags = 2 if i == 0 else 0
            data = struct.pack("!BBHIHHI", 0, flags, 16 + len(chunk), 1000 + i, 0, 0, 70) + chunk
            sctp = struct.pack("!HHII", 36422, 36421, 7, 0) + data
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(sctp), i & 0xFFFF, 0, 64, 132, 0,
                             b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02")
            f.write(struct.pack("<IIII", 1000 + i // 100, 0, len(ip + sctp), len(ip + sctp)) + ip + sctp)
    issues: list = []
    messages, peak, wall = _measure(lambda: list(read_messages(path, issues=issues)))
    assert messages == []
    assert issues and all(isinstance(i.packet, int) for i in issues)
    assert peak < 48 * MB and wall < 60


def test_rejected_decodes_do_not_accumulate_memory():
    """Regression: the fast decoder's shared Fallback exception kept the traceback of every raise,
    and with it the frames, codecs and inputs of every declined decode (fuzzing grew to 3.7 GB)."""
    import gc
    parse = TARGETS["e2sm-kpm-v03.00"].parse
    case = type(next(iter(TARGETS["e2sm-kpm-v03.00"].seeds())))("E2SM-KPM-IndicationMessage",
                                                                 bytes.fromhex("0c000100031001"))

    def rejected():
        try:
            parse(case)
        except DecodeError:
            return
        raise AssertionError("the case should be rejected")
    for _ in range(20):
        rejected()
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(100):
        rejected()
    gc.collect()
    assert len(gc.get_objects()) - before < 500
