"""The protocol registry: which interfaces exist and which step kinds each one reads.

A test case's `interface` ('near-rt-ric.e2', 'non-rt-ric.a1', ...) selects one
`Interface`, which belongs to one `Protocol`. A protocol contributes its own
step kinds (E2: send/expect; A1: request/expect-request/respond); the common
kinds (trigger, wait, save, repeat, use) are shared by all. The loader looks
kinds up here (the runner keeps the matching table of executors), never in if/elif
chains, so adding NETCONF is one more `register` call. A protocol also brings
its own name checks (`make_checker`), its `templates:` entries (`read_template`)
and the message names a test case may `ignore` (`message_names`): the spec
engine knows no protocol and never imports an interface.

Registration: importing harness.interfaces registers every binding's protocol.
Whoever reads specs (the session, the CLI, the pytest plugin, tests) imports it
first; this module sits below the bindings and imports none of them.

Invariants: an interface name is '<dut role>.<protocol>'; the harness plays
`harness_role`; a step class is executed by exactly one registered executor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import LabError


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
        no_check_hint: the hint when a test case of this protocol has no checking step.
        make_checker: codec -> the checker its readers use for names, IE paths and values
            (StepContext.checkers[name]); None: it checks nothing against a codec.
        read_template: (name, value, source, line, checker) -> the template of one
            `templates:` entry; None: the protocol has no templates.
        owns_template: value -> whether a `templates:` entry is this protocol's (A1: it has
            `json:`); None with a read_template: the default, for entries no other claims.
        message_names: (node, checker, key) -> the message names listed under ``key``, each
            checked; None: a test case of this protocol may not `ignore` messages.
    """

    name: str
    interfaces: tuple
    step_kinds: dict
    checking_steps: tuple
    sub_keys: dict = field(default_factory=dict)
    no_check_hint: str = "add a step that checks something"
    make_checker: Callable[[Any], Any] | None = None
    read_template: Callable[..., Any] | None = None
    owns_template: Callable[[Any], bool] | None = None
    message_names: Callable[..., tuple] | None = None


_PROTOCOLS: dict[str, Protocol] = {}
_COMMON: dict[str, Callable] = {}


def register(protocol: Protocol) -> None:
    _PROTOCOLS[protocol.name] = protocol


def register_common(kinds: dict[str, Callable]) -> None:
    """The step kinds every protocol shares (trigger, wait, save, repeat, use)."""
    _COMMON.update(kinds)


class NoProtocolsError(LabError, RuntimeError):
    """Specs read before any binding registered its protocol: the program using the library is set up
    wrongly (it must import harness.interfaces first), never the spec author's fault."""


def protocols() -> dict[str, Protocol]:
    """Every registered protocol, in registration order (the bindings' table order)."""
    if not _PROTOCOLS:
        raise NoProtocolsError("no protocol is registered: import harness.interfaces before reading specs")
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


def checkers(codec: Any = None) -> dict[str, Any]:
    """protocol -> its name checker for ``codec`` (protocols without `make_checker` have none)."""
    return {p.name: p.make_checker(codec) for p in protocols().values() if p.make_checker is not None}


def template_protocol(value: Any) -> Protocol | None:
    """The protocol that reads one `templates:` entry: the one claiming it, else the default one."""
    readers = [p for p in protocols().values() if p.read_template is not None]
    for p in readers:
        if p.owns_template is not None and p.owns_template(value):
            return p
    return next((p for p in readers if p.owns_template is None), None)
