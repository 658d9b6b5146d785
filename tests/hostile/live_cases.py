"""Run spec cases against a hostile simulator over real SCTP, in a process of its own.

libusrsctp has one stack per process, so tests/hostile/test_hostile_live.py runs
this as ``python -m tests.hostile.live_cases DUT LAB MODE ID...``; it prints one
JSON outcome per line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

from tests.hostile.support import run_cases


def main(argv: list[str]) -> int:
    dut, lab, mode, *ids = argv
    for o in run_cases(Path(dut), None if mode == "none" else mode, ids, lab=Path(lab)):
        print(json.dumps(dataclasses.asdict(o)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
