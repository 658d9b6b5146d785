"""The JSON mapping of decoded ASN.1 values (documented in docs/json-mapping.md).

Type-directed in both directions, so that JSON stays readable (hex strings for
octets) and still converts back to exactly the value that was decoded:

    INTEGER, REAL            number
    ENUMERATED               string (the identifier)
    BOOLEAN / NULL           true, false / null
    character strings        string
    OBJECT IDENTIFIER        "1.3.6.1..."
    OCTET STRING             hex string "0a1b"
    BIT STRING               {"hex": "a0", "length": 3}   (length in bits)
    SEQUENCE / SET           object, components by name, absent = left out
    SEQUENCE OF / SET OF     array
    CHOICE                   {"alternative": value}       (one key)
    open type, resolved      {"type": "E2setupRequest", "value": ...}
    open type, unresolved    {"type": null, "hex": "..."}
    E2SM payload, decoded    {"type": "E2SM-KPM-IndicationHeader", "value": ...}
    E2SM payload, undecoded  hex string (it is an OCTET STRING)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.codec.codec import Asn1Codec
from harness.codec.errors import EncodeError
from harness.codec.plans import _members

_STRINGS = {"UTF8String", "PrintableString", "IA5String", "VisibleString", "NumericString",
            "BMPString", "UniversalString", "GeneralString", "GraphicString", "TeletexString",
            "T61String", "VideotexString", "ISO646String", "UTCTime", "GeneralizedTime",
            "ObjectDescriptor", "DATE", "TIME-OF-DAY", "DATE-TIME", "DURATION", "TIME"}
_PASS = {"INTEGER", "REAL", "ENUMERATED", "BOOLEAN", "NULL", "OBJECT IDENTIFIER"} | _STRINGS

CodecFor = Callable[[str], Asn1Codec]


class _Mapper:
    def __init__(self, codec_for: CodecFor, to_json: bool) -> None:
        self.codec_for = codec_for
        self.to_json = to_json

    def top(self, type_name: str, value: Any, path: tuple) -> Any:
        codec = self.codec_for(type_name)
        if type_name in codec._hole_types:            # an E2SM carrier as an IE value
            return self.hole(codec, type_name, value, path)
        desc = codec.compiled.types.get(type_name)
        if desc is None:
            raise EncodeError(f"no type '{type_name}'", path)
        return self.node(codec, desc, value, type_name, path)

    def node(self, codec: Asn1Codec, desc: dict, value: Any, owner: str | None, path: tuple) -> Any:
        t = desc["type"]
        if t in ("SEQUENCE", "SET"):
            if not isinstance(value, dict):
                raise EncodeError(f"expected an object for {t}, got {type(value).__name__}", path)
            members = {m["name"]: m for m in _members(desc)}
            unknown = [k for k in value if k not in members]
            if unknown:
                raise EncodeError(f"no component {unknown[0]!r}; components: {', '.join(members)}", path)
            out = {}
            for name, m in members.items():
                if name not in value:
                    continue
                slot = codec.compiled.slots.get((owner, name)) if owner else None
                if slot is not None and slot.class_field[1].isupper():
                    out[name] = self.open(value[name], path + (name,))
                else:
                    out[name] = self.node(codec, m, value[name], None, path + (name,))
            return out
        if t == "CHOICE":
            members = {m["name"]: m for m in _members(desc)}
            if self.to_json:
                alt, inner = value
                return {alt: self.node(codec, members[alt], inner, None, path + (alt,))}
            if not (isinstance(value, dict) and len(value) == 1):
                raise EncodeError("a CHOICE is an object with exactly one key: "
                                  f"one of {', '.join(members)}", path)
            (alt, inner), = value.items()
            if alt not in members:
                raise EncodeError(f"no alternative {alt!r}; alternatives: {', '.join(members)}", path)
            return (alt, self.node(codec, members[alt], inner, None, path + (alt,)))
        if t in ("SEQUENCE OF", "SET OF"):
            if not isinstance(value, list):
                raise EncodeError(f"expected an array for {t}", path)
            return [self.node(codec, desc["element"], v, None, path + (f"[{i}]",)) for i, v in enumerate(value)]
        if t == "OCTET STRING":
            return self.octets(value, path)
        if t == "BIT STRING":
            return self.bits(value, path)
        if t in _PASS:
            return value
        if t in codec.compiled.types:
            if t in codec._hole_types:
                return self.hole(codec, t, value, path)
            return self.node(codec, codec.compiled.types[t], value, t, path)
        if "." in t and "&" in t:
            return value            # fixed-type class field (&id, &criticality): number or identifier
        if t == "ANY" or t == "OpenType":
            return self.octets(value, path)
        return value

    def octets(self, value: Any, path: tuple) -> Any:
        if self.to_json:
            return bytes(value).hex()
        if not isinstance(value, str):
            raise EncodeError("expected a hex string for OCTET STRING", path)
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise EncodeError(f"not a hex string: {value[:40]!r}", path) from None

    def bits(self, value: Any, path: tuple) -> Any:
        if self.to_json:
            data, length = value
            return {"hex": bytes(data).hex(), "length": length}
        if not (isinstance(value, dict) and set(value) == {"hex", "length"}):
            raise EncodeError('a BIT STRING is {"hex": "...", "length": bits}', path)
        return (self.octets(value["hex"], path), int(value["length"]))

    def open(self, value: Any, path: tuple) -> Any:
        if self.to_json:
            if isinstance(value, (bytes, bytearray)):
                return {"type": None, "hex": bytes(value).hex()}
            type_name, inner = value
            return {"type": type_name, "value": self.top(type_name, inner, path + (f"<{type_name}>",))}
        if not isinstance(value, dict) or "type" not in value:
            raise EncodeError('an open type is {"type": TypeName, "value": ...} or {"type": null, "hex": ...}',
                              path)
        if value["type"] is None:
            return self.octets(value.get("hex", ""), path)
        return (value["type"], self.top(value["type"], value.get("value"), path + (f"<{value['type']}>",)))

    def hole(self, codec: Asn1Codec, carrier: str, value: Any, path: tuple) -> Any:
        if self.to_json:
            if isinstance(value, (bytes, bytearray)):
                return bytes(value).hex()
            type_name, inner = value
            return {"type": type_name, "value": self.top(type_name, inner, path + (f"<{type_name}>",))}
        if isinstance(value, str):
            return self.octets(value, path)
        if isinstance(value, dict) and "type" in value:
            return (value["type"], self.top(value["type"], value.get("value"), path + (f"<{value['type']}>",)))
        raise EncodeError(f"{carrier} is a hex string or {{\"type\": E2SM type, \"value\": ...}}", path)


def to_json(codec_for: CodecFor, type_name: str, value: Any) -> Any:
    """Decoded value -> JSON-ready structure."""
    return _Mapper(codec_for, True).top(type_name, value, (type_name,))


def from_json(codec_for: CodecFor, type_name: str, data: Any) -> Any:
    """JSON structure -> value ready for encoding.

    Raises:
        EncodeError: naming the path of the first value that does not fit.
    """
    return _Mapper(codec_for, False).top(type_name, data, (type_name,))
