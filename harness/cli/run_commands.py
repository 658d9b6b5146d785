"""``oran-harness run``, ``list`` and ``validate``: the test-spec commands."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from harness import bundled
from harness.parallel.duts import DutPlanError, parse_dut_labs, plan_duts
from harness.parallel.joint import build_joint_report
from harness.session import DEFAULT_DUT, DEFAULT_LAB, HarnessSession, Options, SessionError
from harness.spec.errors import SpecError
from harness.spec.validate import main as validate_main


def register(sub) -> None:
    r = sub.add_parser("run", help="run the YAML test specifications (wraps pytest) and write a results directory")
    r.add_argument("paths", nargs="*", type=Path, help="test case files or folders (default: the bundled test cases)")
    r.add_argument("--dut", action="append", type=Path, default=[],
                   help="DUT profile; give several to run each in turn, or in parallel with --parallel "
                        "(default: the built-in E2 node)")
    r.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab profile")
    r.add_argument("--dut-lab", action="append", default=[], metavar="STEM=LAB",
                   help="a lab profile for one DUT, by its profile's file stem (live DUTs at other addresses)")
    r.add_argument("--parallel", "--workers", dest="parallel", type=int, default=0, metavar="N",
                   help="run the DUTs in one pytest session on N xdist workers, each DUT on one worker "
                        "(docs/parallel.md); 0: one DUT after the other (default)")
    r.add_argument("--no-report", action="store_true",
                   help="with several DUTs: do not build the joint HTML report at the end")
    r.add_argument("--mode", choices=("sim", "live", "replay"), default=None)
    r.add_argument("--fault", default=None, help="built-in simulator fault mode (proving the checkers)")
    r.add_argument("--results", type=Path, default=None, help="results folder (default results/<time>)")
    r.add_argument("--wire-capture", default=None, metavar="IFACE", help="also capture IFACE with dumpcap")
    r.add_argument("--pytest", dest="pytest_args", action="append", default=[], metavar="ARG",
                   help="an extra pytest argument (repeatable), e.g. --pytest=-k --pytest=setup")
    r.set_defaults(handler=run)
    ls = sub.add_parser("list", help="show every test case as selected or not applicable for a DUT")
    ls.add_argument("paths", nargs="*", type=Path)
    ls.add_argument("--dut", type=Path, default=DEFAULT_DUT)
    ls.add_argument("--lab", type=Path, default=DEFAULT_LAB)
    ls.set_defaults(handler=list_cases)
    v = sub.add_parser("validate", help="load and check spec files and profiles without running anything")
    v.add_argument("paths", nargs="*", type=Path)
    v.set_defaults(handler=validate)


def _roots(paths: list[Path]) -> list[Path]:
    """The folders and files a user named; the bundled test cases when none."""
    return list(paths) or [bundled.testcases_dir()]


def _spec_paths(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in _roots(paths):
        out.extend(sorted(x for x in p.rglob("*.y*ml") if not bundled.is_data_file(x)) if p.is_dir() else [p])
    return out


def _common_args(args) -> list[str]:
    cmd = [str(p) for p in _roots(args.paths)]
    if args.mode:
        cmd += ["--mode", args.mode]
    if args.fault:
        cmd += ["--sim-fault", args.fault]
    if args.wire_capture:
        cmd += ["--wire-capture", args.wire_capture]
    return cmd + args.pytest_args


def run(args) -> int:
    duts = args.dut or [DEFAULT_DUT]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    base = args.results or Path("results") / stamp
    try:
        labs = parse_dut_labs(args.dut_lab)
        slots = plan_duts(duts, args.lab, base, labs)
    except DutPlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.parallel < 0:
        print(f"error: --parallel {args.parallel}: give a number of workers (0: sequential)", file=sys.stderr)
        return 2
    pytest_cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header", "-rN"]
    status = 0
    if args.parallel:
        workers = min(args.parallel, len(slots))
        cmd = [*pytest_cmd, "-n", str(workers), "--results", str(base), "--lab", str(args.lab)]
        for slot in slots:
            cmd += ["--dut", str(slot.profile)]
        cmd += [f"--dut-lab={key}={lab}" for key, lab in labs.items()]
        cmd += _common_args(args)
        print(f"== {len(slots)} DUT(s) on {workers} worker(s): {' '.join(cmd[3:])}", flush=True)
        status = max(status, subprocess.call(cmd))   # 1: a test case failed (a verdict)
    else:
        for slot in slots:
            cmd = [*pytest_cmd, "--dut", str(slot.profile), "--lab", str(slot.lab), "--results",
                   str(slot.results), *_common_args(args)]
            print(f"== {slot.profile.name}: {' '.join(cmd[3:])}", flush=True)
            status = max(status, subprocess.call(cmd))   # 1: a test case failed (a verdict)
    runs = [(slot.profile, slot.results) for slot in slots if slot.results is not None]
    print()
    print(summary(runs))
    if len(slots) > 1 and not args.no_report:
        present = [out for _dut, out in runs if (out / "run.json").exists()]
        if present:
            print(build_joint_report(present, base / "report.html").notice)
    return status


def summary(runs: list[tuple[Path, Path]]) -> str:
    lines = ["Summary (verdict per test case):"]
    totals: dict = {}
    for dut, out in runs:
        rows = []
        path = out / "results.jsonl"
        if path.exists():
            rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        lines.append(f"  DUT {dut.name}  ({out})")
        for row in rows:
            totals[row["verdict"]] = totals.get(row["verdict"], 0) + 1
            lines.append(f"    {row['verdict']:<15} {row['id']:<40} {row['title']}")
    lines.append("  " + "  ".join(f"{k}: {v}" for k, v in sorted(totals.items())))
    return "\n".join(lines)


def list_cases(args) -> int:
    try:
        session = HarnessSession(Options(args.dut, args.lab, None, None, None, tuple(_roots(args.paths))))
    except SessionError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    rows = []
    for path in _spec_paths(args.paths):
        try:
            spec_file = session.load(path)
        except SpecError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        for tc in spec_file.testcases:
            ok, reason = session.applicable(tc)
            rows.append((tc.id, "selected" if ok else "not applicable", tc.status, reason or tc.title))
    width = max((len(r[0]) for r in rows), default=10)
    print(f"DUT {session.dut.name} ({session.dut.role}), profile {args.dut}")
    for test_id, state, status, why in rows:
        print(f"  {state:<15} {status:<12} {test_id:<{width}}  {why}")
    chosen = sum(1 for r in rows if r[1] == "selected")
    print(f"{chosen} selected, {len(rows) - chosen} not applicable")
    return 0


def validate(args) -> int:
    return validate_main([str(p) for p in _roots(args.paths)])
