"""A fast aligned-PER decoder built from asn1tools' compiled types.

Why: asn1tools decodes through a string of '0'/'1' characters and several
method calls per bit; deep-decoding an E2 message costs more there than
anywhere else. This module walks asn1tools' compiled PER type tree once and
builds plain closures ``dec(buf, pos) -> (value, pos)`` that read bits from
the bytes with integer arithmetic.

Contract (checked by tests/codec/test_fastper.py, differentially against
asn1tools on every golden vector and thousands of damaged copies): for any
input, either the fast decoder returns exactly the value asn1tools would
return (constraints included, as asn1tools' checker applies them), or it
raises `Fallback` and the caller decodes the slow way, which produces the
precise error with IE path and bit offset. It never returns a value the slow
path would reject. Type classes it does not know make `build` return None.

It reads attributes of asn1tools' PER type objects, so asn1tools is pinned
(see pyproject.toml and tests/codec/test_asn1tools_pin.py).
"""

from __future__ import annotations

from asn1tools.codecs import per as _per
from asn1tools.codecs.constraints_checker import IA5_STRING, NUMERIC_STRING, PRINTABLE_STRING, VISIBLE_STRING

from harness.codec import perfix
from harness.core.errors import HarnessError


class Fallback(HarnessError):
    """The fast path declines; decode with asn1tools instead."""


_FAIL = Fallback()


def _bits(buf: bytes, pos: int, n: int) -> int:
    end = pos + n
    last = (end + 7) >> 3
    if last > len(buf):
        raise _FAIL
    first = pos >> 3
    if last - first == 1:
        return (buf[first] >> ((last << 3) - end)) & ((1 << n) - 1)
    return (int.from_bytes(buf[first:last], "big") >> ((last << 3) - end)) & ((1 << n) - 1)


def _bit(buf: bytes, pos: int) -> int:
    i = pos >> 3
    if i >= len(buf):
        raise _FAIL
    return (buf[i] >> (7 - (pos & 7))) & 1


def _align(pos: int) -> int:
    return (pos + 7) & ~7


def _length(buf: bytes, pos: int) -> tuple[int, int]:
    """Length determinant (no fragmentation: those fall back)."""
    v = _bits(buf, pos, 8)
    if v < 0x80:
        return v, pos + 8
    if v & 0xC0 == 0x80:
        return ((v & 0x7F) << 8) | _bits(buf, pos + 8, 8), pos + 16
    raise _FAIL


def _octets(buf: bytes, pos: int, n: int) -> tuple[bytes, int]:
    end = pos + 8 * n
    if end > 8 * len(buf):
        raise _FAIL
    if pos & 7 == 0:
        return bytes(buf[pos >> 3:end >> 3]), end
    return _bits(buf, pos, 8 * n).to_bytes(n, "big"), end


def _bit_bytes(buf: bytes, pos: int, n: int) -> bytes:
    if n == 0:
        return b""
    nbytes = (n + 7) >> 3
    return (_bits(buf, pos, n) << (8 * nbytes - n)).to_bytes(nbytes, "big")


def _normally_small(buf: bytes, pos: int) -> tuple[int, int]:
    if not _bit(buf, pos):
        return _bits(buf, pos + 1, 6), pos + 7
    length, pos = _length(buf, pos + 1)
    return _bits(buf, pos, 8 * length), pos + 8 * length


def _unconstrained(buf: bytes, pos: int) -> tuple[int, int]:
    length, pos = _length(buf, pos)
    if length == 0:
        raise _FAIL
    n = 8 * length
    v = _bits(buf, pos, n)
    if v >> (n - 1):
        v -= 1 << n
    return v, pos + n


def _cwn_reader(minimum: int, maximum: int, nbits: int):
    """read_constrained_whole_number, specialised for one range."""
    rng = maximum - minimum + 1
    if rng <= 255:
        if nbits == 0:
            return lambda buf, pos: (minimum, pos)
        return lambda buf, pos: (_bits(buf, pos, nbits) + minimum, pos + nbits)
    width = 8 if rng == 256 else 16 if rng <= 65536 else nbits

    def read(buf, pos):
        pos = (pos + 7) & ~7
        return _bits(buf, pos, width) + minimum, pos + width
    return read


_ALPHABETS = {_per.PrintableString: frozenset(PRINTABLE_STRING), _per.IA5String: frozenset(IA5_STRING),
              _per.VisibleString: frozenset(VISIBLE_STRING), _per.NumericString: frozenset(NUMERIC_STRING)}


class _Builder:
    def __init__(self) -> None:
        self.memo: dict = {}

    def build(self, t):
        key = id(t)
        if key in self.memo:
            return self.memo[key]
        cls = type(t)
        if cls is _per.Recursive:
            cell: list = []

            def recursive(buf, pos):
                if not cell:
                    cell.append(self.build(t._inner))
                return cell[0](buf, pos)
            self.memo[key] = recursive
            return recursive
        maker = next((_MAKERS[c] for c in cls.__mro__ if c in _MAKERS), None)   # perfix subclasses
        if maker is None:
            raise Fallback(f"unsupported {cls.__name__}")
        fn = maker(self, t)
        self.memo[key] = fn
        return fn


def _make_boolean(_b, t):
    return lambda buf, pos: (bool(_bit(buf, pos)), pos + 1)


def _make_null(_b, t):
    return lambda buf, pos: (None, pos)


def _make_integer(_b, t):
    ext = t.has_extension_marker
    if t.number_of_bits is None:
        lo, hi = t.minimum, t.maximum

        def unconstrained(buf, pos):
            if ext:
                if _bit(buf, pos):
                    return _unconstrained(buf, _align(pos + 1))
                pos += 1
            v, pos = _unconstrained(buf, _align(pos))
            return v, pos
        return unconstrained
    lo, hi = t.minimum, t.maximum
    if t.number_of_indefinite_bits is None:
        cwn = _cwn_reader(lo, hi, t.number_of_bits)
    else:
        ind = t.number_of_indefinite_bits
        count = _cwn_reader(0, 2 ** ind, ind)

        def cwn(buf, pos):
            nbytes, pos = count(buf, pos)
            n = 8 * (nbytes + 1)
            pos = _align(pos)
            return _bits(buf, pos, n) + lo, pos + n
    if ext:
        def extensible(buf, pos):
            if _bit(buf, pos):
                return _unconstrained(buf, _align(pos + 1))
            return cwn(buf, pos + 1)
        return extensible

    def bounded(buf, pos):
        v, pos = cwn(buf, pos)
        if v > hi:
            raise _FAIL
        return v, pos
    return bounded


def _make_enumerated(_b, t):
    root = dict(t.root_index_to_data)
    nbits = t.root_number_of_bits
    additions = t.additions_index_to_data

    def root_only(buf, pos):
        v = root.get(_bits(buf, pos, nbits) if nbits else 0)
        if v is None:
            raise _FAIL
        return v, pos + nbits
    if additions is None:
        return root_only
    additions = dict(additions)

    def extensible(buf, pos):
        if _bit(buf, pos):
            index, pos = _normally_small(buf, pos + 1)
            value = additions.get(index)
            return (perfix.unknown_enumerated(index) if value is None else value), pos
        return root_only(buf, pos + 1)
    return extensible


def _size_reader(t):
    """Length reader for a size-constrained string/array, or None when unbound."""
    if t.number_of_bits is None:
        return None
    if t.minimum == t.maximum:
        fixed = t.minimum
        return lambda buf, pos: (fixed, pos)
    return _cwn_reader(t.minimum, t.maximum, t.number_of_bits)


def _make_bit_string(_b, t):
    ext, lo, hi = t.has_extension_marker, t.minimum, t.maximum
    if t.number_of_bits is None:
        def unbound(buf, pos):
            if ext:
                if _bit(buf, pos):
                    raise _FAIL
                pos += 1
            n, pos = _length(buf, _align(pos))
            if n >= 16384:
                raise _FAIL
            return (_bit_bytes(buf, pos, n), n), pos + n
        return unbound
    size = _size_reader(t)
    aligns = lo != hi or lo > 16

    def bounded(buf, pos):
        if ext:
            if _bit(buf, pos):
                raise _FAIL
            pos += 1
        n, pos = size(buf, pos)
        if aligns:
            pos = _align(pos)
        if not ext and n > hi:
            raise _FAIL
        return (_bit_bytes(buf, pos, n), n), pos + n
    return bounded


def _make_octet_string(_b, t):
    ext, lo, hi = t.has_extension_marker, t.minimum, t.maximum
    if t.number_of_bits is None:
        def unbound(buf, pos):
            if ext:
                if _bit(buf, pos):
                    n, pos = _length(buf, _align(pos + 1))
                    return _octets(buf, pos, n)
                pos += 1
            n, pos = _length(buf, _align(pos))
            return _octets(buf, pos, n)
        return unbound
    size = _size_reader(t)
    aligns = not (lo == hi and hi <= 2)

    def bounded(buf, pos):
        if ext:
            if _bit(buf, pos):
                n, pos = _length(buf, _align(pos + 1))
                return _octets(buf, pos, n)
            pos += 1
        n, pos = size(buf, pos)
        if not ext and n > hi:
            raise _FAIL
        if aligns:
            pos = _align(pos)
        return _octets(buf, pos, n)
    return bounded


def _make_known_multiplier_string(_b, t):
    if t.ENCODING != "ascii":
        raise Fallback("non-ascii string")
    ext, lo, hi = t.has_extension_marker, t.minimum, t.maximum
    bpc = t.bits_per_character
    decode_map = t.permitted_alphabet.decode_map
    identity = bpc == 8 and all(k == v for k, v in decode_map.items())
    alphabet = next(_ALPHABETS[c] for c in type(t).__mro__ if c in _ALPHABETS)
    size = _size_reader(t)
    fixed_align = size is not None and lo == hi and hi * bpc > 16

    def chars(buf, pos, n):
        if identity:
            raw, pos = _octets(buf, pos, n)
            text = raw.decode("ascii")          # a byte > 0x7f raises: caught as a fallback
        else:
            out = []
            for _ in range(n):
                code = decode_map.get(_bits(buf, pos, bpc))
                if code is None:
                    raise _FAIL
                out.append(chr(code & 0xFF))
                pos += bpc
            text = "".join(out)
        if not alphabet.issuperset(text):
            raise _FAIL
        return text, pos

    def dec(buf, pos):
        if ext:
            if _bit(buf, pos):                  # length outside the root: semi-constrained (X.691 30.5.3)
                n, pos = _length(buf, _align(pos + 1))
                if n >= 16384:
                    raise _FAIL
                return chars(buf, pos, n)
            pos += 1
        if size is None:
            n, pos = _length(buf, _align(pos))
            if n >= 16384:
                raise _FAIL
            return chars(buf, pos, n)
        n, pos = size(buf, pos)
        if lo != hi:
            if hi > 1:                          # aligned even when empty (X.691 30.5.7, 11.9)
                pos = _align(pos)
        elif fixed_align:
            pos = _align(pos)
        if not ext and n > hi:
            raise _FAIL
        return chars(buf, pos, n)
    return dec


def _length_prefixed(convert):
    """Aligned length determinant, that many octets, then ``convert`` (None: keep bytes)."""
    def dec(buf, pos):
        n, pos = _length(buf, _align(pos))
        raw, pos = _octets(buf, pos, n)
        return (raw if convert is None else convert(raw)), pos
    return dec


def _make_utf8(_b, t):
    return _length_prefixed(lambda raw: raw.decode("utf-8"))


def _make_open_type(_b, t):
    return _length_prefixed(None)


def _make_real(_b, t):
    return _length_prefixed(lambda raw: _per.decode_real(bytearray(raw)))


def _make_oid(_b, t):
    return _length_prefixed(lambda raw: _per.decode_object_identifier(bytearray(raw), 0, len(raw)))


def _make_members(b, t):
    optionals = {id(m): i for i, m in enumerate(t.optionals)}
    n_opt = len(t.optionals)
    plan = []
    for m in t.root_members:
        idx = optionals.get(id(m))
        has_default = m.default is not None
        plan.append((m.name, b.build(m), None if idx is None else n_opt - 1 - idx, has_default, m.default))
    plan = tuple(plan)
    extensible = t.additions is not None
    additions = []
    for a in t.additions or ():
        additions.append((a.name, b.build(a), isinstance(a, _per.AdditionGroup)))

    def root(buf, pos):
        if n_opt:
            present = _bits(buf, pos, n_opt)
            pos += n_opt
        else:
            present = 0
        values = {}
        for name, fn, shift, has_default, default in plan:
            if shift is not None and not (present >> shift) & 1:
                if has_default:
                    values[name] = default
                continue
            values[name], pos = fn(buf, pos)
        return values, pos

    if not extensible:
        return root

    def with_extensions(buf, pos):
        if not _bit(buf, pos):
            return root(buf, pos + 1)
        values, pos = root(buf, pos + 1)
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
                value, used = fn(buf[:end >> 3], pos)
                if max(_align(used), pos + 8) != end:
                    raise _FAIL                 # not its complete encoding (X.691 11.2): asn1tools' error
                if group:
                    values.update(value)
                else:
                    values[name] = value
            pos = end
        return values, pos
    return with_extensions


def _make_array(b, t):
    element = b.build(t.element_type)
    ext, lo, hi = t.has_extension_marker, t.minimum, t.maximum
    size = _size_reader(t)

    def dec(buf, pos):
        n = None
        if ext:
            if _bit(buf, pos):
                n, pos = _length(buf, _align(pos + 1))
            else:
                pos += 1
        if n is None:
            if size is None:
                n, pos = _length(buf, _align(pos))
                if n >= 16384:
                    raise _FAIL
                if not ext and lo is not None and n < lo:
                    raise _FAIL      # SIZE(1..2^31-1) is sent as a plain length: the checker rejects 0
            else:
                n, pos = size(buf, pos)
                if not ext and n > hi:
                    raise _FAIL
        out = []
        for _ in range(n):
            v, pos = element(buf, pos)
            out.append(v)
        return out, pos
    return dec


def _make_choice(b, t):
    if t.number_of_indefinite_bits is not None:
        raise Fallback("huge CHOICE")
    root = {i: (m.name, b.build(m)) for i, m in t.root_index_to_member.items()}
    single = len(root) == 1
    index = _cwn_reader(0, t.maximum, t.root_number_of_bits)
    additions = None
    if t.additions_index_to_member is not None:
        additions = {i: (m.name, b.build(m)) for i, m in t.additions_index_to_member.items()}

    def root_only(buf, pos):
        if single:
            i = 0
        else:
            i, pos = index(buf, pos)
        entry = root.get(i)
        if entry is None:
            raise _FAIL
        value, pos = entry[1](buf, pos)
        return (entry[0], value), pos
    if additions is None:
        return root_only

    def extensible(buf, pos):
        if not _bit(buf, pos):
            return root_only(buf, pos + 1)
        i, pos = _normally_small(buf, pos + 1)
        n, pos = _length(buf, _align(pos))
        end = pos + 8 * n
        if end > 8 * len(buf):
            raise _FAIL
        entry = additions.get(i)
        if entry is None:
            return (None, None), end
        value, used = entry[1](buf[:end >> 3], pos)
        if max(_align(used), pos + 8) != end:
            raise _FAIL                         # not its complete encoding (X.691 11.2)
        return (entry[0], value), end
    return extensible


_MAKERS = {
    _per.Boolean: _make_boolean,
    _per.Null: _make_null,
    _per.Integer: _make_integer,
    _per.Enumerated: _make_enumerated,
    _per.BitString: _make_bit_string,
    _per.OctetString: _make_octet_string,
    _per.PrintableString: _make_known_multiplier_string,
    _per.IA5String: _make_known_multiplier_string,
    _per.VisibleString: _make_known_multiplier_string,
    _per.NumericString: _make_known_multiplier_string,
    _per.UTF8String: _make_utf8,
    _per.OpenType: _make_open_type,
    _per.Real: _make_real,
    _per.ObjectIdentifier: _make_oid,
    _per.Sequence: _make_members,
    _per.Set: _make_members,
    _per.AdditionGroup: _make_members,
    _per.SequenceOf: _make_array,
    _per.SetOf: _make_array,
    _per.Choice: _make_choice,
}


def build(compiled_type):
    """A fast decoder for one asn1tools compiled PER type, or None if unsupported.

    The returned function takes bytes and returns (value, bits consumed), or
    raises `Fallback`.
    """
    try:
        fn = _Builder().build(compiled_type.type)
    except Fallback:
        return None

    def decode(data: bytes):
        try:
            return fn(data, 0)
        except Exception:  # noqa: S110 - Fallback, or any surprise on hostile bytes: let the slow path judge
            pass
        # The shared _FAIL keeps the traceback of every raise it went through, and with it the
        # frames, codecs and input buffers of every declined decode (a leak of megabytes per
        # second under fuzzing): drop it, and hand the caller a fresh exception.
        _FAIL.__traceback__ = None
        raise Fallback()
    return decode
