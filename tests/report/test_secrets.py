"""Secrets stay out of evidence: no password, token or cookie in any file a lab signs and sends.

Real runs (the CLI against the built-in O-RU and A1 Near-RT RIC) with one lab profile that holds
an M-plane password in plain text and names a bearer token by environment variable; then the
joint report of both, and `analyze` of a capture whose HTTP carries a token and cookies. Every
file is searched byte for byte, pcapng included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.core.redact import REDACTED, redact_data, redact_text
from harness.evidence.pcapng import PcapngWriter
from harness.evidence.tcpflow import TcpFlow
from tests.report.pdf_text import pdf_text

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
PASSWORD = "pw-5e0b91-SECRET-mplane"
TOKEN = "tok-77c2d0-SECRET-a1"
COOKIE = "sid-3f9a11-SECRET-cookie"
SECRETS = (PASSWORD.encode(), TOKEN.encode(), COOKIE.encode())


def _leaks(folder: Path) -> list[str]:
    return [f"{p.relative_to(folder)}: {s.decode()}" for p in sorted(folder.rglob("*")) if p.is_file()
            for s in SECRETS if s in p.read_bytes()]


def _lab(tmp: Path) -> Path:
    text = (PROFILES / "lab-sim-mplane.yaml").read_text().replace("password: oran-sim", f"password: {PASSWORD}")
    assert PASSWORD in text
    lab = tmp / "lab-secrets.yaml"
    lab.write_text(text + "a1:\n  auth: {bearer_token_env: A1_TOKEN}\n")
    return lab


def _run(out: Path, dut: str, spec: str, lab: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "--results", str(out), spec,
                           "--dut", str(PROFILES / dut), "--lab", str(lab)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "A1_TOKEN": TOKEN})
    assert (out / "summary.json").exists(), done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, list[subprocess.CompletedProcess]]:
    tmp = tmp_path_factory.mktemp("secrets")
    lab = _lab(tmp)
    done = [_run(tmp / "mplane", "dut-sim-o-ru.yaml", "testcases/wg4-conf/mplane/handshake.yaml", lab),
            _run(tmp / "a1", "dut-sim-a1-ric.yaml", "testcases/a1ts/near-rt-ric/policy-types.yaml", lab)]
    return tmp, done


def test_no_secret_in_any_file_of_the_results(runs):
    tmp, done = runs
    for name in ("mplane", "a1"):
        folder = tmp / name
        assert any(p.suffix == ".pcapng" for p in folder.rglob("*")), name
        assert _leaks(folder) == [], name
    assert b"Bearer " + REDACTED.encode() in b"".join(p.read_bytes() for p in (tmp / "a1").rglob("*.pcapng"))
    assert f'"password": "{REDACTED}"' in (tmp / "mplane" / "run.json").read_text()   # it was there, and hidden
    assert '"bearer_token_env": "A1_TOKEN"' in (tmp / "a1" / "run.json").read_text()  # the reference stays
    for d in done:
        assert not any(s.decode() in d.stdout + d.stderr for s in SECRETS)


def test_no_secret_in_the_joint_report(runs):
    tmp, _ = runs
    report = tmp / "report" / "report.html"
    assert main(["report", "build", str(tmp / "mplane"), str(tmp / "a1"), "-o", str(report)]) == 0
    html, pdf = report.read_text(), pdf_text(report.with_suffix(".pdf").read_bytes())
    assert "handshake" in html.lower() or "A1TS" in html                 # the report has content
    for secret in SECRETS:
        assert secret.decode() not in html and secret.decode() not in pdf
        assert secret not in report.with_suffix(".pdf").read_bytes()


def _capture(path: Path) -> Path:
    """A1 traffic as a lab would capture it: a bearer token and a cookie sent, a cookie set."""
    get = (f"GET /A1-P/v2/policytypes?access_token={TOKEN} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
           f"Cookie: session={COOKIE}; theme=dark\r\n\r\n").encode()
    body = b'["ORAN_QoSTarget_2.0.0"]'
    ok = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nSet-Cookie: session={COOKIE}; HttpOnly\r\n"
          f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with PcapngWriter(path, comment="A1 capture with credentials") as w:
        flow = TcpFlow(w, ("10.0.0.1", 40000), ("10.0.0.2", 8080), client="local", time=1000.0)
        flow.send(get, direction="sent", time=1000.01)
        flow.send(ok, direction="received", time=1000.02)
        flow.close(time=1000.03)
    assert TOKEN.encode() in path.read_bytes() and COOKIE.encode() in path.read_bytes()
    return path


def test_analyze_writes_no_token_or_cookie(tmp_path, capsys):
    cap = _capture(tmp_path / "creds.pcapng")
    out = tmp_path / "analyzed"
    main(["analyze", str(cap), "--specs", str(ROOT / "testcases/a1ts"), "--dut", str(PROFILES / "dut-sim-a1-ric.yaml"),
          "--lab", str(PROFILES / "lab-sim-fast.yaml"), "--results", str(out)])
    printed = capsys.readouterr()
    assert "A1TS" in printed.out                                          # it judged something
    exchanges = list(out.rglob("exchange.json"))
    assert exchanges and _leaks(out) == []
    assert not any(s.decode() in printed.out + printed.err for s in SECRETS)
    headers = {tuple(h) for p in exchanges for e in json.loads(p.read_text()) for h in e.get("headers", [])}
    assert {("Authorization", f"Bearer {REDACTED}"), ("Cookie", REDACTED), ("Set-Cookie", REDACTED)} <= headers


def test_redaction_rules():
    assert redact_data({"mplane": {"password": "x", "password_env": "PW"}, "auth": {"bearer_token_file": "/t"},
                        "tls": {"key": "pki/k.pem"}, "token_source": "file /t", "api_key": ""}) == {
        "mplane": {"password": REDACTED, "password_env": "PW"}, "auth": {"bearer_token_file": "/t"},
        "tls": {"key": "pki/k.pem"}, "token_source": "file /t", "api_key": ""}
    assert redact_text("curl -H 'Authorization: Bearer abc' https://u:pw@h/x?access_token=t&a=1") == \
        f"curl -H 'Authorization: Bearer {REDACTED}' https://u:{REDACTED}@h/x?access_token={REDACTED}&a=1"
    assert redact_text("Cookie: session=abc; theme=dark") == f"Cookie: {REDACTED}"
