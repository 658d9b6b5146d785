"""E2 with a lab command trigger: the command runs beside the runner, which reads what the DUT sends.

The command is real (a shell line run by the CommandAdapter); it tells the scripted DUT to act by
creating a file, then keeps running. The DUT's ResetRequest is read while the command still runs;
the command's end is collected before the test case ends, and its failure is an ERROR.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from harness.codec.e2 import E2Codec
from harness.interfaces.e2.executors import E2Env
from harness.interfaces.e2.view import E2Messages
from harness.runner.adapters import CommandAdapter
from harness.runner.runner import RunEnv, Timers, run_testcase
from harness.spec.loader import load_library, load_spec_file
from harness.transport import inproc
from tests.conftest import ROOT

CODEC = E2Codec()
MESSAGES = E2Messages(CODEC.e2ap)
LIBRARY = load_library(sorted((ROOT / "specs" / "templates").glob("*.yaml")), codec=CODEC)

CASE = """
testcases:
  - id: E2TS-R003-v02.00:5.9.9.9.8
    title: reset asked by a lab command
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: optional
    steps:
      - trigger: reset
      - expect: ResetRequest
"""


def _run(tmp_path: Path, command: str):
    """The case with ``command`` as the lab's 'reset'; the DUT sends ResetRequest once the marker exists."""
    spec = tmp_path / "case.yaml"
    spec.write_text(CASE)
    tc = load_spec_file(spec, LIBRARY, codec=CODEC).testcases[0]
    marker = tmp_path / "asked"
    harness_end, dut_end = inproc.pair()

    def dut() -> None:
        deadline = time.monotonic() + 5
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        reset = MESSAGES.build("ResetRequest", {"TransactionID": 3, "Cause": ("misc", "unspecified")})
        dut_end.send(CODEC.encode(reset))

    peer = threading.Thread(target=dut, daemon=True)
    peer.start()
    adapter = CommandAdapter({"reset": command.format(marker=marker)})
    env = RunEnv(E2Env(CODEC, MESSAGES, harness_end), adapter, LIBRARY.templates, Timers(expect=1.0, guard=10.0))
    try:
        return run_testcase(tc, env)
    finally:
        harness_end.close()
        peer.join(2)


def test_the_dut_is_read_while_the_lab_command_still_runs(tmp_path):
    result = _run(tmp_path, "touch {marker}; sleep 2")       # the expect timer is 1 s: a blocking trigger fails
    assert result.verdict.name == "PASS", [(f.verdict.name, f.check, f.message) for f in result.findings]
    assert [(f.verdict.name, f.check) for f in result.findings] == [("PASS", "expect")]
    assert result.duration >= 2                               # collected before the test case ended


def test_a_failed_command_is_an_error_even_when_the_dut_acted(tmp_path):
    result = _run(tmp_path, "touch {marker}; sleep 0.5; echo no licence >&2; exit 4")
    assert result.verdict.name == "ERROR"
    assert [(f.verdict.name, f.check) for f in result.findings] == [("PASS", "expect"), ("ERROR", "trigger")]
    assert result.findings[-1].message == "command for 'reset' exited 4: no licence"


def test_a_command_that_outlives_its_timeout_is_ended_and_an_error(tmp_path):
    spec_timeout = CASE.replace("- trigger: reset", "- trigger: {action: reset, timeout: 1}")
    (tmp_path / "t").mkdir()
    spec = tmp_path / "t" / "case.yaml"
    spec.write_text(spec_timeout)
    tc = load_spec_file(spec, LIBRARY, codec=CODEC).testcases[0]
    harness_end, _dut_end = inproc.pair()
    env = RunEnv(E2Env(CODEC, MESSAGES, harness_end), CommandAdapter({"reset": "sleep 30"}), LIBRARY.templates,
                 Timers(expect=0.3, guard=10.0))
    t0 = time.monotonic()
    result = run_testcase(tc, env)
    harness_end.close()
    assert time.monotonic() - t0 < 5
    assert [(f.verdict.name, f.check) for f in result.findings] == [("FAIL", "expect.timer"), ("ERROR", "trigger")]
    assert result.verdict.name == "ERROR"
    assert result.findings[-1].message == ("command for 'reset' did not finish within 1 s "
                                           "(the FAIL above may follow from it)")
