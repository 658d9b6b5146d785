"""``oran-harness crosscheck CAPTURE``: our E2AP decoding checked against pycrate and tshark.

Every E2AP message (SCTP PPID 70) of the capture is decoded by our codec (E2AP level,
E2SM payloads as octets) and by pycrate; the values are compared and every
disagreement is listed with its packet number and the IE path where the two first
differ.  tshark, when installed and not disabled with --no-tshark, dissects the file
once; being an E2AP v1 dissector (tshark 4.0) it is compared on PDU choice, procedure
code and IE ids only, and only for messages whose procedure and IEs exist in v1.

Exit status: 0 no disagreement, 1 disagreements, 2 unreadable file (or pycrate missing).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.interfaces.e2.crosscheck import ReferenceMissing, crosscheck, jsonl_records, table_lines
from harness.capture.model import CaptureError


def register(sub) -> None:
    p = sub.add_parser("crosscheck", help="cross-check our E2AP decoding of a capture against pycrate and tshark")
    p.add_argument("capture", type=Path, help="a pcap / pcapng capture")
    p.add_argument("--no-tshark", action="store_true", help="do not run tshark even when it is installed")
    p.add_argument("--format", choices=("table", "jsonl"), default="table",
                   help="table (default) or one JSON object per message and a summary object")
    p.set_defaults(handler=run)


def run(args) -> int:
    try:
        result = crosscheck(str(args.capture), use_tshark=not args.no_tshark)
    except (CaptureError, OSError, ReferenceMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for issue in result.issues:
        print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
    if args.format == "jsonl":
        for rec in jsonl_records(result):
            print(json.dumps(rec, sort_keys=False))
    else:
        for line in table_lines(result):
            print(line)
    return 1 if result.disagreements else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m harness.cli.crosscheck_command CAPTURE``)."""
    parser = argparse.ArgumentParser(prog="oran-harness")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["crosscheck", *(sys.argv[1:] if argv is None else argv)])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
