"""The codec relies on two asn1tools details; this fails the day upstream changes them.

harness.codec.codec drives asn1tools' aligned-PER ``Decoder`` itself (through
the public ``CompiledType.type`` property) to learn how many bits a decode
consumed: that gives bit offsets in errors and catches trailing octets, which
``Specification.decode`` silently ignores.
"""

from __future__ import annotations

import asn1tools
from asn1tools.codecs.per import Decoder


def test_asn1tools_version_is_the_pinned_one():
    assert asn1tools.__version__ == "0.169.0"


def test_decoder_reports_bits_read_and_spec_ignores_trailing_data():
    spec = asn1tools.compile_string("M DEFINITIONS AUTOMATIC TAGS ::= BEGIN T ::= INTEGER (0..255) END", "per")
    decoder = Decoder(bytearray(b"\x07\x00"))
    assert spec.types["T"].type.decode(decoder) == 7
    assert decoder.number_of_read_bits() == 8
    assert spec.decode("T", b"\x07\x00") == 7      # the trailing octet goes unnoticed upstream


def test_unchecked_encode_wraps_out_of_range_values():
    """Why constraints are always checked: asn1tools alone would send 44 for 300."""
    spec = asn1tools.compile_string("M DEFINITIONS AUTOMATIC TAGS ::= BEGIN T ::= INTEGER (0..255) END", "per")
    assert spec.decode("T", spec.encode("T", 300)) == 44
