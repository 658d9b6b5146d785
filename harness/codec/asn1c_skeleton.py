"""Decoder variants that read aligned PER the way asn1c's stock skeleton writes it.

Why: E2 nodes built with the asn1c runtime skeleton shipped by several open-source
RAN stacks put two kinds of extension indexes on the wire with too few bits. A
payload from them fails to decode here; these variants read it the skeleton's way,
so the failure can name the cause (harness.codec.dialects). They are never used to
accept a payload: a payload that only these variants read is still a failure.

What the skeleton does (facts read from asn1c's public sources, not copied; docs/codec.md,
"Dialect diagnosis", names the files):

* the older mouse07410 line's APER helpers ``aper_put_nsnnwn(po, range, n)`` /
  ``aper_get_nsnnwn(pd, range)`` take a *range*: up to 255 they write ``n`` in the fewest
  bits ``i`` (1..8) with ``2**i >= range``, with no leading bit and no 6-bit field --
  unlike X.691 11.6's normally small non-negative whole number (a 0 bit then 6 bits for
  n < 64). Newer trees have a one-argument, conformant ``aper_put_nsnnwn(po, n)``;
* CHOICE (confirmed): that line's ``constr_CHOICE.c`` writes the extension alternative's
  index as ``aper_put_nsnnwn(po, ext_ct->range_bits, index)`` -- a *bit count* passed as
  the range -- so the index takes one or two bits where X.691 23.8 asks for the normally
  small number; the open type that follows is standard. OSC e2sim builds patch this call;
* ENUMERATED (NOT confirmed in the sources): every ``NativeEnumerated`` APER encoder read,
  old (``uper_put_nsnnwn``) and new (one-argument ``aper_put_nsnnwn``), writes the
  extension index as X.691 14.3 / 11.6 asks for indexes below 64, and the old decoder
  reads it with ``aper_get_nsnnwn(pd, 65537)``, the normally-small branch. The root's
  width (4 bits for a 14-value Cause list) is the issue's field report about the skeleton
  FlexRIC ships, which the sources at hand do not hold; the variant is kept to recognise
  that report, and docs/codec.md calls it unconfirmed.

`swap` changes the class of the compiled type objects of a *separately loaded*
compiled module set; the codec's own compiled types are never touched.
"""

from __future__ import annotations

from asn1tools.codecs import ErrorWithLocation
from asn1tools.codecs import per as _per

from harness.codec import perfix


def helper_bits(range_: int) -> int:
    """Bits the skeleton's range-taking helper uses for ``range_`` <= 255."""
    for i in range(1, 9):
        if (1 << i) >= range_:
            return i
    return 8


class Asn1cEnumerated(perfix.Enumerated):
    """ENUMERATED whose extension index has the root's width (asn1c skeleton)."""

    def decode(self, decoder):
        if self.additions_index_to_data is None or not decoder.read_bit():
            return self.decode_root(decoder)
        index = decoder.read_non_negative_binary_integer(helper_bits(len(self.root_index_to_data)))
        value = self.additions_index_to_data.get(index)
        return perfix.unknown_enumerated(index) if value is None else value


class Asn1cChoice(perfix.Choice):
    """CHOICE whose extension alternative index is read with too few bits (asn1c skeleton).

    Only the index differs; encoding (never used on a dialect copy) stays perfix's.
    """

    def decode_additions(self, decoder):
        count = len(self.additions_index_to_member)
        range_bits = max(count - 1, 0).bit_length()
        index = decoder.read_non_negative_binary_integer(helper_bits(range_bits))
        addition = self.additions_index_to_member.get(index)
        decoder.align()                                  # the open type (X.691 11.2), as standard
        length = 8 * decoder.read_length_determinant()
        start = decoder.number_of_bits
        if addition is None:
            decoder.skip_bits(length)
            return (None, None)
        try:
            value = addition.decode(decoder)
        except ErrorWithLocation as err:
            err.add_location(addition)
            raise
        decoder.skip_bits(length - (start - decoder.number_of_bits))
        return (addition.name, value)


ENUMERATED = {perfix.Enumerated: Asn1cEnumerated, _per.Enumerated: Asn1cEnumerated}
CHOICE = {perfix.Choice: Asn1cChoice, _per.Choice: Asn1cChoice}


def swap(types, table: dict) -> None:
    """Swap the class of every type object reachable from ``types`` found in ``table``."""
    perfix.swap(types, table)
