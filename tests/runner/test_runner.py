"""The runner's verdicts against a scripted peer: every blame rule, no hangs.

The peer is a thread on the other end of an in-process link that answers from
a script, so each test controls exactly what the 'DUT' does.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from harness.codec.e2 import E2Codec
from harness.interfaces.e2.executors import E2Env
from harness.interfaces.e2.view import E2Messages
from harness.runner.adapters import TriggerError
from harness.runner.runner import RunEnv, Timers, run_testcase
from tests.conftest import ROOT
from harness.spec.loader import load_library, load_spec_file
from harness.transport import inproc
from harness.transport.base import PeerClosed
from harness.core.verdict import Verdict

CODEC = E2Codec()
MESSAGES = E2Messages(CODEC.e2ap)
LIBRARY = load_library(sorted((ROOT / "specs" / "templates").glob("*.yaml")), codec=CODEC)

HEAD = """
testcases:
  - id: E2TS-R003-v02.00:5.9.9.9.9
    title: scripted
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: optional
    steps:
"""


def _case(tmp_path: Path, steps: str, guard: str = ""):
    text = HEAD + "\n".join("      " + line for line in steps.strip("\n").splitlines()) + "\n"
    if guard:
        text += f"    guard: {guard}\n"
    path = tmp_path / "case.yaml"
    path.write_text(text)
    return load_spec_file(path, LIBRARY, codec=CODEC).testcases[0]


def _response(name: str, ies: dict) -> bytes:
    return CODEC.encode(MESSAGES.build(name, ies))


SETUP_RESPONSE = {
    "TransactionID": 17, "GlobalRIC-ID": {"pLMN-Identity": b"\x00\xf1\x10", "ric-ID": (b"\xaa\xaa\xa0", 20)},
    "E2nodeComponentConfigAdditionAck": [{"id": 53, "criticality": "reject", "value": (
        "E2nodeComponentConfigAdditionAck-Item", {
            "e2nodeComponentInterfaceType": "ng",
            "e2nodeComponentID": ("e2nodeComponentInterfaceTypeNG", {"amf-name": "amf1"}),
            "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}})}]}


class Peer(threading.Thread):
    """Reads what the harness sends and answers from ``script`` (one callable per message)."""

    def __init__(self, end, script) -> None:
        super().__init__(daemon=True)
        self.end, self.script, self.got = end, list(script), []

    def run(self) -> None:
        for answer in self.script:
            packet = self.end.recv(2.0)
            if packet is None:
                return
            self.got.append(packet)
            try:
                answer(self.end)
            except PeerClosed:        # the harness finished first (a late answer): nothing to do
                return


class Adapter:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.calls = fail, []

    def trigger(self, action, params, prompt, timeout):
        self.calls.append(action)
        if self.fail:
            raise TriggerError(f"the lab profile has no command for '{action}' (it has: none)")


def _run(tc, script, adapter=None, expect=0.3):
    harness_end, dut_end = inproc.pair()
    peer = Peer(dut_end, script)
    peer.start()
    env = RunEnv(E2Env(CODEC, MESSAGES, harness_end), adapter, LIBRARY.templates, Timers(expect=expect, guard=5.0))
    t0 = time.monotonic()
    result = run_testcase(tc, env)
    elapsed = time.monotonic() - t0
    harness_end.close()
    peer.join(2)
    return result, elapsed


def _checks(result) -> list[tuple]:
    return [(f.verdict.name, f.check) for f in result.findings]


SEND_EXPECT = """
- send: E2setupRequest
- expect: E2setupResponse
  match: {TransactionID: 17}
"""


def test_a_good_answer_passes(tmp_path):
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [lambda end: end.send(_response("E2setupResponse", SETUP_RESPONSE))])
    assert result.verdict == Verdict.PASS
    assert _checks(result) == [("PASS", "expect")]
    assert [e.summary() for e in result.exchange.entries][1].startswith("#2 <- E2setupResponse")


def test_silence_fails_on_the_expect_timer_without_hanging(tmp_path):
    result, elapsed = _run(_case(tmp_path, SEND_EXPECT), [lambda end: None])
    assert result.verdict == Verdict.FAIL
    assert result.findings[-1].message == "the expect timer (0.3 s) expired waiting for E2setupResponse"
    assert elapsed < 2.0


def test_garbage_fails_as_a_decode_error_with_the_bit_offset(tmp_path):
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [lambda end: end.send(b"\x60\x01\x02")])
    assert result.verdict == Verdict.FAIL
    assert result.findings[-1].check == "decode"
    assert result.findings[-1].message.startswith("the DUT sent a PDU that does not decode: E2AP-PDU (bit offset ")


def test_the_wrong_message_fails(tmp_path):
    reset = _response("ResetResponse", {"TransactionID": 17})
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [lambda end: end.send(reset)])
    assert result.findings[-1].message == "received ResetResponse while waiting for E2setupResponse"
    assert result.verdict == Verdict.FAIL


def test_an_ignored_message_is_skipped(tmp_path):
    steps = SEND_EXPECT + "  ignore: [ResetResponse]\n"
    reset = _response("ResetResponse", {"TransactionID": 17})

    def answer(end):
        end.send(reset)
        end.send(_response("E2setupResponse", SETUP_RESPONSE))
    result, _ = _run(_case(tmp_path, steps), [answer])
    assert result.verdict == Verdict.PASS
    assert [e.role for e in result.exchange.entries] == ["sent", "ignored", "matched"]


def test_a_peer_that_closes_fails(tmp_path):
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [lambda end: end.close()])
    assert result.verdict == Verdict.FAIL
    assert result.findings[-1].check == "transport.peer-closed"


def test_a_wrong_value_fails_with_the_ie_path(tmp_path):
    wrong = dict(SETUP_RESPONSE, TransactionID=18)
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [lambda end: end.send(_response("E2setupResponse", wrong))])
    f = result.findings[-1]
    assert (f.verdict, f.check, f.ie_path, f.expected, f.observed) == (Verdict.FAIL, "expect.match", "TransactionID",
                                                                       17, 18)


def test_a_trigger_the_lab_cannot_perform_is_an_error_not_a_failure(tmp_path):
    tc = _case(tmp_path, "- trigger: reset\n- expect: ResetRequest\n")
    result, _ = _run(tc, [], adapter=Adapter(fail=True))
    assert result.verdict == Verdict.ERROR
    assert _checks(result) == [("ERROR", "trigger")]


def test_no_adapter_is_an_error(tmp_path):
    result, _ = _run(_case(tmp_path, "- trigger: reset\n- expect: ResetRequest\n"), [])
    assert result.verdict == Verdict.ERROR
    assert result.findings[0].message == "no DUT adapter to perform 'reset'"


def test_an_unknown_variable_is_an_error(tmp_path):
    tc = _case(tmp_path, """
- send: ResetRequest
  fields: {TransactionID: "${nobody}"}
- expect: ResetResponse
""")
    result, _ = _run(tc, [])
    assert result.verdict == Verdict.ERROR
    assert result.findings[0].check == "spec.variable"


def test_expect_nothing_passes_on_silence_and_fails_on_a_message(tmp_path):
    quiet, _ = _run(_case(tmp_path, "- send: ResetRequest\n- expect: nothing\n  timer: 0.2\n"), [lambda end: None])
    assert quiet.verdict == Verdict.PASS
    noisy, _ = _run(_case(tmp_path, "- send: ResetRequest\n- expect: nothing\n  timer: 0.5\n"),
                    [lambda end: end.send(_response("ResetResponse", {"TransactionID": 1}))])
    assert noisy.verdict == Verdict.FAIL
    assert noisy.findings[-1].message == "expected no message within 0.5 s, received ResetResponse"


def test_the_guard_timer_bounds_the_whole_case(tmp_path):
    tc = _case(tmp_path, "- send: ResetRequest\n- wait: 5\n- expect: ResetResponse\n", guard="0.3")
    result, elapsed = _run(tc, [lambda end: None])
    assert result.verdict == Verdict.FAIL
    assert result.findings[-1].check == "guard-timer"
    assert elapsed < 2.0


def test_a_case_that_checks_nothing_is_an_error():
    from harness.spec.model import Reference, TestCase, Where
    tc = TestCase("X-v1:1", "empty", Reference("X", "v1", "1"), "near-rt-ric.e2", "near-rt-ric", "e2-node",
                  "optional", None, (), (), (), (), (), None, (), Where("x.yaml", 1))
    result, _ = _run(tc, [])
    assert result.verdict == Verdict.ERROR
    assert result.findings[-1].message == "the test case evaluated no check; that is not a pass"


def test_a_wrong_ppid_fails(tmp_path):
    data = _response("E2setupResponse", SETUP_RESPONSE)
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [lambda end: end.send(data, ppid=60)])
    f = result.findings[-1]
    assert (f.verdict, f.check, f.expected, f.observed) == (Verdict.FAIL, "transport.ppid", 70, 60)
    assert f.message == "the DUT sent E2AP with SCTP PPID 60, not 70"


def test_a_message_after_the_timer_is_late_even_if_read_later(tmp_path):
    def late(end):
        time.sleep(0.5)
        end.send(_response("E2setupResponse", SETUP_RESPONSE))
    result, _ = _run(_case(tmp_path, SEND_EXPECT), [late])
    assert result.verdict == Verdict.FAIL
    assert result.findings[-1].check == "expect.timer"


def test_messages_that_arrived_before_the_timer_are_read_even_when_reading_takes_longer(tmp_path):
    """A flood of ignored messages and the answer are all queued before the expect step starts,
    but decoding the flood (E2 Setup Requests: ~3000/s) takes longer than the timer: the answer
    arrived in time, so it passes."""
    import json
    steps = "- expect: E2setupResponse\n  match: {TransactionID: 17}\n  ignore: [E2setupRequest]\n"
    golden = ROOT / "fixtures" / "golden" / "e2ap-v03.01" / "pc01-1-E2setupRequest.json"
    heavy = bytes.fromhex(json.loads(golden.read_text())["hex"])
    timer = 0.15
    harness_end, dut_end = inproc.pair()
    for _ in range(1500):
        dut_end.send(heavy)
    dut_end.send(_response("E2setupResponse", SETUP_RESPONSE))
    env = RunEnv(E2Env(CODEC, MESSAGES, harness_end), None, LIBRARY.templates, Timers(expect=timer, guard=120.0))
    t0 = time.monotonic()
    result = run_testcase(_case(tmp_path, steps), env)
    elapsed = time.monotonic() - t0
    harness_end.close()
    assert elapsed > 2 * timer, "the flood was read within the timer: this run proves nothing"
    assert result.verdict == Verdict.PASS, [f.line() for f in result.findings]
    assert result.exchange.entries[-1].role == "matched"
    assert len(result.exchange.entries) == 1501
