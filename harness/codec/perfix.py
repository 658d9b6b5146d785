"""Corrections to the pinned asn1tools' aligned-PER type encoders (X.691 conformance).

Why: asn1tools 0.169.0 (pinned, see tests/codec/test_asn1tools_pin.py) differs from
X.691 -- and from asn1c and pycrate, which agree with each other -- in the places
that E2SM payloads reach:

* M1: a known-multiplier character string with a size range does not octet-align an
  empty value after its length (X.691 30.5.7 with 11.9: the field is aligned for any
  length), so the next field lands one octet early;
* M2: a length outside an extensible SIZE root raises NotImplementedError instead of
  taking the extension bit and a semi-constrained length (X.691 30.5.3, 11.9.4.2),
  for character strings and BIT STRING (16.6);
* M3: REAL -0.0 is encoded as plus zero; X.690 8.5.9 requires the special value 0x43;
  and a mantissa whose bit length is a multiple of 8 gets a leading zero octet (255.0
  as 80 00 00 ff; asn1c and pycrate write 80 00 ff), found by the differential tests;
* M4: an ENUMERATED extension index the module does not define decodes to None, which
  cannot be re-encoded; here it becomes ``UnknownEnumerated('<extension N>')``, which
  re-encodes to the same bits, and the codec notes it (kind 'unknown-value');
* open type fields (X.691 11.2 with 11.1): after a SEQUENCE extension addition asn1tools
  only aligned instead of stepping past the field's octets (a surplus octet was read as the
  next field), and after a CHOICE extension alternative that ran past its octets it moved
  backwards; an empty addition was written with a zero length instead of one zero octet.
  Contents that are not the value's complete encoding are rejected (`_close_open_type`).

`apply` swaps the class of each affected compiled type object for a subclass here,
once, right after compilation: no asn1tools module state is touched. The fast
decoder (fastper) implements the same rules.
"""

from __future__ import annotations

import math
import re

from asn1tools.codecs import per as _per


class _KnownMultiplierFix:
    """encode/decode for PrintableString, IA5String, VisibleString, NumericString."""

    def encode(self, data, encoder):
        t = self
        if t.has_extension_marker:
            if not (t.minimum <= len(data) <= t.maximum):
                encoder.append_bit(1)
                return t.encode_unbound(data, encoder)      # aligned length determinant + characters
            encoder.append_bit(0)
        if t.number_of_bits is None:
            return t.encode_unbound(data, encoder)
        if t.minimum != t.maximum:
            encoder.append_constrained_whole_number(len(data), t.minimum, t.maximum, t.number_of_bits)
            if t.maximum > 1:
                encoder.align()
        elif t.maximum * t.bits_per_character > 16:
            encoder.align()
        for value in data:
            encoder.append_non_negative_binary_integer(
                t.permitted_alphabet.encode(_per.to_int(value.encode(t.ENCODING))), t.bits_per_character)
        return None

    def decode(self, decoder):
        t = self
        if t.has_extension_marker and decoder.read_bit():
            return t.decode_unbound(decoder)
        if t.number_of_bits is None:
            return t.decode_unbound(decoder)
        if t.minimum != t.maximum:
            length = decoder.read_constrained_whole_number(t.minimum, t.maximum, t.number_of_bits)
            if t.maximum > 1:
                decoder.align()
        else:
            if t.maximum * t.bits_per_character > 16:
                decoder.align()
            length = t.minimum
        data = bytearray()
        for _ in range(length):
            value = t.permitted_alphabet.decode(decoder.read_non_negative_binary_integer(t.bits_per_character))
            data += _per.to_byte_array(value, t.bits_per_character)
        return data.decode(t.ENCODING)


class PrintableString(_KnownMultiplierFix, _per.PrintableString):
    pass


class IA5String(_KnownMultiplierFix, _per.IA5String):
    pass


class VisibleString(_KnownMultiplierFix, _per.VisibleString):
    pass


class NumericString(_KnownMultiplierFix, _per.NumericString):
    pass


def real_contents(data: float) -> bytes:
    """The contents octets of a REAL (X.691 15 -> the X.690 11.3.1 canonical form).

    Base 2 with an odd mantissa (11.3.1), the exponent and the mantissa N each in the
    fewest octets (8.5.7.4, 8.5.7.5: asn1tools 0.169.0 gave N a leading zero octet
    whenever its bit length is a multiple of 8, e.g. 255.0 -> 80 00 00 ff, where asn1c and
    pycrate write 80 00 ff); the special values of 8.5.9, minus zero included (0x43).
    """
    if math.isnan(data):
        return b"\x42"
    if math.isinf(data):
        return b"\x40" if data > 0 else b"\x41"
    if data == 0:
        return b"\x43" if math.copysign(1.0, data) < 0 else b""
    fraction, exponent = math.frexp(abs(data))
    mantissa, exponent = int(fraction * (1 << 53)), exponent - 53
    shift = (mantissa & -mantissa).bit_length() - 1
    mantissa >>= shift
    exponent += shift
    size = 1
    while not -(1 << (8 * size - 1)) <= exponent < (1 << (8 * size - 1)):
        size += 1
    first = 0x80 | (0x40 if data < 0 else 0) | (size - 1)    # size <= 2 for any double
    return (bytes([first]) + exponent.to_bytes(size, "big", signed=True)
            + mantissa.to_bytes((mantissa.bit_length() + 7) // 8, "big"))


class Real(_per.Real):
    def encode(self, data, encoder):
        contents = real_contents(float(data))
        encoder.align()
        encoder.append_length_determinant(len(contents))
        encoder.append_bytes(contents)


class BitString(_per.BitString):
    """A length outside an extensible SIZE root (X.691 16.6: extension bit 1, then 16.11 with
    no bounds: a semi-constrained length determinant and the bits); asn1tools 0.169.0 raised
    NotImplementedError both ways."""

    def encode(self, data, encoder):
        if self.has_extension_marker and not self.minimum <= data[1] <= self.maximum:
            encoder.append_bit(1)
            return self.encode_unbound(data[0], data[1], encoder)
        return super().encode(data, encoder)

    def decode(self, decoder):
        if self.has_extension_marker and decoder.read_bit():
            return self.decode_unbound(decoder)
        if self.number_of_bits is None:
            return self.decode_unbound(decoder)
        number_of_bits = self.minimum
        if self.minimum != self.maximum:
            number_of_bits = decoder.read_constrained_whole_number(self.minimum, self.maximum, self.number_of_bits)
            decoder.align()
        elif self.minimum > 16:
            decoder.align()
        return (decoder.read_bits(number_of_bits), number_of_bits)


# -- open types of 16K octets or more (X.691 11.2 with 11.9.3.8: fragmented length) ------------
# asn1tools 0.169.0 writes the first fragment's header (0xC1..0xC4) and then every octet in one
# run, with no further headers; and its decoder reads one fragment only. This hits an open type
# (an E2AP IE value), a CHOICE extension alternative and a SEQUENCE extension addition whose
# encoding reaches 16384 octets (a large E2SM-RC ControlOutcome, a large RIC indication IE).
# Below 16K octets everything goes through upstream unchanged.
_FRAGMENT = 16384


def _append_open(encoder, inner) -> None:
    """Append the (aligned) contents of encoder ``inner`` as an open type."""
    n = inner.number_of_bytes()
    encoder.align()
    if n == 0:                  # X.691 11.1: an empty complete encoding is one zero octet
        encoder.append_length_determinant(1)
        encoder.append_bytes(b"\x00")
        return
    if n < _FRAGMENT:
        encoder.append_length_determinant(n)
        encoder += inner
        return
    data = inner.as_bytearray()
    for offset, length in encoder.append_length_determinant_chunks(n):
        encoder.append_bytes(data[offset:offset + length])


def _read_fragments(decoder, first: int) -> bytes:
    """The contents of a fragmented open type whose first length (>= 16384) was read."""
    parts = [decoder.read_bytes(first)]
    length = first
    while length >= _FRAGMENT:
        length = decoder.read_length_determinant()
        parts.append(decoder.read_bytes(length))
    return b"".join(parts)


def _decode_inside(member, contents: bytes):
    decoder = _per.Decoder(bytearray(contents))
    try:
        value = member.decode(decoder)
    except _per.ErrorWithLocation as e:
        e.add_location(member)
        raise
    _close_open_type(decoder, member, 8 * len(contents), len(contents))
    return value


def _close_open_type(decoder, member, offset: int, length: int) -> None:
    """Step past an open type of ``length`` octets whose value was decoded from bit ``offset``
    (counted as bits left, asn1tools' way); its octets must be the value's complete encoding.

    X.691 11.2: an extension addition or CHOICE extension alternative is an open type field,
    the *complete encoding* (11.1: padded to an octet, one zero octet when empty) preceded
    by its length; the next field starts after those octets. asn1tools 0.169.0 only aligned
    after a SEQUENCE extension addition (octets past the value's encoding were then read as
    the next field), and moved backwards after a CHOICE alternative that ran past its octets.
    A value shorter or longer than its open type is an error here, as in asn1c.
    """
    used = offset - decoder.number_of_bits
    need = max(1, (used + 7) // 8)
    if need != length:
        err = _per.DecodeError(f"the open type holds {length} octet(s) but the value's encoding "
                               f"{'runs past it' if used > 8 * length else f'takes {need}'} (X.691 11.2)")
        err.add_location(member)
        raise err
    decoder.skip_bits(8 * length - used)


class OpenType(_per.OpenType):
    def encode(self, data, encoder):
        encoder.align()
        for offset, length in encoder.append_length_determinant_chunks(len(data)):
            encoder.append_bytes(data[offset:offset + length])

    def decode(self, decoder):
        decoder.align()
        length = decoder.read_length_determinant()
        return _read_fragments(decoder, length) if length >= _FRAGMENT else decoder.read_bytes(length)


class Choice(_per.Choice):
    def encode_additions(self, data, encoder):
        index = self.additions_name_to_index.get(data[0])
        if index is None:
            return super().encode_additions(data, encoder)      # its error names the choices
        addition = self.additions_index_to_member[index]
        inner = encoder.__class__()
        try:
            addition.encode(data[1], inner)
        except _per.ErrorWithLocation as e:
            e.add_location(addition)
            raise
        inner.align_always()
        encoder.append_normally_small_non_negative_whole_number(index)
        _append_open(encoder, inner)
        return None

    def decode_additions(self, decoder):
        index = decoder.read_normally_small_non_negative_whole_number()
        addition = self.additions_index_to_member.get(index)
        decoder.align()
        length = decoder.read_length_determinant()
        if length >= _FRAGMENT:
            contents = _read_fragments(decoder, length)
            return (None, None) if addition is None else (addition.name, _decode_inside(addition, contents))
        if addition is None:
            decoder.skip_bits(8 * length)
            return (None, None)
        offset = decoder.number_of_bits
        try:
            decoded = addition.decode(decoder)
        except _per.ErrorWithLocation as e:
            e.add_location(addition)
            raise
        _close_open_type(decoder, addition, offset, length)
        return (addition.name, decoded)


class _MembersFix:
    """SEQUENCE / SET extension additions: each an open type, fragmented from 16K octets."""

    def encode_additions(self, data, encoder):
        presence = 0
        inners = []
        for addition in self.additions:
            presence <<= 1
            inner = encoder.__class__()
            if isinstance(addition, _per.AdditionGroup):
                addition.encode_addition_group(data, inner)
            else:
                self.encode_member(addition, data, inner, encode_default=True)
            if inner.number_of_bits > 0 or addition.name in data:
                inners.append(inner)
                presence |= 1
        if not inners:
            return False
        count = len(self.additions)
        encoder.append_normally_small_length(count)
        encoder.append_non_negative_binary_integer(presence, count)
        encoder.align()
        for inner in inners:
            inner.align_always()
            _append_open(encoder, inner)
        return True

    def decode_additions(self, decoder):
        count = decoder.read_normally_small_length()
        presence = decoder.read_non_negative_binary_integer(count)
        decoder.align()
        decoded = {}
        for i in range(count):
            if not presence & (1 << (count - i - 1)):
                continue
            length = decoder.read_length_determinant()
            addition = self.additions[i] if i < len(self.additions) else None
            if length >= _FRAGMENT:
                contents = _read_fragments(decoder, length)
                if isinstance(addition, _per.AdditionGroup):
                    decoded.update(_decode_inside(addition, contents))
                elif addition is not None:
                    decoded[addition.name] = _decode_inside(addition, contents)
                continue
            if addition is None:
                decoder.skip_bits(8 * length)
                continue
            offset = decoder.number_of_bits
            try:
                if isinstance(addition, _per.AdditionGroup):
                    decoded.update(addition.decode(decoder))
                else:
                    decoded[addition.name] = addition.decode(decoder)
            except _per.ErrorWithLocation as e:
                e.add_location(addition)
                raise
            _close_open_type(decoder, addition, offset, length)
        return decoded


class Sequence(_MembersFix, _per.Sequence):
    pass


class Set(_MembersFix, _per.Set):
    pass


_UNKNOWN = re.compile(r"<extension (\d+)>")

# How many UnknownEnumerated values were decoded so far: the codec looks for them (to note
# them) only in decodes that moved this counter, so known values cost nothing.
SEEN = [0]


class UnknownEnumerated(str):
    """An ENUMERATED extension value not defined in the module, spelt '<extension N>'."""

    __slots__ = ()


def unknown_enumerated(index: int) -> UnknownEnumerated:
    SEEN[0] += 1
    return UnknownEnumerated(f"<extension {index}>")


class Enumerated(_per.Enumerated):
    def encode(self, data, encoder):
        additions = self.additions_index_to_data
        if additions is not None and data not in self.root_data_to_index and \
                data not in self.additions_data_to_index and isinstance(data, str):
            m = _UNKNOWN.fullmatch(data)
            if m is not None and int(m.group(1)) >= len(additions):
                encoder.append_bit(1)
                encoder.append_normally_small_non_negative_whole_number(int(m.group(1)))
                return
        super().encode(data, encoder)

    def decode(self, decoder):
        if self.additions_index_to_data is None or not decoder.read_bit():
            return self.decode_root(decoder)
        index = decoder.read_normally_small_non_negative_whole_number()
        value = self.additions_index_to_data.get(index)
        return unknown_enumerated(index) if value is None else value


def unknown_values(value, path: tuple, out: list) -> list:
    """(path, value) of every UnknownEnumerated inside a decoded value."""
    if isinstance(value, UnknownEnumerated):
        out.append((path, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            unknown_values(v, path + (k,), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            unknown_values(v, path + (f"[{i}]",), out)
    elif isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        unknown_values(value[1], path + (value[0],), out)
    return out


_REPLACE = {_per.PrintableString: PrintableString, _per.IA5String: IA5String,
            _per.VisibleString: VisibleString, _per.NumericString: NumericString, _per.Real: Real,
            _per.BitString: BitString, _per.OpenType: OpenType, _per.Choice: Choice,
            _per.Sequence: Sequence, _per.Set: Set,
            _per.Enumerated: Enumerated}


def apply(types) -> None:
    """Swap the class of every affected type object reachable from ``types`` (compiled types)."""
    swap(types, _REPLACE)


def swap(types, table: dict) -> None:
    """Swap the class of every type object reachable from ``types`` found in ``table`` (old class -> new)."""
    seen: set = set()
    stack = list(types)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
            continue
        if isinstance(obj, dict):
            stack.extend(obj.values())
            continue
        if not isinstance(obj, (_per.Type, _per.CompiledType)):
            continue
        new = table.get(type(obj))
        if new is not None:
            obj.__class__ = new
        stack.extend(v for v in vars(obj).values() if isinstance(v, (list, tuple, dict, _per.Type)))
