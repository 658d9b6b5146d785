"""Fuzzing the NETCONF input paths: RFC 6242 deframing and the O-RU datastore's filters.

1. `Deframer` (harness/interfaces/mplane/framing.py) cuts a peer's byte stream into messages,
   base:1.0 end-of-message or base:1.1 chunks (RFC 6242 clause 4.1-4.2): any octets, fed
   in any pieces, give messages or `FramingError` naming the octet, never anything
   else, and never more message octets than were fed.
2. `Datastore.get` (harness/interfaces/mplane/datastore.py) answers get / get-config with a
   subtree (RFC 6241 clause 6) or XPath (clause 8.9) filter a client sent: any
   well-formed filter gives a `<data>` element or `FilterError`.
The client's reply parsing meets hostile peers in tests/hostile/test_mplane_hostile.py.
Inputs that once broke these are kept in fixtures/fuzz/netconf/ and replayed below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from lxml import etree

from harness.fuzz.mutators import mutate, mutate_text
from harness.interfaces.mplane.datastore import Datastore, FilterError
from harness.interfaces.mplane.framing import Deframer, FramingError, frame
from tests.fuzz.conftest import fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "fuzz" / "netconf"
NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
MESSAGES = [b'<rpc-reply xmlns="%s" message-id="1"><ok/></rpc-reply>' % NC.encode(),
            b"<hello/>", b"x" * 300]
FILTERS = [
    f'<filter xmlns="{NC}" type="subtree"><hardware xmlns="urn:ietf:params:xml:ns:yang:ietf-hardware">'
    '<component><name>ru-module</name></component></hardware></filter>',
    f'<filter xmlns="{NC}" type="subtree"><active-alarm-list xmlns="urn:o-ran:fm:1.0"/></filter>',
    f'<filter xmlns="{NC}" type="subtree"><operational-info xmlns="urn:o-ran:operations:1.0"><declarations/>'
    '</operational-info></filter>',
    f'<filter xmlns="{NC}" xmlns:hw="urn:ietf:params:xml:ns:yang:ietf-hardware" type="xpath" '
    'select="/hw:hardware/hw:component[hw:name=\'ru-module\']"/>',
]
SELECTS = st.sampled_from(["/", "//*", "count(//*)", "/a:b[", "//*[position()>1]/..", "string(/)", "/*/*/*/*",
                           "//@*", "//text()", "//comment()", "1 div 0", "/x:y", "//*[name()='component']",
                           "id('x')", "//processing-instruction()", "../..", ""]) | st.text(max_size=30)


def deframe(version: str, pieces: list[bytes]) -> list[bytes]:
    d = Deframer(version)
    out: list[bytes] = []
    try:
        for p in pieces:
            out += d.feed(p)
    except FramingError as err:
        assert "octet" in str(err) and "\n" not in str(err), err
    assert sum(len(m) for m in out) <= sum(len(p) for p in pieces)
    return out


def cut(data: bytes, points: list[int]) -> list[bytes]:
    at = sorted({p % (len(data) + 1) for p in points})
    return [data[a:b] for a, b in zip([0] + at, at + [len(data)])]


@fuzz_settings()
@given(version=st.sampled_from(["1.0", "1.1"]), picks=st.lists(st.integers(0, 99), min_size=1, max_size=4),
       rng=st.randoms(use_true_random=False), points=st.lists(st.integers(0, 2000), max_size=5))
def test_mutated_streams_deframe_or_fail_naming_the_octet(version, picks, rng, points):
    stream = b"".join(frame(MESSAGES[i % len(MESSAGES)], version) for i in picks)
    stream, _ = mutate(stream, rng)
    deframe(version, cut(stream, points))


@fuzz_settings(0.5)
@given(version=st.sampled_from(["1.0", "1.1"]), pieces=st.lists(st.binary(max_size=60), max_size=6))
def test_random_streams_deframe_or_fail_naming_the_octet(version, pieces):
    deframe(version, pieces)


def test_whole_messages_come_back_whatever_the_cuts():
    """The property above has teeth: a clean stream yields exactly what was framed."""
    for version in ("1.0", "1.1"):
        stream = b"".join(frame(m, version) for m in MESSAGES)
        for step in (1, 7, 64):
            assert deframe(version, [stream[i:i + step] for i in range(0, len(stream), step)]) == MESSAGES


def get(filter_xml: str):
    try:
        element = etree.fromstring(filter_xml.encode("utf-8", "surrogatepass"))
    except (etree.XMLSyntaxError, ValueError):
        return None                       # the server's XML parser rejects it before any filter runs
    try:
        out = Datastore().get(element)
    except FilterError as err:
        assert "\n" not in str(err)
        return err
    assert etree.QName(out).localname == "data"
    return out


@fuzz_settings()
@given(i=st.integers(0, 99), rng=st.randoms(use_true_random=False))
def test_mutated_filters_give_data_or_a_filter_error(i, rng):
    text, _ = mutate_text(FILTERS[i % len(FILTERS)], rng)
    get(text)


@fuzz_settings()
@given(select=SELECTS)
def test_any_xpath_select_gives_data_or_a_filter_error(select):
    quoted = select.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    get(f'<filter xmlns="{NC}" xmlns:a="urn:a" xmlns:x="urn:x" type="xpath" select="{quoted}"/>')


def test_the_filters_select_what_they_name():
    hw = get(FILTERS[0])
    assert etree.tostring(hw).count(b"ru-module") >= 1 and b"operational-info" not in etree.tostring(hw)
    assert isinstance(get(f'<filter xmlns="{NC}" type="xpath" select="/a:b["/>'), FilterError)


CASES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_a_corpus_case_ends_cleanly(path):
    data = path.read_bytes()
    if path.name.startswith("filter"):
        get(data.decode("utf-8", "replace"))
    else:
        for version in ("1.0", "1.1"):
            deframe(version, [data])
