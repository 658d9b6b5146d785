"""``oran-harness fuzz [--target NAME] [--minutes N]``: fuzz the input parsers for a while.

``oran-harness fuzz differential --examples N [--type T]``: generated valid values of every
E2AP message and E2SM type, encoded and decoded by ours and by pycrate (a dev dependency,
imported only then); each disagreement is printed; exit status 1 when any.

Each target (harness/fuzz/targets.py) is fuzzed in turn for the given minutes;
crashing or hanging inputs are saved to the corpus folder (default
fixtures/fuzz/<target>/) and listed. Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import importlib
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
    p.add_argument("mode", nargs="?", choices=["differential"],
                   help="'differential': ours against pycrate on generated values (needs the dev extra)")
    p.add_argument("--examples", type=int, default=100, help="differential: values per type (default 100)")
    p.add_argument("--type", default=None, metavar="T",
                   help="differential: only types whose label contains T (e.g. E2SM-RC-ControlMessage)")
    p.set_defaults(handler=main)


def main(args) -> int:
    if args.mode == "differential":
        return differential(args)
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


def differential(args) -> int:
    try:
        diff = importlib.import_module("harness.fuzz.differential")    # hypothesis and pycrate: dev extra
    except ImportError as err:
        print(f"fuzz differential needs the dev extra (hypothesis, pycrate): {err}", file=sys.stderr)
        return 2

    def progress(label: str, count: int, found: list) -> None:
        print(f"{label:60} {count:6d} values  {len(found)} disagreement(s)", flush=True)
        for x in found:
            print(f"    {x.step}: {x.detail}\n      value  {x.value}\n      ours   {x.ours or '-'}\n"
                  f"      theirs {x.theirs or '-'}", flush=True)

    checked, found = diff.run(args.examples, args.type, seed=args.seed or None, progress=progress)
    print(f"{checked} values checked, {len(found)} disagreement(s)")
    for key, n in sorted(diff.EXCUSED.items()):
        print(f"  excused {n} value(s) by a known pycrate defect: {key}: {diff.KNOWN_PYCRATE_DEFECTS[key]}")
    return 1 if found else 0
