"""The step table: step type -> executor, live and observe.

One table for every interface: each binding's executors module registers its
step types' executors when the binding is imported (harness.interfaces
imports every binding), and its capture analyser registers the observe
executors of the step types it can follow in a capture. The runner itself
imports no interface: the layers point down (pyproject [tool.importlinter]).

In observe mode a step type uses, in order: its observe executor for the
capture's kind; its live executor when registered ``pure`` (no I/O: save,
repeat); else nothing -- the step is the tester's business (trigger, wait)
or another interface's, so there is nothing to observe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.runner.context import LIVE

Executor = Callable[[Any, Any], None]          # execute(ctx: StepContext, step)

_LIVE: dict[type, Executor] = {}
_PURE: set[type] = set()
_OBSERVE: dict[tuple[type, str], Executor] = {}


def register_executor(step_type: type, execute: Executor, *, pure: bool = False) -> None:
    """Run ``execute(ctx, step)`` for steps of ``step_type``; ``pure``: it does no I/O, so it runs
    unchanged in observe mode too."""
    _LIVE[step_type] = execute
    if pure:
        _PURE.add(step_type)


def register_observer(step_type: type, capture_kind: str, execute: Executor) -> None:
    """In observe mode over a capture of ``capture_kind`` ('e2', 'http'), run ``execute(ctx, step)``."""
    _OBSERVE[(step_type, capture_kind)] = execute


def _nothing(ctx: Any, step: Any) -> None:
    """Observe mode: a step with nothing to observe in the capture."""


def executor_for(step_type: type, mode: str = LIVE, capture_kind: str | None = None) -> Executor | None:
    """The executor of ``step_type`` in ``mode``; None: no interface knows this step type (live)."""
    if mode == LIVE:
        return _LIVE.get(step_type)
    observe = _OBSERVE.get((step_type, capture_kind or ""))
    if observe is not None:
        return observe
    if step_type in _PURE:
        return _LIVE[step_type]
    return _nothing
