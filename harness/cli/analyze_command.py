"""``oran-harness analyze CAPTURE --dut PROFILE``: judge a capture with the YAML specs."""

from __future__ import annotations

import sys
from pathlib import Path

from harness import bundled
from harness.session import DEFAULT_LAB


def register(sub) -> None:
    p = sub.add_parser("analyze", help="passive conformance: judge a captured E2 or A1 (HTTP) exchange with the specs")
    p.add_argument("capture", type=Path)
    p.add_argument("--dut", type=Path, required=True, help="DUT profile: which side of the capture is the DUT")
    p.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab profile (timers, PIXIT)")
    p.add_argument("--specs", type=Path, action="append", default=[],
                   help="test case files or folders (default: the bundled test cases)")
    p.add_argument("--results", type=Path, default=None, help="write results.jsonl and the exchanges here")
    p.add_argument("--all", action="store_true", help="also list test cases the capture does not follow")
    p.set_defaults(handler=run)


def run(args) -> int:
    from harness.capture.analyze import AnalyzeError
    from harness.capture.model import CaptureError
    from harness.interfaces import BindingError, bindings, primary
    from harness.session import HarnessSession, Options, SessionError
    from harness.spec.errors import SpecError
    issues: list = []
    try:
        roots = args.specs or [bundled.testcases_dir()]
        session = HarnessSession(Options(args.dut, args.lab, "sim", None, args.results, tuple(roots)))
        files = []
        for p in roots:
            files.extend(sorted(p.rglob("*.y*ml")) if p.is_dir() else [p])
        cases = []
        for f in files:
            cases.extend(tc for tc in session.load(f).testcases if session.applicable(tc)[0])
        binding = primary(session.dut)
        results = None if binding is None else binding.analyze(
            args.capture, session, [tc for tc in cases if tc.protocol == binding.name], issues)
        if results is None:
            raise BindingError(f"{args.dut}: the DUT declares no interface whose captures can be analysed "
                               f"(analysed: {', '.join(b.analyzes for b in bindings() if b.analyzes)})")
    except BindingError as err:
        for issue in issues:
            print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (SessionError, SpecError, CaptureError, AnalyzeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return _report(args, session, results, issues)


def _report(args, session, results: list, issues: list) -> int:
    from harness.verdict import Verdict
    for issue in issues:
        print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
    worst = Verdict.NONE
    shown = 0
    for r in results:
        # Followed: the capture went through this test case to a verdict (INCONC: it did not).
        followed = r.verdict != Verdict.INCONC
        if not followed and not args.all:
            continue
        shown += 1
        remarks = [f for f in r.findings if f.check.startswith("remark.")]
        label = "PASS (with remarks)" if r.verdict == Verdict.PASS and remarks else r.verdict.name
        print(f"{label:<20} {r.testcase.id:<32} {r.testcase.title}   [association {r.association}]")
        for f in r.findings:
            if f.verdict >= Verdict.INCONC or f.check.startswith("remark."):
                packets = sorted({p for i in f.evidence for p in r.packets.get(i, ())})
                at = f" (packet {', '.join(map(str, packets))})" if packets and "(packet" not in f.message else ""
                print(f"    {f.line()}{at}")
        if session.writer is not None:
            session.writer.test(r, {"association": r.association})
        if followed:
            worst = max(worst, r.verdict)
    if session.writer is not None:
        session.finish()
    print(f"{shown} test case(s) followed by the capture" + ("" if args.all else " (--all lists the others)"))
    return 1 if worst >= Verdict.FAIL else 0
