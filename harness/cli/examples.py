"""``oran-harness examples``: decode the bundled example messages.

The main job until the E2 suites exist: every golden vector under
fixtures/golden is decoded (E2SM payloads too), compared with its expected
value, re-encoded and compared with its bytes; the decoded JSON is written
beside a summary, so a reader can see what the codec makes of each message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.errors import CodecError
from harness.codec.jsonmap import from_json, to_json


def register(sub) -> None:
    p = sub.add_parser("examples", help="decode the bundled example E2 messages and write them as JSON")
    p.add_argument("--vectors", type=Path, default=Path("fixtures/golden"),
                   help="folder of example/golden vectors (default fixtures/golden)")
    p.add_argument("--out", type=Path, default=Path("results/examples"), help="where to write the JSON")
    p.set_defaults(handler=run)


def _codec(cache: dict, doc: dict) -> E2Codec:
    versions = E2Versions()
    if doc.get("protocol") == "e2ap":
        versions.e2ap = doc.get("version", versions.e2ap)
    else:
        versions.e2sm[doc["protocol"]] = doc["version"]
    versions.e2sm.update(doc.get("e2sm_versions") or {})
    key = (versions.e2ap, tuple(sorted(versions.e2sm.items())))
    if key not in cache:
        cache[key] = E2Codec(versions)
    return cache[key]


def check_vector(codec: E2Codec, doc: dict) -> tuple[bool, str, object]:
    """Decode and re-encode one vector; (ok, remark, decoded JSON)."""
    protocol = doc["protocol"]
    lookup = codec.codec_for_type if protocol == "e2ap" else (lambda _: codec.codec_for(protocol))
    data = bytes.fromhex(doc["hex"])
    notes: list = []
    value = codec.decode(data, doc["type"], protocol=protocol, notes=notes, strict=True)
    decoded = to_json(lookup, doc["type"], value)
    problems = [f"note {n.path}: {n.text}" for n in notes]
    if decoded != doc["value"]:
        problems.append("decoded value differs from the expected value")
    again = codec.encode(from_json(lookup, doc["type"], doc["value"]), doc["type"], protocol=protocol)
    if again != data:
        problems.append("re-encoding the expected value gives other bytes")
    return not problems, "; ".join(problems), decoded


def run(args) -> int:
    files = sorted(args.vectors.glob("**/*.json"))
    if not files:
        print(f"error: no vectors under {args.vectors}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    cache: dict = {}
    failed = 0
    width = max(len(str(f.relative_to(args.vectors))) for f in files)
    for f in files:
        name = str(f.relative_to(args.vectors))
        try:
            doc = json.loads(f.read_text())
            ok, remark, decoded = check_vector(_codec(cache, doc), doc)
        except (CodecError, KeyError, ValueError) as err:
            ok, remark, decoded = False, f"{type(err).__name__}: {err}", None
        failed += not ok
        out = args.out / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"source": name, "decoded": decoded, "ok": ok, "remark": remark}, indent=2))
        size = len(doc.get("hex", "")) // 2 if isinstance(doc, dict) else 0
        print(f"{'OK  ' if ok else 'FAIL'} {name:<{width}} {size:>5} octets  {remark}")
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0
