"""Impairment and failure steps (issue 20): impair, clear-impairment, link-flap, partition.

Protocol-free: they act on a link the lab profile names (`links:`), whatever runs over it.
The readers check the step's own keys and the inline impairment values here, with
file:line; whether the link exists in the lab and whether its mechanism can act on this
host is checked against the lab before the run (harness/profiles/paths.py check_steps),
and the executors are in harness/runner/impair_steps.py.

    - impair: {link: e2, profile: geo-satellite}            # a named path profile
    - impair: {link: e2, delay_ms: 50, loss: 0.01, for: 5}  # inline fields; cleared after 5 s
    - clear-impairment: {link: e2}
    - link-flap: {link: e2, down_for: 2}
    - partition: {link: e2, for: 3}                         # wait: false -> returns as it starts
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.impair.model import FIELDS, Impairment, ImpairmentError, impairment_from
from harness.spec import protocols
from harness.spec.model import Where
from harness.spec.reader import Node
from harness.spec.yamlload import plain


@dataclass(frozen=True)
class ImpairStep:
    link: str
    profile: str | None            # a path profile name (fixtures/profiles/paths), or None: `impairment`
    impairment: Impairment | None  # the inline fields
    duration: Any                  # seconds (or ${var}) until it is cleared again; None: until cleared
    where: Where
    kind: str = "impair"


@dataclass(frozen=True)
class ClearImpairmentStep:
    link: str
    where: Where
    kind: str = "clear-impairment"


@dataclass(frozen=True)
class LinkFlapStep:
    link: str
    down_for: Any
    where: Where
    kind: str = "link-flap"


@dataclass(frozen=True)
class PartitionStep:
    """``wait: false``: the step returns as the partition starts (it ends by itself after ``duration``),
    so a following `recover` step watches the association while the path is cut and can time the
    SCTP failure detection."""

    link: str
    duration: Any
    where: Where
    wait: bool = True
    kind: str = "partition"


IMPAIR_STEPS = (ImpairStep, ClearImpairmentStep, LinkFlapStep, PartitionStep)


def _body(node: Node, kind: str, keys: list[str]) -> Node:
    return node.body(kind, keys, what=f"{kind} step", shorthand="link")       # `clear-impairment: e2`


def _seconds(node: Node, key: str, *, required: bool) -> Any:
    return node.number(key, float, required=required, allow_var=True, above=0, unit=" seconds")


def _impair(node: Node, ctx: Any) -> list:
    body = _body(node, "impair", ["link", "profile", "for", *FIELDS])
    link = body.get("link", str, required=True)
    profile = body.get("profile", str)
    fields = {k: plain(v) for k, v in body.data.items() if k in FIELDS}
    if profile is not None and fields:
        first = next(iter(fields))
        raise body.error(body.key_line(first), f"'{first}' beside profile '{profile}': give a path profile "
                         "or inline fields, not both")
    if profile is None and not fields:
        raise body.error(body.line, f"impair step has neither profile: NAME nor an impairment field "
                         f"({', '.join(FIELDS)})")
    impairment = None
    if fields:
        try:
            impairment = impairment_from(fields, "impair step")
        except ImpairmentError as err:
            key = next((k for k in fields if k in str(err)), next(iter(fields)))
            raise body.error(body.value_line(key), str(err).removeprefix("impair step: ")) from None
    return [ImpairStep(link, profile, impairment, _seconds(body, "for", required=False), node.where())]


def _clear(node: Node, ctx: Any) -> list:
    body = _body(node, "clear-impairment", ["link"])
    return [ClearImpairmentStep(body.get("link", str, required=True), node.where())]


def _flap(node: Node, ctx: Any) -> list:
    body = _body(node, "link-flap", ["link", "down_for"])
    return [LinkFlapStep(body.get("link", str, required=True), _seconds(body, "down_for", required=True),
                         node.where())]


def _partition(node: Node, ctx: Any) -> list:
    body = _body(node, "partition", ["link", "for", "wait"])
    return [PartitionStep(body.get("link", str, required=True), _seconds(body, "for", required=True), node.where(),
                          wait=body.get("wait", bool, True))]


IMPAIR_KINDS = {"impair": _impair, "clear-impairment": _clear, "link-flap": _flap, "partition": _partition}
protocols.register_common(IMPAIR_KINDS)


def impair_steps(steps: Any) -> list:
    """Every impairment step among ``steps``, nested ones (repeat, preamble) included."""
    out: list = []
    for step in steps:
        if isinstance(step, IMPAIR_STEPS):
            out.append(step)
        out.extend(impair_steps(getattr(step, "steps", ())))
    return out
