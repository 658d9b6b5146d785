"""Fault modes of the A1 simulators, scoped to A1-P operations like the E2 ones.

A fault is written ``name`` (every operation it can touch) or
``name@op1,op2`` (only those operations), as in `harness.sim.faults`. The
operations are the A1-P procedures of O-RAN.WG2.A1AP-v03.01 clause 5 by the
names the triggers use: query-types, query-type, query-policies,
query-policy, create-policy, update-policy, delete-policy, query-status, and
``notify`` for the status notifications the Near-RT RIC sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from harness.sim.a1_hostile import HOSTILE_RIC
from harness.sim.a1_http import A1SimError
from harness.sim.faults import Fault

OPERATIONS = ("query-types", "query-type", "query-policies", "query-policy", "create-policy",
              "update-policy", "delete-policy", "query-status", "notify")

RIC_FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("wrong-status", "success codes swapped: 201<->200, 204->200 (create answers 200)", "value"),
    Fault("no-location", "create answers 201 without a Location header", "value"),
    Fault("bad-body", "bodies (and notifications) that break their A1-P schema", "value"),
    Fault("no-notification", "status notifications are never sent", "timing"),
    Fault("wrong-content-type", "JSON bodies and notifications labelled text/plain", "value"),
    Fault("slow", "answers leave after `slow_delay` seconds (default 2 s)", "timing"),
    Fault("hang", "requests are never answered (the connection closes when the simulator stops)", "timing"),
    Fault("malformed-json", "JSON bodies and notifications cut short, so they do not parse", "bytes"),
    Fault("huge-body", "JSON bodies padded to `huge_size` octets (default 8 MiB)", "bytes"),
    Fault("redirect", "answers 307 Temporary Redirect to the same resource under /moved", "value"),
    *(Fault(name, text, "hostile") for name, text in HOSTILE_RIC.items()),
)}

NONRT_FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("bad-policy", "create/update send a policy that breaks any object policySchema", "value"),
    Fault("no-callback", "create omits the notificationDestination query parameter", "value"),
    Fault("wrong-method", "POST instead of PUT or GET, PATCH instead of DELETE", "value"),
    Fault("wrong-content-type", "policy bodies labelled text/plain", "value"),
    Fault("malformed-json", "policy bodies cut short, so they do not parse", "bytes"),
    Fault("no-token", "the OAuth2 bearer token is left out", "value"),
    Fault("wrong-version", "requests go to /A1-P/v1 instead of /A1-P/v2", "value"),
)}


@dataclass(frozen=True)
class ScopedFault:
    name: str
    scope: frozenset | None          # None: every operation

    def applies(self, operation: str) -> bool:
        return self.scope is None or operation in self.scope

    def __str__(self) -> str:
        return self.name + ("@" + ",".join(sorted(self.scope)) if self.scope else "")


def parse_faults(faults: Iterable[str] | str | None, known: dict[str, Fault]) -> tuple[ScopedFault, ...]:
    """Faults from ``name[@op,op]`` strings.

    Raises:
        A1SimError: unknown fault or operation; the text lists the known ones.
    """
    if faults is None:
        return ()
    if isinstance(faults, str):
        faults = (faults,)
    out = []
    for text in faults:
        name, _, scope = str(text).partition("@")
        name = name.strip()
        if name not in known:
            raise A1SimError(f"unknown A1 fault '{name}'; known: {', '.join(known)}")
        ops = frozenset(s.strip() for s in scope.split(",") if s.strip())
        bad = sorted(ops - set(OPERATIONS))
        if bad:
            raise A1SimError(f"fault '{text}': unknown operation {bad[0]!r}; known: {', '.join(OPERATIONS)}")
        out.append(ScopedFault(name, ops or None))
    return tuple(out)


def active(faults: tuple[ScopedFault, ...], name: str, operation: str) -> bool:
    return any(f.name == name and f.applies(operation) for f in faults)
