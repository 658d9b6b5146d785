"""E2 Connection Update with a real second TNL association (tnl-add, tnl-join; E2AP v03.01 8.3.6, 8.3.5),
in sim mode: the built-in simulators in-process, their second association a real in-process link.

The well-behaved simulators PASS both sides; each TNL fault FAILs with its own finding: an E2 node that
claims an association it never made, one that never names itself on it, a RIC that offers an address
it does not listen on, one that never answers the naming. (tests/resilience/test_e2_tnl.py runs the same
over SCTP through the lab's relays, with a path cut.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.session import HarnessSession, Options, SessionError

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
LAB = PROFILES / "lab-sim-fast.yaml"
CASES = ROOT / "testcases" / "e2ts"
NODE_CASE = ("e2-node/configuration.yaml", "E2TS-R003-v02.00:6.2.1.6.1", "dut-sim-e2-node.yaml")
RIC_CASE = ("near-rt-ric/global-procedures.yaml", "E2TS-R003-v02.00:5.2.1.6.1", "dut-sim-near-rt-ric.yaml")


def _run(case: tuple, fault: str | None = None, lab: Path = LAB):
    file, test_id, dut = case
    session = HarnessSession(Options(PROFILES / dut, lab, None, fault, None, CASES))
    try:
        tc = next(t for t in session.load(CASES / file).testcases if t.id == test_id)
        return session.run(tc)
    finally:
        session.finish()


def _not_passed(result) -> list[tuple[str, str]]:
    return [(f.verdict.name, f.check) for f in result.findings if f.verdict.name != "PASS"]


@pytest.mark.parametrize("case", [NODE_CASE, RIC_CASE], ids=["e2-node", "near-rt-ric"])
def test_the_simulators_set_up_name_and_acknowledge_a_second_tnl_association(case):
    result = _run(case)
    assert result.verdict.name == "PASS", _not_passed(result)
    setup = [f for f in result.findings if f.check == "e2.tnl.setup"]
    assert len(setup) == 1 and "(TNL 2)" in setup[0].message and setup[0].clause.endswith("to add)")
    named = [e for e in result.exchange.entries if e.message == "E2nodeConfigurationUpdate"]
    assert len(named) == 1 and "TNL association: TNL 2" in named[0].notes       # it came, or went, on TNL 2
    assert named[0].decoded is not None


@pytest.mark.parametrize("case, fault, check, words", [
    (NODE_CASE, "tnl-no-dial", "e2.tnl.association", "listed as set up, but no SCTP association arrived"),
    (NODE_CASE, "tnl-no-config-update", "e2.tnl.named", "never named itself on it"),
    (RIC_CASE, "tnl-not-listening", "e2.tnl.association", "the RIC offered it, but no SCTP association"),
    (RIC_CASE, "tnl-no-config-ack", "e2.tnl.named", "never answered the E2 Node Configuration Update"),
])
def test_each_tnl_fault_fails_with_its_own_finding(case, fault, check, words):
    result = _run(case, fault)
    assert result.verdict.name == "FAIL"
    failed = [f for f in result.findings if f.verdict.name == "FAIL"]
    assert [f.check for f in failed] == [check], _not_passed(result)
    assert words in failed[0].message
    assert "8.3.6.2" in failed[0].clause or "8.3.5.2" in failed[0].clause


def test_a_lab_tnl_endpoint_that_is_a_name_is_refused_where_it_is_written(tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text(LAB.read_text().replace("transport:\n", "transport:\n  tnl: [{listen: ric.example:36425}]\n", 1))
    with pytest.raises(SessionError) as err:
        _run(NODE_CASE, lab=lab)
    assert "lab.yaml:14" in str(err.value) and "give an IP address" in str(err.value), str(err.value)
