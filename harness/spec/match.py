"""Receive matchers: compare an observed IE value (JSON mapping) with a spec.

The spec is plain data from YAML:

* a scalar matches by equality (true is not 1);
* a list matches a list of the same length, item by item;
* a mapping matches PARTIALLY: only the listed keys are compared, so a CHOICE
  (a one-key mapping) is matched by naming its alternative;
* a mapping whose keys all start with '$' is an operator set, every operator
  must hold: `$any`, `$present`, `$absent`, `$exact`, `$range`, `$regex`,
  `$one-of`, `$echo`, `$len`, `$contains`, `$each`.

`$echo: req.RICrequestID` is the value saved under that name: a variable, or a
path into what a send step named with `as: req` sent, so a spec never copies a
value of its own stimulus. `$len: {$echo: req.list}` asks for as many items as
the echoed list has. `$contains: M` holds when at least one item of a list
matches M; `$each: M` when every item does.

`match` returns mismatches, one readable line of reason each; an empty list
means the value matched. `check_spec` finds malformed matchers at load time
(unknown operators, operands of the wrong kind) so they are spec errors, not
runtime surprises.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.spec.reader import did_you_mean
from harness.spec.vars import lookup


class _Absent:
    """The observed side of a key the message does not have."""

    def __repr__(self) -> str:
        return "absent"


ABSENT = _Absent()


@dataclass(frozen=True)
class Mismatch:
    path: str
    expected: Any
    observed: Any          # ABSENT when the IE/component is not there
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


def show(value: Any) -> str:
    """A short JSON-like rendering for reasons."""
    if value is ABSENT:
        return "absent"
    try:
        text = json.dumps(value, sort_keys=False, default=str, separators=(", ", ": "))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _equal(a: Any, b: Any) -> bool:
    """Deep equality where booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (dict, list, tuple)) or isinstance(b, (dict, list, tuple)):
        return False
    return a == b


def is_operator_set(spec: Any) -> bool:
    return isinstance(spec, dict) and bool(spec) and all(isinstance(k, str) and k.startswith("$") for k in spec)


def match(spec: Any, observed: Any, path: str = "", variables: Mapping[str, Any] | None = None) -> list[Mismatch]:
    """Compare ``observed`` with the matcher ``spec``.

    Args:
        spec: the matcher (see the module docstring); `${var}` references must
            already be substituted (harness.spec.vars), `$echo` names are looked up here.
        observed: the value in the JSON mapping, or ABSENT.
        path: where ``observed`` is, for the mismatch texts ('GlobalRIC-ID.ric-ID').
        variables: saved variables, for `$echo`.

    Returns:
        Mismatches, empty when everything matched.

    Raises:
        VariableError: `$echo` names a variable that has no value.
    """
    return _Matcher(variables or {}).match(spec, observed, path)


class _Matcher:
    def __init__(self, variables: Mapping[str, Any]) -> None:
        self.variables = variables

    def match(self, spec: Any, observed: Any, path: str) -> list[Mismatch]:
        if is_operator_set(spec):
            out: list[Mismatch] = []
            for op, operand in spec.items():
                out.extend(OPERATORS[op](self, operand, observed, path))
            return out
        if observed is ABSENT:
            return [Mismatch(path, spec, observed, f"absent, expected {show(spec)}")]
        if isinstance(spec, dict):
            if not isinstance(observed, dict):
                return [Mismatch(path, spec, observed, f"expected a mapping with {', '.join(map(str, spec))}, "
                                                       f"observed {show(observed)}")]
            out = []
            for key, sub in spec.items():
                out.extend(self.match(sub, observed.get(key, ABSENT), _join(path, key)))
            return out
        if isinstance(spec, list):
            if not isinstance(observed, list):
                return [Mismatch(path, spec, observed, f"expected a list, observed {show(observed)}")]
            if len(spec) != len(observed):
                return [Mismatch(path, spec, observed,
                                 f"expected {len(spec)} item(s), observed {len(observed)}")]
            out = []
            for i, (s, o) in enumerate(zip(spec, observed, strict=True)):
                out.extend(self.match(s, o, _join(path, i)))
            return out
        if not _equal(spec, observed):
            return [Mismatch(path, spec, observed, f"expected {show(spec)}, observed {show(observed)}")]
        return []

    # ------------------------------------------------------------- operators
    def op_any(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        return []

    def op_present(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        if operand and observed is ABSENT:
            return [Mismatch(path, {"$present": True}, observed, "absent, expected present")]
        if not operand and observed is not ABSENT:
            return [Mismatch(path, {"$present": False}, observed, f"present ({show(observed)}), expected absent")]
        return []

    def op_absent(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        return self.op_present(not operand, observed, path)

    def _needs(self, op: str, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        if observed is ABSENT:
            return [Mismatch(path, {op: operand}, observed, f"absent, expected {op} {show(operand)}")]
        return []

    def op_exact(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._needs("$exact", operand, observed, path)
        if miss or _equal(operand, observed):
            return miss
        return [Mismatch(path, operand, observed, f"expected exactly {show(operand)}, observed {show(observed)}")]

    def op_range(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._needs("$range", operand, observed, path)
        if miss:
            return miss
        lo, hi = operand
        shown = f"[{'-inf' if lo is None else show(lo)}, {'inf' if hi is None else show(hi)}]"
        if isinstance(observed, bool) or not isinstance(observed, (int, float)):
            return [Mismatch(path, {"$range": operand}, observed,
                             f"expected a number in {shown}, observed {show(observed)}")]
        if not math.isfinite(observed):        # NaN compares false both ways: it would pass any range
            return [Mismatch(path, {"$range": operand}, observed,
                             f"expected a number in {shown}, observed {observed!r} (not a finite number)")]
        if (lo is not None and observed < lo) or (hi is not None and observed > hi):
            return [Mismatch(path, {"$range": operand}, observed, f"{show(observed)} is outside {shown}")]
        return []

    def op_regex(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._needs("$regex", operand, observed, path)
        if miss:
            return miss
        if not isinstance(observed, str):
            return [Mismatch(path, {"$regex": operand}, observed,
                             f"expected a string matching /{operand}/, observed {show(observed)}")]
        if re.fullmatch(operand, observed) is None:
            return [Mismatch(path, {"$regex": operand}, observed, f"{show(observed)} does not match /{operand}/")]
        return []

    def op_one_of(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        if any(not self.match(choice, observed, path) for choice in operand):
            return []
        return [Mismatch(path, {"$one-of": operand}, observed,
                         f"{show(observed)} is none of {show(list(operand))}")]

    def op_echo(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        saved = lookup(operand, self.variables)
        if observed is ABSENT:
            return [Mismatch(path, saved, observed, f"absent, expected {show(saved)} (saved as {operand})")]
        if _equal(saved, observed):
            return []
        return [Mismatch(path, saved, observed,
                         f"expected {show(saved)} (saved as {operand}), observed {show(observed)}")]

    def op_len(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._needs("$len", operand, observed, path)
        if miss:
            return miss
        if not isinstance(observed, (list, str, dict)):
            return [Mismatch(path, {"$len": operand}, observed,
                             f"expected something with a length, observed {show(observed)}")]
        if isinstance(operand, dict) and set(operand) == {"$echo"}:
            saved = lookup(operand["$echo"], self.variables)
            if isinstance(saved, (list, str, dict)):        # as many items as the echoed list
                if len(saved) == len(observed):
                    return []
                return [Mismatch(path, {"$len": operand}, observed, f"length: expected {len(saved)} (as many as "
                                 f"{operand['$echo']}), observed {len(observed)}")]
        out = []
        for m in self.match(operand, len(observed), path):
            out.append(Mismatch(path, {"$len": operand}, observed, f"length: {m.reason}"))
        return out


    def _items(self, op: str, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._needs(op, operand, observed, path)
        if miss:
            return miss
        if not isinstance(observed, list):
            return [Mismatch(path, {op: operand}, observed, f"expected a list, observed {show(observed)}")]
        return []

    def op_contains(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._items("$contains", operand, observed, path)
        if miss or any(not self.match(operand, item, _join(path, i)) for i, item in enumerate(observed)):
            return miss
        return [Mismatch(path, {"$contains": operand}, observed,
                         f"none of the {len(observed)} item(s) matches {show(operand)}")]

    def op_each(self, operand: Any, observed: Any, path: str) -> list[Mismatch]:
        miss = self._items("$each", operand, observed, path)
        if miss:
            return miss
        out: list[Mismatch] = []
        for i, item in enumerate(observed):
            out.extend(self.match(operand, item, _join(path, i)))
        return out


OPERATORS: dict[str, Callable[[_Matcher, Any, Any, str], list[Mismatch]]] = {
    "$any": _Matcher.op_any,
    "$present": _Matcher.op_present,
    "$absent": _Matcher.op_absent,
    "$exact": _Matcher.op_exact,
    "$range": _Matcher.op_range,
    "$regex": _Matcher.op_regex,
    "$one-of": _Matcher.op_one_of,
    "$echo": _Matcher.op_echo,
    "$len": _Matcher.op_len,
    "$contains": _Matcher.op_contains,
    "$each": _Matcher.op_each,
}


def _is_num_or_none(v: Any) -> bool:
    return v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))


def _operand_problem(op: str, operand: Any) -> str | None:
    """Why ``operand`` is not valid for ``op`` (None when it is)."""
    if op in ("$present", "$absent", "$any"):
        return None if isinstance(operand, bool) else f"{op} takes true or false, not {show(operand)}"
    if op == "$range":
        ok = isinstance(operand, list) and len(operand) == 2 and all(_is_num_or_none(v) for v in operand)
        return None if ok else f"$range takes [low, high] (numbers, null for open), not {show(operand)}"
    if op == "$regex":
        if not isinstance(operand, str):
            return f"$regex takes a string, not {show(operand)}"
        try:
            re.compile(operand)
        except re.error as err:
            return f"$regex /{operand}/ does not compile: {err}"
        return None
    if op == "$one-of":
        return None if isinstance(operand, list) and operand else f"$one-of takes a non-empty list, not {show(operand)}"
    if op == "$echo":
        return None if isinstance(operand, str) and operand else \
            f"$echo takes a variable name or a path such as req.RICrequestID, not {show(operand)}"
    if op == "$len":
        if isinstance(operand, int) and not isinstance(operand, bool) and operand >= 0:
            return None
        if is_operator_set(operand):
            return None
        return f"$len takes a count or an operator set such as {{$range: [1, 4]}}, not {show(operand)}"
    return None


def check_spec(spec: Any, path: str = "") -> list[tuple[str, str]]:
    """Malformed parts of a matcher, as (path, problem) pairs; the loader adds file:line.

    Paths use the same form as Mismatch paths, with the operator as last segment
    (for example 'TransactionID.$range').
    """
    out: list[tuple[str, str]] = []
    if isinstance(spec, dict):
        dollar = [k for k in spec if isinstance(k, str) and k.startswith("$")]
        if dollar and len(dollar) != len(spec):
            plain = [k for k in spec if k not in dollar]
            return [(path, f"mixes operators ({', '.join(dollar)}) with components ({', '.join(map(str, plain))})")]
        for key, sub in spec.items():
            if key in dollar:
                if key not in OPERATORS:
                    out.append((_join(path, key), f"unknown matcher operator '{key}'"
                                f"{did_you_mean(key, OPERATORS)}; known: {', '.join(OPERATORS)}"))
                    continue
                problem = _operand_problem(key, sub)
                if problem:
                    out.append((_join(path, key), problem))
                elif key == "$one-of":
                    for i, choice in enumerate(sub):
                        out.extend(check_spec(choice, _join(_join(path, key), i)))
                elif key in ("$len", "$contains", "$each") and isinstance(sub, (dict, list)):
                    out.extend(check_spec(sub, _join(path, key)))
            else:
                out.extend(check_spec(sub, _join(path, key)))
    elif isinstance(spec, list):
        for i, sub in enumerate(spec):
            out.extend(check_spec(sub, _join(path, i)))
    return out
