"""Every check passes on a clean capture and fails, with the right finding, on its fault."""

from __future__ import annotations

import struct

import pytest

from harness.interfaces.cuplane.capture import check_capture
from harness.interfaces.cuplane.checks import CHECKS, FronthaulChecker
from harness.interfaces.cuplane.generate import FAULTS, GenerateOptions, generate_file, generate_frames
from harness.core.verdict import Verdict

from .conftest import CAPTURES


def _by_id(outcome):
    return {r.id: r for r in outcome.results}


def test_clean_fixture_passes_every_check(profile):
    outcome = check_capture(CAPTURES / "clean.pcap", profile)
    assert outcome.frames == outcome.messages == 200
    assert {r.id: r.verdict for r in outcome.results} == {c.id: Verdict.PASS for c in CHECKS}
    assert all(r.evaluated > 0 and not r.findings for r in outcome.results)


# fault -> checks that must FAIL (all others PASS)
EXPECTED = {
    "gap": {"seq-continuity"},
    "bad-revision": {"ecpri-revision"},
    "bad-reserved": {"ecpri-reserved"},
    "bad-size": {"payload-size"},
    "bad-message-type": {"message-type"},
    "unknown-eaxc": {"eaxc-id"},
    "truncated": {"frame-decode", "payload-size"},
    "bad-section-type": {"section-type"},
    "unknown-extension": {"section-extension"},
    "prb-overflow": {"prb-range"},
    "bad-payload-version": {"payload-version"},
}


def test_every_fault_has_an_expectation():
    assert set(EXPECTED) == set(FAULTS)
    assert all(FAULTS[f][1] in EXPECTED[f] for f in FAULTS)


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_fault_is_caught_by_its_check(tmp_path, profile, fault):
    path = tmp_path / f"{fault}.pcap"
    generate_file(path, profile, GenerateOptions(packets=400, fault=fault))
    results = _by_id(check_capture(path, profile))
    failed = {k for k, r in results.items() if r.verdict == Verdict.FAIL}
    assert failed == EXPECTED[fault]
    for check in failed:
        r = results[check]
        assert r.violations == 1, r.findings
        f = r.findings[0]
        assert f.verdict == Verdict.FAIL and f.evidence and f.message.startswith(f"packet {f.evidence[0]}: ")
        assert f.clause == r.clause and ("O-RAN.WG4.CUS" in f.clause or "eCPRI" in f.clause)
        assert f.ie_path
    assert all(r.verdict == Verdict.PASS for k, r in results.items() if k not in failed)


def test_gap_finding_text(profile):
    results = _by_id(check_capture(CAPTURES / "fault-gap.pcap", profile))
    (finding,) = results["seq-continuity"].findings
    assert finding.message == ("packet 122: U-plane UL eAxC 0x0100: sequence id 9 follows 7 (packet 99); "
                               "expected 8: 1 message(s) missing")
    assert finding.clause == "O-RAN.WG4.CUS.0-v10.00 5.1.3.1.7" and finding.ie_path == "ecpri.seq_id"


def test_truncated_frame_is_named_and_the_rest_still_checked(profile):
    results = _by_id(check_capture(CAPTURES / "fault-truncated.pcap", profile))
    (finding,) = results["frame-decode"].findings
    assert finding.message == ("packet 101: U-plane section 2 (sectionId 2): 4 PRBs of IQ data need 112 octets, "
                               "72 left")
    assert finding.ie_path == "sections[1].numPrbu"
    assert results["ecpri-revision"].evaluated == 200


def test_unknown_extension_is_listed(profile):
    results = _by_id(check_capture(CAPTURES / "fault-unknown-extension.pcap", profile))
    r = results["section-extension"]
    assert r.remarks == ("extension type 99 seen 1 time(s)",)
    assert "extension type 99, not allowed (lab allows [1, 6]); skipped by its extLen" in r.findings[0].message
    # the section after the unknown extension was still read
    assert results["prb-range"].verdict == Verdict.PASS


def test_sequence_wraps_at_256_and_fragments_continue(profile):
    eaxc = profile.eaxc_ids[0]
    checker = FronthaulChecker(profile)
    template = next(f for _t, f in generate_frames(profile, GenerateOptions(packets=40, vlan=None))
                    if f[15] == 0 and f[22] & 0x80 == 0)   # uplink U-plane
    number = 0
    # 254, 255, 0 (wrap), then 1 in two fragments (E=0 sub 0, E=1 sub 1), then 2
    for seq, ebit, sub in ((254, 1, 0), (255, 1, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1), (2, 1, 0)):
        frame = bytearray(template)
        frame[18:20] = eaxc.to_bytes(2, "big")
        frame[20], frame[21] = seq, (ebit << 7) | sub
        number += 1
        checker.feed(number, 1, bytes(frame))
    (r,) = [r for r in checker.results() if r.id == "seq-continuity"]
    assert r.verdict == Verdict.PASS and r.evaluated == 5
    frame = bytearray(template)
    frame[18:20] = eaxc.to_bytes(2, "big")
    frame[20], frame[21] = 2, 0x80          # sequence 2 again: repeated
    checker.feed(7, 1, bytes(frame))
    (r,) = [r for r in checker.results() if r.id == "seq-continuity"]
    assert r.verdict == Verdict.FAIL and "out of order or repeated" in r.findings[0].message


def test_nothing_to_evaluate_is_inconclusive_not_pass(tmp_path, profile):
    # U-plane only: take the frames after the first slot's C-plane messages
    frames = [f for _t, f in generate_frames(profile, GenerateOptions(packets=60))][13:]
    checker = FronthaulChecker(profile)
    for i, frame in enumerate(frames, 1):
        checker.feed(i, 1, frame)
    results = {r.id: r for r in checker.results()}
    assert results["section-type"].verdict == Verdict.INCONC
    assert results["section-extension"].verdict == Verdict.INCONC
    assert results["section-type"].findings[0].message == "the capture has nothing this check applies to"
    assert results["seq-continuity"].verdict == Verdict.PASS


def test_capture_cut_mid_record_keeps_what_was_read(tmp_path, profile):
    data = (CAPTURES / "clean.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[:len(data) - 100])
    results = _by_id(check_capture(cut, profile))
    r = results["frame-decode"]
    assert r.verdict == Verdict.INCONC
    assert r.findings[0].message.startswith("packet 200: capture file: file ends inside the packet")
    assert results["ecpri-revision"].evaluated == 199


def test_non_ecpri_frames_are_counted_not_judged(tmp_path, profile):
    path = tmp_path / "mixed.pcap"
    arp = bytes(12) + b"\x08\x06" + bytes(46)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for frame in [arp, *[fr for _t, fr in generate_frames(profile, GenerateOptions(packets=30))]]:
            f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)
    outcome = check_capture(path, profile)
    assert (outcome.frames, outcome.messages, outcome.other) == (31, 30, 1)


def test_padding_to_the_ethernet_minimum_is_accepted(profile):
    outcome = check_capture(CAPTURES / "clean.pcap", profile)
    # the C-plane frames of the fixture are padded to 60 octets
    assert _by_id(outcome)["payload-size"].verdict == Verdict.PASS


def test_two_processes_give_the_same_results(profile):
    for name in ("fault-gap.pcap", "fault-unknown-extension.pcap", "clean.pcap"):
        one = check_capture(CAPTURES / name, profile, workers=1)
        two = check_capture(CAPTURES / name, profile, workers=2, min_share=0)
        assert two.workers == 2
        assert (one.frames, one.messages, one.other) == (two.frames, two.messages, two.other)
        assert [(r.id, r.verdict, r.evaluated, r.violations, r.findings, r.remarks) for r in one.results] == \
            [(r.id, r.verdict, r.evaluated, r.violations, r.findings, r.remarks) for r in two.results]
