"""The E2 suite over real SCTP, the simulator in a process of its own (as the main job runs it).

UDP encapsulation on loopback always; raw SCTP (IP protocol 132) between two
network namespaces where they can be made (root), else skipped with the reason.
Each run is a subprocess: libusrsctp has one stack per process, and raw mode
needs the harness inside its namespace.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"


def _netns_possible() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    return subprocess.run(["bash", str(ROOT / "scripts" / "netns.sh"), "check"], capture_output=True).returncode == 0


def _run(results: Path, dut: str, lab: str, *extra: str, prefix: tuple = ()) -> tuple[subprocess.CompletedProcess, list]:
    cmd = [*prefix, sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "harness.pytest_plugin",
           "-q", "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), str(ROOT / "testcases"),
           "--dut", str(PROFILES / dut), "--lab", str(PROFILES / lab), "--results", str(results), *extra]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    rows = [json.loads(line) for line in (results / "results.jsonl").read_text().splitlines()] \
        if (results / "results.jsonl").exists() else []
    return out, [r for r in rows if r["verdict"] != "NOT-APPLICABLE"]


@pytest.mark.parametrize("dut, count", [("dut-sim-near-rt-ric.yaml", 18), ("dut-sim-e2-node.yaml", 22)])
def test_the_suite_passes_over_sctp_in_udp(tmp_path, dut, count):
    wire = ("--wire-capture", "lo") if shutil.which("dumpcap") and os.geteuid() == 0 else ()
    out, rows = _run(tmp_path, dut, "lab-live-udp.yaml", *wire)
    assert out.returncode == 0, out.stdout[-3000:]
    assert len(rows) == count and {r["verdict"] for r in rows} == {"PASS"}
    pcap = tmp_path / rows[0]["pcap"]
    assert pcap.exists()
    if shutil.which("tshark"):
        fields = subprocess.run(["tshark", "-r", str(pcap), "-Y", "sctp.data_payload_proto_id == 70", "-T", "fields",
                                 "-e", "ip.src", "-e", "ip.dst", "-e", "sctp.dstport", "-e", "sctp.srcport"],
                                capture_output=True, text=True, timeout=60).stdout.splitlines()
        ports = {line.split("\t")[2] for line in fields} | {line.split("\t")[3] for line in fields}
        assert {line.split("\t")[0] for line in fields} == {"127.0.0.1"}
        assert ("36421" if "ric" in dut else "36422") in ports     # the real SCTP port of the listening side
    if wire:
        # The real wire: SCTP in UDP (RFC 6951) to the two encapsulation ports, E2AP chunks with PPID 70.
        real = subprocess.run(["tshark", "-r", str(tmp_path / "wire.pcapng"), "-d", "udp.port==9899,sctp",
                               "-d", "udp.port==9900,sctp", "-Y", "sctp.data_payload_proto_id == 70", "-T", "fields",
                               "-e", "udp.dstport"], capture_output=True, text=True, timeout=60).stdout.split()
        assert set(real) == {"9899", "9900"}
        assert len(real) >= sum(1 for r in rows for _ in [r])          # at least one E2AP message per test case


@pytest.mark.skipif(not _netns_possible(), reason="network namespaces cannot be made here (needs root and iproute2)")
def test_the_suite_passes_over_raw_sctp_between_namespaces(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "netns.sh"), "up"], check=True)
    try:
        out, rows = _run(tmp_path, "dut-sim-e2-node.yaml", "lab-live-raw.yaml",
                         prefix=("ip", "netns", "exec", "oranh-harness"))
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "netns.sh"), "down"])
    assert out.returncode == 0, out.stdout[-3000:]
    assert len(rows) == 22 and {r["verdict"] for r in rows} == {"PASS"}


def test_a_dut_that_is_not_there_is_an_error_for_each_case_and_the_run_goes_on(tmp_path):
    lab = tmp_path / "lab.yaml"
    lab.write_text((PROFILES / "lab-live-udp.yaml").read_text()
                   .replace("  backend: auto", "  backend: auto\n  connect_timeout: 1"))
    dut = tmp_path / "dut.yaml"          # real equipment (no simulator:) where nothing listens
    dut.write_text("\n".join(x for x in (PROFILES / "dut-sim-near-rt-ric.yaml").read_text().splitlines()
                             if not x.startswith("simulator:")) + "\nendpoints: {e2: 127.0.0.1:36499}\n")
    cmd_lab = str(lab)
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "harness.pytest_plugin", "-q",
                          "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"),
                          str(ROOT / "testcases" / "e2ts" / "near-rt-ric" / "e2-setup.yaml"),
                          "--dut", str(dut), "--lab", cmd_lab,
                          "--results", str(tmp_path / "r")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    rows = [json.loads(line) for line in (tmp_path / "r" / "results.jsonl").read_text().splitlines()]
    ran = [r for r in rows if r["verdict"] != "NOT-APPLICABLE"]
    assert len(ran) == 3
    assert {r["verdict"] for r in ran} == {"ERROR"}
    assert all(r["findings"][0]["check"] == "transport.connect" for r in ran)
    assert "no association with the DUT: SCTP connect to 127.0.0.1:36499" in ran[0]["findings"][0]["message"]
    assert out.returncode == 1


def test_a_standalone_simulator_stops_cleanly_on_ctrl_c():
    import signal
    import time
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", "ric", "--listen", "127.0.0.1:36431",
                             "--udp-port", "9931"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    first = proc.stdout.readline()
    assert json.loads(first)["event"] == "listening"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert json.loads(rest.strip().splitlines()[-1]) == {"event": "stopped"}


ABORTED = """testcases:
  - id: E2TS-R003-v02.00:5.9.1
    title: the DUT aborts the association mid-procedure
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: optional
    steps:
      - use: e2-setup-as-e2-node
      - trigger: disconnect
      - wait: 0.5
      - send: ResetRequest
        fields: {TransactionID: 21}
      - expect: ResetResponse
  - id: E2TS-R003-v02.00:5.9.2
    title: the next test case gets a new association
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: optional
    steps:
      - use: e2-setup-as-e2-node
"""


def test_an_association_dropped_mid_procedure_fails_that_case_and_the_run_goes_on(tmp_path):
    specs = tmp_path / "specs"         # the bundled templates and groups are always in the library
    specs.mkdir()
    (specs / "aborted.yaml").write_text(ABORTED)
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "harness.pytest_plugin", "-q",
                          "--rootdir", str(ROOT), "-c", str(ROOT / "pyproject.toml"), "--specs-root", str(specs),
                          str(specs), "--dut", str(PROFILES / "dut-sim-near-rt-ric.yaml"),
                          "--lab", str(PROFILES / "lab-live-udp.yaml"), "--results", str(tmp_path / "r")],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    rows = {r["id"]: r for r in map(json.loads, (tmp_path / "r" / "results.jsonl").read_text().splitlines())}
    first = rows["E2TS-R003-v02.00:5.9.1"]
    assert first["verdict"] == "FAIL", out.stdout[-2000:]
    assert first["findings"][-1]["check"] == "transport.peer-closed"
    assert rows["E2TS-R003-v02.00:5.9.2"]["verdict"] == "PASS"
    # The evidence recorded before the abort is kept.
    assert (tmp_path / "r" / first["pcap"]).stat().st_size > 0
