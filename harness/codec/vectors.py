"""Example/golden vectors: a message as JSON value plus its bytes.

File format (fixtures/golden/<protocol>-<version>/*.json): ``protocol``,
``version``, ``type``, ``description`` (citing the clause), ``value`` (the JSON
mapping), ``hex``; E2AP vectors also give ``e2sm`` (the E2SM versions) and
``ran_functions`` (RAN function ID -> E2SM) so their payloads decode.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.jsonmap import from_json, to_json


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


@cache
def _codec(e2ap: str, e2sm: tuple, ran_functions: tuple, fast: bool) -> E2Codec:
    codec = E2Codec(E2Versions(e2ap=e2ap, e2sm=dict(e2sm)), fast=fast)
    for fn, protocol in ran_functions:
        codec.set_ran_function(int(fn), protocol)
    return codec


def codec_for(vec: dict, fast: bool = True) -> E2Codec:
    """The E2 codec configured as the vector says (versions, RAN functions)."""
    versions = E2Versions(e2ap="v03.01", e2sm={"e2sm-kpm": "v03.00", "e2sm-rc": "v01.03", **vec.get("e2sm", {})})
    versions.set(vec["protocol"], vec["version"])
    return _codec(versions.e2ap, tuple(sorted(versions.e2sm.items())),
                  tuple(sorted(vec.get("ran_functions", {}).items())), fast)


def lookup(codec: E2Codec, vec: dict):
    """The type -> codec function the JSON mapping needs for this vector."""
    return codec.type_lookup(vec["protocol"])


def check(vec: dict) -> tuple[bool, str, object]:
    """Decode and re-encode one vector; (ok, what differs, decoded JSON)."""
    codec = codec_for(vec)
    protocol = vec["protocol"]
    data = bytes.fromhex(vec["hex"])
    notes: list = []
    value = codec.decode(data, vec["type"], protocol=protocol, notes=notes, strict=True)
    decoded = to_json(lookup(codec, vec), vec["type"], value)
    problems = [f"note {n.path}: {n.text}" for n in notes]
    if decoded != vec["value"]:
        problems.append("decoded value differs from the expected value")
    again = codec.encode(from_json(lookup(codec, vec), vec["type"], vec["value"]), vec["type"], protocol=protocol)
    if again != data:
        problems.append("re-encoding the expected value gives other bytes")
    return not problems, "; ".join(problems), decoded
