"""The pytest plugin and the spec commands, run as a lab engineer runs them (subprocesses)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASE = """testcases:
  - id: E2TS-R003-v02.00:5.2.1.2.1
    title: Reset initiated by the E2 node
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: mandatory
    steps:
      - use: e2-setup-as-e2-node
      - send: ResetRequest
        fields: {TransactionID: 21}
      - expect: ResetResponse
        match: {TransactionID: 21}
"""


def _specs(tmp_path: Path, text: str) -> Path:
    root = tmp_path / "specs"          # the bundled templates and groups are always in the library
    root.mkdir()
    (root / "case.yaml").write_text(text)
    return root


def _pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "harness.pytest_plugin",
                           "--rootdir", str(ROOT),
                           "-c", str(ROOT / "pyproject.toml"), "--specs-root", str(root), str(root), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_passing_case_and_its_results(tmp_path):
    root = _specs(tmp_path, CASE)
    out = _pytest(root, "--dut", str(ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml"),
                  "--results", str(tmp_path / "results"))
    assert out.returncode == 0, out.stdout
    assert "PASS            E2TS-R003-v02.00:5.2.1.2.1  Reset initiated by the E2 node" in out.stdout
    rows = (tmp_path / "results" / "results.jsonl").read_text().splitlines()
    assert len(rows) == 1 and '"verdict": "PASS"' in rows[0]
    folder = tmp_path / "results" / "tests" / "E2TS-R003-v02.00_5.2.1.2.1"
    assert (folder / "exchange.json").exists()
    pcap = folder / "E2TS-R003-v02.00_5.2.1.2.1.pcapng"
    assert pcap.exists()
    if shutil.which("tshark"):
        fields = subprocess.run(["tshark", "-r", str(pcap), "-Y", "sctp.data_payload_proto_id == 70", "-T", "fields",
                                 "-e", "sctp.data_payload_proto_id", "-e", "frame.comment"],
                                capture_output=True, text=True, timeout=60).stdout.splitlines()
        assert [line.split("\t")[1].split(" (")[0] for line in fields] == [
            "#1 send E2setupRequest", "#2 expect E2setupResponse", "#3 send ResetRequest", "#4 expect ResetResponse"]


def test_a_fault_makes_it_fail_with_the_finding_and_the_spec_lines(tmp_path):
    root = _specs(tmp_path, CASE)
    out = _pytest(root, "--dut", str(ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml"),
                  "--sim-fault", "wrong-transaction-id@ResetResponse")
    assert out.returncode == 1
    assert "FAIL: expect.match at TransactionID: expected 21, observed 22" in out.stdout
    assert "    11 |       - expect: ResetResponse" in out.stdout
    assert "#4 <- ResetResponse" in out.stdout


def test_a_bad_spec_is_a_collection_error_with_file_and_line_not_a_dut_failure(tmp_path):
    root = _specs(tmp_path, CASE.replace("send: ResetRequest", "send: ResetReqest"))
    out = _pytest(root)
    assert out.returncode == 2
    assert f"{root / 'case.yaml'}:9: unknown message 'ResetReqest' (did you mean ResetRequest?)" in out.stdout
    assert "    9 |       - send: ResetReqest" in out.stdout
    assert "FAILED" not in out.stdout
    assert "Traceback" not in out.stdout


def test_the_lab_failing_a_trigger_is_an_error_not_a_failure(tmp_path):
    root = _specs(tmp_path, CASE.replace("      - send: ResetRequest\n        fields: {TransactionID: 21}\n",
                                         "      - trigger: reboot\n"))
    out = _pytest(root, "--dut", str(ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml"))
    assert out.returncode == 1
    assert "1 error" in out.stdout.splitlines()[-1]
    assert "ERROR: trigger: the simulator cannot 'reboot'" in out.stdout
    assert "ERROR           E2TS-R003-v02.00:5.2.1.2.1" in out.stdout


def test_a_bad_profile_is_a_usage_error(tmp_path):
    root = _specs(tmp_path, CASE)
    dut = tmp_path / "dut.yaml"
    dut.write_text((ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml").read_text().replace("role:", "rolle:"))
    out = _pytest(root, "--dut", str(dut))
    assert out.returncode == 4
    assert f"oran-harness: {dut}:" in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_list_shows_selection_with_reasons():
    out = _cli("list", "--dut", "fixtures/profiles/dut-sim-e2-node.yaml")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "DUT sim-e2-node (e2-node), profile fixtures/profiles/dut-sim-e2-node.yaml"
    assert any("not applicable" in line and "5.2.1.1.1" in line and "is for a near-rt-ric DUT" in line
               for line in lines)
    assert any(line.strip().startswith("selected") and "6.2.1.1.1" in line for line in lines)


def test_validate_reports_every_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    second = CASE.split("\n", 1)[1].replace("5.2.1.2.1", "5.2.1.2.9").replace("status: mandatory",
                                                                                "status: mandatry")
    bad.write_text(CASE.replace("send: ResetRequest", "send: ResetReqest") + second)
    out = _cli("validate", str(ROOT / "specs" / "templates"), str(bad))
    assert out.returncode == 2
    assert "unknown message 'ResetReqest'" in out.stdout + out.stderr
    assert "mandatry" in out.stdout + out.stderr


def test_a_named_folder_is_collected_with_the_bundled_library_and_its_own_templates(tmp_path):
    """No --specs-root: the folder named is collected; its own template replaces the bundled one,
    and other YAML in it (a profile) is not taken for a spec."""
    suite = tmp_path / "my-suite"
    (suite / "templates").mkdir(parents=True)
    (suite / "templates" / "reset.yaml").write_text(
        "templates:\n  ResetRequest:\n    message: ResetRequest\n    ies:\n      TransactionID: 21\n"
        "      Cause: {ricRequest: action-not-supported}\n")     # the bundled one sends TransactionID 17
    (suite / "case.yaml").write_text(CASE.replace("      - send: ResetRequest\n        fields: {TransactionID: 21}\n",
                                                  "      - send: ResetRequest\n"))
    shutil.copy(ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml", suite / "dut.yaml")
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(suite),
                          "--dut", str(suite / "dut.yaml"), "--results", str(tmp_path / "results")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "PASS            E2TS-R003-v02.00:5.2.1.2.1  Reset initiated by the E2 node" in out.stdout
    assert "1 passed" in out.stdout
