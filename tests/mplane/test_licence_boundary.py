"""ncclient (Apache-2.0) is imported only under harness/interfaces/mplane/, and no module there imports scapy."""

from pathlib import Path

HARNESS = Path(__file__).resolve().parents[2] / "harness"


def test_ncclient_stays_inside_harness_mplane_and_away_from_scapy():
    for path in HARNESS.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if "ncclient" in text and ("import ncclient" in text or "from ncclient" in text):
            assert path.parent.name == "mplane", f"{path} imports ncclient outside harness/interfaces/mplane/"
            assert "scapy" not in text, f"{path} imports both ncclient and scapy"
