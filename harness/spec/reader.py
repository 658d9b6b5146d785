"""Typed reading of YAML mappings, with file:line errors and did-you-mean.

`Node` wraps one LDict (or a whole document) and the Source it came from. Its
methods fetch a key as a given kind, refusing unknown keys, missing keys and
wrong types with errors that point at the offending line. Used by the spec
loader and the profile loader alike.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from harness.spec.errors import SourceError, SpecError
from harness.spec.model import Where
from harness.spec.yamlload import LDict, LList, Source

_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               dict: "a mapping", list: "a list"}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if str(word).lower() in lowered:
            close = [lowered[str(word).lower()]]
    return f" (did you mean {close[0]}?)" if close else ""


def type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_var(value: Any) -> bool:
    """A string holding a ${...} reference (its value is known only at run time)."""
    return isinstance(value, str) and "${" in value


class Node:
    """One YAML mapping being read.

    Args:
        data: the LDict (a non-mapping is reported as an error by `Node.of`).
        source: the Source the data came from.
        what: how errors name this mapping ('test case', 'send step', ...).
        cls: the error class to raise.
    """

    def __init__(self, data: LDict, source: Source, what: str, cls: type[SourceError] = SpecError) -> None:
        self.data = data
        self.source = source
        self.what = what
        self.cls = cls

    @classmethod
    def of(cls_, value: Any, source: Source, line: int, what: str,
           cls: type[SourceError] = SpecError) -> Node:
        if not isinstance(value, dict):
            raise source.error(line, f"{what} must be a mapping, not {type_name(value)}", cls=cls)
        return cls_(value if isinstance(value, LDict) else LDict(value), source, what, cls)

    # --------------------------------------------------------------- places
    @property
    def line(self) -> int:
        return self.data.line

    def where(self, key: Any = None) -> Where:
        return self.source.where(self.key_line(key) if key is not None else self.line)

    def key_line(self, key: Any) -> int:
        return self.data.key_line(key) if key in self.data else self.line

    def value_line(self, key: Any) -> int:
        return self.data.value_line(key) if key in self.data else self.line

    def error(self, line: int, message: str, hint: str | None = None) -> SourceError:
        return self.source.error(line, message, hint, cls=self.cls)

    # --------------------------------------------------------------- checks
    def only(self, allowed: Iterable[str]) -> None:
        """Refuse keys not in ``allowed`` (the first one found, with did-you-mean)."""
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                raise self.error(self.key_line(key), f"unknown key '{key}' in {self.what}"
                                 f"{did_you_mean(key, allowed)}", f"allowed keys: {', '.join(allowed)}")

    def body(self, key: str, keys: Iterable[str], *, besides: Iterable[str] = (), what: str | None = None,
             empty: bool = False, shorthand: str | None = None) -> Node:
        """The mapping under ``key`` (a step's kind) as a Node at its value's line, both levels strict.

        One reading for every step of the form ``- kind: {...}``, so each refuses the same way.

        Args:
            keys: the keys the mapping may hold.
            besides: the keys this node may hold beside ``key`` (``timer``, ``clause``, ...).
            what: how errors name the mapping (default ``key``).
            empty: a bare ``key:`` (null) reads as an empty mapping.
            shorthand: a string value reads as ``{shorthand: value}`` (``clear-impairment: e2``).
        """
        self.only([key, *besides])
        value, line = self.data[key], self.value_line(key)
        if (value is None and empty) or (shorthand is not None and isinstance(value, str)):
            value = LDict({} if value is None else {shorthand: value})
            value.line = line
        sub = Node.of(value, self.source, line, what or key, self.cls)
        sub.only(keys)
        return sub

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def required(self, key: str) -> Any:
        if key not in self.data:
            raise self.error(self.line, f"{self.what} has no '{key}'")
        return self.data[key]

    def get(self, key: str, kind: type | tuple, default: Any = None, *, required: bool = False,
            allow_var: bool = False, choices: Iterable[str] | None = None) -> Any:
        """The value of ``key`` checked to be of ``kind``.

        Args:
            kind: str, int, float (any number), bool, dict, list, or a tuple of them.
            allow_var: a '${...}' string is accepted whatever the kind.
            choices: for strings, the allowed values.
        """
        if key not in self.data:
            if required:
                raise self.error(self.line, f"{self.what} has no '{key}'")
            return default
        value = self.data[key]
        if allow_var and is_var(value):
            return value
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not any(_fits(value, k) for k in kinds):
            want = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in kinds)
            extra = " or a ${variable}" if allow_var else ""
            raise self.error(self.value_line(key), f"'{key}' must be {want}{extra}, not {type_name(value)}"
                             f" ({_short(value)})")
        if choices is not None and isinstance(value, str):
            choices = list(choices)
            if value not in choices:
                raise self.error(self.value_line(key), f"'{key}' is '{value}', not one of: "
                                 f"{', '.join(choices)}{did_you_mean(value, choices)}")
        return value

    def number(self, key: str, kind: type = float, default: Any = None, *, required: bool = False,
               allow_var: bool = False, above: float | None = None, least: float | None = None,
               unit: str = "") -> Any:
        """``get(key, kind)`` that must be more than ``above`` / at least ``least`` (``unit`` names it)."""
        value = self.get(key, kind, default, required=required, allow_var=allow_var)
        if is_number(value):
            if above is not None and value <= above:
                raise self.error(self.value_line(key), f"'{key}' must be more than {above:g}{unit}, not {value}")
            if least is not None and value < least:
                raise self.error(self.value_line(key), f"'{key}' must be {least:g} or more{unit}, not {value}")
        return value

    def strings(self, key: str, *, single: bool = True) -> tuple:
        """A list of strings (a single string too, when ``single``) as a tuple."""
        if key not in self.data:
            return ()
        value = self.data[key]
        if single and isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            for i, v in enumerate(value if isinstance(value, list) else ()):
                if not isinstance(v, str):
                    raise self.error(value.item_line(i) if isinstance(value, LList) else self.value_line(key),
                                     f"'{key}' items must be strings, not {type_name(v)} ({_short(v)})")
            raise self.error(self.value_line(key), f"'{key}' must be a list of strings, not {type_name(value)}")
        return tuple(value)


def _fits(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return is_number(value)
    if kind is dict:
        return isinstance(value, dict)
    if kind is list:
        return isinstance(value, list)
    if kind is str:
        return isinstance(value, str)
    return isinstance(value, kind)


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, (dict, list)) else repr(dict(value) if isinstance(value, dict)
                                                                           else list(value))
    return text if len(text) <= 40 else text[:37] + "..."
