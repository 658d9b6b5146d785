"""``oran-harness analyze CAPTURE --dut PROFILE``: judge a capture with the YAML specs."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.session import DEFAULT_LAB, ROOT


def register(sub) -> None:
    p = sub.add_parser("analyze", help="passive conformance: judge a captured E2 or A1 (HTTP) exchange with the specs")
    p.add_argument("capture", type=Path)
    p.add_argument("--dut", type=Path, required=True, help="DUT profile: which side of the capture is the DUT")
    p.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab profile (timers, PIXIT)")
    p.add_argument("--specs", type=Path, action="append", default=[],
                   help="spec files or folders (default: specs/)")
    p.add_argument("--results", type=Path, default=None, help="write results.jsonl and the exchanges here")
    p.add_argument("--all", action="store_true", help="also list test cases the capture does not follow")
    p.set_defaults(handler=run)


def run(args) -> int:
    from harness.capture.analyze import AnalyzeError, analyze
    from harness.capture.model import CaptureError
    from harness.capture.reader import read_messages
    from harness.codec.e2 import E2Codec, E2Versions
    from harness.runner.runner import RunEnv
    from harness.session import HarnessSession, Options, SessionError
    from harness.spec.errors import SpecError
    try:
        session = HarnessSession(Options(args.dut, args.lab, "sim", None, args.results, ROOT / "specs"))
        files = []
        for p in (args.specs or [ROOT / "specs"]):
            files.extend(sorted(p.rglob("*.y*ml")) if p.is_dir() else [p])
        cases = []
        for f in files:
            cases.extend(tc for tc in session.load(f).testcases if session.applicable(tc)[0])
        issues: list = []
        if session.dut.a1:
            return _run_a1(args, session, cases, issues)
        versions = E2Versions(e2ap=session.dut.e2ap_version, e2sm=dict(session.dut.e2sm_versions))

        def env():
            return RunEnv(session.codec, session.messages, None, None, session.library.templates, session.timers,
                          dict(session.lab.pixit))
        results, _ = analyze(read_messages(args.capture, issues=issues), cases, env, session.dut.role,
                             lambda: E2Codec(versions))
    except (SessionError, SpecError, CaptureError, AnalyzeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return _report(args, session, results, issues)


def _run_a1(args, session, cases: list, issues: list) -> int:
    """A1: HTTP framed out of the capture's TCP (harness/capture/http.py), observed by analyze_http."""
    from harness.a1.model import load_policy_types
    from harness.capture.analyze_http import analyze_http, capture_variables
    from harness.capture.http import http_messages, pair
    from harness.capture.model import CaptureError
    from harness.capture.reader import read_messages
    from harness.runner.http_steps import HttpEnv
    from harness.runner.runner import RunEnv
    try:
        end = [0.0]

        def tcp():
            for m in read_messages(args.capture, issues=issues, tcp_ports=None):
                end[0] = max(end[0], m.time)
                yield m
        transactions = pair(http_messages(tcp(), issues), issues)
        policy_types = load_policy_types(session.a1.policy_types_dir if session.a1 else None)
    except (CaptureError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if not transactions:
        for issue in issues:
            print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
        print(f"error: {args.capture}: no HTTP request in the capture", file=sys.stderr)
        return 2
    callback_path = session.a1.callback_path if session.a1 else "/a1-notify"
    variables = capture_variables(transactions, session.dut.role, callback_path)

    def env():
        return RunEnv(None, None, None, None, session.library.templates, session.timers, dict(session.lab.pixit),
                      http=HttpEnv(policy_types=policy_types))
    results = analyze_http(transactions, cases, env, session.dut.role, end[0], variables)
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
