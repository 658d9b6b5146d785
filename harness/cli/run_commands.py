"""``oran-harness run``, ``list`` and ``validate``: the test-spec commands."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

from harness import bundled
from harness.cli import json_summary, pytest_options
from harness.cli.child import run_child
from harness.cli.faults_help import FAULT_HELP, add_list_faults
from harness.core.verdict import EXIT_USAGE, exit_status
from harness.profiles.loader import load_lab
from harness.runner.adapters import TTY_FD_ENV, terminal_fd
from harness.parallel.duts import DutPlanError, parse_dut_labs, plan_duts
from harness.parallel.joint import build_joint_report
from harness.results.reader import ResultsDirError, read_results
from harness.results.simulated import simulated_line
from harness.session import DEFAULT_DUT, DEFAULT_LAB, HarnessSession, Options, SessionError
from harness.spec.errors import SourceError, SpecError
from harness.cli.validate_command import validate as validate_profiles_and_specs


EXIT_PYTEST_USAGE = 4         # pytest's exit code for a usage error (a bad profile, a bad option)
EXIT_PYTEST_INTERRUPTED = 2   # pytest's exit code for errors at collection (a spec that does not load) or Ctrl-C


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
    r.add_argument("--mode", choices=("sim", "live", "replay"), default=None,
                   help="override the lab profile's mode: sim (built-in simulators in-process), live (real "
                        "SCTP/HTTP/NETCONF to the DUT's address), replay")
    r.add_argument("--fault", default=None, help=FAULT_HELP)
    add_list_faults(r)
    r.add_argument("--results", type=Path, default=None,
                   help="results folder, new or empty (default results/<time>)")
    r.add_argument("--append", action="store_true",
                   help="--results names a folder that holds earlier runs: write this one to its next "
                        "run-N/ subfolder (run-2, run-3, ...), apart from the others")
    r.add_argument("--wire-capture", default=None, metavar="IFACE", help="also capture IFACE with dumpcap")
    pytest_options.register(r)
    r.add_argument("--pytest", dest="pytest_args", action="append", default=[], metavar="ARG",
                   help="any other pytest argument (repeatable), e.g. --pytest=--maxfail=3")
    r.add_argument("--json", action="store_true",
                   help="print a JSON summary on stdout (the progress and pytest's output go to stderr)")
    r.set_defaults(handler=run)
    ls = sub.add_parser("list", help="show every test case as selected or not applicable for a DUT")
    ls.add_argument("paths", nargs="*", type=Path,
                    help="test case files or folders (default: the bundled test cases)")
    ls.add_argument("--dut", type=Path, default=DEFAULT_DUT, help="DUT profile (default: the built-in E2 node)")
    ls.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab profile (default: the bundled lab-sim)")
    ls.add_argument("--json", action="store_true", help="print the list as one JSON object")
    ls.set_defaults(handler=list_cases)
    v = sub.add_parser("validate", help="load and check spec files and profiles without running anything")
    v.add_argument("paths", nargs="*", type=Path,
                   help="spec files, profiles or folders of them (default: the bundled test cases)")
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
    return cmd + pytest_options.passed_on(args) + args.pytest_args


def _next_run(base: Path) -> Path:
    """The first free run-N/ subfolder of a folder that holds runs (N from 2: the folder itself is run 1)."""
    n = 2
    while (base / f"run-{n}").exists():
        n += 1
    return base / f"run-{n}"


def _results_base(args) -> Path | str:
    """Where this run's results go, or the usage error (a folder that holds files, without --append)."""
    if args.results is None:
        if args.append:
            return "--append: give the folder with --results"
        return Path("results") / time.strftime("%Y%m%d-%H%M%S")
    base = args.results
    if base.exists() and not base.is_dir():
        return f"--results {base}: not a folder"
    if base.is_dir() and any(base.iterdir()):
        if not args.append:
            return (f"--results {base}: the folder is not empty; give a new folder, or add --append to keep "
                    f"this run apart in {_next_run(base)}")
        return _next_run(base)
    return base


def run(args) -> int:
    duts = args.dut or [DEFAULT_DUT]
    base = _results_base(args)
    if isinstance(base, str):
        print(f"error: {base}", file=sys.stderr)
        return EXIT_USAGE
    try:
        labs = parse_dut_labs(args.dut_lab)
        slots = plan_duts(duts, args.lab, base, labs)
    except DutPlanError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.parallel < 0:
        print(f"error: --parallel {args.parallel}: give a number of workers (0: sequential)", file=sys.stderr)
        return EXIT_USAGE
    operator = operator_terminal([slot.lab for slot in slots])
    if isinstance(operator, str):
        print(f"error: {operator}", file=sys.stderr)
        return EXIT_USAGE
    pytest_cmd = [sys.executable, "-m", "pytest", "-q", "--no-header", "-rN", *pytest_options.fixed()]
    out = _Out(args.json, operator)
    codes: list[int] = []
    stopped: str | None = None
    if args.parallel:
        workers = min(args.parallel, len(slots))
        cmd = [*pytest_cmd, "-n", str(workers), "--results", str(base), "--lab", str(args.lab)]
        for slot in slots:
            cmd += ["--dut", str(slot.profile)]
        cmd += [f"--dut-lab={key}={lab}" for key, lab in labs.items()]
        cmd += _common_args(args)
        out.say(f"== {len(slots)} DUT(s) on {workers} worker(s): {shlex.join(cmd[3:])}")
        child = run_child(cmd, stdout=out.child_stdout, pass_fds=out.pass_fds)
        codes.append(child.code)
        stopped = child.stopped_by
    else:
        for slot in slots:
            cmd = [*pytest_cmd, "--dut", str(slot.profile), "--lab", str(slot.lab), "--results",
                   str(slot.results), *_common_args(args)]
            out.say(f"== {slot.profile.name}: {shlex.join(cmd[3:])}")
            child = run_child(cmd, stdout=out.child_stdout, pass_fds=out.pass_fds)
            codes.append(child.code)
            if child.stopped_by:             # the DUTs after this one do not start
                stopped = child.stopped_by
                break
    runs = [(slot.profile, slot.results) for slot in slots if slot.results is not None]
    if EXIT_PYTEST_USAGE in codes and not any((folder / "run.json").exists() for _dut, folder in runs):
        return EXIT_USAGE                # refused before anything ran; pytest printed why
    out.say("")
    out.say(summary(runs))
    if len(slots) > 1 and not args.no_report and not stopped:
        present = [folder for _dut, folder in runs if (folder / "run.json").exists()]
        if present:
            out.say(build_joint_report(present, base / "report.html").notice)
    if stopped:
        kept = [str(folder) for _dut, folder in runs if (folder / "run.json").exists()]
        out.say(f"\nstopped by {stopped}: the run is INCOMPLETE; partial results in {' '.join(kept) or base}")
        if kept:
            out.say(f"build the report: oran-harness report build {' '.join(kept)}")
    code = _exit_code(runs, codes, stopped is None)
    if EXIT_PYTEST_INTERRUPTED in codes and stopped is None:     # spec errors: as `validate` would say
        out.say("the test specifications have errors (above; `oran-harness validate PATH` lists them all): "
                "nothing was run")
        code = EXIT_USAGE
    if args.json:
        print(json.dumps(json_summary.run_summary(runs, code, stopped), indent=1))
    return code


class _Out:
    """Where `run` writes its own lines: stdout, or stderr when stdout carries the --json summary."""

    def __init__(self, as_json: bool, terminal: int | None) -> None:
        self.stream = sys.stderr if as_json else sys.stdout
        self.child_stdout = 2 if as_json else None      # the pytest child's stdout: fd 2, or inherited
        self.pass_fds = () if terminal is None else (terminal,)

    def say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def operator_terminal(labs: list[Path]) -> int | None | str:
    """The terminal an operator answers the manual adapter's prompts on, handed to the pytest child
    (which runs in a session of its own, without one); None when no lab asks an operator; the usage
    error when one does and there is no terminal. A lab profile that does not load is left to pytest."""
    manual = []
    for lab in dict.fromkeys(labs):
        try:
            if load_lab(lab).adapter.kind == "manual":
                manual.append(lab)
        except (SourceError, OSError):
            continue
    if not manual:
        return None
    fd, _owned = terminal_fd()
    if fd is None:
        return (f"{manual[0]}: the adapter is 'manual' (an operator acts when asked), but this run has no "
                "terminal to ask on; run it from a terminal, or give the lab an adapter of kind 'command'")
    os.environ[TTY_FD_ENV] = str(fd)
    return fd


def _exit_code(runs: list[tuple[Path, Path]], codes: list[int], finished: bool) -> int:
    """One exit code for the whole run (docs/verdicts.md), from the results folders' verdicts."""
    if EXIT_PYTEST_USAGE in codes:       # pytest refused the options or a profile (its message was shown)
        return EXIT_USAGE
    verdicts: list[str] = []
    complete = finished
    for _dut, out in runs:
        try:
            results = read_results(out)
        except ResultsDirError:            # the run never wrote its folder (stopped before it started)
            complete = False
            continue
        complete = complete and results.complete
        verdicts += [row.verdict for row in results.rows]
    return exit_status(verdicts, complete)


def _status_lines(out: Path) -> list[str]:
    """SIMULATED, INCOMPLETE and the test cases that never ran, for one results folder."""
    try:
        results = read_results(out)
    except ResultsDirError as err:
        return [f"    INCOMPLETE: {err}"]
    marking = simulated_line(results.meta.raw)
    lines = [f"    {marking}"] if marking else []
    if results.complete:
        return lines
    lines += [f"    INCOMPLETE: {len(results.not_run)} planned test case(s) without a result"
              + ("" if results.summary is not None else
                 " (no summary.json: the run was stopped before its end, or its folder could not be written)")]
    lines += [f"    {'NOT RUN':<15} {p.id:<40} {p.title}" for p in results.not_run]
    return lines


def summary(runs: list[tuple[Path, Path]]) -> str:
    """Verdict counts per DUT and in all (pytest's section above listed each test case once)."""
    lines = ["Summary (verdicts per DUT):"]
    totals: dict = {}
    for dut, out in runs:
        try:
            rows = read_results(out).rows if (out / "run.json").exists() else ()
        except ResultsDirError:
            rows = ()                    # _status_lines says why
        counts: dict = {}
        for row in rows:
            totals[row.verdict] = totals.get(row.verdict, 0) + 1
            counts[row.verdict] = counts.get(row.verdict, 0) + 1
        lines.append(f"  DUT {dut.name}  ({out})  " + "  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
        status = _status_lines(out)
        if any("INCOMPLETE" in line for line in status):
            totals["INCOMPLETE"] = totals.get("INCOMPLETE", 0) + 1
        lines += status
    if len(runs) > 1:
        lines.append("  all: " + "  ".join(f"{k}: {v}" for k, v in sorted(totals.items())))
    return "\n".join(lines)


def list_cases(args) -> int:
    try:
        session = HarnessSession(Options(args.dut, args.lab, None, None, None, tuple(_roots(args.paths)),
                                          open_interfaces=False))
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
            rows.append((tc.id, "selected" if ok else "not applicable", tc.status, reason or tc.title, tc.title))
    if args.json:
        print(json.dumps(json_summary.list_summary(session.dut, args.dut, rows), indent=1))
        return 0
    width = max((len(r[0]) for r in rows), default=10)
    print(f"DUT {session.dut.name} ({session.dut.role}), profile {args.dut}")
    for test_id, state, status, why, _title in rows:
        print(f"  {state:<15} {status:<12} {test_id:<{width}}  {why}")
    chosen = sum(1 for r in rows if r[1] == "selected")
    print(f"{chosen} selected, {len(rows) - chosen} not applicable")
    return 0


def validate(args) -> int:
    return validate_profiles_and_specs(_roots(args.paths))
