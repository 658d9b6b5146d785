"""Mutations of a valid input: the kinds of damage a broken or hostile peer sends.

Every mutator takes the input and a `random.Random` and returns a new input.
The `Random` is the only source of choice, so the same seed gives the same
case; under hypothesis it is `st.randoms()`, whose draws hypothesis records
and shrinks. Byte mutators aim at aligned PER (X.691) and at capture files:
length determinants (an octet below 0x80, or 0x80|hi lo) are blown up to the
largest values or to the fragmentation markers (0xC1..0xC4), because a
length trusted before it is checked is the classic parser bug.
"""

from __future__ import annotations

import random
from collections.abc import Callable

Mutator = Callable[[bytes, random.Random], bytes]

_LENGTH_BLOWUPS = (0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC4, 0xFF)


def flip_bits(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(8 * len(b))
        b[i >> 3] ^= 0x80 >> (i & 7)
    return bytes(b)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[:rng.randrange(len(data))] if data else data


def insert(data: bytes, rng: random.Random) -> bytes:
    at = rng.randint(0, len(data))
    junk = rng.randbytes(rng.choice((1, 2, 4, rng.randint(1, 64))))
    return data[:at] + junk + data[at:]


def delete(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data
    at = rng.randrange(len(data))
    return data[:at] + data[at + rng.randint(1, min(16, len(data) - at)):]


def duplicate(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return data
    at = rng.randrange(len(data))
    piece = data[at:at + rng.randint(1, 64)]
    to = rng.randint(0, len(data))
    return data[:to] + piece * rng.randint(1, 4) + data[to:]


def blow_length(data: bytes, rng: random.Random) -> bytes:
    """Replace an octet (preferably one that looks like a length) with a huge or fragmented length."""
    if not data:
        return data
    b = bytearray(data)
    looks = [i for i, x in enumerate(b) if 0 < x < 0x80 and x <= len(b) - i] or list(range(len(b)))
    i = rng.choice(looks)
    b[i] = rng.choice(_LENGTH_BLOWUPS)
    if i + 1 < len(b) and rng.random() < 0.5:
        b[i + 1] = 0xFF
    return bytes(b)


def set_word(data: bytes, rng: random.Random) -> bytes:
    """Overwrite 2 or 4 octets with an extreme value (0, all ones, one past a boundary)."""
    if len(data) < 4:
        return data
    width = rng.choice((2, 4))
    at = rng.randrange(len(data) - width + 1)
    value = rng.choice((0, 1, (1 << (8 * width)) - 1, 1 << (8 * width - 1), rng.getrandbits(8 * width)))
    return data[:at] + value.to_bytes(width, "big") + data[at + width:]


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(0, max(64, 2 * len(data))))


BYTE_MUTATORS: dict[str, Mutator] = {
    "flip-bits": flip_bits, "truncate": truncate, "insert": insert, "delete": delete,
    "duplicate": duplicate, "blow-length": blow_length, "set-word": set_word, "random": random_bytes,
}


def mutate(data: bytes, rng: random.Random, rounds: int | None = None) -> tuple[bytes, tuple[str, ...]]:
    """Apply 1..3 random mutators (``rounds`` to fix the count); returns the bytes and the mutators used."""
    used = []
    for _ in range(rounds if rounds is not None else rng.choice((1, 1, 1, 2, 3))):
        name = rng.choice(tuple(BYTE_MUTATORS))
        data = BYTE_MUTATORS[name](data, rng)
        used.append(name)
    return data, tuple(used)


# ------------------------------------------------------------------ YAML text
_TOKENS = (": ", "- ", "{", "}", "[", "]", "&a ", "*a", "!!python/object:os.system ", "<<: *a", "\t", "'", '"',
           "\u00e9", "\x00", "? ", "|", ">", "%YAML 1.1", "---", "...", "#", "!!binary ", "${", "}", "@",
           "1e999", "-0x80000000", ".nan", "~", "yes", "0o777")
_SCALARS = ("null", "true", "[]", "{}", "-1", "0", "99999999999999999999999", "1.5", "''", "x" * 300,
            "[1, [2, [3]]]", "{a: {b: {c: 1}}}", "!!str 5", "2001-12-14", "\"\\u0000\"", "*undefined")


def mutate_text(text: str, rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """Line-level damage to YAML: lines dropped, doubled, swapped, re-indented, values replaced, tokens inserted."""
    lines = text.splitlines(keepends=True) or [""]
    used = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        kind = rng.choice(("drop", "double", "swap", "indent", "value", "token", "truncate", "bytes", "nest"))
        used.append(kind)
        i = rng.randrange(len(lines))
        if kind == "drop" and len(lines) > 1:
            del lines[i]
        elif kind == "double":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "indent":
            lines[i] = rng.choice(("", " ", "  ", "    ", "\t")) + lines[i].lstrip(" ")
        elif kind == "value":
            head, sep, _ = lines[i].partition(": ")
            lines[i] = (head + ": " if sep else head.rstrip("\n") + " ") + rng.choice(_SCALARS) + "\n"
        elif kind == "token":
            at = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:at] + rng.choice(_TOKENS) + lines[i][at:]
        elif kind == "nest":              # a value nested deeper than any recursive walk expects
            depth = rng.choice((50, 400, 1200))
            head, sep, _ = lines[i].partition(": ")
            lines[i] = (head + ": " if sep else head.rstrip("\n") + " ") + "[" * depth + "1" + "]" * depth + "\n"
        elif kind == "truncate":
            lines = lines[:i + 1]
            lines[-1] = lines[-1][:rng.randint(0, len(lines[-1]))]
        else:
            raw, _ = mutate(lines[i].encode(), rng, 1)
            lines[i] = raw.decode("utf-8", "replace")
    return "".join(lines), tuple(used)


def alias_bomb(levels: int = 30) -> str:
    """A 'billion laughs' YAML document: each level refers to the previous one nine times."""
    out = ["a0: &a0 [lol]\n"]
    for n in range(1, levels):
        refs = ", ".join([f"*a{n - 1}"] * 9)
        out.append(f"a{n}: &a{n} [{refs}]\n")
    out.append(f"testcases: *a{levels - 1}\n")
    return "".join(out)
