"""APER codec over a compiled module set, with open types resolved.

Decoding returns plain asn1tools values, except that every open type governed
by an object set becomes a tuple ``(TypeName, value)``, chosen by the key
component (procedure code, ProtocolIE-ID) exactly as the ASN.1 object set says.
An open type whose key is not in the set stays ``bytes`` and is reported as a
`Note`; it is never dropped, so re-encoding gives back the same octets.

Embedded payloads ("holes", such as E2SM inside E2AP) are handed to a
`HoleHandler` supplied by the caller, who knows which protocol they carry.

Errors name the IE path and the bit offset counted from the start of the
outermost PDU. Constraints are checked on every encode and decode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from asn1tools.codecs import ErrorWithLocation
from asn1tools.codecs.per import Decoder

from harness.codec import fastgen, fastper, perfix
from harness.codec.compiler import CompiledAsn1
from harness.codec.errors import CodecError, DecodeError, EncodeError, render_path
from harness.codec.plans import PlanBuilder


@dataclass(frozen=True, slots=True)
class Note:
    """Something a decode noticed without failing: a candidate finding.

    kind: 'unknown-key' (IE id / procedure code not in the object set),
    'criticality' (value differs from the object set), 'e2sm' (payload left
    undecoded or chosen by trial), 'trailing' and the like.
    """

    kind: str
    path: str
    text: str


class HoleHandler(Protocol):
    def decode(self, type_name: str, data: bytes, path: tuple, bit_offset: int, context: dict,
               notes: list, siblings: dict | None) -> Any: ...

    def observe(self, type_name: str, value: Any, context: dict) -> None: ...

    def encode(self, type_name: str, value: Any, path: tuple, context: dict) -> bytes: ...


_SLOW = object()

# Open-type values remembered by their octets: exactly these immutable types (not the
# UnknownEnumerated str subclass), and only when decoding them made no note. IE values such
# as RAN function and action IDs repeat on every message of an association.
_SCALARS = frozenset({int, str, bool})
_SCALAR_MEMO = 4096
_INDEX = tuple(f"[{i}]" for i in range(256))       # list item path parts, formatted once

# Largest input given to asn1tools' decoder (which needs ~27 octets of memory per input octet).
# The fast decoder takes any size; it declines only on what it does not implement (such as
# fragmented lengths, for octet strings of 16K octets or more).
SLOW_DECODE_LIMIT = 2 * 1024 * 1024


def _inner_path(err: ErrorWithLocation, top, type_name: str) -> tuple:
    """The IE path asn1tools gathered, without the top type's own name."""
    err.add_location(top)
    parts = [x for x in err.location_str.split(".") if x]
    while parts and parts[0] == type_name:
        parts.pop(0)
    return tuple(parts)


def _length_prefix_ok(data: bytes, pos: int, n: int) -> bool:
    """True when the aligned-PER length determinant for ``n`` octets ends at ``pos``."""
    if n < 128:
        return pos >= 1 and data[pos - 1] == n
    if n < 16384:
        return pos >= 2 and data[pos - 2] == (0x80 | (n >> 8)) and data[pos - 1] == (n & 0xFF)
    return True


def _locate(data: bytes, inner: bytes, cursor: int) -> int:
    """Octet position of an open type's contents inside ``data`` (after ``cursor``)."""
    pos = data.find(inner, cursor)
    while pos >= 0 and not _length_prefix_ok(data, pos, len(inner)):
        pos = data.find(inner, pos + 1)
    return pos if pos >= 0 else cursor


_PREFIX = tuple(bytes((i,)) for i in range(128))


def _find_open(data: bytes, inner: bytes, cursor: int) -> int:
    """`_locate`, in one search for the usual one-octet length: the first place after ``cursor``
    where ``inner`` follows its own length determinant (searching for the two together)."""
    n = len(inner)
    if n >= 128:
        return _locate(data, inner, cursor)
    q = data.find(_PREFIX[n] + inner, cursor - 1 if cursor else 0)
    return q + 1 if q >= 0 else cursor


class Asn1Codec:
    """Encode and decode one compiled module set."""

    def __init__(self, compiled: CompiledAsn1, holes: HoleHandler | None = None,
                 hole_types: frozenset = frozenset(), label: str = "", fast: bool = True) -> None:
        self.compiled = compiled
        self.label = label
        self._spec_types = compiled.spec.types
        self._plans = PlanBuilder(compiled.types, compiled.slots, hole_types)
        self._hole_types = hole_types
        self._holes = holes
        self._keyed: dict = {}
        self._slot_tables: dict = {}    # id(TableSlot) -> its object set keyed by the key field
        self._walkers: dict = {}        # id(plan node) -> its decode walk (see _walker)
        self._recipes: dict = {}        # type name -> (compiled type, is a hole, walker or None, exact decoder or None)
        self._scalars: dict = {}        # (type name, octets) -> an open type's int/str value (see _SCALARS)
        self._fast: dict = {}
        self._use_fast = fast

    # ------------------------------------------------------------ helpers
    def type_names(self) -> list[str]:
        return list(self._spec_types)

    def has_type(self, name: str) -> bool:
        return name in self._spec_types

    def objects(self, set_name: str, key_field: str) -> dict:
        k = (set_name, key_field)
        table = self._keyed.get(k)
        if table is None:
            table = self._keyed[k] = self.compiled.object_by_key(set_name, key_field)
        return table

    def _table(self, slot) -> dict:
        """The object set of a table slot, keyed by its key field (looked up once per slot)."""
        table = self._slot_tables.get(id(slot))
        if table is None:
            table = self._slot_tables[id(slot)] = self.objects(slot.object_set, self._key_field(slot))
        return table

    def _compiled_type(self, type_name: str, path: tuple, error: type):
        try:
            return self._spec_types[type_name]
        except KeyError:
            raise error(f"no type '{type_name}' in {self.label or 'these modules'}", path) from None

    # ------------------------------------------------------------ decode
    def decode(self, type_name: str, data: bytes, *, notes: list | None = None,
               context: dict | None = None, deep: bool = True, _path: tuple = (),
               _base: int = 0) -> Any:
        """Decode ``data`` as ``type_name``.

        Args:
            notes: receives a `Note` for anything suspicious but decodable.
            context: shared with the hole handler (for example the RAN function).
            deep: resolve open types and holes; False gives asn1tools' raw view.

        Raises:
            DecodeError: with the IE path and the absolute bit offset.
        """
        path = _path or (type_name,)
        if not deep:
            compiled = self._compiled_type(type_name, path, DecodeError)
            value = self._decode_fast(type_name, compiled, data, path, _base)
            return self._decode_slow(type_name, compiled, data, path, _base) if value is _SLOW else value
        return self._deep(type_name, data, notes if notes is not None else [],
                          context if context is not None else {}, path, _base)

    def _deep(self, type_name: str, data: bytes, notes: list, context: dict, path: tuple, base: int):
        """`decode` with deep=True; open types come here directly (the type's facts looked up once)."""
        recipe = self._recipes.get(type_name)
        if recipe is None:
            compiled = self._compiled_type(type_name, path, DecodeError)
            plan = self._plans.plan(type_name)
            recipe = self._recipes[type_name] = (compiled, type_name in self._hole_types and self._holes is not None,
                                                 None if plan is None else self._walker(plan),
                                                 self._exact_decoder(compiled))
        compiled, hole, walker, exact = recipe
        unknown_before = perfix.SEEN[0]
        value: Any = fastgen.DECLINED if exact is None else exact(data)
        if value is fastgen.DECLINED:
            value = self._decode_fast(type_name, compiled, data, path, base)
            if value is _SLOW:
                value = self._decode_slow(type_name, compiled, data, path, base)
        if perfix.SEEN[0] != unknown_before:
            for where, v in perfix.unknown_values(value, path, []):
                notes.append(Note("unknown-value", render_path(where),
                                  f"ENUMERATED extension value {v[1:-1]} is not defined in "
                                  f"{self.label or 'these modules'}; kept as '{v}'"))
        if hole and self._holes is not None:
            return self._holes.decode(type_name, value, path, base + 8 * _find_open(data, value, 0),
                                      context, notes, None)
        if walker is not None:
            value = walker(value, path, [data, 0, base, notes, context])
        return value

    def _decode_fast(self, type_name: str, compiled, data: bytes, path: tuple, _base: int):
        """The fast decoder's value, or _SLOW when it declines (see fastper's contract).

        Octets left over after a value the fast decoder accepted are reported here for
        inputs above `SLOW_DECODE_LIMIT`, with the slow path's error text, instead of
        spreading the whole input into asn1tools' string of '0'/'1' characters (about 27
        times its size in memory). Smaller inputs go to asn1tools, whose error names the
        exact place (it may stop earlier than the fast decoder on damaged input).
        """
        if not self._use_fast:
            return _SLOW
        fast = self._fast.get(type_name, _SLOW)
        if fast is _SLOW:
            fast = self._fast[type_name] = fastgen.build(compiled, self.compiled.spec)
        if fast is None:
            return _SLOW
        try:
            value, used = fast(data)
        except fastper.Fallback:
            return _SLOW
        end = (used + 7) >> 3
        if end > len(data):     # skipped past the end (unknown extension additions): asn1tools judges
            return _SLOW
        if end < len(data):
            if len(data) <= SLOW_DECODE_LIMIT:
                return _SLOW    # asn1tools may stop earlier, or find a violation first: it has the say
            try:
                compiled.check_constraints(value)
            except Exception:   # the violation comes first, but this input is too big for asn1tools
                return _SLOW
            raise DecodeError(f"{len(data) - end} octet(s) left over after the end of {type_name}",
                              path, _base + end * 8)
        return value

    def _decode_slow(self, type_name: str, compiled, data: bytes, path: tuple, _base: int):
        """asn1tools' decoder plus its constraint checker: precise errors.

        Inputs above `SLOW_DECODE_LIMIT` octets are refused: asn1tools holds the input as
        a bit-character string, so a hostile tens-of-MB PDU would cost gigabytes.
        """
        if len(data) > SLOW_DECODE_LIMIT:
            raise DecodeError(f"{len(data)} octets that the fast decoder cannot decode; more than the "
                              f"{SLOW_DECODE_LIMIT} the precise decoder takes, so not decoded further",
                              path, _base)
        decoder = Decoder(bytearray(data))
        try:
            value = compiled.type.decode(decoder)
        except ErrorWithLocation as err:
            inner = _inner_path(err, compiled.type, type_name)
            offset = _base + decoder.number_of_read_bits()
            raise DecodeError(err.message, path + inner, offset) from None
        except Exception as err:  # asn1tools raises assorted errors (NotImplementedError, ...) on hostile bytes
            raise DecodeError(f"undecodable ({type(err).__name__}: {err})", path,
                              _base + decoder.number_of_read_bits()) from None
        try:
            compiled.check_constraints(value)
        except ErrorWithLocation as err:
            raise DecodeError(err.message, path + _inner_path(err, compiled.type, type_name), _base,
                              value_start=True) from None
        used = (decoder.number_of_read_bits() + 7) // 8
        if used < len(data):
            raise DecodeError(f"{len(data) - used} octet(s) left over after the end of {type_name}",
                              path, _base + used * 8)
        return value

    def _walker(self, plan) -> Callable:
        """The decode walk of one plan node as a function ``(value, path, state) -> value``, built once.

        Why: dispatching on the node kind and looking plans up per value cost more than the
        open types themselves on short E2AP IEs; a built walker only does the work left.
        """
        key = id(plan)
        walker = self._walkers.get(key)
        if walker is None:
            self._walkers[key] = self._deferred(plan)      # a recursive plan reaches itself: go lazily
            walker = self._walkers[key] = self._make_walker(plan)
        return walker

    def _deferred(self, plan) -> Callable:
        return lambda value, path, state: self._walkers[id(plan)](value, path, state)

    def _make_walker(self, plan) -> Callable:
        kind = plan[0]
        if kind == "ref":
            sub = self._plans.plan(plan[1])
            return (lambda value, path, state: value) if sub is None else self._walker(sub)
        if kind == "seq":
            steps = []
            for comp, node in plan[1]:
                if node[0] == "open":
                    steps.append((comp, 0, node[1]))
                elif node[0] == "check":
                    if node[1].key is not None:
                        steps.append((comp, 1, node[1]))
                elif node[0] == "hole":
                    steps.append((comp, 2, node[1]))
                else:
                    steps.append((comp, 3, self._walker(node)))

            def seq(value, path, state):
                for comp, how, arg in steps:
                    if comp not in value:
                        continue
                    if how == 0:
                        value[comp] = self._decode_open(arg, value, comp, path, state)
                    elif how == 1:
                        obj = self._table(arg).get(value.get(arg.key))      # _check_value's test, inline
                        expected = None if obj is None else obj.fields.get(arg.class_field)
                        if expected is not None and value[comp] != expected:
                            self._check_value(arg, value, comp, path, state[3])
                    elif how == 2:
                        value[comp] = self._decode_hole(arg, value[comp], path + (comp,), state, value)
                    else:
                        value[comp] = arg(value[comp], path + (comp,), state)
                return value
            return seq
        if kind == "choice":
            alternatives = {alt: self._walker(node) for alt, node in plan[1].items()}

            def choice(value, path, state):
                alt, inner = value
                walker = alternatives.get(alt)
                return value if walker is None else (alt, walker(inner, path + (alt,), state))
            return choice
        if kind == "list":
            item_walker = self._walker(plan[1])

            def each(value, path, state):
                for i, item in enumerate(value):
                    value[i] = item_walker(item, path + ((_INDEX[i] if i < 256 else f"[{i}]"),), state)
                return value
            return each
        if kind == "hole":
            name = plan[1]
            return lambda value, path, state: self._decode_hole(name, value, path, state, None)
        return lambda value, path, state: value

    def _decode_hole(self, type_name: str, raw: bytes, path: tuple, state: list, siblings):
        if self._holes is None:
            return raw
        return self._holes.decode(type_name, raw, path, self._offset_of(raw, state), state[4], state[3],
                                  siblings)

    def _offset_of(self, inner: bytes, state: list) -> int:
        pos = _find_open(state[0], inner, state[1])
        state[1] = pos + len(inner)
        return state[2] + 8 * pos

    def _decode_open(self, slot, seq: dict, comp: str, path: tuple, state: list):
        raw = seq[comp]
        key = seq.get(slot.key)
        table = self._slot_tables.get(id(slot))
        obj = (self._table(slot) if table is None else table).get(key)
        pos = _find_open(state[0], raw, state[1])            # self._offset_of, inline (once per IE)
        state[1] = pos + len(raw)
        offset = state[2] + 8 * pos
        if obj is None:
            where = render_path(path + (comp,))
            known = "extensible" if self.compiled.object_sets[slot.object_set].extensible else "not extensible"
            state[3].append(Note("unknown-key", where,
                                 f"{slot.key} {key} is not in {slot.object_set} ({known}); "
                                 f"{len(raw)} octet(s) kept undecoded"))
            return raw
        type_name = obj.fields.get(slot.class_field)
        if type_name is None:
            state[3].append(Note("unknown-key", render_path(path + (comp,)),
                                 f"the object for {slot.key} {key} in {slot.object_set} has no "
                                 f"{slot.class_field[1:]}; {len(raw)} octet(s) kept undecoded"))
            return raw
        value = self._scalars.get((type_name, raw), _SLOW)
        if value is _SLOW:
            notes = state[3]
            noted = len(notes)
            recipe = self._recipes.get(type_name)
            if recipe is not None and recipe[3] is not None and not recipe[1] and recipe[2] is None:
                seen = perfix.SEEN[0]             # a plain value type: `_deep`'s work is this call
                value = recipe[3](raw)
                if value is fastgen.DECLINED or perfix.SEEN[0] != seen:
                    value = _SLOW
            if value is _SLOW:
                value = self._deep(type_name, raw, notes, state[4], path + (comp, f"<{type_name}>"), offset)
            if type(value) in _SCALARS and len(notes) == noted:
                if len(self._scalars) >= _SCALAR_MEMO:
                    self._scalars.clear()
                self._scalars[(type_name, raw)] = value
        if self._holes is not None:
            self._holes.observe(type_name, value, state[4])
        return (type_name, value)

    def _exact_decoder(self, compiled) -> Callable | None:
        """The type's generated decoder taking exactly the whole octets (`fastgen.build_exact`).

        Why: one call where `_decode_fast` and fastgen's wrapper cost more than a short IE's
        decode; what it declines (errors, octets left over, skips past the end) takes
        `_decode_fast` and asn1tools as before. `_decode_open` calls it directly for value
        types with nothing to walk (request IDs, E2 node IDs, causes), without `_deep`; an
        unknown ENUMERATED value (which needs a note) then goes through `_deep`.
        """
        return fastgen.build_exact(compiled, self.compiled.spec) if self._use_fast else None

    def _key_field(self, slot) -> str:
        key_slot = self.compiled.slots.get((slot.type_name, slot.key)) if slot.key else slot
        if key_slot is None:
            raise CodecError(f"the key {slot.key} of the table constraint on {slot.component} has no "
                             "table constraint of its own", (slot.type_name, slot.key))
        return key_slot.class_field

    def _check_value(self, slot, seq: dict, comp: str, path: tuple, notes: list) -> None:
        if slot.key is None:
            return
        obj = self._table(slot).get(seq.get(slot.key))
        if obj is None:
            return
        expected = obj.fields.get(slot.class_field)
        if expected is not None and seq[comp] != expected:
            notes.append(Note(comp, render_path(path + (comp,)),
                              f"{comp} is '{seq[comp]}' but {slot.object_set} gives '{expected}' "
                              f"for {slot.key} {seq.get(slot.key)}"))

    # ------------------------------------------------------------ encode
    def encode(self, type_name: str, value: Any, *, context: dict | None = None, _path: tuple = ()) -> bytes:
        """Encode ``value`` (open types as ``(TypeName, value)``) with constraints checked.

        Raises:
            EncodeError: with the IE path.
        """
        path = _path or (type_name,)
        compiled = self._compiled_type(type_name, path, EncodeError)
        context = context if context is not None else {}
        if type_name in self._hole_types and self._holes is not None and not isinstance(value, (bytes, bytearray)):
            value = self._holes.encode(type_name, value, path, context)
        plan = self._plans.plan(type_name)
        if plan is not None:
            value = self._walk_encode(plan, value, path, context)
        try:
            compiled.check_types(value)
            compiled.check_constraints(value)
            return bytes(compiled.encode(value))
        except ErrorWithLocation as err:
            inner = _inner_path(err, compiled.type, type_name)
            raise EncodeError(err.message, path + inner) from None
        except (ValueError, TypeError, KeyError, AttributeError, IndexError) as err:
            raise EncodeError(f"cannot encode: {type(err).__name__}: {err}", path) from None

    def _walk_encode(self, plan, value, path: tuple, context: dict):
        kind = plan[0]
        if kind == "ref":
            sub = self._plans.plan(plan[1])
            return value if sub is None else self._walk_encode(sub, value, path, context)
        if kind == "seq":
            if not isinstance(value, dict):
                return value
            out = dict(value)
            for comp, node in plan[1]:
                if comp not in out:
                    continue
                if node[0] == "open":
                    out[comp] = self._encode_open(node[1], out, comp, path, context)
                elif node[0] != "check":
                    out[comp] = self._walk_encode(node, out[comp], path + (comp,), context)
            return out
        if kind == "choice":
            if not (isinstance(value, tuple) and len(value) == 2):
                return value
            node = plan[1].get(value[0])
            return value if node is None else (value[0], self._walk_encode(node, value[1], path + (value[0],), context))
        if kind == "list":
            if not isinstance(value, list):
                return value
            return [self._walk_encode(plan[1], v, path + (f"[{i}]",), context) for i, v in enumerate(value)]
        if kind == "hole":
            if self._holes is None or isinstance(value, (bytes, bytearray)):
                return value
            return self._holes.encode(plan[1], value, path, context)
        return value

    def _encode_open(self, slot, seq: dict, comp: str, path: tuple, context: dict) -> bytes:
        value = seq[comp]
        here = path + (comp,)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
            raise EncodeError("an open type needs (TypeName, value) or bytes", here)
        type_name, inner = value
        key = seq.get(slot.key)
        obj = self.objects(slot.object_set, self._key_field(slot)).get(key)
        if obj is not None and obj.fields.get(slot.class_field) != type_name:
            raise EncodeError(f"{slot.object_set} says {slot.key} {key} carries "
                              f"{obj.fields.get(slot.class_field)}, not {type_name}", here)
        return self.encode(type_name, inner, context=context, _path=here + (f"<{type_name}>",))


def walk_values(value: Any, fn: Callable[[Any], None]) -> None:
    """Call ``fn`` on every nested value (used by tests and the JSON mapping)."""
    fn(value)
    if isinstance(value, dict):
        for v in value.values():
            walk_values(v, fn)
    elif isinstance(value, (list, tuple)):
        for v in value:
            walk_values(v, fn)
