"""Text for a terminal with no control characters from untrusted input.

Why: file names, capture strings and DUT values reach the screen, and an ESC
sequence among them (``\\x1b[2K\\x1b[1A``: erase the line, move up) can hide a
FAIL line. Every control character (C0, DEL, C1) is shown as its Python escape
(``\\x1b``, ``\\r``, ``\\n``), so the text is readable and inert.

* `safe(text)`: one value (a name, a message); newlines escaped too, so a value
  cannot forge a line of its own.
* `safe(text, lines=True)`: a whole block we print ourselves; its newlines (the
  line separators) stay.
* `SafeStream`: a text stream that passes everything through `safe(..., lines=True)`;
  the CLI wraps stdout and stderr in it (`guarded()`), so no print path can forget.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import TextIO

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")     # every control except \t and \n
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def _escape(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r"}.get(char, f"\\x{ord(char):02x}")


def safe(text: object, lines: bool = False) -> str:
    """`text` as a string with its control characters escaped (tab kept; newlines kept if `lines`)."""
    return (_CONTROL if lines else _CONTROL_OR_NEWLINE).sub(_escape, str(text))


class SafeStream:
    """A write-only text stream that escapes control characters before they reach the terminal."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(safe(text, lines=True))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.inner.flush()

    def __getattr__(self, name: str):            # encoding, isatty, fileno, buffer, ...
        return getattr(self.inner, name)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Wrap sys.stdout and sys.stderr in `SafeStream` for the duration (restored after)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out), SafeStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
