"""Tokenizer for the ASN.1 subset used by O-RAN modules (X.680/681/683).

Comments are dropped; every token keeps its file, line and column so that
errors found later (lowering, asn1tools parse) can point at the user's file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.codec.errors import Asn1SourceError

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\f\v]+|\n)
  | (?P<comment>--|/\*)
  | (?P<assign>::=)
  | (?P<ellipsis>\.\.\.)
  | (?P<range>\.\.)
  | (?P<vbrack>\[\[|\]\])
  | (?P<field>&[A-Za-z][A-Za-z0-9-]*)
  | (?P<word>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<bstring>'[01\s]*'B)
  | (?P<hstring>'[0-9A-Fa-f\s]*'H)
  | (?P<cstring>"(?:[^"]|"")*")
  | (?P<punct>[{}()\[\],|@.;:!^<>=*+-])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token with its place in the source."""

    kind: str
    text: str
    file: str
    line: int
    col: int

    def where(self) -> str:
        return f"{self.file}:{self.line}"


def _skip_comment(source: str, pos: int, opener: str, file: str, line: int) -> tuple[int, int]:
    """Return (position after the comment, lines consumed)."""
    if opener == "/*":
        depth, i = 1, pos
        while depth:
            nxt = re.compile(r"/\*|\*/").search(source, i)
            if nxt is None:
                raise Asn1SourceError(f"{file}:{line}: unterminated /* comment")
            depth += 1 if nxt.group() == "/*" else -1
            i = nxt.end()
        return i, source.count("\n", pos, i)
    # '--' comment: ends at the next '--' or at the end of the line.
    end_line = source.find("\n", pos)
    end_line = len(source) if end_line < 0 else end_line
    close = source.find("--", pos, end_line)
    return (close + 2 if close >= 0 else end_line), 0


def tokenize(source: str, file: str) -> list[Token]:
    """Split ASN.1 text into tokens.

    Raises:
        Asn1SourceError: on a character that cannot start any token.
    """
    tokens: list[Token] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None or match.lastgroup is None:      # every alternative is a named group
            col = pos - line_start + 1
            raise Asn1SourceError(
                f"{file}:{line}:{col}: unexpected character {source[pos]!r}"
            )
        kind = match.lastgroup
        text = match.group()
        if kind == "ws":
            if text == "\n":
                line += 1
                line_start = match.end()
            pos = match.end()
            continue
        if kind == "comment":
            end, lines = _skip_comment(source, match.end(), text, file, line)
            if lines:
                line += lines
                line_start = source.rfind("\n", 0, end) + 1
            pos = end
            continue
        tokens.append(Token(kind, text, file, line, pos - line_start + 1))
        if kind in ("cstring", "bstring", "hstring"):
            newlines = text.count("\n")
            if newlines:
                line += newlines
                line_start = pos + text.rfind("\n") + 1
        pos = match.end()
    return tokens
