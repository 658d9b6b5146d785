"""E2 capture analysis: SCTP associations out of the capture, judged by harness/interfaces/e2/observe.py."""

from __future__ import annotations

from harness.interfaces.e2.observe import analyze
from harness.capture.reader import read_messages
from harness.codec.e2 import E2Codec, E2Versions
from harness.interfaces.e2.executors import E2Env
from harness.runner.runner import RunEnv


def analyze_capture(capture, session, cases: list, issues: list) -> list:
    """The E2 test cases the capture's associations follow, each with its verdict.

    Raises:
        CaptureError, AnalyzeError: the capture is unreadable or holds no E2 association.
    """
    versions = E2Versions(e2ap=session.dut.e2ap_version, e2sm=dict(session.dut.e2sm_versions))

    def env():
        return RunEnv(E2Env(session.codec, session.messages), None, session.library.templates, session.timers,
                      dict(session.lab.pixit))
    results, _ = analyze(read_messages(capture, issues=issues), cases, env, session.dut.role,
                         lambda: E2Codec(versions), session.dut)
    return results
