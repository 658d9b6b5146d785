"""Loading the golden vectors of fixtures/golden and the codecs they need."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from harness.codec.e2 import E2Codec, E2Versions

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "golden"


def vector_paths() -> list[Path]:
    return sorted(GOLDEN.glob("*/*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


@lru_cache(maxsize=None)
def _codec(e2ap: str, e2sm: tuple, ran_functions: tuple) -> E2Codec:
    codec = E2Codec(E2Versions(e2ap=e2ap, e2sm=dict(e2sm)))
    for fn, protocol in ran_functions:
        codec.set_ran_function(int(fn), protocol)
    return codec


def codec_for_vector(vec: dict) -> E2Codec:
    """The E2 codec configured as the vector says (E2SM versions, RAN functions)."""
    if vec["protocol"] == "e2ap":
        return _codec(vec["version"], tuple(sorted(vec["e2sm"].items())),
                      tuple(sorted(vec.get("ran_functions", {}).items())))
    e2sm = {"e2sm-kpm": "v03.00", "e2sm-rc": "v01.03", vec["protocol"]: vec["version"]}
    return _codec("v03.01", tuple(sorted(e2sm.items())), ())


def vector_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"
