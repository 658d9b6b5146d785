"""A1 verdicts against peers the harness did not shape: a relative Location, a server without A1-P v2,
a DUT that rightly refuses the lab's policy body, and policy types and bodies taken from the lab's PIXIT.

The servers here are real: the stdlib's http.server on loopback (written in the test, not the
harness's simulator) and the built-in simulator given its own policy types.
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from harness.interfaces.a1.config import A1ConfigError, A1Lab
from harness.profiles.loader import load_lab
from harness.spec.errors import ProfileError
from harness.session import HarnessSession, Options
from harness.suite import run_suite

ROOT = Path(__file__).resolve().parents[2]
RIC = ROOT / "fixtures/profiles/dut-sim-a1-ric.yaml"
SIM_LAB = ROOT / "fixtures/profiles/lab-sim-fast.yaml"
LIVE_LAB = ROOT / "fixtures/profiles/lab-live-a1.yaml"
LIVE_RIC = ROOT / "fixtures/profiles/dut-live-a1-ric.yaml"
SPECS = ROOT / "testcases/a1ts"
TYPES = ROOT / "specs/a1/policy-types"
QOS = "ORAN_QoSTarget_2.0.0"
POLICY = f"/A1-P/v2/policytypes/{QOS}/policies/a1ts-policy-1"
NEGATIVE = ("A1TS-v02.00:6.2.2/unknown-type", "A1TS-v02.00:6.2.5/unknown-policy",
            "A1TS-v02.00:6.2.8/unknown-policy", "A1TS-v02.00:6.2.3/schema-violation")


class _Server:
    """A small A1-P-ish server from the stdlib: ``answer(method, path, body) -> (status, headers, body)``."""

    def __init__(self, answer) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                status, headers, body = answer(self.command, self.path, json.loads(data) if data else None)
                raw = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if raw:
                    self.send_header("Content-Type", "application/problem+json" if status >= 400
                                     else "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_PUT = do_DELETE = do_POST = _serve

            def log_message(self, *args) -> None:      # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _dut(tmp_path: Path, url: str) -> Path:
    """A Near-RT RIC the harness does not start (no simulator:), its A1-P API at ``url``."""
    dut = tmp_path / "dut-live-a1-ric.yaml"
    dut.write_text(LIVE_RIC.read_text().replace("http://127.0.0.1:18080", url))
    return dut


def _lab(tmp_path: Path, url: str) -> Path:
    lab = tmp_path / "lab-live-a1.yaml"
    lab.write_text(LIVE_LAB.read_text().replace("http://127.0.0.1:18080", url))
    return lab


def _run_case(lab: Path, clause: str, dut: Path = RIC, file: str = "policies.yaml"):
    session = HarnessSession(Options(dut, lab, None, None, None, SPECS))
    try:
        tc = next(tc for tc in session.load(SPECS / "near-rt-ric" / file).testcases if tc.id.endswith(clause))
        return session.run(tc)
    finally:
        session.finish()


def _creates_with_location(location: str):
    qos = json.loads((TYPES / f"{QOS}.json").read_text())

    def answer(method, path, body):
        if method == "GET" and path == f"/A1-P/v2/policytypes/{QOS}":
            return 200, {}, qos
        if method == "DELETE":
            return 404, {}, {"status": 404, "title": "no such policy"}
        if method == "PUT" and path == POLICY:
            return 201, {"Location": location}, body
        return 404, {}, {"status": 404}
    return answer


@pytest.mark.parametrize("location", ["a1ts-policy-1", POLICY, "../policies/a1ts-policy-1"])
def test_a_relative_location_is_resolved_against_the_request_uri_and_passes(tmp_path, location):
    server = _Server(_creates_with_location(location))
    try:
        result = _run_case(_lab(tmp_path, server.url), dut=_dut(tmp_path, server.url), clause=":6.2.3")
    finally:
        server.close()
    assert result.verdict.name == "PASS", [f.line() for f in result.findings]
    assert result.variables["location"] == server.url + POLICY          # saved resolved (RFC 3986 5.2)
    assert result.variables["created"]["response"]["location"] == server.url + POLICY
    assert result.variables["created"]["request"]["body"]["qosObjectives"]["priorityLevel"] == 5


def test_a_location_naming_another_resource_fails_and_says_how_it_was_resolved(tmp_path):
    server = _Server(_creates_with_location("../policies/someone-else"))
    try:
        result = _run_case(_lab(tmp_path, server.url), dut=_dut(tmp_path, server.url), clause=":6.2.3")
    finally:
        server.close()
    assert result.verdict.name == "FAIL"
    bad = next(f for f in result.findings if f.verdict.name == "FAIL")
    assert bad.check == "http.header"
    assert f"{server.url}/A1-P/v2/policytypes/{QOS}/policies/someone-else" in bad.message
    assert "Location '../policies/someone-else' resolved against the request URI: " in bad.message


def test_a_server_without_a1p_v2_gives_inconc_not_pass_on_the_negative_cases(tmp_path):
    server = _Server(lambda method, path, body: (404, {}, {"status": 404, "title": "Not Found"}))
    try:
        run = run_suite(_dut(tmp_path, server.url), _lab(tmp_path, server.url), specs_root=SPECS)
    finally:
        server.close()
    out = {o.id: o for o in run.outcomes if o.verdict != "NOT-APPLICABLE"}
    assert len(out) == 13
    assert "PASS" not in {o.verdict for o in out.values()}, {k: o.verdict for k, o in out.items()}
    for tc_id in NEGATIVE:
        assert out[tc_id].verdict == "INCONC", out[tc_id]
        assert "precondition not met: GET /A1-P/v2/policytypes answered 404, expected 200" in out[tc_id].message
    assert out["A1TS-v02.00:6.2.1"].verdict == "FAIL"      # the test purpose itself: the DUT earned it


def test_a_negative_case_answered_200_is_a_wrong_answer(tmp_path):
    def answer(method, path, body):
        if path == "/A1-P/v2/policytypes":
            return 200, {}, [QOS]
        return 200, {}, {"policySchema": {"type": "object"}}      # "knows" every type: fail_on [200]
    server = _Server(answer)
    try:
        result = _run_case(_lab(tmp_path, server.url), dut=_dut(tmp_path, server.url), clause=":6.2.2/unknown-type",
                           file="policy-types.yaml")
    finally:
        server.close()
    bad = next(f for f in result.findings if f.verdict.name == "FAIL")
    assert (result.verdict.name, bad.check) == ("FAIL", "http.wrong-answer")
    assert bad.message == ("GET /A1-P/v2/policytypes/no-such-type_9.9.9 answered 200: a wrong answer, expected 404")


def _types_with(tmp_path: Path, name: str, edit) -> Path:
    folder = tmp_path / name
    shutil.copytree(TYPES, folder)
    qos = json.loads((folder / f"{QOS}.json").read_text())
    edit(qos)
    (folder / f"{QOS}.json").write_text(json.dumps(qos))
    return folder


def _dut_with_types(tmp_path: Path, folder: Path) -> Path:
    dut = tmp_path / "dut.yaml"
    dut.write_text(RIC.read_text() + f"  policy_types_dir: {folder}\n")
    return dut


def test_a_dut_that_rightly_refuses_the_lab_body_is_inconc_never_fail(tmp_path):
    def stricter(qos):                     # the DUT's own edition of the type wants a member the lab's body lacks
        qos["policySchema"]["properties"]["validity"] = {"type": "string"}
        qos["policySchema"]["required"].append("validity")
    dut = _dut_with_types(tmp_path, _types_with(tmp_path, "dut-types", stricter))
    run = run_suite(dut, SIM_LAB, specs_root=SPECS / "near-rt-ric")
    out = {o.id: o for o in run.outcomes if o.verdict != "NOT-APPLICABLE"}
    verdicts = {k: o.verdict for k, o in out.items()}
    assert "FAIL" not in verdicts.values(), verdicts
    refused = ("6.2.3", "6.2.4", "6.2.5", "6.2.6", "6.2.7", "6.2.8", "6.2.9")
    assert {verdicts[f"A1TS-v02.00:{c}"] for c in refused} == {"INCONC"}, verdicts
    assert "does not accept the lab's policy (a1.policy): $.validity: required member is missing" \
        in out["A1TS-v02.00:6.2.3"].message
    assert "precondition not met" in out["A1TS-v02.00:6.2.5"].message
    assert {verdicts[k] for k in NEGATIVE} | {verdicts["A1TS-v02.00:6.2.1"]} == {"PASS"}


def _lab_with_a1(tmp_path: Path, block: str) -> Path:
    lab = tmp_path / "lab.yaml"
    lab.write_text(SIM_LAB.read_text() + block)
    return lab


def test_a_lab_uses_its_own_policy_type_and_bodies(tmp_path):
    folder = tmp_path / "lab-types"
    folder.mkdir()
    shutil.copy(TYPES / "20008.json", folder / "Lab_Threshold_1.0.0.json")
    lab = _lab_with_a1(tmp_path, f"""a1:
  policy_types_dir: {folder}
  policy:
    type_id: Lab_Threshold_1.0.0
    body: {{threshold: 5}}
    updated_body: {{threshold: 9}}
    invalid_body: {{threshold: 500}}
""")
    run = run_suite(_dut_with_types(tmp_path, folder), lab, specs_root=SPECS / "near-rt-ric")
    out = {o.id: o for o in run.outcomes if o.verdict != "NOT-APPLICABLE"}
    assert len(out) == 13 and {o.verdict for o in out.values()} == {"PASS"}, \
        {k: (o.verdict, o.message) for k, o in out.items() if o.verdict != "PASS"}


@pytest.mark.parametrize("block,words", [
    ("  policy: {type_id: X, body: {}, updated_body: {}, invalid_body: {}, colour: red}\n",
     "lab.yaml:25: unknown key 'a1.policy.colour'"),       # the profile loader's schema, at load
    ("  policy: {type_id: X, body: {}, updated_body: {}, invalid_body: 1}\n",
     "lab.yaml:25: 'a1.policy.invalid_body' must be a mapping, not a number (1)"),
    ("  policy: {type_id: X, body: {}}\n", "a1.policy: 'updated_body' is missing"),
    ("  policy_types_dir: {types}\n",
     "a1.policy (not given: the bundled default, type ORAN_QoSTarget_2.0.0): type_id 'ORAN_QoSTarget_2.0.0' "
     "is not in"),
    ("  policy: {type_id: '20008', body: {threshold: 5}, updated_body: {threshold: 9}, invalid_body: {threshold: 7}}\n",
     "a1.policy.invalid_body: it is a valid policy of type 20008; it must break the policySchema"),
    ("  policy: {type_id: '20008', body: {threshold: five}, updated_body: {threshold: 9}, invalid_body: {}}\n",
     "a1.policy.body: not a valid policy of type 20008: $.threshold: 'five' is not of type 'integer'"),
])
def test_a_bad_policy_block_stops_the_run_naming_the_key(tmp_path, block, words):
    folder = tmp_path / "types"
    folder.mkdir()
    shutil.copy(TYPES / "20008.json", folder / "20008.json")
    with pytest.raises((A1ConfigError, ProfileError)) as err:
        A1Lab.from_lab(load_lab(_lab_with_a1(tmp_path, "a1:\n" + block.replace("{types}", str(folder)))))
    assert words in str(err.value)


def test_policy_variables_in_the_pixit_block_are_refused(tmp_path):
    lab = _lab_with_a1(tmp_path, "a1: {}\n")
    lab.write_text(lab.read_text().replace("pixit:\n", "pixit:\n  policy_type_id: Other_1.0.0\n"))
    with pytest.raises(A1ConfigError) as err:
        A1Lab.from_lab(load_lab(lab))
    assert "pixit: 'policy_type_id' comes from" in str(err.value) and "a1.policy" in str(err.value)
