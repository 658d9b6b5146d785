"""Readable hex diff of two encodings, first differing octet and bit marked.

    >>> print(hexdiff(bytes.fromhex("0001"), bytes.fromhex("0003")))
    first difference at octet 1, bit 6 (bit offset 14; bits MSB-first): expected 0x01, got 0x03
    expected (2 octets):
      0000: 00 01
               ^^
    actual (2 octets):
      0000: 00 03
               ^^
"""

from __future__ import annotations


def first_difference(expected: bytes, actual: bytes) -> tuple[int, int] | None:
    """(octet index, bit index MSB-first) of the first difference, or None if equal.

    When one is a prefix of the other the octet is the shorter length and bit 0.
    """
    for i, (a, b) in enumerate(zip(expected, actual)):
        if a != b:
            return i, 8 - (a ^ b).bit_length()
    if len(expected) != len(actual):
        return min(len(expected), len(actual)), 0
    return None


def _dump(data: bytes, mark: int, width: int) -> list[str]:
    lines = []
    for row in range(0, max(len(data), 1), width):
        chunk = data[row:row + width]
        lines.append(f"  {row:04x}: " + " ".join(f"{x:02x}" for x in chunk))
        if row <= mark < row + width:
            lines.append(" " * (8 + 3 * (mark - row)) + "^^")
    return lines


def hexdiff(expected: bytes, actual: bytes, width: int = 16) -> str:
    """Both hex dumps, the first differing octet marked with ^^ in each."""
    diff = first_difference(expected, actual)
    if diff is None:
        return f"identical ({len(expected)} octets)"
    octet, bit = diff
    if octet < min(len(expected), len(actual)):
        head = (f"first difference at octet {octet}, bit {bit} (bit offset {8 * octet + bit}; "
                f"bits MSB-first): expected 0x{expected[octet]:02x}, got 0x{actual[octet]:02x}")
    else:
        head = (f"lengths differ ({len(expected)} vs {len(actual)} octets); "
                f"the first {octet} octets are equal")
    out = [head, f"expected ({len(expected)} octets):", *_dump(expected, octet, width),
           f"actual ({len(actual)} octets):", *_dump(actual, octet, width)]
    return "\n".join(out)
