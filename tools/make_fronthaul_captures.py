"""Make the fronthaul capture fixtures in fixtures/fronthaul/ (small: 200 messages each).

    /tmp/venv/bin/python tools/make_fronthaul_captures.py

The captures follow fixtures/profiles/lab-fronthaul.yaml; each faulty one carries one
fault from harness.interfaces.cuplane.generate.FAULTS in its middle.  Deterministic: running it
again writes the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.interfaces.cuplane.generate import GenerateOptions, generate_file  # noqa: E402
from harness.interfaces.cuplane.profile import load_fronthaul_profile  # noqa: E402

CAPTURES = {
    "clean.pcap": None,
    "fault-gap.pcap": "gap",
    "fault-truncated.pcap": "truncated",
    "fault-unknown-extension.pcap": "unknown-extension",
    "fault-bad-revision.pcap": "bad-revision",
}


def main() -> int:
    profile = load_fronthaul_profile(ROOT / "fixtures/profiles/lab-fronthaul.yaml")
    out = ROOT / "fixtures/fronthaul"
    out.mkdir(parents=True, exist_ok=True)
    for name, fault in CAPTURES.items():
        n = generate_file(out / name, profile, GenerateOptions(packets=200, fault=fault))
        print(f"{out / name}: {n} packets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
