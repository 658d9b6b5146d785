"""Hypothesis strategies for VALID values of any compiled ASN.1 type (differential tests).

Theory of operation: the generator walks asn1tools' compiled PER type tree (the same
objects the codec and harness.codec.fastper use) and draws a value in the codec's form
node by node, inside one ``st.composite`` draw, so hypothesis can shrink every choice.
What it aims at, since that is where encoders disagree (X.691 clauses in brackets):

* sizes at the bounds of a SIZE root (min, max, empty), one past an extensible root
  and longer (X.691 11.9.4.2, 16.6, 17.3, 30.5.3), unbounded lengths around the
  length-determinant boundaries 127/128 and 16383/16384 (fragmentation, 11.9.3.8);
* INTEGER bounds and, for an extensible range, values outside the root (13.1);
* REAL specials 0.0, -0.0, +inf, -inf, NaN and extreme magnitudes (X.690 8.5);
* extension additions (SEQUENCE, CHOICE, ENUMERATED) present and absent (19.6, 23.8, 14.3);
* open types resolved through the information-object tables the lowering recorded: an IE
  container holds each IE of its set at most once, mandatory ones always, in set order,
  with the set's criticality, so the value is one a conforming peer could send.

Recursive types (E2SM-RC RANParameter-ValueType, ...) are bounded: past ``max_depth``
recursions only alternatives and components that cannot recurse are drawn.
"""

from __future__ import annotations

import math

from asn1tools.codecs import per as _per
from hypothesis import strategies as st

from harness.codec.compiler import CompiledAsn1
from harness.codec.lowering import InfoObject, TableSlot

# IE containers (ProtocolIE-Container-*): each IE of the set at most once (X.680 / E2AP 9.3.x).
_CONTAINER_PREFIXES = ("ProtocolIE-Container", "ProtocolExtensionContainer")

REAL_SPECIALS = (0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -1.0, 0.5, -2.5, 255.0, 256.0,
                 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
                 1e-300, 3.0e38, 123456789.125)
INTEGER_SPECIALS = (0, 1, -1, 127, 128, -128, -129, 255, 256, 65535, 65536, 2**31 - 1, -2**31,
                    2**32, 2**63 - 1, -2**63, 2**64)
UNBOUND_LENGTHS = (127, 128, 255, 256, 16383)
FRAGMENTED_LENGTHS = (16384, 16385, 32768 + 5)


class ValueGen:
    """Strategies for the types of one compiled module set.

    Args:
        compiled: the module set (its object sets and table slots drive open types).
        max_depth: recursions through a Recursive type before recursion is cut off.
        max_items: extra SEQUENCE OF elements drawn above the lower bound.
        fragments: whether unbounded strings may reach 16K (fragmented lengths; slow).
    """

    def __init__(self, compiled: CompiledAsn1, max_depth: int = 2, max_items: int = 2,
                 fragments: bool = False) -> None:
        self.compiled = compiled
        self.types = compiled.spec.types
        self.max_depth = max_depth
        self.max_items = max_items
        self.fragments = fragments
        self._slots: dict[str, dict[str, TableSlot]] = {}
        for (owner, component), slot in compiled.slots.items():
            self._slots.setdefault(owner, {})[component] = slot
        self._recursive: dict[int, bool] = {}
        # Pure type references (ProtocolIE-SingleContainer-X ::= ProtocolIE-Field-X): slots live on the target.
        self._alias = {name: d["type"] for name, d in compiled.types.items()
                       if d.get("type") in compiled.types and len(d) == 1}

    # ------------------------------------------------------------ public
    def strategy(self, type_name: str) -> st.SearchStrategy:
        """Values of ``type_name``, in the codec's form (open types as (TypeName, value))."""
        t = self.types[type_name].type
        return st.composite(lambda draw: self._draw(draw, t, 0, type_name))()

    def messages(self, pdu: str) -> list[str]:
        """The message types the CHOICE ``pdu`` (E2AP-PDU) can carry, in procedure order."""
        out: list[str] = []
        for member in self.types[pdu].type.root_index_to_member.values():
            slot = self._open_slot(member.type_name)
            for obj in self._objects(slot):
                name = obj.fields.get(slot.class_field)
                if name is not None and name not in out:
                    out.append(name)
        return out

    def message_strategy(self, pdu: str, message: str) -> st.SearchStrategy:
        """Values of the CHOICE ``pdu`` that carry ``message`` (its procedure's object)."""
        for member in self.types[pdu].type.root_index_to_member.values():
            slot = self._open_slot(member.type_name)
            for obj in self._objects(slot):
                if obj.fields.get(slot.class_field) == message:
                    return st.composite(lambda draw, m=member, o=obj: (
                        m.name, self._draw_sequence(draw, m, 0, o)))()
        raise KeyError(f"{pdu} carries no {message}")

    # ------------------------------------------------------------ tables
    def _open_slot(self, owner: str) -> TableSlot:
        return next(s for s in self._slots[owner].values() if s.class_field[1].isupper())

    def _objects(self, slot: TableSlot) -> tuple[InfoObject, ...]:
        return self.compiled.object_sets[slot.object_set].objects

    def _resolve(self, name: str | None) -> str:
        seen = 0
        while name in self._alias and seen < 16:
            name, seen = self._alias[name], seen + 1
        return name or ""

    # ------------------------------------------------------------ recursion bound
    def _can_recurse(self, t) -> bool:
        key = id(t)
        known = self._recursive.get(key)
        if known is not None:
            return known
        self._recursive[key] = False
        result = isinstance(t, _per.Recursive) or any(self._can_recurse(c) for c in _children(t))
        self._recursive[key] = result
        return result

    # ------------------------------------------------------------ drawing
    def _draw(self, draw, t, depth: int, owner: str | None = None):
        """A value of ``t``; ``owner`` names a top-level type (whose own type_name is only 'SEQUENCE')."""
        if isinstance(t, _per.Recursive):
            return self._draw(draw, t._inner, depth + 1)
        if isinstance(t, _per.Boolean):
            return draw(st.booleans())
        if isinstance(t, _per.Null):
            return None
        if isinstance(t, _per.Integer):
            return self._integer(draw, t)
        if isinstance(t, _per.Real):
            return draw(st.one_of(st.sampled_from(REAL_SPECIALS), st.floats()))
        if isinstance(t, _per.Enumerated):
            values = list(t.root_index_to_data.values()) + list((t.additions_index_to_data or {}).values())
            return draw(st.sampled_from(values))
        if isinstance(t, _per.BitString):
            n = self._size(draw, t, unit_max=16384)
            data = bytearray(_binary(draw, (n + 7) // 8))
            if n % 8:
                data[-1] &= (0xFF << (8 - n % 8)) & 0xFF
            return (bytes(data), n)
        if isinstance(t, _per.OctetString):
            return _binary(draw, self._size(draw, t))
        if isinstance(t, _per.KnownMultiplierStringType) and hasattr(t, "permitted_alphabet"):
            n = self._size(draw, t)
            chars = "".join(sorted(chr(c) for c in t.permitted_alphabet.decode_map.values()))
            if n <= _DRAWN:
                return draw(st.text(alphabet=chars, min_size=n, max_size=n))
            return (draw(st.text(alphabet=chars, min_size=1, max_size=8)) * n)[:n]
        if isinstance(t, _per.UTF8String):
            return draw(st.text(max_size=20))
        if isinstance(t, _per.ArrayType):
            return self._list(draw, t, depth, owner or t.type_name)
        if isinstance(t, _per.MembersType):
            return self._draw_sequence(draw, t, depth, None, owner)
        if isinstance(t, _per.Choice):
            return self._choice(draw, t, depth)
        if isinstance(t, _per.ObjectIdentifier):
            arcs = draw(st.lists(st.integers(0, 2**32), min_size=1, max_size=6))
            return ".".join(map(str, [draw(st.integers(0, 2)), draw(st.integers(0, 39))] + arcs))
        raise TypeError(f"no value generator for {type(t).__name__} ({t.name})")

    def _integer(self, draw, t) -> int:
        lo, hi = t.minimum, t.maximum
        if lo is None and hi is None:
            return draw(st.one_of(st.sampled_from(INTEGER_SPECIALS), st.integers()))
        if hi is None:
            return draw(st.one_of(st.sampled_from([lo, lo + 1, lo + 127, lo + 128, lo + 65536]),
                                  st.integers(min_value=lo)))
        choices = [st.sampled_from(sorted({lo, hi, min(lo + 1, hi), max(hi - 1, lo)})), st.integers(lo, hi)]
        if t.has_extension_marker:       # X.691 13.1: outside the root, as an unconstrained integer
            choices.append(st.sampled_from([lo - 1, hi + 1, hi + 128, lo - 2**40, hi + 2**40]))
        return draw(st.one_of(choices))

    def _size(self, draw, t, unit_max: int = 16384) -> int:
        """A length for a string: the bounds, inside, and past an extensible root."""
        lo, hi = t.minimum, t.maximum
        if lo is None or hi is None:
            lo = lo or 0
            pick = draw(st.integers(0, 9))
            if pick <= 6:
                return lo + draw(st.integers(0, 24))
            if pick <= 8 or not self.fragments:
                return max(lo, draw(st.sampled_from(UNBOUND_LENGTHS)))
            return max(lo, draw(st.sampled_from(FRAGMENTED_LENGTHS)))
        options = [st.sampled_from(sorted({lo, hi})), st.integers(lo, min(hi, lo + 24)), st.integers(lo, hi)]
        if t.has_extension_marker:       # past the root: extension bit, then a semi-constrained length
            options.append(st.sampled_from(sorted({hi + 1, hi + 2, hi + 130} | ({lo - 1} if lo else set()))))
        return min(draw(st.one_of(options)), unit_max)

    def _list(self, draw, t, depth: int, name: str | None) -> list:
        element = t.element_type
        if name and name.startswith(_CONTAINER_PREFIXES) and self._resolve(element.type_name) in self._slots:
            return self._container(draw, t, element, depth)
        lo = t.minimum or 0
        hi = t.maximum
        deep = depth >= self.max_depth and self._can_recurse(element)
        top = lo if deep else lo + self.max_items
        if hi is not None:
            top = min(top, hi)
        sizes = [st.integers(lo, top)]
        if hi is not None and hi <= 8 and not deep:
            sizes.append(st.just(hi))
        if hi is not None and t.has_extension_marker and hi < 8 and not deep:
            sizes.append(st.just(hi + 1))
        n = draw(st.one_of(sizes))
        return [self._draw(draw, element, depth) for _ in range(n)]

    def _container(self, draw, t, element, depth: int) -> list:
        key = next(s for s in self._slots[self._resolve(element.type_name)].values() if s.key is None)
        chosen = [o for o in self._objects(key)
                  if o.fields.get("&presence") == "mandatory" or draw(st.booleans())]
        if t.maximum is not None:
            chosen = chosen[:t.maximum]
        return [self._draw_sequence(draw, element, depth, o) for o in chosen]

    def _draw_sequence(self, draw, t, depth: int, obj: InfoObject | None, owner: str | None = None) -> dict:
        slots = self._slots.get(self._resolve(owner or t.type_name), {})
        if slots and obj is None:
            key = next(s for s in slots.values() if s.key is None)
            opens = [s.class_field for s in slots.values() if s.class_field[1].isupper()]
            objects = [o for o in self._objects(key) if all(f in o.fields for f in opens)]
            obj = draw(st.sampled_from(objects))
        value: dict = {}
        for m in t.root_members:
            if m.optional and (depth >= self.max_depth and self._can_recurse(m) or not draw(st.booleans())):
                continue
            value[m.name] = self._member(draw, m, depth, slots.get(m.name), obj)
        for a in t.additions or ():
            if isinstance(a, _per.AdditionGroup):
                if draw(st.booleans()):
                    group = self._draw_sequence(draw, a, depth, obj)
                    if group:
                        value.update(group)
                continue
            if a.optional and (depth >= self.max_depth and self._can_recurse(a) or not draw(st.booleans())):
                continue
            value[a.name] = self._member(draw, a, depth, slots.get(a.name), obj)
        return value

    def _member(self, draw, m, depth: int, slot: TableSlot | None, obj: InfoObject | None):
        if slot is None or obj is None:
            return self._draw(draw, m, depth)
        field = obj.fields.get(slot.class_field)
        if slot.class_field[1].isupper():
            return (field, self._draw(draw, self.types[field].type, depth, field))
        return self._draw(draw, m, depth) if field is None else field

    def _choice(self, draw, t, depth: int):
        members = list(t.root_index_to_member.values()) + list((t.additions_index_to_member or {}).values())
        if depth >= self.max_depth:
            finite = [m for m in members if not self._can_recurse(m)]
            members = finite or members
        m = draw(st.sampled_from(members))
        return (m.name, self._draw(draw, m, depth))


# Longer strings repeat a short drawn pattern: hypothesis draws at most a few thousand units.
_DRAWN = 256


def _binary(draw, n: int) -> bytes:
    if n <= _DRAWN:
        return draw(st.binary(min_size=n, max_size=n))
    return (draw(st.binary(min_size=1, max_size=8)) * n)[:n]


def _children(t) -> list:
    """The component types of a compiled type (a Recursive's target is not a child)."""
    if isinstance(t, _per.Recursive):
        return []
    if isinstance(t, _per.ArrayType):
        return [t.element_type]
    if isinstance(t, _per.MembersType):
        return list(t.root_members) + list(t.additions or ())
    if isinstance(t, _per.Choice):
        return list(t.root_index_to_member.values()) + list((t.additions_index_to_member or {}).values())
    return []
