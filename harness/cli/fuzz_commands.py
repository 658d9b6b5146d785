"""``oran-harness fuzz [--target NAME] [--minutes N]``: fuzz the input parsers for a while.

Each target (harness/fuzz/targets.py) is fuzzed in turn for the given minutes;
crashing or hanging inputs are saved to the corpus folder (default
fixtures/fuzz/<target>/) and listed. Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.fuzz import engine
from harness.fuzz.targets import TARGETS


def register(sub) -> None:
    p = sub.add_parser("fuzz", help="fuzz the parsers of outside input (codecs, captures, specs, profiles)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", action="append", choices=sorted(TARGETS), metavar="NAME",
                   help=f"a target (repeatable; default all): {', '.join(TARGETS)}")
    p.add_argument("--minutes", type=float, default=1.0, help="minutes per target (default 1)")
    p.add_argument("--seed", type=int, default=0, help="seed of the mutation generator")
    p.add_argument("--deadline", type=float, default=10.0, help="seconds one case may take before it is a hang")
    p.add_argument("--corpus", type=Path, default=None, help="save crashing cases here (default fixtures/fuzz)")
    p.add_argument("--list", action="store_true", help="list the targets and exit")
    p.set_defaults(handler=main)


def main(args) -> int:
    if args.list:
        for t in TARGETS.values():
            print(f"{t.name:18} {t.description}")
        return 0
    found = 0
    for name in args.target or list(TARGETS):
        report = engine.run(TARGETS[name], 60.0 * args.minutes, seed=args.seed, deadline=args.deadline,
                            corpus_root=args.corpus)
        print(f"{name:18} {report.cases:8d} cases  {report.rejected:8d} rejected  {report.accepted:8d} accepted  "
              f"slowest {report.slowest:.3f} s  {len(report.crashes)} crash(es)", flush=True)
        for path, text in report.crashes[:20]:
            print(f"    {path}: {text.splitlines()[0] if text else ''}")
        found += len(report.crashes)
    if found:
        print(f"{found} crashing case(s) saved; replay: pytest tests/fuzz/test_corpus_replay.py", file=sys.stderr)
    return 1 if found else 0
