"""The impairment layer wired into runs: a lab profile with links: and a spec with impair steps,
run as a user runs them (a session over the bundled simulator profiles)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml

from harness.results import safe_name
from harness.session import HarnessSession, Options, SessionError
from harness.spec.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "fixtures" / "profiles"

SPEC = """
testcases:
  - id: RES-IMP-v01.00:1.1
    title: A1-P over a long-haul path
    interface: near-rt-ric.a1
    dut: near-rt-ric
    status: optional
    steps:
      - impair: {link: %s, profile: submarine-long-haul}
      - request: {method: GET, path: /A1-P/v2/policytypes}
        expect: {status: 200}
"""


def _free() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def _lab(tmp: Path, links: dict) -> Path:
    lab = yaml.safe_load((PROFILES / "lab-sim.yaml").read_text())
    lab["links"] = links
    path = tmp / "lab.yaml"
    path.write_text(yaml.safe_dump(lab))
    return path


def _spec(tmp: Path, link: str = "a1") -> Path:
    path = tmp / "spec.yaml"
    path.write_text(SPEC % link)
    return path


def test_a1_goes_through_the_relay_and_the_evidence_shows_it(tmp_path):
    lab = _lab(tmp_path, {"a1": {"relay": "tcp", "listen": _free(), "upstream": "127.0.0.1:1"}})
    session = HarnessSession(Options(PROFILES / "dut-sim-a1-ric.yaml", lab, None, None, tmp_path / "res", tmp_path))
    try:
        tc = session.load(_spec(tmp_path)).testcases[0]
        result = session.run(tc)
    finally:
        session.finish()
    assert result.verdict.name == "PASS", [f.message for f in result.findings]
    evidence = json.loads((tmp_path / "res" / "tests" / safe_name(tc.id) / "impairments.json").read_text())
    actions = [e["action"] for e in evidence["timeline"]]
    assert actions[:3] == ["route", "apply", "clear"]              # routed, impaired, cleared at the end
    assert evidence["timeline"][1]["impairment"]["delay_ms"] == 55
    assert evidence["counters"]["a1"]["a->b"]["forwarded"] >= 1   # the request crossed the relay
    row = json.loads((tmp_path / "res" / "results.jsonl").read_text().splitlines()[-1])
    assert row["impairments"] == f"tests/{safe_name(tc.id)}/impairments.json"
    # the response came 2 x 55 ms later than it would have: the request/response times show it
    assert result.duration >= 0.11


def test_a_step_on_an_unknown_link_is_refused_before_the_run(tmp_path):
    lab = _lab(tmp_path, {"a1": {"relay": "tcp", "listen": _free(), "upstream": "127.0.0.1:1"}})
    session = HarnessSession(Options(PROFILES / "dut-sim-a1-ric.yaml", lab, None, None, None, tmp_path))
    try:
        with pytest.raises(SpecError, match=r"spec.yaml:\d+.*unknown link 'e2x' \(the lab profile's links: a1\)"):
            session.load(_spec(tmp_path, "e2x"))
    finally:
        session.finish()


def test_a_lab_without_links_refuses_an_impairment_step(tmp_path):
    session = HarnessSession(Options(PROFILES / "dut-sim-a1-ric.yaml", PROFILES / "lab-sim.yaml", None, None, None,
                                     tmp_path))
    try:
        with pytest.raises(SpecError, match="the lab profile has no links:"):
            session.load(_spec(tmp_path))
    finally:
        session.finish()


def test_an_in_process_e2_lab_with_an_e2_link_stops_the_run(tmp_path):
    lab = _lab(tmp_path, {"e2": {"relay": "udp", "listen": _free(), "upstream": "127.0.0.1:1"}})
    with pytest.raises(SessionError, match="runs E2 in-process .* where no relay can sit"):
        HarnessSession(Options(PROFILES / "dut-sim-e2-node.yaml", lab, None, None, None, tmp_path))
