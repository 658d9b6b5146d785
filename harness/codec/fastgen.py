"""Generated aligned-PER decoders: Python source per constructed type, compiled once.

Why: fastper's closures cost a Python call per field, per bit read and per CHOICE
index; a deep RIC Indication makes about three thousand of them. Here each
SEQUENCE, CHOICE and SEQUENCE OF becomes one generated function whose INTEGER,
ENUMERATED, BOOLEAN and NULL fields, presence bitmaps, CHOICE indexes and SIZE
lengths are read inline with integer arithmetic; the rarer leaf types (strings,
BIT/OCTET STRING, REAL, open types, unconstrained INTEGER) call fastper's closures.

Contract: fastper's (same value as asn1tools, or `fastper.Fallback`); every rule
below mirrors the fastper closure for the same type class, and
tests/codec/test_fastgen.py checks this decoder against fastper's closures and
asn1tools on every golden vector and damaged copies.

Bounds: the input is padded with zero octets so that inline reads need no bound
check. Positions only grow, so any read past the real end leaves the final
position past the end, which `build`'s wrapper turns into a fallback; a decode
bounded by its own length (extension additions) checks its end the same way.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from asn1tools.codecs import per as _per

from harness.codec import fastper, perfix
from harness.codec.fastper import (_FAIL, Fallback, _align, _bit, _bit_bytes, _bits, _length, _normally_small,
                                   _unconstrained)

_PAD = bytes(8)
_COPY_LIMIT = 1 << 20   # larger inputs are not copied to pad them (tests/fuzz/test_memory_bounds.py)
_CHAIN_MAX = 8          # CHOICE alternatives decoded by an if-chain; more go through a table
_GROUP = 6              # optional SEQUENCE members tested together (one test when none is present)


def _rd(n: int) -> str:
    """Expression: ``n`` bits at bit position ``p`` of the padded ``buf``."""
    if n == 1:
        return "(buf[p >> 3] >> (7 - (p & 7)) & 1)"
    if n <= 9:
        return f"((buf[p >> 3] << 8 | buf[(p >> 3) + 1]) >> ({16 - n} - (p & 7)) & {(1 << n) - 1})"
    if n <= 17:
        return (f"((buf[p >> 3] << 16 | buf[(p >> 3) + 1] << 8 | buf[(p >> 3) + 2]) >> ({24 - n} - (p & 7))"
                f" & {(1 << n) - 1})")
    if n <= 25:
        return (f"(int.from_bytes(buf[p >> 3:(p >> 3) + 4], 'big') >> ({32 - n} - (p & 7))"
                f" & {(1 << n) - 1})")
    return f"_bits(buf, p, {n})"


def _plus(lo: int) -> str:
    return "" if lo == 0 else f" + {lo}" if lo > 0 else f" - {-lo}"


def _cwn(var: str, lo: int, hi: int, nbits: int) -> list[str]:
    """Lines: fastper._cwn_reader inline (a constrained whole number into ``var``)."""
    rng = hi - lo + 1
    if rng <= 255:
        if nbits == 0:
            return [f"{var} = {lo}"]
        return [f"{var} = {_rd(nbits)}{_plus(lo)}", f"p += {nbits}"]
    if rng == 256:
        return ["p = (p + 7) & ~7", f"{var} = buf[p >> 3]{_plus(lo)}", "p += 8"]
    if rng <= 65536:
        return ["p = (p + 7) & ~7", f"{var} = (buf[p >> 3] << 8 | buf[(p >> 3) + 1]){_plus(lo)}", "p += 16"]
    return ["p = (p + 7) & ~7", f"{var} = _bits(buf, p, {nbits}){_plus(lo)}", f"p += {nbits}"]


def _cwn_max(lo: int, hi: int, nbits: int) -> int:
    """The largest value `_cwn` can read for this range."""
    rng = hi - lo + 1
    width = nbits if rng <= 255 else 8 if rng == 256 else 16 if rng <= 65536 else nbits
    return lo + (1 << width) - 1


def _indent(lines: list[str], by: int = 1) -> list[str]:
    pad = "    " * by
    return [pad + x for x in lines]


def _seq_additions(buf, pos: int, values: dict, additions: tuple) -> int:
    """SEQUENCE extension additions (fastper._make_members' tail); the new position."""
    if _bit(buf, pos):
        raise _FAIL                         # more than 64 additions: not in asn1tools either
    count = _bits(buf, pos + 1, 6) + 1
    pos += 7
    present = _bits(buf, pos, count)
    pos = _align(pos + count)
    for i in range(count):
        if not (present >> (count - 1 - i)) & 1:
            continue
        n, pos = _length(buf, pos)
        end = pos + 8 * n
        if i < len(additions):
            name, fn, group = additions[i]
            value, used = fn(buf, pos)
            if max(_align(used), pos + 8) != end:
                raise _FAIL                 # not its complete encoding (X.691 11.2): asn1tools' error
            if group:
                values.update(value)
            else:
                values[name] = value
        pos = end
    return pos


def _choice_addition(additions: dict) -> Callable:
    """CHOICE extension alternative (fastper._make_choice's extensible branch), after the bit."""
    def dec(buf, pos):
        i, pos = _normally_small(buf, pos)
        n, pos = _length(buf, _align(pos))
        end = pos + 8 * n
        if end > 8 * len(buf):
            raise _FAIL
        entry = additions.get(i)
        if entry is None:
            return (None, None), end
        value, used = entry[1](buf, pos)
        if max(_align(used), pos + 8) != end:
            raise _FAIL                     # not its complete encoding (X.691 11.2)
        return (entry[0], value), end
    return dec


def _enum_addition(additions: dict) -> Callable:
    """ENUMERATED extension value (fastper._make_enumerated's extensible branch), after the bit."""
    def dec(buf, pos):
        index, pos = _normally_small(buf, pos)
        value = additions.get(index)
        return (perfix.unknown_enumerated(index) if value is None else value), pos
    return dec


class _Gen:
    """Emits one module of source for a type tree; functions are named f0, f1, ..."""

    def __init__(self) -> None:
        self.closures = fastper._Builder()
        self.names: dict[int, str] = {}
        self.src: list[str] = []
        self.ns: dict[str, Any] = {"_FAIL": _FAIL, "_bits": _bits, "_length": _length, "_bit_bytes": _bit_bytes,
                                   "_unconstrained": _unconstrained, "_seq_additions": _seq_additions,
                                   "_reals": _REALS, "_real": _real}
        self.late: list[tuple[str, Callable]] = []  # (namespace name, resolve -> object), after exec
        self.count = 0
        self.lock = threading.Lock()

    def const(self, value: Any) -> str:
        name = f"_k{self.count}"
        self.count += 1
        self.ns[name] = value
        return name

    @staticmethod
    def kind(t) -> str | None:
        for c in type(t).__mro__:
            k = _KINDS.get(c)
            if k is not None:
                return k
        return None

    # ------------------------------------------------------------ functions
    def func(self, t) -> str:
        """The name of a function ``(buf, p) -> (value, p)`` decoding ``t``."""
        key = id(t)
        name = self.names.get(key)
        if name is not None:
            return name
        if type(t) is _per.Recursive:
            inner = t._inner
            if inner is None:
                raise Fallback("unresolved recursive type")
            name = self.names[key] = self.func(inner)
            return name
        kind = self.kind(t)
        if kind not in _GENERATED or (
                kind == "integer" and self.integer(t) is None):
            name = self.names[key] = self.const(self.closures.build(t))
            return name
        name = self.names[key] = f"f{self.count}"
        self.count += 1
        if kind == "seq":
            body = self.sequence(t)
        elif kind == "choice":
            body = self.choice(t)
        elif kind == "array":
            body = self.array(t)
        else:
            body = [*self.inline(t), "return v, p"]
        self.src += [f"def {name}(buf, p):", *_indent(body), ""]
        return name

    # ------------------------------------------------------------ inline leaves (value in v)
    def inline(self, t) -> list[str]:
        if type(t) is _per.Recursive:
            return [f"v, p = {self.func(t)}(buf, p)"]
        kind = self.kind(t)
        if kind == "boolean":
            return [f"v = {_rd(1)} == 1", "p += 1"]
        if kind == "null":
            return ["v = None"]
        if kind == "choice" and self._flat_choice(t):
            return self.choice(t, inline=True)
        if kind == "integer":
            lines = self.integer(t)
            if lines is not None:
                return lines
        elif kind == "enumerated":
            return self.enumerated(t)
        elif kind in _LEAVES:
            lines = _LEAVES[kind](self, t)
            if lines is not None:
                return lines
        return [f"v, p = {self.func(t)}(buf, p)"]

    def _ext_leaf(self, t, root: list[str]) -> list[str]:
        """An extensible leaf: the closure decodes it when the extension bit is set."""
        if not t.has_extension_marker:
            return root
        return [f"if {_rd(1)}:", f"    v, p = {self.func(t)}(buf, p)", "else:", "    p += 1", *_indent(root)]

    @staticmethod
    def _size(t) -> list[str]:
        if t.minimum == t.maximum:
            return [f"n = {t.minimum}"]
        lines = _cwn("n", t.minimum, t.maximum, t.number_of_bits)
        if not t.has_extension_marker:
            lines += [f"if n > {t.maximum}:", "    raise _FAIL"]
        return lines

    def octets(self, t) -> list[str] | None:
        """fastper._make_octet_string inline (the unaligned tiny fixed sizes go to the closure)."""
        take = ["v = buf[p >> 3:(p >> 3) + n]", "p += 8 * n"]
        if t.number_of_bits is None:
            return self._ext_leaf(t, [*_LENGTH, *take])
        if t.minimum == t.maximum and t.maximum <= 2:
            return None
        return self._ext_leaf(t, [*self._size(t), "p = (p + 7) & ~7", *take])

    def bit_string(self, t) -> list[str] | None:
        """fastper._make_bit_string inline, for SIZE-constrained ones."""
        if t.number_of_bits is None:
            return None
        lines = self._size(t)
        if t.minimum != t.maximum or t.minimum > 16:
            lines.append("p = (p + 7) & ~7")
            if t.minimum == t.maximum and t.minimum % 8 == 0:
                return self._ext_leaf(t, [*lines, f"v = (buf[p >> 3:(p >> 3) + {t.minimum // 8}], n)",
                                          f"p += {t.minimum}"])
        return self._ext_leaf(t, [*lines, "v = (_bit_bytes(buf, p, n), n)", "p += n"])

    def chars(self, t) -> list[str] | None:
        """fastper._make_known_multiplier_string inline, for 8-bit identity alphabets read aligned."""
        decode_map = t.permitted_alphabet.decode_map
        if t.ENCODING != "ascii" or t.bits_per_character != 8 or any(k != v for k, v in decode_map.items()):
            return None
        alphabet = self.const(next(fastper._ALPHABETS[c] for c in type(t).__mro__ if c in fastper._ALPHABETS))
        take = ["v = buf[p >> 3:(p >> 3) + n].decode('ascii')", f"if not {alphabet}.issuperset(v):",
                "    raise _FAIL", "p += 8 * n"]
        if t.number_of_bits is None:
            return self._ext_leaf(t, [*_LENGTH, "if n >= 16384:", "    raise _FAIL", *take])
        lo, hi = t.minimum, t.maximum
        if (lo != hi and hi <= 1) or (lo == hi and hi * 8 <= 16):
            return None                 # read unaligned: the closure
        size = [f"n = {lo}"] if lo == hi else _cwn("n", lo, hi, t.number_of_bits)
        size.append("p = (p + 7) & ~7")
        if not t.has_extension_marker:
            size += [f"if n > {hi}:", "    raise _FAIL"]
        return self._ext_leaf(t, [*size, *take])

    def real(self, _t) -> list[str]:
        return [*_LENGTH, "x = buf[p >> 3:(p >> 3) + n]", "v = _reals.get(x)", "if v is None:",
                "    v = _real(x)", "p += 8 * n"]

    def open_type(self, _t) -> list[str]:
        return [*_LENGTH, "v = buf[p >> 3:(p >> 3) + n]", "p += 8 * n"]

    def utf8(self, _t) -> list[str]:
        return [*_LENGTH, "v = buf[p >> 3:(p >> 3) + n].decode('utf-8')", "p += 8 * n"]

    def integer(self, t) -> list[str] | None:
        """fastper._make_integer inline; None for a length count too wide to inline (closure)."""
        if t.number_of_bits is None:
            unconstrained = [*_LENGTH, "if n == 0:", "    raise _FAIL",
                             "v = int.from_bytes(buf[p >> 3:(p >> 3) + n], 'big', signed=True)", "p += 8 * n"]
            if not t.has_extension_marker:
                return unconstrained
            return [f"if {_rd(1)}:", "    v, p = _unconstrained(buf, (p + 8) & ~7)", "else:", "    p += 1",
                    *_indent(unconstrained)]
        lo, hi = t.minimum, t.maximum
        if t.number_of_indefinite_bits is None:
            cwn = _cwn("v", lo, hi, t.number_of_bits)
        else:
            ind = t.number_of_indefinite_bits
            if 2 ** ind + 1 > 255:
                return None
            cwn = [*_cwn("x", 0, 2 ** ind, ind), "p = (p + 7) & ~7",
                   f"v = int.from_bytes(buf[p >> 3:(p >> 3) + x + 1], 'big'){_plus(lo)}", "p += 8 * (x + 1)"]
        if t.has_extension_marker:
            return [f"if {_rd(1)}:", "    v, p = _unconstrained(buf, (p + 8) & ~7)", "else:",
                    "    p += 1", *_indent(cwn)]
        if t.number_of_indefinite_bits is None and _cwn_max(lo, hi, t.number_of_bits) <= hi:
            return cwn                  # the field cannot hold a value above the range
        return [*cwn, f"if v > {hi}:", "    raise _FAIL"]

    def enumerated(self, t) -> list[str]:
        root = self.const(dict(t.root_index_to_data))
        nbits = t.root_number_of_bits
        root_only = [f"v = {root}.get({_rd(nbits) if nbits else 0})", "if v is None:", "    raise _FAIL"]
        if nbits:
            root_only.append(f"p += {nbits}")
        if t.additions_index_to_data is None:
            return root_only
        ext = self.const(_enum_addition(dict(t.additions_index_to_data)))
        return [f"if {_rd(1)}:", f"    v, p = {ext}(buf, p + 1)", "else:", "    p += 1", *_indent(root_only)]

    # ------------------------------------------------------------ constructed
    def sequence(self, t) -> list[str]:
        """fastper._make_members, one function."""
        optionals = {id(m): i for i, m in enumerate(t.optionals)}
        n_opt = len(t.optionals)
        extensible = t.additions is not None
        lines: list[str] = []
        if extensible:
            lines += [f"e = {_rd(1)}", "p += 1"]
        if n_opt:
            lines += [f"pr = {_rd(n_opt)}", f"p += {n_opt}"]
        lines.append("d = {}")
        run: list[tuple[int, list[str]]] = []     # consecutive optional members without a DEFAULT

        def flush() -> None:
            for i in range(0, len(run), _GROUP):
                group = run[i:i + _GROUP]
                if len(group) < 3:
                    lines.extend(x for _, block in group for x in block)
                    continue
                mask = sum(1 << shift for shift, _ in group)     # none of them present: one test
                lines.extend([f"if pr & {mask}:", *_indent([x for _, block in group for x in block])])
            run.clear()

        for m in t.root_members:
            idx = optionals.get(id(m))
            body = [*self.inline(m), f"d[{m.name!r}] = v"]
            if idx is None:
                flush()
                lines += body
                continue
            shift = n_opt - 1 - idx
            block = [f"if pr >> {shift} & 1:", *_indent(body)]
            if m.default is not None:
                flush()
                lines += [*block, "else:", f"    d[{m.name!r}] = {self.const(m.default)}"]
            else:
                run.append((shift, block))
        flush()
        if extensible:
            table = self.const(None)
            entries = [(a.name, self.func(a), isinstance(a, _per.AdditionGroup)) for a in t.additions]
            self.late.append((table, lambda r: tuple((m, r(fn), g) for m, fn, g in entries)))
            lines += ["if e:", f"    p = _seq_additions(buf, p, d, {table})"]
        return [*lines, "return d, p"]

    def _flat_choice(self, t) -> bool:
        """A small CHOICE of leaves: decoded inline in its parent (a list of records, say)."""
        if t.number_of_indefinite_bits is not None or len(t.root_index_to_member) > _CHAIN_MAX:
            return False
        return all(self.kind(m) not in ("seq", "choice", "array") and type(m) is not _per.Recursive
                   for m in t.root_index_to_member.values())

    def choice(self, t, inline: bool = False) -> list[str]:
        """fastper._make_choice: one function, or (``inline``) lines leaving the value in v."""
        if t.number_of_indefinite_bits is not None:
            raise Fallback("huge CHOICE")
        root = dict(t.root_index_to_member)
        lines: list[str] = []
        if len(root) == 1:
            lines.append("c = 0")
        else:
            lines += _cwn("c", 0, t.maximum, t.root_number_of_bits)
        if len(root) <= _CHAIN_MAX:
            for n, (i, m) in enumerate(sorted(root.items())):
                done = f"v = ({m.name!r}, v)" if inline else f"return ({m.name!r}, v), p"
                lines += [f"{'if' if n == 0 else 'elif'} c == {i}:", *_indent(self.inline(m)), f"    {done}"]
            lines += ["else:", "    raise _FAIL"]
        else:
            table = self.const(None)
            named = [(i, m.name, self.func(m)) for i, m in root.items()]
            self.late.append((table, lambda r: {i: (m, r(fn)) for i, m, fn in named}))
            lines += [f"a = {table}.get(c)", "if a is None:", "    raise _FAIL", "v, p = a[1](buf, p)",
                      "v = (a[0], v)" if inline else "return (a[0], v), p"]
        if t.additions_index_to_member is not None:
            adds = self.const(None)
            alts = [(i, m.name, self.func(m)) for i, m in t.additions_index_to_member.items()]
            self.late.append((adds, lambda r: _choice_addition({i: (m, r(fn)) for i, m, fn in alts})))
            lines = [f"if {_rd(1)}:", f"    v, p = {adds}(buf, p + 1)", "else:", "    p += 1", *_indent(lines)]
        return lines if inline else [*lines, "return v, p"]

    def array(self, t) -> list[str]:
        """fastper._make_array, one function."""
        ext, lo, hi = t.has_extension_marker, t.minimum, t.maximum
        root: list[str]
        if t.number_of_bits is None:
            root = [*_LENGTH, "if n >= 16384:", "    raise _FAIL"]
            if not ext and lo is not None:
                root += [f"if n < {lo}:", "    raise _FAIL"]
        else:
            root = [f"n = {lo}"] if lo == hi else _cwn("n", lo, hi, t.number_of_bits)
            if not ext:
                root += [f"if n > {hi}:", "    raise _FAIL"]
        if ext:
            lines = [f"if {_rd(1)}:", "    n, p = _length(buf, (p + 8) & ~7)", "else:", "    p += 1",
                     *_indent(root)]
        else:
            lines = root
        return [*lines, "out = []", "add = out.append", "for _ in range(n):",
                *_indent(self.inline(t.element_type)), "    add(v)", "return out, p"]

    # ------------------------------------------------------------ module
    def generate(self, t) -> Callable:
        """The decoder of ``t``; only types not generated before by this generator are compiled."""
        with self.lock:                 # codecs are shared between threads; a batch is not
            return self._generate(t)

    def _generate(self, t) -> Callable:
        names = dict(self.names)
        try:
            top = self.func(t)
            code = compile("\n".join(self.src), "<fastgen>", "exec")
            exec(code, self.ns)  # noqa: S102 - source generated here from the compiled type tree, no input text
            for name, make in self.late:
                self.ns[name] = make(self._resolve)
            return self._resolve(top)
        except BaseException:
            self.names = names          # this batch's functions were never defined
            raise
        finally:
            self.src, self.late = [], []

    def _resolve(self, name: str) -> Callable:
        return self.ns[name]


_KINDS = {
    _per.Boolean: "boolean", _per.Null: "null", _per.Integer: "integer", _per.Enumerated: "enumerated",
    _per.Sequence: "seq", _per.Set: "seq", _per.AdditionGroup: "seq",
    _per.SequenceOf: "array", _per.SetOf: "array", _per.Choice: "choice",
    _per.BitString: "bits", _per.OctetString: "octets", _per.PrintableString: "chars", _per.IA5String: "chars",
    _per.VisibleString: "chars", _per.NumericString: "chars", _per.UTF8String: "utf8", _per.OpenType: "open",
    _per.Real: "real", _per.ObjectIdentifier: "leaf",
}
_GENERATED = frozenset({"seq", "choice", "array", "boolean", "null", "enumerated", "integer"})
_LEAVES: dict[str, Callable] = {"octets": _Gen.octets, "bits": _Gen.bit_string, "chars": _Gen.chars,
                                "real": _Gen.real, "open": _Gen.open_type, "utf8": _Gen.utf8}
# Lines: an aligned length determinant into n (the one-octet form inline).
_LENGTH = ["p = (p + 7) & ~7", "n = buf[p >> 3]", "if n < 128:", "    p += 8", "else:", "    n, p = _length(buf, p)"]
_REALS: dict[bytes, float] = {}


def _real(raw: bytes) -> float:
    """decode_real, remembered: KPM records repeat a few REAL encodings many times."""
    value = _per.decode_real(bytearray(raw))
    if len(_REALS) >= 4096:
        _REALS.clear()
    _REALS[raw] = value
    return value


# One generator per compiled module set (its asn1tools specification), so a type shared by
# many top-level types (every E2AP IE type, say) is generated and compiled once per process.
_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def generate(per_type, owner: Any = None) -> Callable:
    """The generated decoder ``(padded buf, bit pos) -> (value, bit pos)`` for one PER type.

    Args:
        owner: the module set the type belongs to (any weak-referenceable object that
            lives as long as its types); types generated before for it are reused.

    Raises:
        Fallback: a type class fastper does not know either.
    """
    if owner is None:
        return _Gen().generate(per_type)
    gen = _SHARED.get(owner)
    if gen is None:
        gen = _SHARED[owner] = _Gen()
    return gen.generate(per_type)


def build(compiled_type, owner: Any = None) -> Callable | None:
    """A fast decoder for one asn1tools compiled type (``bytes -> (value, bits used)``).

    The generated decoder, or fastper's closures when generation declines, or None
    when neither knows the type; either way the decoder raises `Fallback` to decline.
    ``owner``: see `generate`.
    """
    try:
        fn = generate(compiled_type.type, owner)
    except Fallback:
        return fastper.build(compiled_type)
    closures: list = []

    def decode(data: bytes):
        if len(data) > _COPY_LIMIT:     # no padded copy of a huge input: the closures read it in place
            if not closures:
                closures.append(fastper.build(compiled_type))
            if closures[0] is None:
                raise Fallback()
            return closures[0](data)
        try:
            value, used = fn(bytes(data) + _PAD, 0)
            if used <= 8 * len(data):
                return value, used
        except Exception:  # noqa: S110 - Fallback, or any surprise on hostile bytes: let the slow path judge
            pass
        _FAIL.__traceback__ = None      # see fastper.build: the shared exception keeps frames alive
        raise Fallback()
    return decode


DECLINED = object()      # what a `build_exact` decoder returns when it declines


def build_exact(compiled_type, owner: Any = None) -> Callable | None:
    """A decoder ``bytes -> value`` that accepts only a value filling the octets exactly
    (what `Asn1Codec` accepts from the fast path without asking asn1tools), returning
    `DECLINED` otherwise; None when generation declines the type. For open-type values:
    one call instead of `build`'s wrapper and the codec's checks around it.
    """
    try:
        fn = generate(compiled_type.type, owner)
    except Fallback:
        return None

    def decode(data: bytes):
        if len(data) > _COPY_LIMIT:
            return DECLINED             # `build`'s decoder reads it without a padded copy
        try:
            value, used = fn(data + _PAD, 0)
            if (used + 7) >> 3 == len(data):
                return value
        except Exception:  # noqa: S110 - Fallback, or any surprise on hostile bytes: the caller's slow path judges
            pass
        _FAIL.__traceback__ = None      # see fastper.build: the shared exception keeps frames alive
        return DECLINED
    return decode
