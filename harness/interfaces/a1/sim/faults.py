"""Fault modes of the A1 simulators, scoped to A1-P operations like the E2 ones.

A fault is written ``name`` (every operation it can touch) or
``name@op1,op2`` (only those operations), parsed by the shared
`harness.sim.faultspec.FaultRegistry` as the E2 and O-RU faults are. The
operations are the A1-P procedures of O-RAN.WG2.A1AP-v03.01 clause 5 by the
names the triggers use: query-types, query-type, query-policies,
query-policy, create-policy, update-policy, delete-policy, query-status, and
``notify`` for the status notifications the Near-RT RIC sends. A fault that
can only touch some operations says which, so ``no-location@query-types``
(which could never fire) is refused when it is selected.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.interfaces.a1.sim.hostile import HOSTILE_RIC
from harness.interfaces.a1.sim.http import A1SimError
from harness.sim.faultspec import Fault, FaultError, FaultRegistry, ScopedFault

__all__ = ["OPERATIONS", "RIC_FAULTS", "NONRT_FAULTS", "A1FaultError", "ScopedFault", "parse_faults", "active"]

REQUESTS = ("query-types", "query-type", "query-policies", "query-policy", "create-policy",
            "update-policy", "delete-policy", "query-status")
OPERATIONS = (*REQUESTS, "notify")
_ANSWERED = frozenset(REQUESTS)                       # what the Near-RT RIC answers (not its notifications)
_PUT = frozenset({"create-policy", "update-policy"})  # the requests with a policy body


class A1FaultError(FaultError, A1SimError):
    """An A1 fault that cannot be selected (an `A1SimError`, as the simulators' other misuse)."""


RIC_FAULTS = FaultRegistry("A1", (
    Fault("wrong-status", "success codes swapped: 201<->200, 204->200 (create answers 200)", "value", _ANSWERED),
    Fault("no-location", "create answers 201 without a Location header", "value", frozenset({"create-policy"})),
    Fault("bad-body", "bodies (and notifications) that break their A1-P schema", "value"),
    Fault("no-notification", "status notifications are never sent", "timing", frozenset({"notify"})),
    Fault("wrong-content-type", "JSON bodies and notifications labelled text/plain", "value"),
    Fault("slow", "answers leave after `slow_delay` seconds (default 2 s)", "timing", _ANSWERED),
    Fault("hang", "requests are never answered (the connection closes when the simulator stops)", "timing",
          _ANSWERED),
    Fault("malformed-json", "JSON bodies and notifications cut short, so they do not parse", "bytes"),
    Fault("huge-body", "JSON bodies padded to `huge_size` octets (default 8 MiB)", "bytes", _ANSWERED),
    Fault("redirect", "answers 307 Temporary Redirect to the same resource under /moved", "value", _ANSWERED),
    Fault("no-notification-retry", "a status notification whose destination is down is never sent again",
          "timing", frozenset({"notify"})),
    Fault("no-recover", "after a restart the simulator never serves again", "timing", _ANSWERED),
    Fault("slow-recover", "a restart keeps the simulator down `slow_delay` seconds longer", "timing", _ANSWERED),
    Fault("lose-policies", "a restart loses every policy (whatever persistent_policies says)", "value",
          _ANSWERED),
    *HOSTILE_RIC.faults({**dict.fromkeys(HOSTILE_RIC, _ANSWERED), "flood": _PUT}),
), messages=OPERATIONS, message_word="operation", error=A1FaultError)

NONRT_FAULTS = FaultRegistry("A1", (
    Fault("bad-policy", "create/update send a policy that breaks any object policySchema", "value", _PUT),
    Fault("no-callback", "create omits the notificationDestination query parameter", "value", _PUT),
    Fault("wrong-method", "POST instead of PUT or GET, PATCH instead of DELETE", "value"),
    Fault("wrong-content-type", "policy bodies labelled text/plain", "value", _PUT),
    Fault("malformed-json", "policy bodies cut short, so they do not parse", "bytes", _PUT),
    Fault("no-token", "the OAuth2 bearer token is left out", "value"),
    Fault("wrong-version", "requests go to /A1-P/v1 instead of /A1-P/v2", "value"),
), messages=REQUESTS, message_word="operation", error=A1FaultError)


def parse_faults(faults: Iterable[str] | str | None, known: FaultRegistry) -> tuple[ScopedFault, ...]:
    """Faults from ``name[@op,op]`` strings (`FaultRegistry.parse_all`).

    Raises:
        A1FaultError: unknown fault or operation; the text lists the known ones.
    """
    return known.parse_all(faults)


def active(faults: tuple[ScopedFault, ...], name: str, operation: str) -> bool:
    """Whether fault ``name`` is selected and bends ``operation``."""
    return any(f.name == name and f.applies(operation) for f in faults)
