"""Our decoding against tshark's ecpri / oran_fh_cus dissectors (skipped without tshark)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from harness.interfaces.cuplane.crosscheck import crosscheck
from harness.interfaces.cuplane.generate import GenerateOptions, generate_file

from .conftest import CAPTURES

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")


def test_generated_captures_decode_as_tshark_does(tmp_path, profile):
    for name, opts in (("vlan", GenerateOptions(packets=400)), ("untagged", GenerateOptions(packets=400, vlan=None)),
                       ("ext", GenerateOptions(packets=400, fault="unknown-extension"))):
        path = tmp_path / f"{name}.pcap"
        generate_file(path, profile, opts)
        result = crosscheck(path, profile)
        assert result.messages == 400 and result.fields > 12000
        assert result.disagreements == (), result.disagreements[:5]


def test_crosscheck_lists_disagreements(profile):
    # Told (wrongly) that downlink U-plane sections carry no udCompHdr, we and tshark read them differently.
    wrong = replace(profile, uplane_dl=profile.uplane)
    result = crosscheck(CAPTURES / "clean.pcap", wrong)
    assert result.disagreements
    assert "-o" in result.options and "oran_fh_cus.oran.ud_comp_hdr_down:FALSE" in result.options
    # and a damaged frame tshark will not dissect is listed with its packet number
    damaged = crosscheck(CAPTURES / "fault-truncated.pcap", profile)
    assert {d.packet for d in damaged.disagreements} == {101}
