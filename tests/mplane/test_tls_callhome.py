"""NETCONF call home over TLS (IETF RFC 8071 clauses 3.1 / 4.1, RFC 7589 clause 3), end to end.

Real TLS over loopback between the harness (TLS client on the socket the O-RU opened) and the
O-RU simulator (TLS server with mutual X.509 authentication); the PKI is made per test in tmp_path
(harness/sim/testpki.py), as the A1 TLS tests do, so no key is in the repository.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import ssl
from pathlib import Path

import pytest
from ncclient import manager as nc_manager
from ncclient.transport import tls as nc_tls
from ncclient.transport.session import Session

from harness.core.verdict import Verdict
from harness.interfaces.mplane import client as mc
from harness.interfaces.mplane import tls_callhome
from harness.interfaces.mplane.sim.oru import OruConfig, OruSimulator
from harness.interfaces.mplane.sim.tlscallhome import SimTls
from harness.session import HarnessSession, Options, SessionError
from harness.sim.testpki import make_test_pki

ROOT = Path(__file__).resolve().parents[2]
DUT = ROOT / "fixtures/profiles/dut-sim-o-ru-tls-callhome.yaml"
LAB = ROOT / "fixtures/profiles/lab-sim-mplane-tls.yaml"
SPECS = ROOT / "testcases/wg4-conf/mplane"


def test_the_ncclient_internals_tls_call_home_relies_on_are_still_there():
    """tls_callhome.py replaces only TLSSession.connect's dialling: fail loudly the day ncclient moves."""
    assert importlib.metadata.version("ncclient") == "0.7.1"      # pinned in pyproject.toml for this reason
    assert list(inspect.signature(nc_tls.TLSSession.__init__).parameters) == ["self", "device_handler"]
    assert "timeout" in inspect.signature(Session._post_connect).parameters
    assert list(inspect.signature(nc_manager.Manager.__init__).parameters)[:4] == \
        ["self", "session", "device_handler", "timeout"]
    assert "device_params" in inspect.signature(nc_manager.make_device_handler).parameters
    assert isinstance(nc_tls.BUF_SIZE, int)
    connect = inspect.getsource(nc_tls.TLSSession.connect)       # what start_on() repeats after the handshake
    for line in ("self._host = host", "self._socket = ssl_sock", "self._connected = True", "self._post_connect()"):
        assert line in connect, line
    read = inspect.getsource(nc_tls.TLSSession._transport_read)
    assert "self._socket.recv(BUF_SIZE)" in read
    assert "self._socket" in inspect.getsource(nc_tls.TLSSession._transport_register)


def _profiles(tmp_path: Path, edit=None) -> tuple[Path, Path]:
    make_test_pki(tmp_path / "pki")
    text = LAB.read_text()
    lab = tmp_path / "lab.yaml"
    lab.write_text(edit(text) if edit else text)
    return DUT, lab


def _run(tmp_path: Path, fault=None, edit=None):
    dut, lab = _profiles(tmp_path, edit)
    session = HarnessSession(Options(dut, lab, "sim", fault, tmp_path / "res", ROOT / "testcases"))
    try:
        spec = session.load(SPECS / "handshake.yaml")
        return session.run(next(tc for tc in spec.testcases if tc.id.endswith(":3.1.1.1")))
    finally:
        session.finish()


def test_call_home_over_tls_passes_with_the_hello_in_the_evidence(tmp_path):
    result = _run(tmp_path)
    assert result.verdict == Verdict.PASS, [f.line() for f in result.findings]
    folder = next((tmp_path / "res" / "tests").iterdir())
    exchange = json.loads((folder / "exchange.json").read_text())
    called = [e for e in exchange if "handshake.yaml:19" in e["step"]]
    assert [(e["direction"], e["message"]) for e in called] == [("sent", "hello"), ("received", "hello")]
    assert any(p.suffix == ".pcapng" and p.stat().st_size > 0 for p in folder.iterdir())


def test_an_o_ru_certificate_the_lab_ca_did_not_sign_fails_call_home_with_both_rfcs(tmp_path):
    result = _run(tmp_path, fault="tls-wrong-cert")
    bad = [f for f in result.findings if f.verdict >= Verdict.FAIL]
    assert result.verdict == Verdict.FAIL, [f.line() for f in result.findings]
    assert bad[0].check == "connect.call-home", bad[0].line()
    assert "certificate was not verified against the lab's CA" in bad[0].message
    assert "127.0.0.1:" in bad[0].message and "\n" not in bad[0].message and "Traceback" not in bad[0].message
    assert "IETF RFC 8071 4.1" in bad[0].clause and "IETF RFC 7589 3" in bad[0].clause


def test_a_missing_tls_key_file_stops_the_session_naming_the_key(tmp_path):
    with pytest.raises(SessionError) as info:
        _run(tmp_path, edit=lambda t: t.replace("key: pki/client.key", "key: pki/nowhere.key"))
    assert "mplane.tls.key:" in str(info.value) and "nowhere.key is not a file" in str(info.value)


def test_call_home_tls_without_the_lab_tls_material_is_refused_at_session_start(tmp_path):
    with pytest.raises(SessionError) as info:
        _run(tmp_path, edit=lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("  tls:")))
    assert "the DUT profile says call_home: tls; give tls: {ca, cert, key}" in str(info.value)


def test_unloadable_tls_material_is_a_lab_error_not_a_peer_failure(tmp_path):
    pki = make_test_pki(tmp_path / "pki")
    bad = tls_callhome.TlsMaterial(str(pki.ca_file), str(pki.client_cert), str(pki.server_key))  # key of another cert
    with pytest.raises(mc.LabError) as info:
        tls_callhome.client_context(bad)
    assert "mplane.tls.cert/key: cannot load" in str(info.value)


def test_an_o_ru_that_refuses_the_harness_certificate_ends_the_session_as_a_peer_error(tmp_path):
    """The O-RU trusts another CA: the harness's certificate is refused, a one-line PeerError (FAIL), no hang."""
    pki = make_test_pki(tmp_path / "pki")
    listener = mc.CallHomeListener("127.0.0.1", 0)
    sim = OruSimulator(OruConfig(tls=SimTls(str(pki.server_cert), str(pki.server_key), str(pki.other_ca_file)),
                                 call_home=("127.0.0.1", listener.port), hello_timeout=2.0)).start()
    try:
        target = mc.SshTarget("127.0.0.1", 0, "oran", "x", "ssh-ed25519 AAAA", 3.0)
        with pytest.raises(mc.PeerError) as info:
            tls_callhome.accept(listener, target, 5.0,
                                tls_callhome.TlsMaterial(str(pki.ca_file), str(pki.client_cert), str(pki.client_key)))
        assert "127.0.0.1:" in str(info.value) and "\n" not in str(info.value)
    finally:
        listener.close()
        sim.stop()


def test_large_replies_cross_tls_whole(tmp_path):
    """Replies longer than one TLS record and ncclient's read size arrive (pending TLS data is drained)."""
    pki = make_test_pki(tmp_path / "pki")
    listener = mc.CallHomeListener("127.0.0.1", 0)
    sim = OruSimulator(OruConfig(tls=SimTls(str(pki.server_cert), str(pki.server_key), str(pki.ca_file)),
                                 call_home=("127.0.0.1", listener.port))).start()
    client = None
    try:
        target = mc.SshTarget("127.0.0.1", 0, "oran", "x", "ssh-ed25519 AAAA", 5.0)
        client = tls_callhome.accept(listener, target, 5.0, tls_callhome.TlsMaterial(
            str(pki.ca_file), str(pki.client_cert), str(pki.client_key), server_name="localhost"))
        assert mc.BASE_11 in client.server_capabilities
        for i in range(60):                        # ~40 kB of alarms: several TLS records per reply
            sim.trigger("raise-alarm", {"fault_id": i + 1, "text": f"alarm {i} " + "x" * 600})
        reply = client.rpc(f'<get xmlns="{mc.NC}"/>', timeout=5.0)
        assert not reply.errors and len(reply.xml) > 20000, len(reply.xml)
        assert isinstance(client.budget._sock, ssl.SSLSocket)
        assert client.connection is not None and client.connection.call_home
    finally:
        if client is not None:
            client.close()
        listener.close()
        sim.stop()
    assert not sim.errors, sim.errors


def test_a_misspelt_tls_key_is_refused_with_its_line(tmp_path):
    with pytest.raises(SessionError) as info:
        _run(tmp_path, edit=lambda t: t.replace("key: pki/client.key}", "keyfile: pki/client.key}"))
    text = str(info.value)
    assert "lab.yaml:" in text and "mplane.tls.keyfile" in text, text
