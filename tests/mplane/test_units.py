"""Framing, datastore filters and edits: the sans-I/O parts, with exact error texts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from harness.interfaces.mplane.datastore import NC, Datastore, EditError
from harness.interfaces.mplane.framing import Deframer, FramingError, frame
from harness.interfaces.mplane.sim import oru


def test_chunked_framing_reassembles_byte_by_byte():
    data = frame(b"<a/>", "1.1") + b"\n#3\nabc\n#2\nde\n##\n"
    d, out = Deframer("1.1"), []
    for i in range(len(data)):
        out += d.feed(data[i:i + 1])
    assert out == [b"<a/>", b"abcde"]


def test_eom_framing_and_a_bad_chunk_header_names_the_octet():
    assert Deframer("1.0").feed(b"<x/>]]>]]><y") == [b"<x/>"]
    with pytest.raises(FramingError, match=r"bad chunk header at octet 0: b'<rpc>'"):
        Deframer("1.1").feed(b"<rpc>")


def _filter(xml: str):
    return etree.fromstring(f'<filter xmlns="{NC}" type="subtree">{xml}</filter>')


def test_subtree_filter_selects_only_named_leaves_of_the_matching_entry():
    data = Datastore().get(_filter('<hardware xmlns="urn:ietf:params:xml:ns:yang:ietf-hardware">'
                                   '<component><name>ru-module</name><serial-num/></component></hardware>'))
    leaves = [etree.QName(e).localname for e in data.iter() if len(e) == 0]
    assert leaves == ["name", "serial-num"]
    assert len(Datastore().get(_filter('<hardware xmlns="urn:ietf:params:xml:ns:yang:ietf-hardware">'
                                       '<component><name>other</name></component></hardware>'))) == 0


def test_edit_config_create_twice_is_data_exists_and_leaves_running_untouched():
    ds = Datastore()
    before = etree.tostring(ds.running)
    cfg = etree.fromstring(f'<config xmlns:nc="{NC}"><hardware xmlns="urn:ietf:params:xml:ns:yang:ietf-hardware">'
                           '<component nc:operation="create"><name>ru-module</name></component></hardware></config>')
    with pytest.raises(EditError, match="create of /hardware/component: the data exists already"):
        ds.edit(cfg)
    assert etree.tostring(ds.running) == before


def test_every_o_ru_simulator_fault_is_in_the_fronthaul_docs():
    """A lab engineer picks --sim-fault from docs/fronthaul.md: every fault the simulator has is listed there."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "fronthaul.md").read_text()
    listed = text[text.index("Simulator faults (`--sim-fault`"):]
    listed = listed[:listed.index("\n\n")]
    names = {f.name for f in oru.ORU_FAULTS.faults}
    missing = sorted(n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", listed))
    assert not missing, f"faults missing from docs/fronthaul.md: {missing}"
