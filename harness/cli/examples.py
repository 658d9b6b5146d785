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

from harness.codec import vectors
from harness.codec.errors import CodecError


def register(sub) -> None:
    p = sub.add_parser("examples", help="decode the bundled example E2 messages and write them as JSON")
    p.add_argument("--vectors", type=Path, default=Path("fixtures/golden"),
                   help="folder of example/golden vectors (default fixtures/golden)")
    p.add_argument("--out", type=Path, default=Path("results/examples"), help="where to write the JSON")
    p.set_defaults(handler=run)


def run(args) -> int:
    files = sorted(args.vectors.glob("**/*.json"))
    if not files:
        print(f"error: no vectors under {args.vectors}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    failed = 0
    width = max(len(str(f.relative_to(args.vectors))) for f in files)
    for f in files:
        name = str(f.relative_to(args.vectors))
        try:
            doc = vectors.load(f)
            ok, remark, decoded = vectors.check(doc)
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
