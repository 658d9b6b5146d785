"""``oran-harness report export RESULTS``: JUnit XML and O-RAN test-results JSON from a results folder.

Works on a killed run's folder too (no summary.json). The lead wires the ``report`` group in
harness/cli/main.py with `register_export`; `main` runs it stand-alone
(``python -m harness.cli.report_export RESULTS``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.results.export import ExportError, export_reports
from harness.results.reader import read_results


def register_export(subparsers) -> argparse.ArgumentParser:
    """Add ``export`` to a ``report`` sub-command group (or any sub-parsers object)."""
    p = subparsers.add_parser("export", help="write oran-results.json and junit.xml from a results folder "
                              "(finished or killed)")
    p.add_argument("results", type=Path, help="the results folder (run.json, results.jsonl, tests/)")
    p.add_argument("--oran", type=Path, default=None,
                   help="O-RAN test-results JSON (default RESULTS/oran-results.json)")
    p.add_argument("--junit", type=Path, default=None, help="JUnit XML (default RESULTS/junit.xml)")
    p.set_defaults(handler=export)
    return p


def export(args) -> int:
    try:
        written = export_reports(args.results, oran=args.oran, junit=args.junit)
        results = read_results(args.results)
    except ExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    state = "complete" if results.complete else "incomplete (no summary.json: the run was stopped)"
    print(f"{args.results}: {len(results.rows)} test case(s), {state}")
    for notice in results.notices:
        print(f"  notice: {notice}")
    for path in written:
        print(f"  wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oran-harness report")
    register_export(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main(["export", *sys.argv[1:]] if sys.argv[1:2] != ["export"] else sys.argv[1:]))
