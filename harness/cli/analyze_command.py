"""``oran-harness analyze CAPTURE --dut PROFILE``: judge a capture with the YAML specs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness import bundled
from harness.capture.model import CaptureError
from harness.cli.json_summary import analyze_summary
from harness.core.verdict import EXIT_INCONC, EXIT_USAGE, Verdict, exit_status
from harness.interfaces import BindingError, bindings, primary
from harness.interfaces.e2.observe import AnalyzeError
from harness.session import DEFAULT_LAB, HarnessSession, Options, SessionError
from harness.spec.errors import SpecError


def register(sub) -> None:
    p = sub.add_parser("analyze", help="passive conformance: judge a captured E2 or A1 (HTTP) exchange with the specs")
    p.add_argument("capture", type=Path, help="the capture (pcap or pcapng) to judge")
    p.add_argument("--dut", type=Path, required=True, help="DUT profile: which side of the capture is the DUT")
    p.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab profile (timers, PIXIT)")
    p.add_argument("--specs", type=Path, action="append", default=[],
                   help="test case files or folders (default: the bundled test cases)")
    p.add_argument("--results", type=Path, default=None, help="write results.jsonl and the exchanges here")
    p.add_argument("--all", action="store_true", help="also list test cases the capture does not follow")
    p.add_argument("--json", action="store_true", help="print the verdicts as one JSON object on stdout")
    p.set_defaults(handler=run)


def run(args) -> int:
    issues: list = []
    try:
        roots = args.specs or [bundled.testcases_dir()]
        session = HarnessSession(Options(args.dut, args.lab, "sim", None, args.results, tuple(roots)))
        files = []
        for p in roots:
            files.extend(sorted(p.rglob("*.y*ml")) if p.is_dir() else [p])
        cases: list = []
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
        return EXIT_USAGE
    except (SessionError, SpecError, CaptureError, AnalyzeError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    return _report(args, session, results, issues)


# Exit status of `analyze` (docs/verdicts.md, the same table as `run` and `fronthaul check`), from the
# verdicts of the test cases the capture follows: 0 all PASS, 1 a FAIL, 3 an ERROR, 4 INCONC at worst
# (also when the capture follows no test case: nothing could be judged), 2 a usage or input error.
# observe.unsupported: a step of the test case cannot be judged from a capture at all (tnl-add, tnl-join).
NOT_FOLLOWED = ("observe.diverges", "observe.end", "observe.nothing", "observe.unsupported")


def followed(result) -> bool:
    """The capture went through this test case to a verdict: not an INCONC whose only reason is that
    the capture shows another stimulus (or ends first)."""
    if result.verdict != Verdict.INCONC:
        return True
    return any(f.verdict == Verdict.INCONC and f.check not in NOT_FOLLOWED for f in result.findings)


def _report(args, session, results: list, issues: list) -> int:
    for issue in issues:
        print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
    judged: list[Verdict] = []
    shown = hidden = 0
    as_json = getattr(args, "json", False)
    say = (lambda text: None) if as_json else print
    cases: list[dict] = []
    for r in results:
        follows = followed(r)
        if session.writer is not None:
            session.writer.test(r, {"association": r.association})
        if not follows and not args.all:
            hidden += 1
            continue
        shown += follows
        remarks = [f for f in r.findings if f.check.startswith("remark.")]
        label = "PASS (with remarks)" if r.verdict == Verdict.PASS and remarks else r.verdict.name
        say(f"{label:<20} {r.testcase.id:<32} {r.testcase.title}   [association {r.association}]")
        lines = []
        for f in r.findings:            # every INCONC, FAIL and ERROR with its reason, and the remarks
            if f.verdict >= Verdict.INCONC or f.check.startswith("remark."):
                packets = sorted({p for i in f.evidence for p in r.packets.get(i, ())})
                at = f" (packet {', '.join(map(str, packets))})" if packets and "(packet" not in f.message else ""
                lines.append(f"{f.line()}{at}")
                say(f"    {f.line()}{at}")
        cases.append({"id": r.testcase.id, "title": r.testcase.title, "verdict": r.verdict.name,
                      "followed": bool(follows), "association": r.association, "findings": lines})
        if follows:
            judged.append(r.verdict)
    if session.writer is not None:
        session.finish()
    say(f"{shown} test case(s) followed by the capture"
        + (f"; {hidden} not followed (another stimulus; --all lists them with the reason)" if hidden else ""))
    code = exit_status(judged) if judged else EXIT_INCONC
    if not judged:
        say("no test case is followed by the capture: nothing could be judged (INCONC)")
    if as_json:
        print(json.dumps(analyze_summary(args.capture, cases, code), indent=1, default=str))
    return code
