"""A1 capture analysis: HTTP framed out of the capture's TCP (harness/capture/http.py), observed by
harness/interfaces/a1/observe.py."""

from __future__ import annotations

from harness.interfaces.a1.model import load_policy_types
from harness.interfaces.a1.policy import DEFAULT as DEFAULT_POLICY
from harness.interfaces.a1.observe import analyze_http, capture_variables
from harness.capture.http import http_messages, pair
from harness.capture.reader import read_messages
from harness.interfaces.base import BindingError
from harness.interfaces.a1.executors import HttpEnv
from harness.runner.runner import RunEnv


def analyze_capture(capture, session, cfg, cases: list, issues: list) -> list:
    """The A1 test cases the capture's HTTP transactions follow, each with its verdict.

    Args:
        cfg: the lab's A1 settings (harness.interfaces.a1.config.A1Lab), or None: the defaults.

    Raises:
        BindingError: no HTTP request in the capture.
        CaptureError, OSError: the capture is unreadable.
    """
    end = [0.0]

    def tcp():
        for m in read_messages(capture, issues=issues, tcp_ports=None):
            end[0] = max(end[0], m.time)
            yield m
    transactions = pair(http_messages(tcp(), issues), issues)
    policy_types = load_policy_types(cfg.policy_types_dir if cfg else None)
    if not transactions:
        raise BindingError(f"{capture}: no HTTP request in the capture")
    callback_path = cfg.callback_path if cfg else "/a1-notify"
    policy = cfg.policy if cfg else DEFAULT_POLICY
    variables = capture_variables(transactions, session.dut.role, callback_path)

    def env():
        return RunEnv(HttpEnv(policy_types=policy_types, policy_variables=policy.variables()), None,
                      session.library.templates, session.timers,
                      dict(session.lab.pixit))
    return analyze_http(transactions, cases, env, session.dut.role, end[0], variables)
