"""HTTP steps: load-time errors with file:line, lab faults as ERROR, secrets never recorded,
and a pcapng that tshark dissects as HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from harness.session import HarnessSession, Options
from harness.spec.errors import SpecError
from harness.spec.loader import load_spec_file

ROOT = Path(__file__).resolve().parents[2]
RIC = ROOT / "fixtures/profiles/dut-sim-a1-ric.yaml"
CASE = """\
testcases:
  - id: A1TS-v02.00:6.2.1
    title: t
    interface: near-rt-ric.a1
    dut: near-rt-ric
    status: mandatory
    steps:
{steps}
"""


def _load(tmp_path, steps: str):
    f = tmp_path / "x.yaml"
    f.write_text(CASE.format(steps=textwrap.indent(textwrap.dedent(steps), "      ")))
    return load_spec_file(f)


def _error(tmp_path, steps: str) -> str:
    with pytest.raises(SpecError) as err:
        _load(tmp_path, steps)
    return str(err.value).replace(str(tmp_path) + "/", "")


def test_bad_method_names_the_line(tmp_path):
    assert _error(tmp_path, "- request: {method: GOT, path: /x}\n  expect: {status: 200}\n").startswith(
        "x.yaml:8: 'GOT' is not an HTTP method (did you mean GET?)")


def test_unknown_schema_and_missing_expect(tmp_path):
    text = _error(tmp_path, "- request: GET /x\n  expect: {status: 200, schema: ProblemDetail}\n")
    assert "unknown JSON Schema 'ProblemDetail' (did you mean ProblemDetails?)" in text
    text = _error(tmp_path, "- request: GET /x\n")
    assert "a request step needs 'expect'" in text


def test_e2_steps_are_not_a1_steps(tmp_path):
    text = _error(tmp_path, "- send: E2setupRequest\n")
    assert "a step needs one of: request, expect-request, respond, restart, recover, notification-retry" in text
    assert "found 'send'" in text


def test_request_step_model(tmp_path):
    tc = _load(tmp_path, "- request: GET /A1-P/v2/policytypes\n  expect: {status: [200, 204]}\n"
                         "  save: {ids: body}\n").testcases[0]
    step = tc.steps[0]
    assert (tc.protocol, tc.harness_role, step.method, step.expect.status, step.save) == (
        "a1", "non-rt-ric", "GET", (200, 204), {"ids": "body"})


def _lab(tmp_path, a1: str) -> Path:
    lab = tmp_path / "lab.yaml"
    lab.write_text(textwrap.dedent("""\
        name: t
        mode: sim
        timers: {expect: 3, guard: 15}
        adapter: {kind: simulator}
        """) + a1)
    return lab


def _session(tmp_path, lab: Path, mode="sim") -> HarnessSession:
    return HarnessSession(Options(RIC, lab, mode, None, tmp_path / "res", ROOT / "testcases"))


def test_bearer_token_is_used_and_never_recorded(tmp_path, monkeypatch):
    secret = "s3cr3t-T0KEN-value-xyz"
    monkeypatch.setenv("A1_TEST_TOKEN", secret)
    session = _session(tmp_path, _lab(tmp_path, "a1: {auth: {bearer_token_env: A1_TEST_TOKEN}}\n"))
    tc = next(t for t in session.load(ROOT / "testcases/a1ts/near-rt-ric/policies.yaml").testcases
              if t.id == "A1TS-v02.00:6.2.3")
    result = session.run(tc)
    session.finish()
    assert result.verdict.name == "PASS"            # the simulator refuses requests without the token
    written = b"".join(p.read_bytes() for p in (tmp_path / "res").rglob("*") if p.is_file())
    assert secret.encode() not in written
    exchange = json.loads(next((tmp_path / "res").rglob("exchange.json")).read_text())
    assert ["Authorization", "Bearer <redacted>"] in exchange[0]["headers"]


def test_missing_token_variable_is_a_session_error(tmp_path):
    from harness.session import SessionError
    with pytest.raises(SessionError, match="environment variable A1_NOT_SET_ANYWHERE is not set"):
        _session(tmp_path, _lab(tmp_path, "a1: {auth: {bearer_token_env: A1_NOT_SET_ANYWHERE}}\n"))


def test_connection_refused_is_error_not_fail(tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                     # nothing listens there now
    lab = _lab(tmp_path, "").read_text().replace("mode: sim", "mode: live")
    (tmp_path / "lab.yaml").write_text(lab.replace("adapter: {kind: simulator}", "adapter: {kind: manual}"))
    dut = tmp_path / "dut.yaml"          # real equipment (no simulator:) at a port nothing listens on
    dut.write_text("\n".join(x for x in RIC.read_text().splitlines() if not x.startswith("simulator:"))
                   + f"\nendpoints: {{a1: 'http://127.0.0.1:{port}'}}\n")
    session = HarnessSession(Options(dut, tmp_path / "lab.yaml", "live", None, tmp_path / "res", ROOT / "testcases"))
    tc = session.load(ROOT / "testcases/a1ts/near-rt-ric/policy-types.yaml").testcases[0]
    result = session.run(tc)
    session.finish()
    assert result.verdict.name == "ERROR"
    assert result.findings[0].check == "http.lab"
    assert result.findings[0].message == (f"GET /A1-P/v2/policytypes: connection to 127.0.0.1:{port} refused "
                                          f"(is the DUT URL http://127.0.0.1:{port} right?)")


def test_tls_with_unknown_ca_is_error(tmp_path):
    from harness.interfaces.a1.testpki import make_test_pki
    from harness.http.client import HttpClient, HttpLabError, TlsConfig
    from harness.interfaces.a1.sim import A1RicSim, TlsServer
    pki = make_test_pki(tmp_path / "pki")
    sim = A1RicSim(tls=TlsServer(pki.server_cert, pki.server_key))
    sim.start()
    try:
        ok = HttpClient(sim.base_url, tls=TlsConfig(ca=pki.ca_file)).request("GET", "/A1-P/v2/policytypes")
        assert ok.response.status == 200
        with pytest.raises(HttpLabError, match="TLS handshake with 127.0.0.1:.* failed: CERTIFICATE_VERIFY_FAILED"):
            HttpClient(sim.base_url, tls=TlsConfig(ca=pki.other_ca_file)).request("GET", "/A1-P/v2/policytypes")
    finally:
        sim.stop()


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_pcapng_dissects_as_http(tmp_path):
    from harness.suite import run_suite
    run_suite(RIC, ROOT / "fixtures/profiles/lab-sim-fast.yaml", specs_root=ROOT / "testcases/a1ts", results=tmp_path)
    pcap = next(p for p in tmp_path.rglob("*.pcapng") if "6.2.6" in p.name)
    out = subprocess.run(["tshark", "-r", str(pcap), "-Y", "http", "-T", "fields", "-e", "http.request.method",
                          "-e", "http.response.code"], capture_output=True, text=True, timeout=60).stdout.split("\n")
    assert [line.strip() for line in out if line.strip()] == ["DELETE", "404", "PUT", "201", "PUT", "200", "GET", "200"]
