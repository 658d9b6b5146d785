"""Check a fronthaul capture file, in one process or several.

Theory of operation.  Classic pcap files are read by a small reader of our own that
takes the file in 1 MiB chunks and hands each record's bytes to the checker: no
per-record read calls, memory flat whatever the file size.  At the first record it
cannot take as sound (length over `MAX_FRAME`, file cut short) it stops, and the
general reader of `harness.capture.files` takes over from that packet, so damage is
reported in that reader's own words and nothing already checked is lost.  pcapng
files and anything unusual go to that general reader from the start.

With ``workers`` > 1 a classic pcap is cut into byte ranges at record boundaries (a
first pass reads only the 16-octet record headers up to the cut points) and each
range is checked by its own process, the first in this one.  Every check is per
message except sequence continuity, which is per flow: each range keeps the first
and last sequence id of every flow, and the merge checks each range's first
against the previous range's last, with the same words a single pass would use.
Findings are merged in (packet, message) order and cut to `MAX_FINDINGS`, so the
outcome equals the single-process one (tests/fronthaul/test_parallel.py).
"""

from __future__ import annotations

import multiprocessing
import os
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from harness.capture import files
from harness.interfaces.cuplane.checks import MAX_FINDINGS, FronthaulChecker
from harness.interfaces.cuplane.profile import FronthaulProfile

CHUNK = 1 << 20
MIN_SHARE = 1 << 20          # octets; smaller files are not worth another process
_PCAP_ORDER = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
               b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}


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


@dataclass(frozen=True)
class _Pcap:
    """What the chunk reader needs from a classic pcap header."""

    order: str
    linktype: int
    size: int                # of the file


@dataclass(frozen=True)
class _Share:
    """A byte range of a pcap file, starting at a record, and the packet number there."""

    start: int
    stop: int
    first_packet: int


def check_capture(path: str | Path, profile: FronthaulProfile, workers: int = 1,
                  min_share: int = MIN_SHARE, remember_shapes: bool = True) -> CaptureCheck:
    """Read *path* as a stream and run every check.

    Args:
        workers: processes to use (classic pcap only; one share per process).
        min_share: the least octets worth giving a process of its own.
        remember_shapes: use the checker's fast path for repeated frame shapes (off: the
            speed of traffic whose headers never repeat, for the benchmark).

    Raises:
        CaptureError: the file is not a pcap / pcapng capture.
        OSError: it cannot be opened.
    """
    started = time.perf_counter()
    path = str(path)
    pcap = _pcap_header(path)
    shares = _split(path, pcap, min(workers, pcap.size // max(1, min_share))) if pcap and workers > 1 else None
    if pcap is not None and shares and len(shares) > 1:
        checker = _check_parallel(path, profile, pcap, shares, remember_shapes)
        used = len(shares)
    else:
        checker = _check_serial(path, profile, pcap, remember_shapes)
        used = 1
    checker.settle()
    return CaptureCheck(path, profile.path, checker.frames, checker.messages, checker.other,
                        tuple(checker.results()), time.perf_counter() - started, used)


# ---------------------------------------------------------------------- reading
def _pcap_header(path: str) -> _Pcap | None:
    """The classic pcap header's byte order and link type; None for anything else."""
    with open(path, "rb") as f:
        head = f.read(24)
        size = os.fstat(f.fileno()).st_size
    order = _PCAP_ORDER.get(head[:4])
    if order is None or len(head) < 24:
        return None
    network = struct.unpack(order + "I", head[20:24])[0]
    return _Pcap(order, network & 0x0FFFFFFF, size)


def _feed_records(checker: FronthaulChecker, path: str, pcap: _Pcap, share: _Share) -> int | None:
    """Feed the records of *share*; the packet number of the first one not sound, or None."""
    feed, linktype = checker.feed, pcap.linktype
    lengths = struct.Struct(pcap.order + "8xII").unpack_from
    number = share.first_packet
    with open(path, "rb") as f:
        f.seek(share.start)
        left = share.stop - share.start
        buf = f.read(min(CHUNK, left))
        left -= len(buf)
        pos = 0
        while True:
            if len(buf) - pos < 16:
                more = f.read(min(CHUNK, left)) if left > 0 else b""
                left -= len(more)
                buf, pos = buf[pos:] + more, 0
                if len(buf) < 16:
                    return number if buf else None
            incl, orig = lengths(buf, pos)
            end = pos + 16 + incl
            if end > len(buf):
                if incl > files.MAX_FRAME:
                    return number
                more = f.read(min(max(CHUNK, end - len(buf)), left)) if left > 0 else b""
                left -= len(more)
                buf, pos = buf[pos:] + more, 0
                end = 16 + incl
                if end > len(buf):
                    return number
            feed(number, linktype, buf[pos + 16:end], incl < orig)
            number += 1
            pos = end


def _split(path: str, pcap: _Pcap, parts: int) -> list[_Share] | None:
    """Cut the records into *parts* byte ranges of about equal size (None if the headers are unsound)."""
    if parts < 2:
        return None
    length = struct.Struct(pcap.order + "I").unpack_from
    targets = [24 + (pcap.size - 24) * i // parts for i in range(1, parts)]
    cuts = [(24, 1)]
    with open(path, "rb") as f:
        pos, number, buf, base = 24, 1, b"", 0          # buf holds the file from offset base
        for target in targets:
            while pos < target:
                if pos + 16 > base + len(buf):
                    f.seek(pos)
                    buf, base = f.read(CHUNK), pos
                    if len(buf) < 16:
                        return None
                incl = length(buf, pos - base + 8)[0]
                if incl > files.MAX_FRAME:
                    return None
                pos += 16 + incl
                number += 1
            if pos >= pcap.size:
                break
            cuts.append((pos, number))
    bounds = [c[0] for c in cuts[1:]] + [pcap.size]
    return [_Share(start, stop, first) for (start, first), stop in zip(cuts, bounds, strict=True)]


# ---------------------------------------------------------------------- checking
def _check_serial(path: str, profile: FronthaulProfile, pcap: _Pcap | None,
                  remember_shapes: bool = True) -> FronthaulChecker:
    checker = FronthaulChecker(profile, remember_shapes)
    stopped = _feed_records(checker, path, pcap, _Share(24, pcap.size, 1)) if pcap else 1
    if stopped is not None:
        for issue in _finish_with_general_reader(checker, path, stopped):
            checker.capture_issue(issue.packet, issue.message)
    return checker


def _finish_with_general_reader(checker: FronthaulChecker, path: str, from_packet: int) -> list:
    """Let `harness.capture.files` read from packet *from_packet* on; the damage it found (CaptureIssue...)."""
    issues: list = []
    feed = checker.feed
    with open(path, "rb") as f:
        for number, linktype, _t, frame, cut in files.frames(f, path, issues):
            if number >= from_packet:
                feed(number, linktype, frame, cut)
    return issues


def _check_share(path: str, profile: FronthaulProfile, pcap: _Pcap, share: _Share,
                 remember_shapes: bool = True) -> tuple:
    checker = FronthaulChecker(profile, remember_shapes)
    stopped = _feed_records(checker, path, pcap, share)
    checker.forget_shapes()
    return checker, stopped


def _check_parallel(path: str, profile: FronthaulProfile, pcap: _Pcap, shares: list,
                    remember_shapes: bool) -> FronthaulChecker:
    ctx = multiprocessing.get_context("fork")
    # Not `with Pool`: its exit terminates the workers with SIGTERM, which a worker forked from a process
    # that handles SIGTERM itself (the harness's pytest plugin does) may never die of, and a worker the
    # pool's handler thread starts meanwhile is never signalled: the join then waits for ever (seen once
    # in CI). close() sends each worker the end-of-work sentinel and they leave by themselves.
    pool = ctx.Pool(len(shares) - 1)
    try:
        pending = [pool.apply_async(_check_share, (path, profile, pcap, s, remember_shapes)) for s in shares[1:]]
        done = [_check_share(path, profile, pcap, shares[0], remember_shapes)]
        done += [p.get() for p in pending]
    except BaseException:
        pool.terminate()
        raise
    else:
        pool.close()
    finally:
        pool.join()
    kept, issues = [], []
    for checker, stopped in done:
        kept.append(checker)
        if stopped is not None:     # damage: a single pass would have stopped here too
            issues = _finish_with_general_reader(checker, path, stopped)
            break
    merged = merge(kept, profile)
    for issue in issues:
        merged.capture_issue(issue.packet, issue.message)
    return merged


def merge(shares: list, profile: FronthaulProfile) -> FronthaulChecker:
    """One checker equal to a single pass over the shares' frames, given in file order."""
    merged = FronthaulChecker(profile)
    last: dict = {}
    for share in shares:
        share.settle()
        for key, (state, index) in share.first_seq.items():
            prev = last.get(key)
            if prev is not None:
                merged.continue_sequence(key, prev, state, index)
        last.update(share.seq)
    merged.seq = last
    merged.frames = sum(s.frames for s in shares)
    merged.messages = sum(s.messages for s in shares)
    merged.other = sum(s.other for s in shares)
    for check_id, tally in merged.tallies.items():
        parts = [s.tallies[check_id] for s in shares]
        tally.evaluated += sum(p.evaluated for p in parts)
        tally.violations += sum(p.violations for p in parts)
        ranked = sorted(zip(tally.order + [o for p in parts for o in p.order],
                            tally.findings + [f for p in parts for f in p.findings], strict=True), key=lambda of: of[0])
        tally.order = [o for o, _f in ranked[:MAX_FINDINGS]]
        tally.findings = [f for _o, f in ranked[:MAX_FINDINGS]]
        for p in parts:
            for k, v in p.remarks.items():
                tally.remarks[k] = tally.remarks.get(k, 0) + v
    return merged
