"""The `restart` step and the reading of recovery objectives, shared by every binding.

A resilience test case breaks something on purpose (`restart: {who: dut|peer, down_for: D}`)
and then measures how the DUT recovers with its interface's own check step (E2 `recover`, A1
`recover`, M-plane `supervision-loss`). Each figure is compared with an objective the lab declares
as PIXIT, named in the spec (``reestablish: e2_reestablish_ms``): O-RAN leaves most recovery times
to the operator, so the harness has no default objectives, and a PIXIT the lab does not declare is
an ERROR before anything is restarted. Reading here knows no protocol.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from harness.spec.model import Where
from harness.spec.reader import Node, is_number, is_var

WHO = ("dut", "peer")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_PIXIT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class RestartStep:
    """Restart the DUT (its simulator, or the lab's `restart` command) or the harness's own side.

    Attributes:
        who: 'dut' or 'peer' (the harness's side of the link).
        down_for: seconds it stays down (a number, or a ${variable}).
        where: the YAML file:line.
    """

    who: str
    down_for: Any
    where: Where
    kind: str = "restart"


def duration(node: Node, key: str, *, required: bool = False, default: Any = None) -> Any:
    """``key`` as seconds: a number (seconds), '500ms', '2s', or a ${variable} (checked at run time)."""
    if not node.has(key):
        if required:
            raise node.error(node.line, f"'{key}' is missing: a duration such as 2, '500ms' or '2s'")
        return default
    value = node.raw(key)
    if is_var(value):
        return value
    if is_number(value):
        seconds = float(value)
    else:
        m = _DURATION.match(value) if isinstance(value, str) else None
        if m is None:
            raise node.error(node.value_line(key), f"'{key}' must be a duration such as 2, '500ms' or '2s', "
                                                   f"not {value!r}")
        seconds = float(m.group(1)) / (1000.0 if m.group(2) == "ms" else 1.0)
    if seconds < 0:
        raise node.error(node.value_line(key), f"'{key}' must be 0 or more seconds, not {seconds:g}")
    return seconds


def read_restart(node: Node, ctx: Any) -> list:
    """``restart: {who: dut|peer, down_for: DURATION}`` (strict keys)."""
    r = node.body("restart", ["who", "down_for"])
    who = r.get("who", str, required=True, choices=WHO)
    return [RestartStep(who, duration(r, "down_for", required=True), node.where())]


def objectives(node: Node, figures: tuple[str, ...]) -> dict[str, str]:
    """figure -> the PIXIT name of its objective, for each of ``figures`` the step names.

    Raises:
        SourceError: a PIXIT name that is not an identifier.
    """
    out = {}
    for figure in figures:
        if node.has(figure):
            name = node.get(figure, str)
            if not _PIXIT_NAME.match(name):
                raise node.error(node.value_line(figure), f"'{figure}' names the PIXIT of its objective "
                                 f"(letters, digits, _), not {name!r}")
            out[figure] = name
    return out
