"""Negative testing: deliberately malformed PDUs made from valid ones.

Test cases such as "the RIC sends an E2 Setup Response whose Global RIC ID is
longer than 20 bits" need bytes no conforming encoder produces. Every
operation starts from a valid decoded PDU and changes one thing:

* `drop_ie`          remove an IE (for example a mandatory one);
* `violate`          encode a field with a value outside its constraint, as far
                     as the wire can carry it (refused, with the reason, where the
                     field's bit width cannot hold it);
* `flip_bits`, `truncate_bits`, `insert_bits` at an IE: the IE's own encoding
  is edited and put back as raw open-type contents, so the outer message keeps
  valid lengths and the damage stays inside that IE.

Bit positions of a field inside an IE are found by encoding the IE twice with
the field varied and comparing: no knowledge of PER internals is needed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from asn1tools.codecs.per import Decoder

from harness.codec.codec import Asn1Codec
from harness.codec.errors import CodecError, EncodeError
from harness.core.errors import UserError


class MalformError(UserError):
    """The requested malformation cannot be made; the text says why."""


@dataclass(frozen=True)
class Malformation:
    """One change to a valid PDU, as a YAML test spec states it.

    kind: 'drop-ie' | 'violate' | 'flip-bits' | 'truncate-bits' | 'insert-bits'
    ie: IE id, its id name (id-GlobalRIC-ID) or its value type (GlobalRIC-ID)
    field: dotted path inside the IE value ('ric-ID'), for violate and bit edits
    value: the violating value (violate)
    bits: a string of 0/1 to insert (insert-bits); count of bits (flip, truncate)
    """

    kind: str
    ie: Any
    field: str | None = None
    value: Any = None
    bits: Any = None


def _ies(pdu: Any) -> list:
    """The top-level IE list of an E2AP PDU value (open types resolved)."""
    try:
        _, msg = pdu
        _, body = msg["value"]
        return body["protocolIEs"]
    except (TypeError, ValueError, KeyError) as err:
        raise MalformError(f"not a decoded E2AP PDU with protocolIEs ({err})") from None


def _match_ie(codec: Asn1Codec, ie: dict, which: Any) -> bool:
    if isinstance(which, int):
        return ie["id"] == which
    if isinstance(which, str):
        if which in codec.compiled.values:
            return ie["id"] == codec.compiled.values[which]
        val = ie.get("value")
        return isinstance(val, tuple) and val[0] == which
    return False


def find_ie(codec: Asn1Codec, pdu: Any, which: Any) -> int:
    """Index of the IE ``which`` in the PDU's IE list.

    Raises:
        MalformError: when the PDU has no such IE, listing those it has.
    """
    ies = _ies(pdu)
    for i, ie in enumerate(ies):
        if _match_ie(codec, ie, which):
            return i
    have = ", ".join(f"{ie['id']} ({ie['value'][0] if isinstance(ie['value'], tuple) else 'raw'})" for ie in ies)
    raise MalformError(f"the PDU has no IE {which!r}; it has: {have}")


def drop_ie(codec: Asn1Codec, pdu: Any, which: Any) -> Any:
    out = copy.deepcopy(pdu)
    del _ies(out)[find_ie(codec, out, which)]
    return out


def _get(value: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(value, tuple) and len(value) == 2 and value[0] == part:
            value = value[1]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise MalformError(f"no component '{part}' on the path")
    return value


def _set(value: Any, path: list[str], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, tuple) and len(value) == 2 and value[0] == head:
        return (head, _set(value[1], rest, new))
    if isinstance(value, dict) and head in value:
        out = dict(value)
        out[head] = _set(value[head], rest, new)
        return out
    raise MalformError(f"no component '{head}' on the path")


def encode_unchecked(codec: Asn1Codec, type_name: str, value: Any) -> bytes:
    """Encode without constraint checks, refusing values the wire would alter."""
    compiled = codec.compiled.spec.types[type_name]
    try:
        data = bytes(compiled.encode(value))
    except Exception as err:  # asn1tools raises assorted errors for impossible values
        raise MalformError(f"{type_name}: cannot be encoded at all: {err}") from None
    try:
        back = compiled.type.decode(Decoder(bytearray(data)))
    except Exception:
        back = None
    if back != value:
        raise MalformError(f"{type_name}: the value cannot be carried on the wire "
                           "(the field's bit width would alter it)")
    return data


def violate(codec: Asn1Codec, pdu: Any, which: Any, field: str | None, value: Any) -> Any:
    """A PDU whose IE ``which`` has ``field`` set to ``value``, constraints ignored."""
    out = copy.deepcopy(pdu)
    ies = _ies(out)
    i = find_ie(codec, out, which)
    type_name, inner = ies[i]["value"]
    changed = _set(inner, field.split(".") if field else [], value)
    try:
        codec.encode(type_name, changed)
    except CodecError:
        pass
    else:
        raise MalformError(f"{type_name}{'.' + field if field else ''} = {value!r} satisfies the "
                           "constraints; nothing to violate")
    ies[i] = dict(ies[i], value=encode_unchecked(codec, type_name, changed))
    return out


def field_bits(codec: Asn1Codec, type_name: str, value: Any, field: str) -> tuple[int, int]:
    """(first bit, bit count) of a fixed-width field inside ``type_name``'s encoding."""
    path = field.split(".")
    current = _get(value, path)
    base = codec.encode(type_name, value)
    variants: list[Any] = []            # values of the field's type that differ from the current one
    if isinstance(current, tuple) and len(current) == 2 and isinstance(current[0], bytes):
        data, n = current
        flipped = bytes(b ^ 0xFF for b in data)
        variants.append((flipped, n))
    elif isinstance(current, bool):
        variants.append(not current)
    elif isinstance(current, int):
        variants.extend([current ^ 1, current ^ (1 << max(current.bit_length() - 1, 0))])
    elif isinstance(current, bytes):
        variants.append(bytes(b ^ 0xFF for b in current))
    else:
        raise MalformError(f"bit positions are found for BIT STRING, INTEGER, BOOLEAN or OCTET STRING fields, "
                           f"not {type(current).__name__}")
    diff_bits: list[int] = []
    for v in variants:
        try:
            other = codec.encode(type_name, _set(value, path, v))
        except CodecError:
            continue
        if len(other) != len(base):
            continue
        x = int.from_bytes(base, "big") ^ int.from_bytes(other, "big")
        width = 8 * len(base)
        diff_bits.extend(i for i in range(width) if x >> (width - 1 - i) & 1)
    if not diff_bits:
        raise MalformError(f"cannot locate {field} in {type_name}'s encoding")
    if isinstance(current, tuple):
        return min(diff_bits), current[1]
    return min(diff_bits), max(diff_bits) - min(diff_bits) + 1


def _bits(data: bytes) -> str:
    return "".join(f"{b:08b}" for b in data)


def _pack(bits: str) -> bytes:
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big") if bits else b""


def edit_ie_bits(codec: Asn1Codec, pdu: Any, which: Any, kind: str, field: str | None = None,
                 bits: Any = None) -> Any:
    """Flip, truncate or insert bits inside one IE's encoding; return the edited PDU value."""
    out = copy.deepcopy(pdu)
    ies = _ies(out)
    i = find_ie(codec, out, which)
    type_name, inner = ies[i]["value"]
    raw = codec.encode(type_name, inner)
    start, length = field_bits(codec, type_name, inner, field) if field else (0, 8 * len(raw))
    b = _bits(raw)
    if kind == "flip-bits":
        n = int(bits or length)
        b = b[:start] + "".join("1" if c == "0" else "0" for c in b[start:start + n]) + b[start + n:]
    elif kind == "truncate-bits":
        keep = start + (int(bits) if bits is not None else 0)
        b = b[:keep]
    elif kind == "insert-bits":
        extra = str(bits or "")
        if not extra or set(extra) - {"0", "1"}:
            raise MalformError("insert-bits needs a string of 0 and 1")
        at = start + length
        b = b[:at] + extra + b[at:]
    else:
        raise MalformError(f"unknown bit edit {kind!r}")
    ies[i] = dict(ies[i], value=_pack(b))
    return out


def apply(codec: Asn1Codec, pdu: Any, m: Malformation, type_name: str = "E2AP-PDU") -> bytes:
    """Apply one malformation to a valid decoded PDU and return the bytes to send."""
    if m.kind == "drop-ie":
        changed = drop_ie(codec, pdu, m.ie)
    elif m.kind == "violate":
        changed = violate(codec, pdu, m.ie, m.field, m.value)
    elif m.kind in ("flip-bits", "truncate-bits", "insert-bits"):
        changed = edit_ie_bits(codec, pdu, m.ie, m.kind, m.field, m.bits)
    else:
        raise MalformError(f"unknown malformation {m.kind!r}; known: drop-ie, violate, flip-bits, "
                           "truncate-bits, insert-bits")
    try:
        return codec.encode(type_name, changed)
    except EncodeError as err:
        raise MalformError(f"the malformed PDU cannot be framed: {err}") from None
