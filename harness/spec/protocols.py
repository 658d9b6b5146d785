"""The protocol registry: which interfaces exist and which step kinds each one reads.

A test case's `interface` ('near-rt-ric.e2', 'non-rt-ric.a1', ...) selects one
`Interface`, which belongs to one `Protocol`. A protocol contributes its own
step kinds (E2: send/expect; A1: request/expect-request/respond); the common
kinds (trigger, wait, save, repeat, use) are shared by all. The loader looks
kinds up here (the runner keeps the matching table of executors), never in if/elif
chains, so adding NETCONF is one more `register` call.

Invariants: an interface name is '<dut role>.<protocol>'; the harness plays
`harness_role`; a step class is executed by exactly one registered executor.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

# The interface bindings register their protocols when imported (harness/interfaces/__init__.py holds
# the one table; kept explicit: no entry-point magic). Imported lazily, by name: the spec layer sits
# below the bindings and must not import them at module level.
_MODULES = ("harness.interfaces",)


@dataclass(frozen=True)
class Interface:
    name: str              # 'near-rt-ric.a1'
    protocol: str          # 'a1'
    dut_role: str          # 'near-rt-ric'
    harness_role: str      # 'non-rt-ric'


@dataclass(frozen=True)
class Protocol:
    """One protocol's contribution to the spec engine.

    Attributes:
        name: 'e2' | 'a1'.
        interfaces: the interfaces it tests.
        step_kinds: YAML key -> reader(node, ctx) -> [Step] for this protocol's own kinds.
        checking_steps: step classes that evaluate a check (a test case needs one).
        sub_keys: kind -> keys of its steps that are also kind names elsewhere
            ('expect' in a request step, 'save' in an expect step): not a second kind.
        ignore_messages: a test case may list messages to `ignore` (E2AP message names).
        no_check_hint: the hint when a test case of this protocol has no checking step.
    """

    name: str
    interfaces: tuple
    step_kinds: dict
    checking_steps: tuple
    sub_keys: dict = field(default_factory=dict)
    ignore_messages: bool = False
    no_check_hint: str = "add a step that checks something"


_PROTOCOLS: dict[str, Protocol] = {}
_COMMON: dict[str, Callable] = {}
_LOADED = False


def register(protocol: Protocol) -> None:
    _PROTOCOLS[protocol.name] = protocol


def register_common(kinds: dict[str, Callable]) -> None:
    """The step kinds every protocol shares (trigger, wait, save, repeat, use)."""
    _COMMON.update(kinds)


def _load() -> None:
    global _LOADED
    if not _LOADED:
        _LOADED = True
        for module in _MODULES:
            importlib.import_module(module)


def protocols() -> dict[str, Protocol]:
    _load()
    return dict(_PROTOCOLS)


def interfaces() -> dict[str, Interface]:
    """Interface name -> Interface, over every registered protocol."""
    return {i.name: i for p in protocols().values() for i in p.interfaces}


def protocol_of(interface: str) -> Protocol:
    return protocols()[interfaces()[interface].protocol]


def kinds_for(protocol: str | None) -> dict[str, Callable]:
    """The step readers of one protocol plus the common ones (None: every protocol's, for groups)."""
    all_p = protocols()
    out: dict = {}
    for p in ([all_p[protocol]] if protocol else list(all_p.values())):
        out.update(p.step_kinds)
    out.update(_COMMON)                 # protocol kinds first: error texts list them first
    return out


def sub_keys() -> dict[str, frozenset]:
    """kind -> the keys its steps own that are also kind names (over every protocol)."""
    out: dict = {}
    for p in protocols().values():
        for kind, keys in p.sub_keys.items():
            out[kind] = frozenset(out.get(kind, frozenset()) | frozenset(keys))
    return out


def checking_steps() -> tuple:
    out: tuple = ()
    for p in protocols().values():
        out += p.checking_steps
    return out


def roles() -> dict[str, set]:
    """DUT role -> the roles the harness may play against it (over every interface)."""
    out: dict[str, set] = {}
    for i in interfaces().values():
        out.setdefault(i.dut_role, set()).add(i.harness_role)
    return out
