"""Loading the golden vectors of fixtures/golden and the codecs they need."""

from __future__ import annotations

from pathlib import Path

from harness.codec import vectors

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"

load = vectors.load
codec_for_vector = vectors.codec_for


def vector_paths() -> list[Path]:
    return sorted(GOLDEN.glob("*/*.json"))


def vector_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"
