"""Dotted value paths: 'GlobalE2node-ID.gNB.global-gNB-ID.plmn-id', 'RANfunctionsAdded[0].value'.

A path names a place in an IE value in the JSON mapping (docs/codec.md): the
first segment is the IE name, then SEQUENCE components and CHOICE alternatives
by name, `[i]` list items. Used by send `fields`, expect `save` and `malform`.
Component names may hold '-' but not '.', '[' or ']'.
"""

from __future__ import annotations

import re
from typing import Any

from harness.core.errors import UserError

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class PathError(UserError, ValueError):
    """A path that is malformed or leads nowhere in a value."""


def parse_path(text: str) -> tuple:
    """'A.b[2].c' -> ('A', 'b', 2, 'c'): names as str, list indexes as int.

    Raises:
        PathError: empty segments, unbalanced brackets.
    """
    if not isinstance(text, str) or not text:
        raise PathError("an empty path")
    out: list = []
    pos = 0
    expect_name = True
    while pos < len(text):
        if text[pos] == ".":
            if expect_name:
                raise PathError(f"empty segment in '{text}'")
            pos += 1
            expect_name = True
            continue
        m = _SEGMENT.match(text, pos)
        if m is None or (m.group(1) is not None and not expect_name) or (m.group(2) is not None and expect_name
                                                                         and not out):
            raise PathError(f"cannot read '{text}' at character {pos + 1}")
        out.append(m.group(1) if m.group(1) is not None else int(m.group(2)))
        expect_name = False
        pos = m.end()
    if expect_name:
        raise PathError(f"path '{text}' ends with '.'")
    return tuple(out)


def render_path(parts: tuple) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (p if not out else "." + p)
    return out


_MISSING = object()


def get_path(value: Any, parts: tuple, default: Any = _MISSING) -> Any:
    """The value at ``parts`` inside ``value`` (a dict of IE name -> JSON value).

    Raises:
        PathError: the path leads nowhere and no default is given.
    """
    cur = value
    for i, p in enumerate(parts):
        ok = (isinstance(p, int) and isinstance(cur, list) and p < len(cur)) or \
             (isinstance(p, str) and isinstance(cur, dict) and p in cur)
        if not ok:
            if default is not _MISSING:
                return default
            raise PathError(f"no {render_path(parts[:i + 1])} in the value")
        cur = cur[p]
    return cur


def set_path(value: Any, parts: tuple, new: Any) -> Any:
    """A copy of ``value`` with ``parts`` set to ``new``; missing mappings are created.

    A CHOICE is a one-key mapping in the JSON form; to switch alternatives,
    set the whole CHOICE value ('X': {'gNB': ...}), not a path through it.

    Raises:
        PathError: an index past the end of a list, or a scalar in the way.
    """
    if not parts:
        return new
    head, rest = parts[0], parts[1:]
    if isinstance(head, int):
        if not isinstance(value, list) or head >= len(value):
            raise PathError(f"no item [{head}] to set")
        items = list(value)
        items[head] = set_path(items[head], rest, new)
        return items
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise PathError(f"cannot set '{head}' inside {type(value).__name__}")
    out = dict(value)
    out[head] = set_path(out.get(head), rest, new) if rest else new
    return out
