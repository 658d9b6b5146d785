"""Checking a capture in several processes gives exactly what one pass gives.

The file is cut into byte ranges at record boundaries (harness/interfaces/cuplane/capture.py);
sequence continuity is stitched across the cuts.  Compared: frame / message counts,
and every check's verdict, counters, findings (text, packet, field) and remarks.
"""

from __future__ import annotations

import pytest

from harness.interfaces.cuplane import capture
from harness.interfaces.cuplane.capture import check_capture, merge
from harness.interfaces.cuplane.checks import FronthaulChecker
from harness.interfaces.cuplane.generate import FAULTS, GenerateOptions, generate_file
from harness.core.verdict import Verdict

from .conftest import CAPTURES


def outcome_key(outcome) -> tuple:
    return ((outcome.frames, outcome.messages, outcome.other),
            [(r.id, r.verdict, r.evaluated, r.violations, r.findings, r.remarks) for r in outcome.results])


def checker_key(checker) -> tuple:
    results = checker.results()
    return ((checker.frames, checker.messages, checker.other),
            [(r.id, r.verdict, r.evaluated, r.violations, r.findings, r.remarks) for r in results])


@pytest.fixture(scope="module")
def faulty(tmp_path_factory, profile):
    """One 600-message capture per fault, plus a clean one."""
    folder = tmp_path_factory.mktemp("parallel")
    out = {}
    for fault in [None, *sorted(FAULTS)]:
        path = folder / f"{fault or 'clean'}.pcap"
        generate_file(path, profile, GenerateOptions(packets=600, fault=fault))
        out[fault or "clean"] = path
    return out


@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_equals_serial_on_every_fault(faulty, profile, workers):
    for name, path in faulty.items():
        one = check_capture(path, profile, workers=1)
        many = check_capture(path, profile, workers=workers, min_share=0)
        assert many.workers == workers, name
        assert outcome_key(many) == outcome_key(one), name
        if name != "clean":
            assert any(r.verdict == Verdict.FAIL for r in many.results), name


def _shares_cut_at(path, pcap, packets: list) -> list:
    """Shares of *path* starting at the given packet numbers (1 always included)."""
    starts, number, pos = [], 1, 24
    data = path.read_bytes()
    wanted = {1, *packets}
    while pos < len(data):
        if number in wanted:
            starts.append((pos, number))
        pos += 16 + int.from_bytes(data[pos + 8:pos + 12], "little")
        number += 1
    bounds = [s for s, _n in starts[1:]] + [len(data)]
    return [capture._Share(s, b, n) for (s, n), b in zip(starts, bounds)]


def _check_in_shares(path, profile, shares) -> FronthaulChecker:
    pcap = capture._pcap_header(str(path))
    parts = []
    for share in shares:
        checker, stopped = capture._check_share(str(path), profile, pcap, share)
        assert stopped is None
        parts.append(checker)
    return merge(parts, profile)


def test_a_gap_exactly_at_a_cut_is_found_by_the_stitch(profile):
    path = CAPTURES / "fault-gap.pcap"
    serial = check_capture(path, profile)
    (finding,) = {r.id: r for r in serial.results}["seq-continuity"].findings
    gap_packet = finding.evidence[0]
    pcap = capture._pcap_header(str(path))
    for cut in range(gap_packet - 30, gap_packet + 3):
        merged = _check_in_shares(path, profile, _shares_cut_at(path, pcap, [cut]))
        assert checker_key(merged) == outcome_key(serial), f"cut before packet {cut}"
    # without the stitch the gap at the cut would go unseen: the check has teeth
    shares = _shares_cut_at(path, pcap, [gap_packet])
    lone = [capture._check_share(str(path), profile, pcap, s)[0] for s in shares]
    seq = {r.id: r for r in lone[1].results()}["seq-continuity"]
    assert seq.verdict == Verdict.PASS


def test_many_cuts_equal_one_pass(profile, faulty):
    path = faulty["unknown-eaxc"]
    serial = check_capture(path, profile)
    pcap = capture._pcap_header(str(path))
    merged = _check_in_shares(path, profile, _shares_cut_at(path, pcap, list(range(2, 600, 37))))
    assert checker_key(merged) == outcome_key(serial)


@pytest.mark.parametrize("cut_at", [0.3, 0.8])
def test_damaged_file_in_parallel_reports_like_one_pass(tmp_path, profile, cut_at):
    data = (CAPTURES / "clean.pcap").read_bytes()
    damaged = tmp_path / "damaged.pcap"
    # a bogus record length: nothing after it can be found
    pos, number = 24, 1
    while pos < cut_at * len(data):
        pos += 16 + int.from_bytes(data[pos + 8:pos + 12], "little")
        number += 1
    damaged.write_bytes(data[:pos + 8] + (1 << 30).to_bytes(4, "little") + data[pos + 12:])
    one = check_capture(damaged, profile)
    two = check_capture(damaged, profile, workers=2, min_share=0)
    assert outcome_key(two) == outcome_key(one)
    decode = {r.id: r for r in one.results}["frame-decode"]
    assert decode.verdict == Verdict.INCONC
    assert decode.findings[0].message.startswith(f"packet {number}: capture file: record length 1073741824 is bogus")
    assert one.frames == number - 1


def test_file_cut_mid_record_in_parallel(tmp_path, profile):
    data = (CAPTURES / "clean.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[:len(data) - 100])
    one, two = check_capture(cut, profile), check_capture(cut, profile, workers=2, min_share=0)
    assert outcome_key(two) == outcome_key(one)
    assert two.frames == 199


def test_pcapng_is_read_by_the_general_reader(tmp_path, profile):
    src = CAPTURES / "fault-gap.pcap"
    path = tmp_path / "gap.pcapng"
    _write_pcapng(path, src)
    outcome = check_capture(path, profile, workers=2, min_share=0)
    assert outcome.workers == 1 and outcome.frames == 199
    assert {r.id: r for r in outcome.results}["seq-continuity"].verdict == Verdict.FAIL
    assert outcome_key(outcome) == outcome_key(check_capture(src, profile))


def _write_pcapng(path, pcap_path) -> None:
    import struct
    from harness.capture.files import frames

    def block(kind: int, body: bytes) -> bytes:
        body += b"\0" * (-len(body) % 4)
        return struct.pack("<II", kind, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    with open(pcap_path, "rb") as f, open(path, "wb") as out:
        out.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        out.write(block(1, struct.pack("<HHI", 1, 0, 65535)))
        for _n, _lt, t, frame, _cut in frames(f, str(pcap_path), []):
            ts = int(t * 1e6)
            out.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame)) + frame))
