"""The M-plane suite against the real O-RU simulator over real SSH on loopback.

Every fault mode must make the right test case FAIL (or ERROR, for a lab
fault) with the right finding: that is how each checker is shown able to fail.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from harness.session import HarnessSession, Options, SessionError
from harness.core.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]
DUT = ROOT / "fixtures" / "profiles" / "dut-sim-o-ru.yaml"
LAB = ROOT / "fixtures" / "profiles" / "lab-sim-mplane.yaml"
SPECS = ROOT / "testcases" / "wg4-conf" / "mplane"


def _session(tmp_path, fault=None, lab=LAB):
    return HarnessSession(Options(DUT, lab, "sim", fault, tmp_path / "res", ROOT / "testcases"))


def _case(session, file: str, clause: str):
    spec = session.load(SPECS / file)
    return next(tc for tc in spec.testcases if tc.id.endswith(":" + clause))


def _run(tmp_path, file, clause, fault=None, lab=LAB):
    session = _session(tmp_path, fault, lab)
    try:
        return session.run(_case(session, file, clause))
    finally:
        session.finish()


def _bad(result):
    return [f for f in result.findings if f.verdict >= Verdict.FAIL]


def test_alarm_and_retrieval_pass_and_leave_xml_evidence(tmp_path):
    result = _run(tmp_path, "alarms.yaml", "3.1.2.1")
    assert result.verdict == Verdict.PASS, [f.line() for f in result.findings]
    assert result.variables["fault_id"] == "17"
    folder = next((tmp_path / "res" / "tests").iterdir())
    exchange = json.loads((folder / "exchange.json").read_text())
    kinds = [(e["direction"], e["message"]) for e in exchange]
    assert kinds[:2] == [("sent", "hello"), ("received", "hello")]
    assert ("received", "notification") in kinds
    assert any("<alarm-notif" in e["xml"] for e in exchange)
    row = json.loads((tmp_path / "res" / "results.jsonl").read_text().splitlines()[0])
    assert row["verdict"] == "PASS" and row["interface"] == "o-ru.mplane"


def test_ncclient_and_paramiko_log_to_the_results_not_to_the_console(tmp_path):
    """A FAIL is not buried: the protocol libraries' DEBUG lines go to <results>/logs/netconf.log, and
    while the session runs they do not reach the root logger (the console handler of harness/cli/logsetup.py)."""
    session = _session(tmp_path, "yang-wrong-type")
    roots = [logging.getLogger(n) for n in ("ncclient", "paramiko", "libyang")]
    try:
        assert not any(r.propagate for r in roots)
        result = session.run(_case(session, "retrieval.yaml", "3.1.1.6"))
    finally:
        session.finish()
    assert result.verdict == Verdict.FAIL
    log = (tmp_path / "res" / "logs" / "netconf.log").read_text()
    assert "ncclient.transport.ssh" in log and "<get-schema" in log and "Invalid type int16" in log
    assert [r.propagate for r in roots] == [True, True, False]     # put back (yang.py keeps libyang's off)


FAULTS = [
    # fault, spec file, clause, verdict, check, words in the finding
    ("no-hello", "handshake.yaml", "3.1.1.1", Verdict.FAIL, "connect.hello", "no NETCONF hello from the server"),
    ("bad-hello", "handshake.yaml", "3.1.1.1", Verdict.FAIL, "hello.base", "neither base:1.0 nor base:1.1"),
    ("hang", "handshake.yaml", "3.1.1.1", Verdict.FAIL, "connect.hello", "no SSH banner within"),
    ("wrong-host-key", "handshake.yaml", "3.1.1.1", Verdict.ERROR, "connect.host-key", "SSH host key mismatch"),
    ("malformed-xml", "retrieval.yaml", "3.1.1.6", Verdict.FAIL, "rpc.reply", "is not well-formed XML"),
    ("rpc-error", "retrieval.yaml", "3.1.1.6", Verdict.FAIL, "reply.rpc-error", "operation-failed"),
    # the reply is judged against the message-id the harness sent, not a literal of the spec
    ("wrong-message-id", "retrieval.yaml", "3.1.1.6", Verdict.FAIL, "rpc.message-id",
     "the rpc-reply's message-id is 'xurn:uuid:"),
    ("no-supervision", "supervision.yaml", "3.1.1.4", Verdict.FAIL, "notification.timer",
     "no supervision-notification notification within 3.5 s"),
    ("no-supervision", "supervision.yaml", "3.1.1.5", Verdict.FAIL, "session.kept", "the O-RU kept the session"),
    ("late-supervision", "supervision.yaml", "3.1.1.4", Verdict.FAIL, "notification.timer",
     "no supervision-notification"),
    ("wrong-next-update", "supervision.yaml", "3.1.1.4", Verdict.FAIL, "reply.time-ahead", "expected 1 +/- 1 s"),
    ("no-alarm-notif", "alarms.yaml", "3.1.2.1", Verdict.FAIL, "notification.timer", "no alarm-notif notification"),
    # replies that break the O-RU's own YANG modules (harness/interfaces/mplane/yang.py)
    ("yang-wrong-type", "retrieval.yaml", "3.1.1.6", Verdict.FAIL, "reply.yang",
     'at /o-ran-operations:operational-info/clock/timezone-utc-offset: Invalid type int16 value "east"'),
    ("yang-unknown-node", "retrieval.yaml", "3.1.1.7", Verdict.FAIL, "reply.yang",
     'at /ietf-hardware:hardware/component[name=\'ru-module\']: Node "colour" not found as a child'),
    ("yang-missing-key", "retrieval.yaml", "3.1.1.6", Verdict.FAIL, "reply.yang",
     'at /ietf-hardware:hardware/component: List instance is missing its key "name"'),
]


@pytest.mark.parametrize("fault, path, clause", [
    ("yang-wrong-type", "/o-ran-operations:operational-info/clock/timezone-utc-offset", "IETF RFC 7950 clause 9 "),
    ("yang-missing-key", "/ietf-hardware:hardware/component", "IETF RFC 7950 clause 7.8.2 "),
])
def test_a_yang_violation_fails_with_its_path_and_clause_after_the_modules_were_fetched(tmp_path, fault, path, clause):
    result = _run(tmp_path, "retrieval.yaml", "3.1.1.6", fault)
    bad = _bad(result)
    assert (bad[0].check, bad[0].ie_path) == ("reply.yang", path), bad[0].line()
    assert bad[0].clause.startswith(clause) and bad[0].evidence, bad[0].line()
    loaded = next(f for f in result.findings if f.check == "yang.modules")
    assert loaded.verdict == Verdict.PASS and "o-ran-operations [get-schema]" in loaded.message
    assert "not validated" not in loaded.message, loaded.message
    exchange = json.loads((next((tmp_path / "res" / "tests").iterdir()) / "exchange.json").read_text())
    assert any("<get-schema" in e["xml"] for e in exchange if e["direction"] == "sent")


@pytest.mark.parametrize("fault,file,clause,verdict,check,words", FAULTS,
                         ids=[f"{f[0]}-{f[2]}" for f in FAULTS])
def test_each_fault_fails_the_right_test(tmp_path, fault, file, clause, verdict, check, words):
    result = _run(tmp_path, file, clause, fault)
    bad = _bad(result)
    assert result.verdict == verdict, [f.line() for f in result.findings]
    assert bad[0].check == check, bad[0].line()
    assert words in bad[0].message, bad[0].message
    assert "\n" not in bad[0].message and "Traceback" not in bad[0].message


def test_wrong_known_key_in_the_lab_profile_is_a_lab_error_naming_both_fingerprints(tmp_path):
    text = LAB.read_text().replace("known_host_key: simulator", 'known_host_key: "ssh-ed25519 '
                                   'AAAAC3NzaC1lZDI1NTE5AAAAIBAsICsGaWCqfTxE29E7wMTx3ScNM5JxMoOhiJ9QXl0u"')
    assert text != LAB.read_text()
    lab = tmp_path / "lab.yaml"
    lab.write_text(text)
    result = _run(tmp_path, "handshake.yaml", "3.1.1.1", lab=lab)
    assert result.verdict == Verdict.ERROR
    msg = _bad(result)[0].message
    assert "host key mismatch" in msg and msg.count("MD5") == 2 and "SHA256:" in msg and "127.0.0.1:" in msg


def test_simulator_key_word_is_refused_for_a_real_o_ru(tmp_path):
    """A real O-RU (no simulator: in its profile) must be named by its own host key: refused at session start."""
    lab = tmp_path / "lab.yaml"
    lab.write_text(LAB.read_text().replace("mode: sim", "mode: live"))
    dut = tmp_path / "dut.yaml"
    dut.write_text("\n".join(line for line in DUT.read_text().splitlines() if not line.startswith("simulator:"))
                   + "\nendpoints: {mplane: 192.0.2.10:830}\n")
    with pytest.raises(SessionError) as info:
        HarnessSession(Options(dut, lab, "live", None, tmp_path / "res", ROOT / "testcases"))
    assert "mplane.known_host_key: 'simulator' names the built-in simulator's key" in str(info.value)


def test_missing_mplane_block_stops_the_session_before_any_case(tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text("\n".join(line for line in LAB.read_text().splitlines()
                             if not line.startswith(("mplane:", "  host", "  port", "  username", "  password",
                                                     "  known_host_key", "  call_home_port", "  timeout"))))
    with pytest.raises(SessionError) as info:
        _session(tmp_path, lab=lab)
    assert "has no 'mplane:' block" in str(info.value)
