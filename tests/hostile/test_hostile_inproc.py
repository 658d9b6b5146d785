"""Bundled E2 spec cases against a hostile simulator, in-process: the verdict, the finding, the time.

Each mode (harness/interfaces/e2/sim/hostile.py, and the byte faults garbage / malformed-pdu of
harness/interfaces/e2/sim/faults.py) must give FAIL with a finding that says what the peer
did (INCONC where the attack hits only the preamble of another purpose), never ERROR (that
would blame the lab) nor a hang: every case is bounded
well below its guard timer (15 s in lab-sim-fast.yaml). A fault-free run
afterwards shows the harness is still fine.
"""

from __future__ import annotations

import pytest

from harness.interfaces.e2.sim import hostile
from tests.hostile.support import NODE, RIC, run_cases

RESET_BY_NODE = "E2TS-R003-v02.00:5.2.1.2.1"        # RIC DUT; harness is the E2 node
RESET_BY_RIC = "E2TS-R003-v02.00:6.2.1.2.1"         # E2 node DUT; harness is the RIC
SUB_DELETE = "E2TS-R003-v02.00:6.2.2.2.1"           # E2 node DUT; RIC Indications ignored while waiting
SETUP_BY_NODE = "E2TS-R003-v02.00:5.2.1.1.1"        # RIC DUT: E2 Setup is the test purpose
SUBSCRIBE = "E2TS-R003-v02.00:6.2.2.1.1"            # E2 node DUT: RIC Subscription is the test purpose

CASES = [
    # mode, DUT, case, verdict, finding (check: text)
    ("garbage", NODE, RESET_BY_RIC, "FAIL", "decode: the DUT sent a PDU that does not decode: E2AP-PDU "
                                            "(bit offset 3): Expected choice index 0, 1 or 2, but got 3."),
    ("malformed-pdu", RIC, RESET_BY_NODE, "FAIL", "decode: the DUT sent a PDU that does not decode: "
                                                  "E2AP-PDU.successfulOutcome.value (bit offset 32): out of data"),
    ("oversized", RIC, RESET_BY_NODE, "FAIL", "decode: the DUT sent a PDU that does not decode: E2AP-PDU "
                                              "(bit offset 608): 20971520 octet(s) left over after the end of "
                                              "E2AP-PDU"),
    ("flood", RIC, SETUP_BY_NODE, "FAIL", "expect.message: received ErrorIndication while waiting for "
                                          "E2setupResponse"),
    # The same flood while E2 Setup is only the preamble of a Reset test: the Reset could not be
    # tested, so INCONC (issue 14: a failed preamble is not the DUT's FAIL of another purpose).
    ("flood-in-preamble", RIC, RESET_BY_NODE, "INCONC", "expect.message: precondition not met: received "
                                                        "ErrorIndication while waiting for E2setupResponse"),
    ("disconnect", NODE, SUBSCRIBE, "FAIL", "transport.peer-closed: the DUT closed the association while the "
                                            "harness waited for RICsubscriptionResponse"),
    ("disconnect-mid-message", RIC, RESET_BY_NODE, "FAIL", "decode: the DUT sent a PDU that does not decode: "
                                                           "E2AP-PDU.successfulOutcome.value (bit offset 32): "
                                                           "out of data"),
    ("reset-storm", RIC, SETUP_BY_NODE, "FAIL", "expect.message: received ResetRequest while waiting for "
                                                "E2setupResponse"),
    ("reset-storm@ResetResponse", RIC, RESET_BY_NODE, "FAIL", "expect.message: received ResetRequest while "
                                                              "waiting for ResetResponse"),
]


@pytest.mark.parametrize("mode, dut, case, verdict, finding", CASES, ids=[c[0] for c in CASES])
def test_a_hostile_peer_gets_the_right_verdict_quickly(mode, dut, case, verdict, finding):
    [outcome] = run_cases(dut, mode.removesuffix("-in-preamble"), [case])
    assert outcome.verdict == verdict, outcome.text()
    if finding:
        assert outcome.findings[0][0] == verdict and f"{outcome.findings[0][1]}: {outcome.findings[0][2]}" \
            .startswith(finding), outcome.text()
    assert outcome.wall < 12.0


def test_a_slow_peer_is_waited_for_not_failed():
    """0.4 of the 3 s expect timer per response, two responses: slower, still a PASS."""
    [outcome] = run_cases(RIC, "slow-peer", [RESET_BY_NODE])
    assert outcome.verdict == "PASS" and 2.0 < outcome.wall < 12.0


def test_a_flood_of_ignored_indications_is_read_through(monkeypatch):
    """1000 RIC Indications (ignored by the spec) before the Delete Response: the harness keeps up."""
    monkeypatch.setattr(hostile, "FLOOD_COUNT", 1000)
    [outcome] = run_cases(NODE, "flood@RICsubscriptionDeleteResponse", [SUB_DELETE])
    assert outcome.verdict == "PASS", outcome.text()
    assert outcome.wall < 12.0


# A flood bigger than the harness decodes within one expect timer, with the answer in time, is
# tested deterministically in tests/runner/test_runner.py (the queue is filled before the step):
# through a simulator, whether the answer is in time depends on how fast the simulator can encode
# the flood on a loaded machine, which a test cannot control.


def test_the_harness_is_fine_after_the_hostile_runs():
    outcomes = run_cases(RIC, None, [RESET_BY_NODE]) + run_cases(NODE, None, [RESET_BY_RIC])
    assert [o.verdict for o in outcomes] == ["PASS", "PASS"]
