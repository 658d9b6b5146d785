"""``oran-harness decode`` / ``encode`` as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.codec.e2 import E2Codec
from tests.helpers import e2msgs as m

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def setup_hex() -> str:
    return E2Codec().encode(m.e2_setup_request()).hex()


def test_decode_prints_json_with_e2sm_payloads(setup_hex):
    out = run("decode", "--hex", setup_hex)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert (doc["protocol"], doc["version"], doc["type"]) == ("e2ap", "v03.01", "E2AP-PDU")
    item = doc["value"]["initiatingMessage"]["value"]["value"]["protocolIEs"][2]["value"]["value"][0]
    definition = item["value"]["value"]["ranFunctionDefinition"]
    assert definition["type"] == "E2SM-KPM-RANfunction-Description"
    assert definition["value"]["ranFunction-Name"]["ranFunction-ShortName"] == "ORAN-E2SM-KPM"


def test_decode_then_encode_gives_back_the_same_bytes(setup_hex, tmp_path):
    decoded = run("decode", "--hex", setup_hex)
    encoded = run("encode", stdin=decoded.stdout)
    assert encoded.returncode == 0, encoded.stderr
    assert encoded.stdout.strip() == setup_hex
    shallow = run("decode", "--hex", setup_hex, "--shallow")
    item = json.loads(shallow.stdout)["value"]["initiatingMessage"]["value"]["value"]["protocolIEs"][2]
    assert isinstance(item["value"]["value"][0]["value"]["value"]["ranFunctionDefinition"], str)
    assert run("encode", stdin=shallow.stdout).stdout.strip() == setup_hex
    raw = tmp_path / "setup.aper"
    raw.write_bytes(bytes.fromhex(setup_hex))
    assert json.loads(run("decode", "--file", str(raw)).stdout) == json.loads(decoded.stdout)


def test_decode_an_e2sm_payload_alone():
    header = E2Codec().encode(m.kpm_header()[1], "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm").hex()
    out = run("decode", "--proto", "e2sm-kpm", "--type", "E2SM-KPM-IndicationHeader", "--hex", header)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["value"] == {"indicationHeader-formats": {"indicationHeader-Format1": {
        "colletStartTime": "0000018c2a3b4c5d"}}}
    assert run("encode", stdin=out.stdout).stdout.strip() == header


def test_version_mismatch_is_one_line_and_exit_2():
    header = E2Codec().encode(m.kpm_header()[1], "E2SM-KPM-IndicationHeader", protocol="e2sm-kpm").hex()
    out = run("decode", "--proto", "e2sm-kpm", "--version", "v02.03", "--type", "E2SM-KPM-IndicationHeader",
              "--hex", header)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr == ("error: E2SM-KPM-IndicationHeader (bit offset 40): 4 octet(s) left over after the end "
                          "of E2SM-KPM-IndicationHeader; decodes as E2SM-KPM v03.00 (8-octet timestamp); "
                          "the DUT profile says v02.03\n")


@pytest.mark.parametrize("args, stdin, message", [
    (["decode", "--hex", "zz"], None, "error: --hex: not a hex string\n"),
    (["decode", "--hex", "0001"], None, "error: E2AP-PDU.initiatingMessage.criticality (bit offset 16): "
                                        "out of data\n"),
    (["decode", "--file", "/nonexistent.aper"], None, "error: /nonexistent.aper: No such file or directory\n"),
    (["decode", "--proto", "e2sm-kpm", "--hex", "00"], None,
     "error: --type is needed for e2sm-kpm (for example E2SM-KPM-IndicationHeader)\n"),
    (["decode", "--version", "v09.00", "--hex", "00"], None,
     "error: no built-in ASN.1 for e2ap v09.00; known: e2ap v03.01, e2ap v02.03, e2sm-kpm v03.00, "
     "e2sm-kpm v02.03, e2sm-rc v01.03\n"),
    (["encode"], "{not json", "error: stdin: line 1 column 2: Expecting property name enclosed in double quotes\n"),
    (["encode"], '{"type": "E2AP-PDU", "value": {"initiatingMessage": {"procedureCode": 1, "criticality": '
                 '"reject", "value": {"type": "E2setupRequest", "value": {"protocolIEs": [], "extra": 1}}}}}',
     "error: E2AP-PDU.initiatingMessage.value.<E2setupRequest>: no component 'extra'; components: protocolIEs\n"),
    (["encode"], '{"type": "E2AP-PDU", "value": {"initiatingMessage": {"procedureCode": 1, "criticality": '
                 '"reject", "value": {"type": "E2setupRequest", "value": {"protocolIEs": [{"id": 49, '
                 '"criticality": "reject", "value": {"type": "TransactionID", "value": 256}}]}}}}}',
     None),
])
def test_bad_input_is_one_clear_line_and_exit_2(args, stdin, message):
    out = run(*args, stdin=stdin)
    if message is None:       # a valid extensible value: it encodes
        assert out.returncode == 0, out.stderr
        return
    assert out.returncode == 2
    assert out.stderr == message
    assert "Traceback" not in out.stderr
