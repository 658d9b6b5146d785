"""Hostile capture files built to exhaust memory or time, and a bounded-memory check of the reader.

Theory of operation: each generator streams a capture of a chosen size to disk with
``struct`` (no packet library, no whole file in memory).  `measure` reads one file
with `read_messages` in a child process and returns the child's peak RSS and the
wall time, so the check sees the reader's own memory, not the test process's.
Run by tests/hostile/test_capture_memory.py at CI size; the bigger manual run
(multi-GB files) is documented in docs/robustness.md:

    python -m harness.fuzz.hostile_captures zeros 2G /tmp/z.pcap
    python -m harness.fuzz.hostile_captures fragments 1000000 /tmp/f.pcap
    python -m harness.fuzz.hostile_captures read /tmp/z.pcap
"""

from __future__ import annotations

import resource
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness.capture.issues import MAX_ISSUES
from harness.capture.reader import ReaderStats, read_messages

__all__ = ["zeros_after_header", "sctp_fragments", "ip_fragments", "measure", "Measured"]

_PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)   # Ethernet
_CHUNK = 1 << 20


def zeros_after_header(path: Path, size: int) -> None:
    """A valid pcap header, then *size* octets of zeros (each 16 is an empty record)."""
    zeros = bytes(_CHUNK)
    with open(path, "wb") as f:
        f.write(_PCAP_HEADER)
        left = size
        while left > 0:
            f.write(zeros[:min(left, _CHUNK)])
            left -= _CHUNK


def _ipv4(src: int, dst: int, proto: int, payload: bytes, ident: int = 0, frag: int = 0) -> bytes:
    return (b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00"
            + struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, src, dst)
            + payload)


def _write_frames(path: Path, frames) -> None:
    with open(path, "wb", buffering=1 << 20) as f:
        f.write(_PCAP_HEADER)
        for frame in frames:
            f.write(struct.pack("<IIII", 1, 0, len(frame), len(frame)))     # one capture time for all
            f.write(frame)


def sctp_fragments(path: Path, count: int, flows: int = 65536, payload: int = 64) -> None:
    """*count* SCTP DATA first fragments (B flag only) that never complete, over *flows* associations."""
    body = bytes(payload)

    def frames():
        for i in range(count):
            flow = i % flows
            sctp = (struct.pack("!HHII", 1024 + (flow & 0x3FFF), 36422, 1, 0)
                    + struct.pack("!BBHIHHI", 0, 2, 16 + payload, i, 0, 0, 70) + body)
            yield _ipv4(0x0A000000 | (flow >> 14), 0x0B000001, 132, sctp)
    _write_frames(path, frames())


def ip_fragments(path: Path, count: int, payload: int = 1024) -> None:
    """*count* IPv4 first fragments (more-fragments set) of distinct datagrams that never complete."""
    body = bytes(payload)
    _write_frames(path, (_ipv4(0x0A000001, 0x0B000001, 132, body, ident=i & 0xFFFF, frag=0x2000)
                         for i in range(count)))


@dataclass(frozen=True)
class Measured:
    """One reader run in a child process: peak RSS (MiB), wall seconds, what it read."""

    rss_mib: float
    seconds: float
    output: str


def measure(path: Path, timeout: float) -> Measured:
    """Read *path* in a child process; its peak RSS and the wall time."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "harness.fuzz.hostile_captures", "read", str(path)],
                          capture_output=True, text=True, timeout=timeout, check=True)
    seconds = time.monotonic() - start
    # The child reports its own peak (RUSAGE_CHILDREN would also count every earlier child; see _peak_rss_kib).
    head, _, output = done.stdout.partition("\n")
    return Measured(int(head) / 1024, seconds, output.strip())


def _read(path: str) -> str:
    issues: list = []
    stats = ReaderStats()
    messages = sum(1 for _ in read_messages(path, issues=issues, stats=stats))
    if len(issues) > MAX_ISSUES + 300:
        raise SystemExit(f"{len(issues)} issues kept, more than the cap")
    more = [i.message for i in issues[MAX_ISSUES:]]
    return (f"packets={stats.packets} messages={messages} issues={stats.issues} kept={len(issues)}"
            + "".join(f"\n{m[:160]}" for m in more))


def _peak_rss_kib() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: Linux carries the maxrss of the image
    replaced by exec into it, so a child of a large pytest process would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss       # not Linux: the best there is


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def main(argv: list[str]) -> int:
    """``zeros SIZE PATH`` | ``fragments COUNT PATH`` | ``ipfrags COUNT PATH`` | ``read PATH``."""
    if len(argv) == 2 and argv[0] == "read":
        text = _read(argv[1])
        print(_peak_rss_kib())
        print(text)
        return 0
    if len(argv) == 3 and argv[0] in ("zeros", "fragments", "ipfrags"):
        path, size = Path(argv[2]), _size(argv[1])
        if argv[0] == "zeros":
            zeros_after_header(path, size)
        elif argv[0] == "fragments":
            sctp_fragments(path, size)
        else:
            ip_fragments(path, size)
        return 0
    print(main.__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
