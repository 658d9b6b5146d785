"""M-plane supervision-loss steps: YAML -> typed steps (strict keys, file:line); executors in recovery.py.

    - supervise: {interval: ${supervision_interval}, guard: ${supervision_guard}}  # resets in the background
    - stop-supervision: {}          # the harness stops resetting the O-RU's watchdog (keeps the session)
    - cut: {for: 3}                 # the SSH connection is dropped, no call home accepted for 3 s
    - restart: {who: dut, down_for: 1}     # harness/spec/recovery.py: a real O-RU (simulator) restart
    - recover: {detection: PIXIT, call_home: PIXIT, supervision: PIXIT, fallback: true, configuration: true}

`recover` names the PIXIT of each timed figure (no defaults: the restart, stop-supervision or cut
step refuses to act when the lab lacks one); `fallback` and `configuration` are rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.spec.model import Where
from harness.spec.reader import Node, is_number
from harness.spec.recovery import duration, objectives

FIGURES = ("detection", "call_home", "supervision")
RULES = ("fallback", "configuration")


@dataclass(frozen=True)
class SuperviseStep:
    """The harness resets the O-RU's watchdog every ``interval`` s (guard-timer-overhead ``guard``)."""

    interval: Any
    guard: Any
    where: Where
    kind: str = "supervise"


@dataclass(frozen=True)
class StopSupervisionStep:
    """The harness stops its watchdog resets; the session stays up (the O-RU must end it)."""

    where: Where
    kind: str = "stop-supervision"


@dataclass(frozen=True)
class CutStep:
    """The SSH connection is dropped at once; the harness accepts no call home for ``down_for`` s."""

    down_for: Any
    where: Where
    kind: str = "cut"


@dataclass(frozen=True)
class RecoverStep:
    """Measure the O-RU's supervision-loss recovery after the last break.

    Attributes:
        objectives: figure -> the PIXIT name of its objective (ms); detection's PIXIT is the
            tolerance beyond interval + guard-timer-overhead.
        fallback: check the carriers active before the break are DISABLED after it.
        configuration: check the running configuration reads back as before the break.
    """

    objectives: dict
    fallback: bool
    configuration: bool
    where: Where
    kind: str = "recover"


def _seconds(node: Node, key: str) -> Any:
    value = node.get(key, float, required=True, allow_var=True)
    if is_number(value) and not 0 < value <= 65535:
        raise node.error(node.value_line(key), f"'{key}' must be 1 to 65535 seconds (uint16), not {value:g}")
    return value


def read_supervise(node: Node, ctx: Any) -> list:
    s = node.body("supervise", ["interval", "guard"])
    return [SuperviseStep(_seconds(s, "interval"), _seconds(s, "guard"), node.where())]


def read_stop_supervision(node: Node, ctx: Any) -> list:
    node.body("stop-supervision", [], empty=True)
    return [StopSupervisionStep(node.where())]


def read_cut(node: Node, ctx: Any) -> list:
    c = node.body("cut", ["for"])
    return [CutStep(duration(c, "for", required=True), node.where())]


def read_recover(node: Node, ctx: Any) -> list:
    r = node.body("recover", [*FIGURES, *RULES])
    named = objectives(r, FIGURES)
    fallback, configuration = r.get("fallback", bool, False), r.get("configuration", bool, False)
    if not named and not fallback and not configuration:
        raise r.error(r.line, f"'recover' judges nothing: name the PIXIT objective of at least one of "
                              f"{', '.join(FIGURES)}, or set fallback / configuration")
    return [RecoverStep(named, fallback, configuration, node.where())]


KINDS = {"supervise": read_supervise, "stop-supervision": read_stop_supervision, "cut": read_cut,
         "recover": read_recover}
