"""Hostile results folders (issue 16): symlinks out of the folder, one bad value or file, control
characters in names. Each is a folder crafted by hand and fed to the real CLI in a subprocess:
no traceback, a warning naming the file and the problem, the report still built, nothing
outside the folder read or copied, no raw ESC on the terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.core.terminal import safe
from tests.report.runs import ROOT, finding, handmade

PASS_ID = "E2TS-R003-v02.00:5.2.1.2.1"
ESC = "\x1b[2K\x1b[1A"


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], capture_output=True,
                          cwd=ROOT, timeout=180)


def _text(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    return proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def _folder(tmp: Path, row: dict | None = None, exchange: str | bytes | None = None) -> Path:
    """One test row (PASS unless `row` says otherwise), with an exchange.json of the given content."""
    fields = {"id": PASS_ID, "verdict": "PASS", "oran": "PASS",
              "findings": [finding("PASS", "expect.match", "TransactionID matches")], **(row or {})}
    if exchange is not None:
        fields["exchange"] = "tests/t1/exchange.json"
    folder = handmade(tmp, [fields])
    if exchange is not None:
        (folder / "tests" / "t1").mkdir(parents=True)
        data = exchange.encode() if isinstance(exchange, str) else exchange
        (folder / "tests" / "t1" / "exchange.json").write_bytes(data)
    return folder


def _indication(value: str) -> str:
    """One KPM RIC Indication whose measurement value is `value` (JSON text: NaN, Infinity, ...)."""
    return ('[{"index": 1, "direction": "received", "time": 1.0, "message": "RICindication", "decoded": '
            '{"measData": [{"measRecord": [{"real": ' + value + '}]}], "measInfoList": '
            '[{"measType": {"measName": "DRB.UEThpDl"}}], "granulPeriod": 1000}}]')


def _set_run_json(folder: Path, data: bytes) -> None:
    (folder / "run.json").write_bytes(data)


# (name, how to spoil the folder, what the warning says)
BAD = {
    "huge timestamp": (lambda t: _folder(t, {"started": 10 ** 400}), "'started': 1000000000"),
    "huge message time": (lambda t: _folder(t, exchange='[{"index": 1, "direction": "sent", "time": 1e999}]'),
                          None),
    "number where a list belongs": (lambda t: _folder(t, {"tags": 5, "expected": 7}),
                                    "'tags': expected a list, found int"),
    "evidence not a list": (lambda t: _folder(t, {"findings": [finding("PASS", "x", "y", evidence=3)]}),
                            "finding 'evidence': expected a list, found int"),
    "100k-deep exchange": (lambda t: _folder(t, exchange="[" * 100_000 + "]" * 100_000),
                           "exchange.json: not readable JSON: nested too deep"),
    "non-UTF-8 exchange": (lambda t: _folder(t, exchange=b'[{"index": 1, "step": "\xff\xfe"}]'),
                           "exchange.json: not UTF-8 text (byte 23)"),
    "NaN KPM value": (lambda t: _folder(t, exchange=_indication("NaN")), None),
    "infinite KPM value": (lambda t: _folder(t, exchange=_indication("-Infinity")), None),
    "exchange message index a list": (lambda t: _folder(t, exchange='[{"index": [1], "time": "x"}]'), None),
    "exchange of the wrong shape": (
        lambda t: _folder(t, exchange='[{"message": "RICindication", "decoded": {"measData": 5}}]'),
        "exchange.json: evidence not shown (TypeError"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_one_bad_value_is_a_warning_and_the_report_is_built(name, tmp_path):
    make, warning = BAD[name]
    folder = make(tmp_path)
    out = tmp_path / "report.html"
    proc = cli("report", "build", str(folder), "-o", str(out), "--no-pdf")
    stdout, stderr = _text(proc)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr and out.is_file()
    if warning:
        line = next(x for x in stderr.splitlines() if warning in x)
        assert line.startswith("warning: ") and str(folder) in line
    assert PASS_ID in out.read_text()


def test_non_utf8_run_json_is_a_warning(tmp_path):
    folder = _folder(tmp_path)
    meta = json.loads((folder / "run.json").read_text())
    meta["operator_note"] = "PLACEHOLDER"
    _set_run_json(folder, json.dumps(meta).replace("PLACEHOLDER", "caf\\u00e9").encode()
                  .replace(b"caf\\u00e9", b"caf\xe9"))
    out = tmp_path / "report.html"
    proc = cli("report", "build", str(folder), "-o", str(out), "--no-pdf")
    _, stderr = _text(proc)
    assert proc.returncode == 0 and out.is_file() and "Traceback" not in stderr
    assert f"warning: {folder / 'run.json'}: not UTF-8 text" in stderr


def test_deep_run_json_is_one_error_line(tmp_path):
    folder = _folder(tmp_path)
    _set_run_json(folder, b"[" * 100_000 + b"]" * 100_000)
    proc = cli("report", "build", str(folder), "-o", str(tmp_path / "r.html"), "--no-pdf")
    _, stderr = _text(proc)
    assert proc.returncode == 2 and "Traceback" not in stderr
    assert stderr.strip() == f"error: {folder / 'run.json'}: not readable JSON: nested too deep"


# --- symlinks: never followed out of a results folder ------------------------------------------

@pytest.fixture()
def secret(tmp_path) -> Path:
    key = tmp_path / "private.key"
    key.write_text("-----BEGIN PRIVATE KEY----- the reviewer's own key")
    return key


def test_merge_does_not_copy_a_symlinked_file(tmp_path, secret):
    folder = _folder(tmp_path / "lab")
    (folder / "tests").mkdir(exist_ok=True)
    (folder / "tests" / "notes.txt").symlink_to(secret)
    (folder / "etc").symlink_to("/etc")
    joint = tmp_path / "joint"
    proc = cli("report", "merge", str(folder), "-o", str(joint), "--no-pdf")
    stdout, stderr = _text(proc)
    assert proc.returncode == 0, stderr
    assert f"warning: {folder / 'tests' / 'notes.txt'}: is a symlink; not copied" in stderr
    assert f"warning: {folder / 'etc'}: is a symlink; not copied" in stderr
    copied = list(joint.rglob("*"))
    assert not any(p.is_symlink() for p in copied)
    assert not any(p.name in ("notes.txt", "passwd") for p in copied)
    assert all("the reviewer's own key" not in p.read_text(errors="replace") for p in copied if p.is_file())
    assert (joint / "merged.json").is_file() and (joint / "report.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".joint")]    # no temporary left


def test_merge_skips_a_symlinked_source_in_a_merged_folder(tmp_path, secret):
    folder = _folder(tmp_path / "lab")
    joint = tmp_path / "joint"
    assert cli("report", "merge", str(folder), "-o", str(joint), "--no-pdf").returncode == 0
    elsewhere = _folder(tmp_path / "elsewhere")
    (joint / "sources" / "zz-link").symlink_to(elsewhere, target_is_directory=True)
    proc = cli("report", "build", str(joint), "-o", str(tmp_path / "r.html"), "--no-pdf")
    _, stderr = _text(proc)
    assert proc.returncode == 0 and f"warning: {joint / 'sources' / 'zz-link'}: is a symlink; skipped" in stderr


def test_build_does_not_read_symlinked_evidence_or_files(tmp_path, secret):
    folder = _folder(tmp_path / "lab", {"pcap": "tests/t1/capture.pcapng"},
                     exchange='[{"index": 1, "direction": "sent", "time": 1.0}]')
    exchange = folder / "tests" / "t1" / "exchange.json"
    exchange.unlink()
    exchange.symlink_to(secret)
    (folder / "tests" / "t1" / "capture.pcapng").symlink_to(secret)
    (folder / "summary.json").unlink()
    (folder / "summary.json").symlink_to(secret)
    out = tmp_path / "r.html"
    proc = cli("report", "build", str(folder), "-o", str(out), "--no-pdf")
    _, stderr = _text(proc)
    assert proc.returncode == 0 and "Traceback" not in stderr
    assert f"{exchange}: is a symlink; not followed" in stderr
    assert f"{folder / 'summary.json'}: is a symlink; skipped" in stderr
    assert "pcap 'tests/t1/capture.pcapng' not found" in stderr
    page = out.read_text()
    assert "the reviewer's own key" not in page and "capture.pcapng\"" not in page


def test_build_refuses_a_symlinked_run_json(tmp_path, secret):
    folder = _folder(tmp_path / "lab")
    (folder / "run.json").unlink()
    (folder / "run.json").symlink_to(secret)
    proc = cli("report", "build", str(folder), "-o", str(tmp_path / "r.html"), "--no-pdf")
    _, stderr = _text(proc)
    assert proc.returncode == 2
    assert stderr.strip() == f"error: {folder / 'run.json'}: is a symlink; not followed out of the results folder"


def test_sign_and_verify_refuse_a_symlink(tmp_path, secret):
    folder = _folder(tmp_path / "lab")
    keys = tmp_path / "keys"
    keys.mkdir()
    assert cli("report", "keygen", "--private", str(keys / "k"), "--public", str(keys / "k.pub")).returncode == 0
    assert cli("report", "sign", str(folder), "--key", str(keys / "k")).returncode == 0
    (folder / "notes.txt").symlink_to(secret)
    for args in (("sign", str(folder), "--key", str(keys / "k")), ("verify", str(folder))):
        proc = cli("report", *args)
        _, stderr = _text(proc)
        assert proc.returncode == 2 and stderr.strip() == (
            f"error: {folder}: refusing symlink notes.txt (only regular files can be covered)")


# --- terminal: no raw control character --------------------------------------------------------

def test_control_characters_in_names_reach_the_terminal_escaped(tmp_path):
    base = tmp_path / f"run{ESC}FAIL"
    folder = _folder(base, {"id": f"{PASS_ID}{ESC}", "pcap": f"tests/{ESC}.pcapng"})
    keys = tmp_path / "keys"
    keys.mkdir()
    cli("report", "keygen", "--private", str(keys / "k"), "--public", str(keys / "k.pub"))
    assert cli("report", "sign", str(folder), "--key", str(keys / "k")).returncode == 0
    (folder / f"added{ESC}.txt").write_text("x")
    outputs = [cli("report", "build", str(folder), "-o", str(tmp_path / "r.html"), "--no-pdf"),
               cli("report", "verify", str(folder)),
               cli("decode", str(tmp_path / f"missing{ESC}.pcapng")),
               cli("analyze", str(tmp_path / f"missing{ESC}.pcapng"))]
    for proc in outputs:
        assert b"\x1b" not in proc.stdout + proc.stderr
        assert b"Traceback" not in proc.stderr
    verify_out = _text(outputs[1])[0]
    assert f"  added    added{safe(ESC)}.txt" in verify_out and "\\x1b[2K\\x1b[1A" in verify_out


def test_safe_escapes_every_control_but_keeps_our_line_breaks():
    assert safe("a\x1b[2Kb\rc\x9bd\x00") == "a\\x1b[2Kb\\rc\\x9bd\\x00"
    assert safe("x\ny") == "x\\ny" and safe("x\ny\tz", lines=True) == "x\ny\tz"
