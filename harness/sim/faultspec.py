"""One way to declare and select simulator faults, for every interface.

A fault makes a built-in simulator misbehave on purpose, so a test can show
that its checker fails for the right reason. Each interface declares its
faults once, in a `FaultRegistry` (E2: harness/interfaces/e2/sim/faults.py, A1:
harness/interfaces/a1/sim/faults.py, O-RU: harness/interfaces/mplane/sim/oru.py); the simulators, the
standalone commands and the bindings' ``check_fault`` all select faults
through `FaultRegistry.parse`, so a name that is accepted is a name that fires.

A fault is written ``NAME`` (every message it applies to) or
``NAME@Msg,Msg`` (only those messages: E2AP message names for E2, A1-P
operations for A1). Invariants `parse` keeps:

* the name is one of the registry's faults (or hostile modes);
* every scoped message is a message of the interface, and one the fault can bend;
* with a role, the fault can fire for that role and the role's simulator sends
  every scoped message;

anything else is a `FaultError` (a user error) that names the text and lists
the known names, with a did-you-mean for a near miss.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from harness.core.errors import UserError

STAGES = ("value", "bytes", "timing", "e2sm", "behaviour", "hostile")


class FaultError(UserError, ValueError):
    """A fault that cannot be selected: an unknown name, an unknown or unreachable message."""


@dataclass(frozen=True)
class Fault:
    """One named fault mode.

    Attributes:
        name: what ``--fault`` names.
        description: what it does, for error texts and docs.
        stage: where it bends ('value', 'bytes', 'timing', 'e2sm', 'behaviour', 'hostile').
        messages: the messages it can bend (None: any message the simulator sends).
        roles: the simulator roles that can fire it (None: every role of the interface).
    """

    name: str
    description: str
    stage: str = "value"
    messages: frozenset[str] | None = None
    roles: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"fault {self.name}: stage {self.stage!r} is not one of {', '.join(STAGES)}")

    def fires_for(self, role: str | None) -> bool:
        """Whether a simulator playing ``role`` can fire it (None: any role)."""
        return role is None or self.roles is None or role in self.roles

    def can_bend(self, message: str) -> bool:
        """Whether the fault can bend ``message`` at all."""
        return self.messages is None or message in self.messages


@dataclass(frozen=True)
class ScopedFault:
    """A selected fault and the messages it is limited to (None: every message it applies to)."""

    fault: Fault
    scope: frozenset[str] | None = None

    @property
    def name(self) -> str:
        return self.fault.name

    def applies(self, message: str) -> bool:
        """Whether the fault is active for ``message`` (A1: an operation)."""
        return (self.scope is None or message in self.scope) and self.fault.can_bend(message)

    def __str__(self) -> str:
        return self.name + ("@" + ",".join(sorted(self.scope)) if self.scope else "")


@dataclass(frozen=True, eq=False)
class FaultRegistry(Mapping[str, Fault]):
    """The faults of one interface (a mapping from name to `Fault`, in declaration order).

    Attributes:
        interface: how error texts name the interface ('E2', 'A1', 'O-RU').
        faults: the faults, then the hostile peer modes (stage 'hostile').
        messages: the names a scope may use; empty: this interface's faults take no scope.
        message_word: what a scope names ('message', 'operation').
        sent_by: role -> the messages that role's simulator sends (empty: not checked).
        error: the `FaultError` subclass raised.
    """

    interface: str
    faults: tuple[Fault, ...]
    messages: tuple[str, ...] = ()
    message_word: str = "message"
    sent_by: Mapping[str, frozenset[str]] = field(default_factory=dict)
    error: type[FaultError] = FaultError
    _by_name: dict[str, Fault] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Fault] = {}
        for f in self.faults:
            if f.name in by_name:
                raise ValueError(f"{self.interface} faults: '{f.name}' is declared twice")
            stray = sorted((f.messages or frozenset()) - set(self.messages))
            if stray:
                raise ValueError(f"{self.interface} fault '{f.name}': unknown {self.message_word} {stray[0]!r}")
            by_name[f.name] = f
        object.__setattr__(self, "_by_name", by_name)

    # ------------------------------------------------------------------ the mapping
    def __getitem__(self, name: str) -> Fault:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def plain(self) -> tuple[str, ...]:
        """The names of the faults that are not hostile peer modes."""
        return tuple(n for n, f in self._by_name.items() if f.stage != "hostile")

    def hostile(self) -> tuple[str, ...]:
        """The names of the hostile peer modes."""
        return tuple(n for n, f in self._by_name.items() if f.stage == "hostile")

    # ------------------------------------------------------------------ selecting
    def parse(self, text: str, role: str | None = None) -> ScopedFault:
        """The fault ``NAME`` or ``NAME@Msg,Msg`` selects.

        Args:
            text: the fault as the user wrote it.
            role: the role of the simulator that will fire it (None: not checked).

        Raises:
            FaultError: (the registry's subclass) unknown name or message, a message the
                fault never bends or the role never sends, a fault the role cannot fire.
        """
        name, at, scope_text = str(text).partition("@")
        name = name.strip()
        fault = self._by_name.get(name)
        if fault is None:
            raise self.error(self._unknown_name(name))
        if role is not None and not fault.fires_for(role):
            raise self.error(f"fault '{name}': the {role} simulator cannot fire it; "
                             f"it is for {', '.join(sorted(fault.roles or ()))}")
        scope = frozenset(s.strip() for s in scope_text.split(",") if s.strip())
        if at and not self.messages:
            raise self.error(f"fault '{text}': {self.interface} faults take no '@{self.message_word}' scope")
        if at and not scope:
            raise self.error(f"fault '{text}': no {self.message_word} after '@'")
        for message in sorted(scope):
            self._check_message(text, fault, message, role)
        return ScopedFault(fault, scope or None)

    def parse_all(self, texts: Iterable[str] | str | None, role: str | None = None) -> tuple[ScopedFault, ...]:
        """`parse` for each of several faults (a single string is one fault; None is none)."""
        if texts is None:
            return ()
        if isinstance(texts, str):
            texts = (texts,)
        return tuple(self.parse(t, role) for t in texts)

    def _unknown_name(self, name: str) -> str:
        text = f"unknown {self.interface} fault '{name}'{_did_you_mean(name, self._by_name)}; " \
               f"known: {', '.join(self.plain())}"
        if self.hostile():
            text += f"; hostile modes: {', '.join(self.hostile())}"
        return text

    def _check_message(self, text: str, fault: Fault, message: str, role: str | None) -> None:
        if message not in self.messages:
            raise self.error(f"fault '{text}': unknown {self.interface} {self.message_word} '{message}'"
                             f"{_did_you_mean(message, self.messages)}; known: {', '.join(self.messages)}")
        if not fault.can_bend(message):
            raise self.error(f"fault '{text}': '{fault.name}' never bends {self.message_word} '{message}'; "
                             f"it applies to: {', '.join(sorted(fault.messages or ()))}")
        sent = self.sent_by.get(role) if role is not None else None
        if sent is not None and message not in sent:
            raise self.error(f"fault '{text}': the {role} simulator never sends {message}, so the fault "
                             "would never fire")


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""
