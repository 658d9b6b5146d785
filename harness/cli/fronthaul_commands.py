"""``oran-harness fronthaul``: generate, check and cross-check Open Fronthaul CU-plane captures.

    fronthaul generate OUT.pcap [--packets N] [--fault F] [--lab PROFILE] [--no-vlan]
    fronthaul check CAPTURE --lab PROFILE [--results DIR] [--format table|jsonl]
    fronthaul crosscheck CAPTURE [--lab PROFILE]

Exit status: 0 all checks pass (or no disagreement), 1 a check failed / was
inconclusive (or tshark disagreed), 2 bad input (one line on stderr naming the file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness import bundled
from harness.capture.model import CaptureError
from harness.core.verdict import exit_status
from harness.interfaces.cuplane.capture import check_capture
from harness.interfaces.cuplane.crosscheck import TsharkMissing, crosscheck
from harness.interfaces.cuplane.generate import FAULTS, GenerateOptions, generate_file
from harness.interfaces.cuplane.profile import load_fronthaul_profile
from harness.interfaces.cuplane.report import jsonl_records, table_lines, write_results
from harness.profiles.loader import ProfileError, load_dut

DEFAULT_LAB = bundled.profile("lab-fronthaul.yaml")


def register(sub) -> None:
    fh = sub.add_parser("fronthaul", help="Open Fronthaul CU-plane (eCPRI / O-RAN CUS): generate, check, crosscheck")
    fsub = fh.add_subparsers(dest="fronthaul", required=True)
    g = fsub.add_parser("generate", help="write a synthetic fronthaul capture, optionally with one fault")
    g.add_argument("out", type=Path, help="the pcap file to write")
    g.add_argument("--packets", type=int, default=1000, help="messages to generate (default 1000)")
    g.add_argument("--fault", choices=sorted(FAULTS), default=None,
                   help="inject one fault in the middle: " + "; ".join(f"{k}: {v[0]}" for k, v in FAULTS.items()))
    g.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="fronthaul lab profile (eAxC ids, carriers)")
    g.add_argument("--no-vlan", action="store_true", help="untagged frames (default: 802.1Q VLAN 10)")
    g.set_defaults(handler=run_generate)
    c = fsub.add_parser("check", help="check a fronthaul capture against a lab profile")
    c.add_argument("capture", type=Path, help="the fronthaul capture (pcap or pcapng) to check")
    c.add_argument("--lab", type=Path, required=True, help="fronthaul lab profile")
    c.add_argument("--results", type=Path, default=None, help="write a results folder (run.json, results.jsonl)")
    c.add_argument("--workers", type=int, default=1,
                   help="processes for a classic pcap (default 1; 2 pays off on big files with a core free)")
    c.add_argument("--dut", type=Path, default=None,
                   help="DUT profile of the O-RU in the capture (its identity goes into the results)")
    c.add_argument("--format", choices=("table", "jsonl"), default="table",
                   help="a table for people, or one JSON object per line (default table)")
    c.set_defaults(handler=run_check)
    x = fsub.add_parser("crosscheck", help="compare our decoding of a fronthaul capture with tshark's")
    x.add_argument("capture", type=Path, help="the fronthaul capture (pcap or pcapng) to cross-check")
    x.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="fronthaul lab profile (U-plane formats)")
    x.add_argument("--format", choices=("table", "jsonl"), default="table",
                   help="a table for people, or one JSON object per line (default table)")
    x.set_defaults(handler=run_crosscheck)


def _profile(path: Path):
    try:
        return load_fronthaul_profile(path)
    except ProfileError as err:
        print(f"error: {str(err).splitlines()[0]}", file=sys.stderr)
    except OSError as err:
        print(f"error: {path}: {err.strerror}", file=sys.stderr)
    return None


def run_generate(args) -> int:
    profile = _profile(args.lab)
    if profile is None:
        return 2
    if args.packets < 1:
        print("error: --packets must be at least 1", file=sys.stderr)
        return 2
    try:
        n = generate_file(args.out, profile, GenerateOptions(args.packets, args.fault,
                                                             None if args.no_vlan else 10))
    except OSError as err:
        print(f"error: {args.out}: {err.strerror}", file=sys.stderr)
        return 2
    print(f"{args.out}: {n} packets" + (f", fault {args.fault}" if args.fault else ""))
    return 0


def run_check(args) -> int:
    profile = _profile(args.lab)
    if profile is None:
        return 2
    try:
        outcome = check_capture(args.capture, profile, workers=max(1, args.workers))
    except CaptureError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {args.capture}: {err.strerror}", file=sys.stderr)
        return 2
    dut = None
    if args.dut is not None:
        try:
            dut = load_dut(args.dut)
        except ProfileError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if args.results:
        write_results(args.results, outcome, profile, dut, args.dut or "")
    lines = (json.dumps(r) for r in jsonl_records(outcome)) if args.format == "jsonl" else table_lines(outcome)
    for line in lines:
        print(line)
    return exit_status([r.verdict for r in outcome.results])     # docs/verdicts.md: 0, 1, 3 or 4


def run_crosscheck(args) -> int:
    profile = _profile(args.lab)
    if profile is None:
        return 2
    try:
        result = crosscheck(args.capture, profile)
    except (CaptureError, TsharkMissing) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: {args.capture}: {err.strerror}", file=sys.stderr)
        return 2
    if args.format == "jsonl":
        for d in result.disagreements:
            print(json.dumps({"packet": d.packet, "field": d.field, "ours": d.ours, "tshark": d.tshark}))
        print(json.dumps({"summary": True, "messages": result.messages, "fields": result.fields,
                          "disagreements": len(result.disagreements), "tshark_options": list(result.options)}))
    else:
        for d in result.disagreements:
            print(f"packet {d.packet}: {d.field}: ours {d.ours!r}, tshark {d.tshark!r}")
        print(f"{result.messages} messages, {result.fields} field values compared, "
              f"{len(result.disagreements)} disagreement(s); tshark {' '.join(result.options)}")
    return 1 if result.disagreements else 0
