"""Check a fronthaul capture file: the file reader of harness.capture, then the checker.

With ``workers`` > 1 the file is read by that many processes, each checking the
eCPRI messages of its share of the eAxC ids (eAxC id modulo workers; frames without
one go to the first).  Every check's state is per eAxC (sequence ids) or per message,
so the shares are independent and their tallies add up; findings are merged in
packet order.  Each process streams the file, so memory stays bounded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from harness.capture import files
from harness.fronthaul.checks import MAX_FINDINGS, FronthaulChecker
from harness.fronthaul.fastparse import ecpri_offset
from harness.fronthaul.profile import FronthaulProfile


@dataclass(frozen=True)
class CaptureCheck:
    """The outcome of checking one capture."""

    capture: str
    profile: str
    frames: int
    messages: int
    other: int               # frames that carried no eCPRI
    results: tuple           # CheckResult...
    seconds: float = 0.0
    workers: int = 1


def check_capture(path: str | Path, profile: FronthaulProfile, workers: int = 1) -> CaptureCheck:
    """Read *path* as a stream and run every check.

    Raises:
        CaptureError: the file is not a pcap / pcapng capture.
        OSError: it cannot be opened.
    """
    started = time.perf_counter()
    if workers <= 1:
        checker = _check_share(str(path), profile, 0, 1)
    else:
        import multiprocessing
        with open(path, "rb") as f:          # a bad file fails here, in this process, with its own error
            files.frames(f, str(path), [])
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            shares = pool.starmap(_check_share, [(str(path), profile, i, workers) for i in range(workers)])
        checker = _merge(shares, profile)
    return CaptureCheck(str(path), profile.path, checker.frames, checker.messages, checker.other,
                        tuple(checker.results()), time.perf_counter() - started, max(1, workers))


def _check_share(path: str, profile: FronthaulProfile, share: int, shares: int) -> FronthaulChecker:
    issues: list = []
    checker = FronthaulChecker(profile)
    feed = checker.feed
    with open(path, "rb") as f:
        if shares == 1:
            for number, linktype, _t, frame, cut in files.frames(f, path, issues):
                feed(number, linktype, frame, cut)
        else:
            total = other = 0
            for number, linktype, _t, frame, cut in files.frames(f, path, issues):
                total += 1
                off = ecpri_offset(linktype, frame)[0]
                owner = ((frame[off + 4] << 8) | frame[off + 5]) % shares \
                    if off >= 0 and len(frame) >= off + 6 and frame[off + 1] in (0, 2) else 0
                if owner == share:
                    feed(number, linktype, frame, cut)
            checker.frames = total if share == 0 else 0
    if share == 0:
        for issue in issues:
            checker.capture_issue(issue.packet, issue.message)
    return checker


def _merge(shares: list, profile: FronthaulProfile) -> FronthaulChecker:
    merged = FronthaulChecker(profile)
    merged.frames = sum(s.frames for s in shares)
    merged.messages = sum(s.messages for s in shares)
    merged.other = sum(s.other for s in shares)
    for check_id, tally in merged.tallies.items():
        parts = [s.tallies[check_id] for s in shares]
        tally.evaluated = sum(p.evaluated for p in parts)
        tally.violations = sum(p.violations for p in parts)
        findings = sorted((f for p in parts for f in p.findings), key=lambda f: f.evidence[:1])
        tally.findings = findings[:MAX_FINDINGS]
        for p in parts:
            for k, v in p.remarks.items():
                tally.remarks[k] = tally.remarks.get(k, 0) + v
    return merged
