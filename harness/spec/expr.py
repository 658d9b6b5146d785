"""Applicability expressions over PICS items, without eval.

    e2ap.procedures.e2-setup and (e2sm.kpm or e2sm.rc)
    e2ap.version in ['v03.00', 'v03.01'] and not e2ap.procedures.e2-removal-initiated-by-ric

Grammar (lowest precedence first; comparisons do not chain):

    expr    := or
    or      := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | compare
    compare := primary (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not in') primary)?
    primary := ITEM | NUMBER | STRING | 'true' | 'false' | '(' expr ')' | '[' [primary (',' primary)*] ']'

ITEM is a dotted PICS name; segments may hold '-' ('e2ap.procedures.e2-setup').
STRING is quoted with ' or ". Evaluation gives a value and a reason in words,
so a skipped test says why ("e2ap.procedures.e2-removal-initiated-by-ric is false").
A PICS item the DUT profile does not declare evaluates as undeclared (false).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.spec.errors import SpecError
from harness.spec.model import Where
from harness.spec.reader import did_you_mean

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>-?\d+(?:\.\d+)?(?![A-Za-z_.-]))
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*(?:\.[A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*)*)
""", re.VERBOSE)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}


class _Undeclared:
    def __repr__(self) -> str:
        return "undeclared"

    def __bool__(self) -> bool:
        return False


UNDECLARED = _Undeclared()


@dataclass(frozen=True)
class Token:
    kind: str      # name | num | str | op | kw | end
    text: str
    pos: int       # 0-based offset in the expression


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text``; raises ValueError naming the offset of a bad character."""
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:      # every alternative is a named group
            raise ValueError(f"unexpected character {text[pos]!r} at column {pos + 1}")
        kind = m.lastgroup
        if kind != "ws":
            value = m.group()
            if kind == "name" and value in _KEYWORDS:
                kind = "kw"
            out.append(Token(kind, value, pos))
        pos = m.end()
    out.append(Token("end", "", len(text)))
    return out


# ------------------------------------------------------------------ AST
def _show(value: Any) -> str:
    if value is UNDECLARED:
        return "not declared"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


class Expr:
    """A compiled expression; `evaluate` gives (bool, reason)."""

    def value(self, pics: Mapping[str, Any]) -> tuple[Any, str]:
        raise NotImplementedError

    def evaluate(self, pics: Mapping[str, Any]) -> tuple[bool, str]:
        """(applicable, reason): the reason names the items that decided it."""
        value, reason = self.value(pics)
        return bool(value) and value is not UNDECLARED, reason

    def items(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class Item(Expr):
    name: str

    def value(self, pics):
        v = pics.get(self.name, UNDECLARED)
        return v, (f"{self.name} is not declared in the DUT profile" if v is UNDECLARED
                   else f"{self.name} is {_show(v)}")

    def items(self):
        return {self.name}

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Literal(Expr):
    literal: Any

    def value(self, pics):
        return self.literal, _show(self.literal)

    def __str__(self) -> str:
        return _show(self.literal)


@dataclass(frozen=True)
class ListLit(Expr):
    elements: tuple

    def value(self, pics):
        vals = [e.value(pics)[0] for e in self.elements]
        return vals, _show(vals)

    def items(self):
        return set().union(*(e.items() for e in self.elements)) if self.elements else set()

    def __str__(self) -> str:
        return "[" + ", ".join(map(str, self.elements)) + "]"


@dataclass(frozen=True)
class Not(Expr):
    operand: Expr

    def value(self, pics):
        v, reason = self.operand.value(pics)
        return (not v) or v is UNDECLARED, reason

    def items(self):
        return self.operand.items()

    def __str__(self) -> str:
        return f"not {_paren(self.operand)}"


@dataclass(frozen=True)
class BoolOp(Expr):
    op: str              # 'and' | 'or'
    operands: tuple

    def value(self, pics):
        reasons = []
        for operand in self.operands:
            v, reason = operand.value(pics)
            truth = bool(v) and v is not UNDECLARED
            if (self.op == "and" and not truth) or (self.op == "or" and truth):
                return truth, reason
            reasons.append(reason)
        return self.op == "and", " and ".join(reasons)

    def items(self):
        return set().union(*(o.items() for o in self.operands))

    def __str__(self) -> str:
        return f" {self.op} ".join(_paren(o) for o in self.operands)


_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
}


@dataclass(frozen=True)
class Compare(Expr):
    op: str
    left: Expr
    right: Expr

    def value(self, pics):
        lv, lr = self.left.value(pics)
        rv, rr = self.right.value(pics)
        facts = [r for e, r in ((self.left, lr), (self.right, rr)) if not isinstance(e, (Literal, ListLit))]
        if lv is UNDECLARED or rv is UNDECLARED:
            return False, "; ".join(facts)
        try:
            result = bool(_COMPARE[self.op](lv, rv))
        except TypeError:
            return False, f"{self} cannot be compared ({'; '.join(facts)})"
        return result, f"{self} is {_show(result)} ({'; '.join(facts)})" if facts else f"{self} is {_show(result)}"

    def items(self):
        return self.left.items() | self.right.items()

    def __str__(self) -> str:
        return f"{self.left} {self.op} {self.right}"


def _paren(e: Expr) -> str:
    return f"({e})" if isinstance(e, (BoolOp, Compare)) else str(e)


# ------------------------------------------------------------------ parser
MAX_DEPTH = 50      # nesting of '(', '[' and 'not'; far past any real applicability, far below the stack


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def nest(self) -> None:
        """One level deeper; a too-deep expression is a clean error, not a RecursionError."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"expression nested more than {MAX_DEPTH} deep")

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, kind: str, text: str | None = None) -> bool:
        return self.tok.kind == kind and (text is None or self.tok.text == text)

    def fail(self, message: str) -> ValueError:
        found = "the end" if self.tok.kind == "end" else f"'{self.tok.text}'"
        return ValueError(f"{message}, found {found} at column {self.tok.pos + 1}")

    def parse(self) -> Expr:
        e = self.or_()
        if not self.at("end"):
            raise self.fail("expected 'and', 'or' or the end")
        return e

    def or_(self) -> Expr:
        ops = [self.and_()]
        while self.at("kw", "or"):
            self.take()
            ops.append(self.and_())
        return ops[0] if len(ops) == 1 else BoolOp("or", tuple(ops))

    def and_(self) -> Expr:
        ops = [self.not_()]
        while self.at("kw", "and"):
            self.take()
            ops.append(self.not_())
        return ops[0] if len(ops) == 1 else BoolOp("and", tuple(ops))

    def not_(self) -> Expr:
        if self.at("kw", "not"):
            self.take()
            self.nest()
            inner = self.not_()
            self.depth -= 1
            return Not(inner)
        return self.compare()

    def compare(self) -> Expr:
        left = self.primary()
        op = None
        if self.tok.kind == "op" and self.tok.text in _COMPARE:
            op = self.take().text
        elif self.at("kw", "in"):
            self.take()
            op = "in"
        elif self.at("kw", "not") and self.tokens[self.i + 1].kind == "kw" and self.tokens[self.i + 1].text == "in":
            self.i += 2
            op = "not in"
        if op is None:
            return left
        right = self.primary()
        if self.tok.kind == "op" and self.tok.text in _COMPARE or self.at("kw", "in"):
            raise self.fail("comparisons do not chain; use 'and'")
        return Compare(op, left, right)

    def primary(self) -> Expr:
        t = self.tok
        if t.kind == "name":
            self.take()
            return Item(t.text)
        if t.kind == "num":
            self.take()
            return Literal(float(t.text) if "." in t.text else int(t.text))
        if t.kind == "str":
            self.take()
            return Literal(t.text[1:-1])
        if t.kind == "kw" and t.text in ("true", "false"):
            self.take()
            return Literal(t.text == "true")
        if t.kind == "op" and t.text == "(":
            self.take()
            self.nest()
            e = self.or_()
            if not self.at("op", ")"):
                raise self.fail("expected ')'")
            self.take()
            self.depth -= 1
            return e
        if t.kind == "op" and t.text == "[":
            self.take()
            self.nest()
            elements = []
            while not self.at("op", "]"):
                elements.append(self.primary())
                if self.at("op", ","):
                    self.take()
                elif not self.at("op", "]"):
                    raise self.fail("expected ',' or ']'")
            self.take()
            self.depth -= 1
            return ListLit(tuple(elements))
        raise self.fail("expected a PICS item, a value or '('")


def compile(text: str, where: Where, known_items: Iterable[str] | None = None,
            line_text: str | None = None) -> Expr:
    """Parse an applicability expression and check its PICS items.

    Args:
        text: the expression.
        where: the file:line it came from (for errors).
        known_items: the PICS catalogue's item names; None skips the check.
        line_text: the source line, quoted in errors.

    Returns:
        The expression, its `text` set to ``text``.

    Raises:
        SpecError: a syntax error (with the column) or an unknown PICS item.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError(where, "an applicability expression must be a non-empty string", None, line_text)
    try:
        expr = _Parser(text).parse()
    except ValueError as err:
        raise SpecError(where, f"bad applicability expression: {err}", f"the expression: {text}",
                        line_text) from None
    if known_items is not None:
        known = sorted(known_items)
        for name in sorted(expr.items()):
            if name not in known:
                close = difflib.get_close_matches(name, known, n=4, cutoff=0.6)
                hint = ("close items: " + ", ".join(close) if close else "") + \
                    ("; " if close else "") + "all items are in specs/pics/pics.yaml"
                raise SpecError(where, f"unknown PICS item '{name}' in applicability{did_you_mean(name, known)}",
                                hint, line_text)
    return _Compiled(expr, text)


@dataclass(frozen=True)
class _Compiled(Expr):
    """The parsed root plus the source text."""

    root: Expr
    source: str

    @property
    def text(self) -> str:
        return self.source

    def value(self, pics):
        return self.root.value(pics)

    def items(self):
        return self.root.items()

    def __str__(self) -> str:
        return str(self.root)
