import textwrap

import pytest

from harness.codec.e2 import E2Codec
from harness.spec.errors import SpecError
from harness.spec.loader import load_library, load_spec_file


@pytest.fixture(scope="session")
def codec():
    return E2Codec()


TEMPLATES = """\
templates:
  E2setupRequest:
    message: E2setupRequest
    ies:
      TransactionID: 1
      GlobalE2node-ID: {gNB: {global-gNB-ID: {plmn-id: "00f110", gnb-id: {gnb-ID: {hex: "000bb8", length: 22}}}}}
      RANfunctionsAdded:
        - {id: 8, criticality: ignore, value: {type: RANfunction-Item, value: {ranFunctionID: 2, ranFunctionDefinition: "00", ranFunctionRevision: 1, ranFunctionOID: "1.3.6.1.4.1.53148.1.3.2.2"}}}
      E2nodeComponentConfigAddition:
        - id: 51
          criticality: reject
          value:
            type: E2nodeComponentConfigAddition-Item
            value:
              e2nodeComponentInterfaceType: ng
              e2nodeComponentID: {e2nodeComponentInterfaceTypeNG: {amf-name: amf.example}}
              e2nodeComponentConfiguration: {e2nodeComponentRequestPart: "0015", e2nodeComponentResponsePart: "2015"}
groups:
  setup:
    - send: E2setupRequest
    - expect: E2setupResponse
"""

HEAD = """\
testcases:
  - id: E2TS-R003-v02.00:5.2.1.1.1
    title: t
    interface: near-rt-ric.e2
    dut: near-rt-ric
    status: mandatory
"""


@pytest.fixture
def load(tmp_path, monkeypatch, codec):
    """load(text, lib=TEMPLATES) -> SpecFile; files are named x.yaml and lib.yaml (cwd = tmp_path)."""
    monkeypatch.chdir(tmp_path)

    def _load(text, lib=TEMPLATES):
        (tmp_path / "x.yaml").write_text(textwrap.dedent(text))
        paths = ["x.yaml"]
        if lib:
            (tmp_path / "lib.yaml").write_text(lib)
            paths.append("lib.yaml")
        library = load_library(paths, codec)
        return load_spec_file("x.yaml", library)
    return _load


@pytest.fixture
def error(load):
    """error(text) -> the SpecError text."""
    def _error(text, lib=TEMPLATES):
        with pytest.raises(SpecError) as info:
            load(text, lib)
        return str(info.value)
    return _error
