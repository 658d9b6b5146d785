"""Corrections to the pinned asn1tools' aligned-PER type encoders (X.691 conformance).

Why: asn1tools 0.169.0 (pinned, see tests/codec/test_asn1tools_pin.py) differs from
X.691 -- and from asn1c and pycrate, which agree with each other -- in three places
that E2SM payloads reach:

* M1: a known-multiplier character string with a size range does not octet-align an
  empty value after its length (X.691 30.5.7 with 11.9: the field is aligned for any
  length), so the next field lands one octet early;
* M2: a length outside an extensible SIZE root raises NotImplementedError instead of
  taking the extension bit and a semi-constrained length (X.691 30.5.3, 11.9.4.2);
* M3: REAL -0.0 is encoded as plus zero; X.690 8.5.9 requires the special value 0x43;
* M4: an ENUMERATED extension index the module does not define decodes to None, which
  cannot be re-encoded; here it becomes ``UnknownEnumerated('<extension N>')``, which
  re-encodes to the same bits, and the codec notes it (kind 'unknown-value').

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


class Real(_per.Real):
    def encode(self, data, encoder):
        if data == 0 and math.copysign(1.0, data) < 0:
            encoder.align()
            encoder.append_length_determinant(1)
            encoder.append_bytes(b"\x43")
            return
        super().encode(data, encoder)


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
            _per.Enumerated: Enumerated}


def apply(types) -> None:
    """Swap the class of every affected type object reachable from ``types`` (compiled types)."""
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
        fixed = _REPLACE.get(type(obj))
        if fixed is not None:
            obj.__class__ = fixed
        stack.extend(v for v in vars(obj).values() if isinstance(v, (list, tuple, dict, _per.Type)))
