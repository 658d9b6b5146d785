"""Our NETCONF client and M-plane suite against an independent server: Debian's netconfd (yuma123).

netconfd implements NETCONF, not the O-RAN YANG modules, so the suite cases
that apply wholly (3.1.1.2, refused credentials) must PASS, and those that
need O-RAN modules must FAIL at exactly the O-RAN step, after the NETCONF
steps before it passed: the harness judges another implementation correctly.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lxml import etree

from harness.interfaces.mplane import client as mc
from harness.interfaces.mplane import yang
from harness.session import HarnessSession, Options
from harness.core.verdict import Verdict
from tests.mplane import netconfd_server

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "testcases" / "wg4-conf" / "mplane"
MON = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
GET_SESSIONS = (f'<get xmlns="{mc.NC}"><filter type="subtree"><netconf-state xmlns="{MON}"><sessions/>'
                '</netconf-state></filter></get>')
SUBSCRIBE = '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>'

pytestmark = pytest.mark.skipif(netconfd_server.unavailable() is not None,
                                reason=f"netconfd interop: {netconfd_server.unavailable()}")


@pytest.fixture
def server(tmp_path_factory):
    """One netconfd per test: netconfd 2.13 segfaults (libyumancx) after a few dozen get-schema
    requests, and each harness session learns the server's modules by get-schema once."""
    with netconfd_server.running(tmp_path_factory.mktemp("netconfd")) as srv:
        yield srv


def _target(srv, key=None) -> mc.SshTarget:
    return mc.SshTarget(srv.host, srv.port, srv.username, None, key or srv.host_key_line, 15.0, str(srv.client_key))


def test_hello_subtree_get_and_subscription(server):
    client = mc.MplaneClient().connect(_target(server))
    try:
        caps = client.server_capabilities
        assert {mc.BASE_10, mc.BASE_11, "urn:ietf:params:netconf:capability:notification:1.0"} <= set(caps)
        reply = client.rpc(GET_SESSIONS)
        assert not reply.errors, reply.xml
        state = reply.element.find(f"{{{mc.NC}}}data/{{{MON}}}netconf-state")
        assert [etree.QName(c).localname for c in state] == ["sessions"]          # the filter was applied
        ids = [s.findtext(f"{{{MON}}}session-id") for s in state.iter(f"{{{MON}}}session")]
        assert client.session_id in ids
        assert client.rpc(SUBSCRIBE).ok
        assert client.rpc(SUBSCRIBE).errors                                        # one per session (RFC 5277)
    finally:
        client.close()
    kinds = [(f.direction, f.kind) for f in client.frames]
    assert kinds.count(("sent", "rpc")) == 4 and kinds.count(("received", "rpc-reply")) == 4


def test_wrong_known_host_key_is_refused(server, tmp_path):
    from harness.interfaces.mplane.sim.hostkey import fresh_key, public_line
    with pytest.raises(mc.HostKeyMismatch, match=r"SSH host key mismatch: the server offered a key with MD5"):
        mc.MplaneClient().connect(_target(server, key=public_line(fresh_key())))


def _profiles(srv, folder: Path, declare: str = "") -> tuple[Path, Path]:
    dut = folder / "dut-netconfd.yaml"
    dut.write_text((ROOT / "fixtures" / "profiles" / "dut-sim-o-ru.yaml").read_text()
                   .replace("name: sim-o-ru", "name: netconfd-yuma123")
                   .replace("model: built-in O-RU M-plane simulator", "model: netconfd (yuma123) 2.13")
                   .replace("simulator: o-ru ", f"endpoints: {{mplane: {srv.host}:{srv.port}}}  # real equipment;")
                   .replace("writable-running:1.0, ", declare))      # netconfd: candidate only
    (folder / "host_key.pub").write_text(srv.host_key_line + "\n")
    lab = folder / "lab-netconfd.yaml"
    lab.write_text(f"""name: netconfd-interop
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
mplane:
  username: {srv.username}
  key_file: {srv.client_key}
  known_host_key_file: host_key.pub
  timeout: 15
adapter:
  kind: manual
""")
    return dut, lab


def test_suite_cases_against_netconfd(server, tmp_path):
    dut, lab = _profiles(server, tmp_path)
    session = HarnessSession(Options(dut, lab, "live", None, tmp_path / "res", ROOT / "testcases"))
    try:
        cases = {tc.id.rsplit(":", 1)[1]: tc for f in ("handshake.yaml", "subscription.yaml")
                 for tc in session.load(SPECS / f).testcases}
        refused = session.run(cases["3.1.1.2"])
        subscription = session.run(cases["3.1.1.3"])
    finally:
        session.finish()
    assert refused.verdict == Verdict.PASS, [f.line() for f in refused.findings]
    assert [f.check for f in refused.findings] == ["connect.auth-refused"] * 2
    checks = [(f.verdict, f.check) for f in subscription.findings]
    # the connect step learns netconfd's modules by get-schema, then create-subscription is accepted
    assert checks[:3] == [(Verdict.PASS, "hello"), (Verdict.PASS, "yang.modules"), (Verdict.PASS, "expect-reply")], \
        checks
    # netconfd has no o-ran-supervision module: the watchdog reset that would make it send the
    # notification is refused, so the case cannot reach its purpose -- INCONC, not the O-RU's FAIL.
    bad = [f for f in subscription.findings if f.verdict >= Verdict.INCONC]
    assert subscription.verdict == Verdict.INCONC and bad[0].check == "reply.rpc-error", checks
    assert "precondition not met: " in bad[0].message and "the O-RU answered rpc-error" in bad[0].message
    assert (tmp_path / "res" / "tests" / "O-RAN.WG4.CONF.0-v04.00_3.1.1.3"
            / "O-RAN.WG4.CONF.0-v04.00_3.1.1.3.pcapng").stat().st_size > 0


def test_operation_set_against_netconfd(server, tmp_path):
    """candidate.yaml on an independent server that offers candidate, confirmed-commit, validate and
    with-defaults but not the O-RAN modules: the NETCONF-only case PASSes; the others pass their NETCONF
    steps and FAIL where the O-RAN leaf is edited (netconfd: unknown-namespace), never before."""
    dut, lab = _profiles(server, tmp_path)
    session = HarnessSession(Options(dut, lab, "live", None, tmp_path / "res", ROOT / "testcases"))
    try:
        cases = {tc.id.rsplit("/", 1)[1]: tc for tc in session.load(SPECS / "candidate.yaml").testcases}
        results = {n: session.run(cases[n]) for n in ("lock-denied", "candidate-commit", "discard-changes")}
    finally:
        session.finish()
    locked = results["lock-denied"]
    assert locked.verdict == Verdict.PASS, [f.line() for f in locked.findings]
    for name in ("candidate-commit", "discard-changes"):
        r = results[name]
        bad = [f for f in r.findings if f.verdict >= Verdict.INCONC]
        assert r.verdict in (Verdict.FAIL, Verdict.INCONC), (name, [f.line() for f in r.findings])
        assert "unknown-namespace" in bad[0].message, (name, bad[0].line())


def test_declared_capability_missing_from_netconfd_hello_is_a_finding(server, tmp_path):
    dut, lab = _profiles(server, tmp_path, declare="writable-running:1.0, ")
    session = HarnessSession(Options(dut, lab, "live", None, tmp_path / "res", ROOT / "testcases"))
    try:
        tc = next(t for t in session.load(SPECS / "candidate.yaml").testcases if t.id.endswith("/lock-denied"))
        result = session.run(tc)
    finally:
        session.finish()
    bad = [f for f in result.findings if f.verdict >= Verdict.INCONC]
    assert bad[0].check == "hello.declared" and "writable-running:1.0" in bad[0].message, bad[0].line()


def test_confirmed_commit_rollback_and_with_defaults_on_netconfd(server):
    """Our rpc bodies as an independent server reads them: a confirmed commit of a NACM leaf rolls back
    after its timeout, report-all adds the default leaves, cancel-commit with nothing pending is refused."""
    nacm = "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
    wd = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults"
    get = (f'<get-config xmlns="{mc.NC}"><source><running/></source><filter type="subtree"><nacm xmlns="{nacm}"/>'
           f'</filter>{{}}</get-config>')
    client = mc.MplaneClient().connect(_target(server))
    try:
        edit = (f'<edit-config xmlns="{mc.NC}"><target><candidate/></target><config><nacm xmlns="{nacm}">'
                '<enable-external-groups>false</enable-external-groups></nacm></config></edit-config>')
        assert client.rpc(edit).ok
        assert client.rpc(f'<commit xmlns="{mc.NC}"><confirmed/><confirm-timeout>1</confirm-timeout></commit>').ok
        assert "<enable-external-groups>false<" in client.rpc(get.format("")).xml
        time.sleep(2.5)
        explicit = client.rpc(get.format("")).xml       # basic-mode explicit: only leaves someone set
        assert "enable-external-groups" not in explicit, explicit                  # rolled back to unset
        full = client.rpc(get.format(f'<with-defaults xmlns="{wd}">report-all</with-defaults>')).xml
        assert "<enable-external-groups>true<" in full and "<write-default>deny<" in full, full   # the defaults
        assert client.rpc(f'<cancel-commit xmlns="{mc.NC}"/>').errors                 # nothing pending
    finally:
        client.close()


def test_netconfds_modules_load_by_get_schema_and_its_replies_validate(server):
    """YANG validation against an independent server: netconfd's own modules, fetched by get-schema,
    load into libyang, and its get / get-config replies validate against them."""
    client = mc.MplaneClient().connect(_target(server))
    try:
        refs = yang.announced(client.server_capabilities)

        def fetch(ref):
            reply = client.rpc(yang.get_schema_rpc(ref))
            return None if reply.errors else yang.schema_text(reply.element)
        lib = yang.load(refs, fetch, None)
        assert "ietf-netconf-monitoring" in lib.loaded and lib.sources["ietf-netconf-monitoring"] == "get-schema"
        assert lib.namespaces["ncm"] == MON
        sessions = client.rpc(GET_SESSIONS)
        assert lib.check_data(sessions.element.find(f"{{{mc.NC}}}data"), config_only=False) == [], lib.summary()
        config = client.rpc(f'<get-config xmlns="{mc.NC}"><source><running/></source></get-config>')
        assert lib.check_data(config.element.find(f"{{{mc.NC}}}data"), config_only=True) == [], lib.summary()
    finally:
        client.close()
