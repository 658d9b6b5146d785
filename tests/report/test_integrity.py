"""Signed manifests: real files, real Ed25519 keys, and runs meant to fail."""

from __future__ import annotations

import argparse
import base64
import json
import stat
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from harness.cli import integrity_commands
from harness import integrity
from harness.integrity import (MANIFEST_NAME, SIGNATURE_NAME, IntegrityError, generate_key, sign_dir,
                                      signing_config, verify_dir, write_manifest)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Two labs' key pairs: (private, public) for 'a' and 'b'."""
    d = tmp_path_factory.mktemp("keys")
    out = {}
    for name in ("a", "b"):
        generate_key(d / f"{name}.key", d / f"{name}.pub")
        out[name] = (d / f"{name}.key", d / f"{name}.pub")
    return out


@pytest.fixture
def results(tmp_path) -> Path:
    """A results folder shaped like harness/results.py writes one."""
    d = tmp_path / "results"
    (d / "tests" / "T1").mkdir(parents=True)
    (d / "run.json").write_text(json.dumps({"lab": {"name": "lab-paris"}, "mode": "sim"}))
    (d / "results.jsonl").write_text('{"id": "T1", "verdict": "PASS"}\n')
    (d / "summary.json").write_text('{"counts": {"PASS": 1}}')
    (d / "tests" / "T1" / "exchange.json").write_text("[]")
    (d / "tests" / "T1" / "T1.pcapng").write_bytes(bytes(range(256)) * 40)
    return d


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.integrity_commands", *argv],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


# --- keys -------------------------------------------------------------------

def test_keygen_writes_pem_with_private_mode_0600_and_refuses_to_overwrite(tmp_path):
    fp = generate_key(tmp_path / "k.key", tmp_path / "k.pub")
    assert len(fp) == 64 and int(fp, 16) >= 0
    assert stat.S_IMODE((tmp_path / "k.key").stat().st_mode) == 0o600
    assert (tmp_path / "k.key").read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / "k.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert integrity.fingerprint(integrity.load_public_key(tmp_path / "k.pub")) == fp
    with pytest.raises(IntegrityError, match=r"k\.key: exists already; refusing to overwrite a key file"):
        generate_key(tmp_path / "k.key", tmp_path / "other.pub")
    assert not (tmp_path / "other.pub").exists()


def test_passphrase_key_needs_its_variable(tmp_path, results, monkeypatch):
    monkeypatch.setenv("LAB_KEY_PASS", "correct horse")
    fp = generate_key(tmp_path / "p.key", tmp_path / "p.pub", passphrase_env="LAB_KEY_PASS")
    assert "ENCRYPTED" in (tmp_path / "p.key").read_text()
    assert sign_dir(results, tmp_path / "p.key", "LAB_KEY_PASS") == fp
    with pytest.raises(IntegrityError, match=r"p\.key: the private key is encrypted; give the environment"):
        sign_dir(results, tmp_path / "p.key")
    monkeypatch.setenv("LAB_KEY_PASS", "wrong")
    with pytest.raises(IntegrityError, match=r"p\.key: cannot read the private key \(wrong passphrase or"):
        sign_dir(results, tmp_path / "p.key", "LAB_KEY_PASS")
    monkeypatch.delenv("LAB_KEY_PASS")
    with pytest.raises(IntegrityError, match="^environment variable LAB_KEY_PASS .* is not set$"):
        sign_dir(results, tmp_path / "p.key", "LAB_KEY_PASS")
    assert verify_dir(results, [tmp_path / "p.pub"]).ok        # the failed attempts left the signed folder intact


# --- sign and verify --------------------------------------------------------

def test_sign_then_verify_ok_and_trusted(results, keys):
    fp = sign_dir(results, keys["a"][0])
    manifest = json.loads((results / MANIFEST_NAME).read_text())
    assert manifest["lab"] == "lab-paris"
    assert manifest["signer"]["fingerprint"] == fp
    assert [f["path"] for f in manifest["files"]] == [
        "results.jsonl", "run.json", "summary.json", "tests/T1/T1.pcapng", "tests/T1/exchange.json"]
    assert manifest["files"][3]["size"] == 10240
    r = verify_dir(results, [keys["b"][1], keys["a"][1]])
    assert r == integrity.VerifyResult(True, True, fp, True, (), (), (), False,
                                       f"5 files match MANIFEST.json; signed by a trusted key {fp}")
    assert verify_dir(results).ok and not verify_dir(results).trusted


def test_one_altered_byte_is_listed(results, keys):
    sign_dir(results, keys["a"][0])
    pcap = results / "tests" / "T1" / "T1.pcapng"
    data = bytearray(pcap.read_bytes())
    data[5000] ^= 0x01                                        # same size, one bit
    pcap.write_bytes(bytes(data))
    r = verify_dir(results, [keys["a"][1]])
    assert not r.ok and r.altered == ("tests/T1/T1.pcapng",) and not r.added and not r.missing
    assert not r.bad_signature and r.trusted
    assert r.message.startswith("1 altered; signature by key ")


def test_added_and_missing_files_are_listed(results, keys):
    sign_dir(results, keys["a"][0])
    (results / "tests" / "T1" / "extra.pcapng").write_bytes(b"x")
    (results / "summary.json").unlink()
    r = verify_dir(results, [keys["a"][1]])
    assert not r.ok
    assert (r.added, r.missing, r.altered) == (("tests/T1/extra.pcapng",), ("summary.json",), ())


def test_tampered_signature_is_bad(results, keys):
    sign_dir(results, keys["a"][0])
    sig = bytearray(base64.b64decode((results / SIGNATURE_NAME).read_text()))
    sig[0] ^= 0xFF
    (results / SIGNATURE_NAME).write_text(base64.b64encode(bytes(sig)).decode())
    r = verify_dir(results, [keys["a"][1]])
    assert not r.ok and r.bad_signature and not r.trusted
    assert "MANIFEST.sig is not a valid signature of MANIFEST.json" in r.message
    (results / SIGNATURE_NAME).write_text("not base64 at all!")
    assert verify_dir(results).bad_signature


def test_edited_manifest_breaks_the_signature(results, keys):
    """Hiding an alteration by fixing the hash in the manifest is caught."""
    sign_dir(results, keys["a"][0])
    (results / "summary.json").write_text('{"counts": {"FAIL": 1}}')
    doc = json.loads((results / MANIFEST_NAME).read_text())
    entry = next(e for e in integrity.scan(results) if e.path == "summary.json")
    doc["files"][2] = {"path": "summary.json", "size": entry.size, "sha256": entry.sha256}
    (results / MANIFEST_NAME).write_text(json.dumps(doc))
    r = verify_dir(results)
    assert not r.ok and r.bad_signature and r.altered == ()


def test_another_key_is_untrusted_and_a_swapped_signer_is_bad(results, keys):
    fp_b = sign_dir(results, keys["b"][0])
    r = verify_dir(results, [keys["a"][1]])
    assert not r.ok and r.signed and not r.bad_signature and not r.trusted and r.key_fingerprint == fp_b
    assert r.message == f"signed by key {fp_b}, which is not among the 1 trusted key(s)"
    # lab b's signature beside a manifest claiming lab a's key
    sig_b = (results / SIGNATURE_NAME).read_bytes()
    sign_dir(results, keys["a"][0])
    (results / SIGNATURE_NAME).write_bytes(sig_b)
    assert verify_dir(results, [keys["a"][1]]).bad_signature


def test_unsigned_manifest_is_not_ok(results):
    write_manifest(results)
    r = verify_dir(results)
    assert not r.ok and not r.signed and r.message == "not signed (MANIFEST.sig is missing)"


def test_resigning_covers_new_files_and_keeps_results(results, keys):
    sign_dir(results, keys["a"][0])
    before = {p: p.read_bytes() for p in results.rglob("*") if p.is_file() and p.name not in
              (MANIFEST_NAME, SIGNATURE_NAME)}
    (results / "junit.xml").write_text("<testsuites/>")
    assert not verify_dir(results).ok
    sign_dir(results, keys["b"][0])
    assert verify_dir(results, [keys["b"][1]]).ok
    assert all(p.read_bytes() == data for p, data in before.items())
    assert not list(results.glob(".*.tmp"))


# --- bad input --------------------------------------------------------------

def test_corrupt_manifest_names_the_file_and_line(results, keys):
    sign_dir(results, keys["a"][0])
    (results / MANIFEST_NAME).write_text('{\n "format": "oran-harness-manifest/1",\n "files": [,]\n}\n')
    with pytest.raises(IntegrityError) as err:
        verify_dir(results)
    assert str(err.value) == f"{results / MANIFEST_NAME}:3:12: not valid JSON (Expecting value)"


@pytest.mark.parametrize("path, why", [("../outside", "is not a relative path inside the folder"),
                                       ("/etc/passwd", "is not a relative path inside the folder"),
                                       ("a/./b", "is not a relative path inside the folder"),
                                       ("MANIFEST.sig", "cannot be covered by the manifest")])
def test_manifest_paths_escaping_the_folder_are_refused(results, path, why):
    write_manifest(results)
    doc = json.loads((results / MANIFEST_NAME).read_text())
    doc["files"][1]["path"] = path
    (results / MANIFEST_NAME).write_text(json.dumps(doc))
    with pytest.raises(IntegrityError, match=rf"MANIFEST\.json: files\[1\]\.path '{path}' {why}$"):
        verify_dir(results)


def test_symlinks_are_refused(results, keys, tmp_path):
    (tmp_path / "secret").write_text("outside")
    (results / "tests" / "T1" / "link").symlink_to(tmp_path / "secret")
    with pytest.raises(IntegrityError, match=r"refusing symlink tests/T1/link \(only regular files"):
        sign_dir(results, keys["a"][0])
    assert not (results / MANIFEST_NAME).exists()


def test_empty_folder_and_missing_manifest_are_bad_input(tmp_path, keys):
    with pytest.raises(IntegrityError, match="no files to cover; is this the results folder"):
        sign_dir(tmp_path, keys["a"][0])
    (tmp_path / "x").write_text("x")
    with pytest.raises(IntegrityError, match=r"MANIFEST\.json: manifest file not found$"):
        verify_dir(tmp_path)
    with pytest.raises(IntegrityError, match=r"nope\.pub: public key file not found$"):
        verify_dir(tmp_path, [tmp_path / "nope.pub"])


def test_hashing_is_streamed_in_constant_memory(tmp_path):
    big = tmp_path / "big.pcapng"
    with open(big, "wb") as f:
        f.truncate(64 << 20)                                  # 64 MiB, sparse
    tracemalloc.start()
    digest = integrity.sha256_file(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert digest == "3b6a07d0d404fab4e23b6d34bc6696a6a312dd92821332385e5af7c01c421351"
    assert peak < 4 * integrity.CHUNK


def test_lab_profile_signing_section(tmp_path):
    profile = tmp_path / "labs" / "lab-a.yaml"
    cfg = signing_config({"key": "keys/lab-a.key", "passphrase_env": "LAB_A_PASS"}, profile)
    assert cfg == integrity.SigningConfig(tmp_path / "labs" / "keys" / "lab-a.key", "LAB_A_PASS")
    with pytest.raises(IntegrityError, match=r"lab-a\.yaml: signing has unknown key\(s\) passphrase$"):
        signing_config({"key": "k", "passphrase": "oops"}, profile)


# --- CLI --------------------------------------------------------------------

def test_cli_registers_under_a_report_group(results, keys, capsys):
    parser = argparse.ArgumentParser(prog="oran-harness")
    report = parser.add_subparsers(dest="command").add_parser("report").add_subparsers(dest="report_command")
    integrity_commands.register(report)
    args = parser.parse_args(["report", "sign", str(results), "--key", str(keys["a"][0])])
    assert args.handler(args) == 0
    assert capsys.readouterr().out.startswith(f"signed {results} with key ")
    (results / "run.json").write_text("{}")
    args = parser.parse_args(["report", "verify", str(results), "--trust", str(keys["b"][1])])
    assert args.handler(args) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"FAIL {results}: 1 altered; signed by key ")
    assert out[1:] == ["  altered  run.json", f"  untrusted key {verify_dir(results).key_fingerprint}"]


def test_cli_bad_input_is_one_line_exit_2(results, tmp_path):
    out = _cli("sign", str(results), "--key", str(tmp_path / "missing.key"))
    assert out.returncode == 2
    assert out.stderr == f"error: {tmp_path / 'missing.key'}: private key file not found\n"
    (results / MANIFEST_NAME).write_text("{oops")
    out = _cli("verify", str(results))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"error: {results / MANIFEST_NAME}:1:2: not valid JSON")


def test_real_run_results_signed_and_verified_through_the_cli(tmp_path):
    run_dir = tmp_path / "run"
    run = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "testcases/e2ts/e2-node/e2-setup.yaml",
                          "--lab", "fixtures/profiles/lab-sim-fast.yaml", "--results", str(run_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert list(run_dir.rglob("*.pcapng"))
    priv, pub, other = tmp_path / "lab.key", tmp_path / "lab.pub", tmp_path / "other.pub"
    assert _cli("keygen", "--private", str(priv), "--public", str(pub)).returncode == 0
    generate_key(tmp_path / "other.key", other)
    signed = _cli("sign", str(run_dir), "--key", str(priv))
    assert signed.returncode == 0 and signed.stdout.startswith(f"signed {run_dir} with key ")
    ok = _cli("verify", str(run_dir), "--trust", str(pub))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith(f"OK {run_dir}: ") and "signed by a trusted key" in ok.stdout
    assert json.loads((run_dir / MANIFEST_NAME).read_text())["lab"] == "sim-fast"
    # meant to fail: one alteration, one addition, one deletion, and a key the reviewer does not trust
    rows = run_dir / "results.jsonl"
    rows.write_text(rows.read_text().replace('"PASS"', '"FAIL"'))
    (run_dir / "tests" / "injected.pcapng").write_bytes(b"\n")
    (run_dir / "summary.json").unlink()
    bad = _cli("verify", str(run_dir), "--trust", str(other))
    assert bad.returncode == 1
    lines = bad.stdout.splitlines()
    assert lines[0].startswith(f"FAIL {run_dir}: 1 added, 1 missing, 1 altered; signed by key ")
    assert lines[1:] == ["  added    tests/injected.pcapng", "  missing  summary.json", "  altered  results.jsonl",
                         f"  untrusted key {signed.stdout.split()[-1]}"]


def test_a_lab_profile_with_a_signing_key_signs_the_results_at_the_end_of_the_run(tmp_path):
    priv, pub = tmp_path / "keys" / "lab.key", tmp_path / "keys" / "lab.pub"
    priv.parent.mkdir()
    generate_key(priv, pub)
    lab = tmp_path / "lab-signed.yaml"
    lab.write_text((ROOT / "fixtures/profiles/lab-sim-fast.yaml").read_text()
                   + "signing: {key: keys/lab.key}\n")          # relative to the profile's folder
    run_dir = tmp_path / "run"
    run = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "testcases/e2ts/e2-node/e2-setup.yaml",
                          "--lab", str(lab), "--results", str(run_dir)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "results signed (MANIFEST.json, MANIFEST.sig) by key " in run.stdout
    ok = _cli("verify", str(run_dir), "--trust", str(pub))
    assert ok.returncode == 0 and "signed by a trusted key" in ok.stdout, ok.stdout + ok.stderr
    names = {f["path"] for f in json.loads((run_dir / MANIFEST_NAME).read_text())["files"]}
    assert {"results.jsonl", "summary.json", "junit.xml", "oran-results.json"} <= names
    # meant to fail: a profile naming a signing section of the wrong shape is refused up front
    bad = tmp_path / "lab-bad.yaml"
    bad.write_text((ROOT / "fixtures/profiles/lab-sim-fast.yaml").read_text() + "signing: {keyfile: x}\n")
    refused = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", "testcases/e2ts/e2-node/e2-setup.yaml",
                              "--lab", str(bad), "--results", str(tmp_path / "r2")],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr      # usage (docs/verdicts.md)
    assert "unknown key 'signing.keyfile' (did you mean key?)" in refused.stdout + refused.stderr
