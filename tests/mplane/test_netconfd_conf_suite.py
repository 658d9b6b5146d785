"""The whole extended CONF suite (testcases/wg4-conf/mplane) against netconfd (yuma123) loaded with our YANG subsets.

netconfd is an independent NETCONF server: it knows the O-RAN modules' schema
(fixtures/yang, loaded with --module) but has no instrumentation behind them
(no SIL code: no state data, no action output, no notifications), no
:writable-running (candidate only) and nothing a lab can make raise an alarm.
Every verdict is asserted exactly, and every non-PASS says why it is right:
the harness judges another implementation correctly, or the suite is wrong.

Each case gets a fresh netconfd: netconfd 2.13 segfaults in libyumancx after a
few dozen get-schema replies in its lifetime (found here; each case learns the
modules by get-schema once), which would turn later verdicts into noise.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from harness.core.verdict import Verdict
from harness.session import HarnessSession, Options
from tests.mplane import netconfd_server

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "testcases" / "wg4-conf" / "mplane"
# netconfd has its own ietf-netconf-monitoring (with the state it instruments): ours would replace it.
MODULES = tuple(sorted(p for p in (ROOT / "fixtures" / "yang").glob("*.yang")
                       if not p.name.startswith("ietf-netconf-monitoring@")))
CONF, MP = "O-RAN.WG4.CONF.0-v04.00:", "O-RAN.WG4.MP.0-v08.00:"
NO_OUTPUT = "reply.match"      # a check of data netconfd holds no instrumentation for

# case id -> (verdict, the check of the first finding with that verdict; None for PASS)
EXPECTED: dict[str, tuple[Verdict, str | None]] = {
    # get of o-ran-operations declarations: supported-mplane-version is state (config false); without SIL
    # code netconfd has no state data, so the count is 0 -- a real O-RU answering so must FAIL.
    CONF + "3.1.1.1": (Verdict.FAIL, NO_OUTPUT),
    CONF + "3.1.1.2": (Verdict.PASS, None),
    # create-subscription passes; supervision-watchdog-reset has no SIL, netconfd answers without
    # next-update-at, so the notification this case waits for cannot be provoked: precondition, INCONC.
    CONF + "3.1.1.3": (Verdict.INCONC, NO_OUTPUT),
    # the same reply lacks next-update-at, which the o-ran-supervision rpc output requires: FAIL is right.
    CONF + "3.1.1.4": (Verdict.FAIL, "reply.time"),
    CONF + "3.1.1.5": (Verdict.FAIL, NO_OUTPUT),
    # no ietf-hardware components and no o-ran-operations state without instrumentation: FAIL is right.
    CONF + "3.1.1.6": (Verdict.FAIL, NO_OUTPUT),
    CONF + "3.1.1.7": (Verdict.FAIL, NO_OUTPUT),
    # nothing can make netconfd raise an alarm: the lab's raise-alarm command fails, an ERROR of the lab
    # (not the DUT's FAIL); the missing alarm-notif / active-alarms that follow are noted under it.
    CONF + "3.1.2.1": (Verdict.ERROR, "trigger"),
    CONF + "3.1.2.2": (Verdict.ERROR, "trigger"),
    # candidate-commit, confirmed-commit, discard-changes, with-defaults: every NETCONF step before passes
    # (lock, edit candidate, validate, commit, confirmed commit, rollback, cancel-commit, discard-changes);
    # then get-config with with-defaults report-all must show timezone-utc-offset's YANG default 0, and
    # netconfd 2.13 leaves it out while its non-presence container holds no data (RFC 6243 3.1 and
    # RFC 7950 7.6.1 say a default leaf under a non-presence container is in use): a true FAIL of netconfd.
    MP + "9.1/candidate-commit": (Verdict.FAIL, NO_OUTPUT),
    MP + "9.1/lock-denied": (Verdict.PASS, None),
    MP + "9.1/confirmed-commit": (Verdict.FAIL, NO_OUTPUT),
    MP + "9.1/discard-changes": (Verdict.FAIL, NO_OUTPUT),
    MP + "9.1/edit-errors": (Verdict.PASS, None),
    MP + "9.1/with-defaults": (Verdict.FAIL, NO_OUTPUT),
    # o-ran-file-management rpcs have no SIL: netconfd answers without their status output: FAIL is right.
    MP + "12/log-upload": (Verdict.FAIL, NO_OUTPUT),
    MP + "12/round-trip": (Verdict.FAIL, NO_OUTPUT),
    # the activation edit goes to candidate + commit (no :writable-running) and is accepted; no SIL, so no
    # measurement-result-stats notification ever comes: FAIL is right.
    MP + "10/rx-window": (Verdict.FAIL, "notification.timer"),
    # the activation with file-upload-interval is accepted (candidate + commit); retrieve-file-list of the PM
    # folder has no SIL: netconfd answers without its status and file list, so no result file: FAIL is right.
    MP + "10/result-file": (Verdict.FAIL, NO_OUTPUT),
    # o-ran-software-management's software-inventory is state: none without SIL, so the slots are absent.
    MP + "8/software-update": (Verdict.FAIL, NO_OUTPUT),
    # configuration only: edited through candidate + commit, read back, cross-checked with the CU-plane
    # profile and removed again -- netconfd does all of it.
    MP + "9.1/uplane-readback": (Verdict.PASS, None),
}

pytestmark = pytest.mark.skipif(netconfd_server.unavailable() is not None,
                                reason=f"netconfd interop: {netconfd_server.unavailable()}")


def _profiles(srv: netconfd_server.NetconfdServer, folder: Path) -> tuple[Path, Path]:
    """DUT and lab profiles for netconfd as a lab would write them: its hello's capabilities (no
    :writable-running), key authentication, the simulator lab's PIXIT and fronthaul profile."""
    dut = folder / "dut-netconfd.yaml"
    dut.write_text((ROOT / "fixtures" / "profiles" / "dut-sim-o-ru.yaml").read_text()
                   .replace("name: sim-o-ru", "name: netconfd-yuma123")
                   .replace("model: built-in O-RU M-plane simulator", "model: netconfd (yuma123) 2.13")
                   .replace("simulator: o-ru ", f"endpoints: {{mplane: {srv.host}:{srv.port}}}  # real equipment;")
                   .replace("writable-running:1.0, ", ""))
    (folder / "host_key.pub").write_text(srv.host_key_line + "\n")
    shutil.copy(ROOT / "fixtures" / "profiles" / "lab-fronthaul-sim-o-ru.yaml", folder)
    lab = folder / "lab-netconfd.yaml"
    lab.write_text(f"""name: netconfd-conf-suite
site: local
operator: ci
mode: live
transport:
  kind: netconf-ssh
timers:
  expect: 8
  guard: 30
pixit:
  supervision_interval: 1
  supervision_guard: 1
  supervision_wait: 3.5
  supervision_end_wait: 4.5
mplane:
  username: {srv.username}
  key_file: {srv.client_key}
  known_host_key_file: host_key.pub
  timeout: 15
  fronthaul_profile: lab-fronthaul-sim-o-ru.yaml
adapter:
  kind: command
  commands:
    raise-alarm: "echo netconfd has no fault instrumentation >&2; exit 1"
""")
    return dut, lab


def _cases() -> list[tuple[Path, str]]:
    return [(f, tc["id"]) for f in sorted(SPECS.glob("*.yaml")) for tc in yaml.safe_load(f.read_text())["testcases"]]


def test_expected_table_covers_the_whole_suite():
    assert sorted(EXPECTED) == sorted(tid for _, tid in _cases())


def _run(spec: Path, tid: str, folder: Path):
    with netconfd_server.running(folder / "srv", MODULES) as srv:
        dut, lab = _profiles(srv, folder)
        session = HarnessSession(Options(dut, lab, "live", None, folder / "res", ROOT / "testcases"))
        try:
            tc = next(t for t in session.load(spec).testcases if t.id == tid)
            assert session.applicable(tc) == (True, "")
            return session.run(tc)
        finally:
            session.finish()


@pytest.mark.parametrize(("spec", "tid"), _cases(), ids=[tid.split(":", 1)[1] for _, tid in _cases()])
def test_case_against_netconfd_with_the_oran_modules(spec, tid, tmp_path):
    verdict, check = EXPECTED[tid]
    result = _run(spec, tid, tmp_path)
    lines = [f.line() for f in result.findings]
    assert result.verdict == verdict, lines
    bad = [f for f in result.findings if f.verdict >= Verdict.INCONC]
    # never the server falling over or the harness failing to learn its modules
    assert not [f for f in bad if f.check in ("mplane.yang", "rpc.reply", "connect.hello")], lines
    if check is not None:        # the first finding that set the verdict
        assert next(f for f in bad if f.verdict == verdict).check == check, lines
    if "edit-config" in spec.read_text() and spec.name in ("uplane.yaml", "pm.yaml"):
        # edit-config naming no datastore: candidate + commit, as netconfd offers no :writable-running
        three = [f for f in result.findings if f.check == "rpc.three-phase"]
        assert three and "O-RAN.WG4.MP.0 v08.00 9.1" in (three[0].clause or ""), lines
