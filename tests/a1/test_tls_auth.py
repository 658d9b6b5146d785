"""A1 over HTTPS with mutual TLS and an OAuth2 bearer token, end to end through the suite.

The lab profile fixture (fixtures/profiles/lab-sim-a1-tls.yaml) names PEM files under pki/; each
test copies it into tmp_path and generates that PKI there (harness/interfaces/a1/testpki.py), so no key is
ever in the repository. The simulator is started by the session with the lab's `a1.sim` TLS
material and the lab's token."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.interfaces.a1.testpki import make_test_pki
from harness.session import SessionError
from harness.suite import run_suite

ROOT = Path(__file__).resolve().parents[2]
RIC = ROOT / "fixtures/profiles/dut-sim-a1-ric.yaml"
NONRT = ROOT / "fixtures/profiles/dut-sim-a1-nonrt-ric.yaml"
TLS_LAB = ROOT / "fixtures/profiles/lab-sim-a1-tls.yaml"
SPECS = ROOT / "testcases/a1ts"
TOKEN = "tok-9f1c2e77-SECRET-a1"


def _lab(tmp_path: Path, edit=None) -> Path:
    make_test_pki(tmp_path / "pki")
    text = TLS_LAB.read_text()
    if edit:
        text = edit(text)
    lab = tmp_path / "lab.yaml"
    lab.write_text(text)
    return lab


def _grep_tree(folder: Path, needle: bytes) -> list:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_near_rt_ric_suite_over_mutual_tls_with_token(tmp_path, monkeypatch):
    monkeypatch.setenv("A1_TOKEN", TOKEN)
    lab = _lab(tmp_path)
    out = tmp_path / "results"
    run = run_suite(RIC, lab, specs_root=SPECS, results=out)
    ran = {o.id: o for o in run.outcomes if o.verdict != "NOT-APPLICABLE"}
    assert len(ran) == 13 and {o.verdict for o in ran.values()} == {"PASS"}, ran
    # https everywhere: the DUT's API and the callback the DUT notified
    assert b"https://127.0.0.1:" in (out / "tests/A1TS-v02.00_6.2.9/exchange.json").read_bytes()
    names = {p.name for p in out.rglob("*")}
    assert {"exchange.json", "junit.xml", "oran-results.json", "results.jsonl"} <= names
    assert any(n.endswith(".pcapng") for n in names)
    assert _grep_tree(out, TOKEN.encode()) == []                 # the token is nowhere in the results
    assert _grep_tree(out, b"Bearer <redacted>")                 # ... though it was sent


def test_wrong_ca_is_a_lab_error_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("A1_TOKEN", TOKEN)
    lab = _lab(tmp_path, lambda t: t.replace("tls: {ca: pki/ca.pem", "tls: {ca: pki/other-ca.pem"))
    run = run_suite(RIC, lab, specs_root=SPECS)
    o = next(x for x in run.outcomes if x.id == "A1TS-v02.00:6.2.1")
    assert (o.verdict, o.check) == ("ERROR", "http.lab")
    assert o.message.startswith("GET /A1-P/v2/policytypes: TLS handshake with 127.0.0.1:")
    assert "CERTIFICATE_VERIFY_FAILED" in o.message
    assert {x.verdict for x in run.outcomes if x.verdict != "NOT-APPLICABLE"} == {"ERROR"}


def test_client_certificate_is_required(tmp_path, monkeypatch):
    """Mutual TLS: without the harness's client certificate the simulator refuses the handshake."""
    monkeypatch.setenv("A1_TOKEN", TOKEN)
    lab = _lab(tmp_path, lambda t: t.replace(", cert: pki/client.pem, key: pki/client.key}", "}"))
    run = run_suite(RIC, lab, specs_root=SPECS)
    o = next(x for x in run.outcomes if x.id == "A1TS-v02.00:6.2.1")
    assert (o.verdict, o.check) == ("ERROR", "http.lab"), o
    assert o.message.startswith("GET /A1-P/v2/policytypes: ")
    assert "client certificate" in o.message


def test_token_missing_from_the_environment_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("A1_TOKEN", raising=False)
    lab = _lab(tmp_path)
    with pytest.raises(SessionError, match=r"a1\.auth\.bearer_token_env: environment variable A1_TOKEN is not set"):
        run_suite(RIC, lab, specs_root=SPECS)
    env = {k: v for k, v in os.environ.items() if k != "A1_TOKEN"}
    cp = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", str(SPECS), "--dut", str(RIC), "--lab",
                         str(lab), "--results", str(tmp_path / "r")], cwd=ROOT, env=env, capture_output=True,
                        text=True, timeout=120)
    assert cp.returncode != 0
    assert "ERROR: oran-harness:" in cp.stdout + cp.stderr
    assert "environment variable A1_TOKEN is not set" in cp.stdout + cp.stderr
    assert "Traceback" not in cp.stdout + cp.stderr


def test_nonrt_no_token_fault_fails_with_a_lab_that_has_auth(tmp_path, monkeypatch):
    monkeypatch.setenv("A1_TOKEN", TOKEN)
    lab = tmp_path / "lab.yaml"
    lab.write_text((ROOT / "fixtures/profiles/lab-sim-fast.yaml").read_text()
                   + "a1:\n  auth: {bearer_token_env: A1_TOKEN}\n")
    ok = run_suite(NONRT, lab, specs_root=SPECS, results=tmp_path / "ok")
    assert {o.verdict for o in ok.outcomes if o.verdict != "NOT-APPLICABLE"} == {"PASS"}, ok.outcomes
    bad = run_suite(NONRT, lab, fault="no-token", specs_root=SPECS, results=tmp_path / "bad")
    o = next(x for x in bad.outcomes if x.id == "A1TS-v02.00:5.2.1")
    assert (o.verdict, o.check) == ("FAIL", "http.auth"), o
    assert o.message == ("GET /A1-P/v2/policytypes: no Authorization header: the A1-P producer requires an "
                         "OAuth2 bearer token")
    assert _grep_tree(tmp_path, TOKEN.encode()) == []
