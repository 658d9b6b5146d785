"""`${name}` substitution in step values.

A string that is exactly `${x}` becomes the typed value of x (a number stays a
number, a mapping a mapping); inside a longer string the value is interpolated
as text. `${a.b}` looks up 'a.b' first, then walks a -> b through mappings
(and `[i]` through lists: `${req.RICsubscriptionDetails.ricAction-ToBeSetup-List[0]}`).
A send step's `as: req` saves what it sent as `req`, so `${req.TransactionID}` is the sent value.
`$${x}` is the literal text `${x}`. Substitution descends into lists and
mappings (values only; keys are left alone).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from harness.spec.errors import VariableError
from harness.spec.model import Where

_REF = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_.\[\]-]*)\}")
_WHOLE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_.\[\]-]*)\}$")
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def references(value: Any) -> set[str]:
    """The variable names referenced anywhere in ``value``."""
    out: set[str] = set()
    if isinstance(value, str):
        out.update(m.group(2) for m in _REF.finditer(value) if not m.group(1))
    elif isinstance(value, dict):
        for v in value.values():
            out |= references(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            out |= references(v)
    return out


def has_vars(value: Any) -> bool:
    return bool(references(value))


def lookup(name: str, variables: Mapping[str, Any], where: Where | None = None) -> Any:
    """The value of ``name`` ('a' or 'a.b').

    Raises:
        VariableError: the name has no value.
    """
    if name in variables:
        return variables[name]
    parts = [m.group(1) if m.group(1) is not None else int(m.group(2)) for m in _PART.finditer(name)]
    head, rest = parts[0], parts[1:]
    if isinstance(head, str) and head in variables:
        value = variables[head]
        for part in rest:
            if isinstance(part, str) and isinstance(value, Mapping) and part in value:
                value = value[part]
            elif isinstance(part, int) and isinstance(value, (list, tuple)) and part < len(value):
                value = value[part]
            else:
                raise VariableError(name, list(variables), where)
        return value
    raise VariableError(name, list(variables), where)


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def substitute(value: Any, variables: Mapping[str, Any], where: Where | None = None) -> Any:
    """``value`` with every ${name} replaced (see the module docstring).

    Raises:
        VariableError: a referenced name has no value.
    """
    if isinstance(value, str):
        whole = _WHOLE.match(value)
        if whole:
            return lookup(whole.group(1), variables, where)

        def repl(m: re.Match) -> str:
            if m.group(1):
                return "${" + m.group(2) + "}"
            return _text(lookup(m.group(2), variables, where))
        return _REF.sub(repl, value)
    if isinstance(value, dict):
        return {k: substitute(v, variables, where) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, variables, where) for v in value]
    if isinstance(value, tuple):
        return tuple(substitute(v, variables, where) for v in value)
    return value
