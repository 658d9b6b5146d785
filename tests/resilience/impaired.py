"""E2 resilience runs as a user runs them (`oran-harness run`, one process per run): the simulator as a
separate process over SCTP over UDP through the real UDP relays of links 'e2' and 'e2-b', on a copy of
the bundled impaired lab whose UDP ports are free ones of its own."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"
NODE = PROFILES / "dut-sim-e2-node-resilience.yaml"
RIC = PROFILES / "dut-sim-near-rt-ric-resilience.yaml"


def udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lab(tmp: Path, **pixit) -> Path:
    """The bundled impaired lab on UDP ports of its own (the relays, both encapsulation ports)."""
    d = yaml.safe_load((PROFILES / "lab-sim-impaired.yaml").read_text())
    mine, sim, relay, second = udp_port(), udp_port(), udp_port(), udp_port()
    d["transport"].update(udp_port=mine, remote_udp_port=sim)
    d["links"] = {"e2": {"relay": "udp", "listen": f"127.0.0.1:{relay}", "upstream": f"127.0.0.1:{sim}"},
                  "e2-b": {"relay": "udp", "listen": f"127.0.0.1:{second}", "upstream": f"127.0.0.1:{sim}"}}
    d["pixit"].update(pixit)
    path = tmp / "lab.yaml"
    path.write_text(yaml.safe_dump(d))
    return path


def run(spec: Path, tmp: Path, dut: Path, lab_path: Path, *args: str) -> tuple[int, dict[str, dict]]:
    """`oran-harness run` of ``spec``; (exit code, results rows by test case id)."""
    out = tmp / "results"
    proc = subprocess.run([sys.executable, "-m", "harness.cli.main", "run", str(spec), "--dut", str(dut),
                           "--lab", str(lab_path), "--results", str(out), *args],
                          capture_output=True, text=True, timeout=180, cwd=tmp)
    lines = (out / "results.jsonl").read_text().splitlines() if (out / "results.jsonl").exists() else []
    rows = [json.loads(line) for line in lines]
    by_id = {r["id"]: r for r in rows if "id" in r and "verdict" in r}
    assert by_id, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.returncode, by_id


def figures(row: dict) -> dict[str, dict]:
    """figure -> its latest measurement (after a break: the one after it)."""
    return {f["figure"]: f for f in row["recovery"]}


def failed(row: dict) -> list[tuple[str, str]]:
    return [(f["check"], f.get("clause") or "") for f in row.get("findings", []) if f["verdict"] == "FAIL"]
