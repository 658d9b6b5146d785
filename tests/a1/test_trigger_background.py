"""Triggers never block: a lab command that makes the DUT call the harness back runs beside the server.

The lab command is real: a Python script that POSTs a policy-status notification to the harness's
callback URL (what a Near-RT RIC does when a policy's status changes), writes down the status it got
and how long it waited, then keeps running longer than the server's reply timeout. The test case
that expects the notification must answer it in time and PASS; when the runner cannot answer in
time (a `wait` longer than the reply timeout), the harness's own 503 is an ERROR, never a PASS.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

from harness.session import HarnessSession, Options

ROOT = Path(__file__).resolve().parents[2]
LIVE_LAB = ROOT / "fixtures/profiles/lab-live-a1.yaml"
LIVE_RIC = ROOT / "fixtures/profiles/dut-live-a1-ric.yaml"
REPLY_TIMEOUT = 1.0
SLEEP = 2.5                     # the command outlives the reply timeout by far

NOTIFIER = """
import json, sys, time, urllib.error, urllib.request
url, log, sleep, code = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
body = json.dumps({"enforceStatus": "NOT_ENFORCED", "enforceReason": "OTHER_REASON"}).encode()
request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
t0 = time.monotonic()
try:
    with urllib.request.urlopen(request, timeout=30) as response:
        status = response.status
except urllib.error.HTTPError as err:
    status = err.code
with open(log, "w") as f:
    json.dump({"status": status, "seconds": time.monotonic() - t0}, f)
time.sleep(sleep)
sys.exit(code if status in (200, 204) else 1)
"""

CASE = """
testcases:
  - id: A1TS-v02.00:6.2.9
    title: Policy status notification while the lab command still runs
    interface: near-rt-ric.a1
    dut: near-rt-ric
    status: mandatory
    steps:
      - trigger:
          action: status-change
          params: {policy_type_id: "${policy_type_id}", policy_id: a1ts-policy-notify}
          prompt: Make the DUT change the status of policy a1ts-policy-notify
{extra}      - expect-request:
          method: POST
          path: /a1-notify
          schema: {policy-status: "${policy_type_id}"}
        timer: 5
        respond: {status: 204}
    expected: [The DUT posts a PolicyStatusObject to the notification destination]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(tmp_path: Path, *, exit_code: int = 0, wait: float = 0.0):
    """Run the case with the notifier as the lab's `status-change` command; (result, what the command saw)."""
    port, log = _free_port(), tmp_path / "notifier.json"
    script = tmp_path / "notify.py"
    script.write_text(NOTIFIER)
    command = f"{sys.executable} {script} http://127.0.0.1:{port}/a1-notify {log} {SLEEP} {exit_code}"
    lab = tmp_path / "lab.yaml"
    text = LIVE_LAB.read_text()
    for old, new in (('status-change: "true"', f"status-change: {json.dumps(command)}"),
                     ("port: 0", f"port: {port}"), ("reply_timeout: 5", f"reply_timeout: {REPLY_TIMEOUT:g}")):
        assert old in text, old
        text = text.replace(old, new)
    lab.write_text(text)
    spec = tmp_path / "specs" / "notify.yaml"
    spec.parent.mkdir()
    spec.write_text(CASE.replace("{extra}", f"      - wait: {wait:g}\n" if wait else ""))
    session = HarnessSession(Options(LIVE_RIC, lab, None, None, None, spec.parent))
    try:
        result = session.run(session.load(spec).testcases[0])
    finally:
        session.finish()
    return result, json.loads(log.read_text()) if log.exists() else None


def _http(result, role: str):
    return [e.http for e in result.exchange.entries if getattr(e, "role", None) == role]


def test_a_callback_while_the_command_runs_is_answered_in_time_and_judged(tmp_path):
    result, seen = _run(tmp_path)
    assert result.verdict.name == "PASS", [(f.verdict.name, f.check, f.message) for f in result.findings]
    assert [(f.verdict.name, f.check) for f in result.findings] == [("PASS", "http.request")]
    (request,), (response,) = _http(result, "matched"), _http(result, "sent")
    assert (request.method, request.path, response.status) == ("POST", "/a1-notify", 204)
    assert response.time - request.time < REPLY_TIMEOUT
    assert seen["status"] == 204 and seen["seconds"] < REPLY_TIMEOUT
    assert result.duration >= SLEEP           # the command was collected before the test case ended


def test_a_harness_that_cannot_answer_in_time_is_an_error_not_a_pass(tmp_path):
    result, seen = _run(tmp_path, wait=REPLY_TIMEOUT + 1)
    assert result.verdict.name == "ERROR"
    first = result.findings[0]
    assert first.check == "http.harness-reply"
    assert first.message == ("POST /a1-notify: the harness answered 503 without the test case's reply (no step "
                             "answered it within the reply timeout of 1 s); the harness failed here, not the DUT")
    assert [r.status for r in _http(result, "sent")] == [503]
    assert seen["status"] == 503
    assert not any(f.verdict.name == "PASS" for f in result.findings)


def test_a_command_that_fails_after_the_callback_is_still_an_error(tmp_path):
    result, seen = _run(tmp_path, exit_code=3)
    assert seen["status"] == 204
    assert result.verdict.name == "ERROR"
    assert [(f.verdict.name, f.check) for f in result.findings] == [("PASS", "http.request"), ("ERROR", "trigger")]
    assert result.findings[-1].message == "command for 'status-change' exited 3"
    assert result.findings[-1].step.startswith("trigger status-change (")
