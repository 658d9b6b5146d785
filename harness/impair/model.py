"""What one impairment is: a frozen, validated description every mechanism applies.

The same `Impairment` drives the userspace relay (harness/impair/relay.py) and tc netem
(harness/impair/netem.py), so a spec step, a path profile and a benchmark mean the same
thing by "50 ms delay, 1 % loss". Values are checked once, here: a negative delay, a
probability above 1 or a NaN is refused with the field named, never applied silently.

Directions: 'a->b' is from the side that connects to the link (the relay's `listen`) to
the far side (its `upstream`); 'b->a' the reverse. Delay, jitter, loss, reorder,
duplication and rate apply to both directions (each direction draws on its own);
`blackhole` drops one direction only; `partition` drops both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from harness.core.errors import UserError

DIRECTIONS = ("a->b", "b->a")
DISTRIBUTIONS = ("uniform", "normal")


class ImpairmentError(UserError, ValueError):
    """An impairment value that cannot be applied; the text names the field and the value."""


@dataclass(frozen=True)
class Impairment:
    """One impairment of a link (every field's zero means "none").

    Attributes:
        delay_ms: added one-way delay, each direction.
        jitter_ms: spread around the delay (`jitter_distribution`: 'uniform' = +-jitter,
            'normal' = standard deviation); never makes a delay negative.
        loss: probability a datagram is dropped; `loss_correlation` (0..1) makes the next
            decision lean on the last one (as netem's correlation), giving bursts.
        reorder: probability a datagram is held back and released after the next
            `reorder_gap` datagrams of its direction.
        duplicate: probability a datagram is sent twice.
        rate_kbps: a token-bucket line rate (0 = unlimited); what exceeds `queue_packets`
            waiting is dropped and counted.
        partition: drop everything, both directions.
        blackhole: drop one direction only ('a->b' or 'b->a'; '' = none).
        seed: the random seed (fixed: a run is reproducible).
    """

    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    jitter_distribution: str = "normal"
    loss: float = 0.0
    loss_correlation: float = 0.0
    reorder: float = 0.0
    reorder_gap: int = 1
    duplicate: float = 0.0
    rate_kbps: float = 0.0
    queue_packets: int = 10_000
    partition: bool = False
    blackhole: str = ""
    seed: int = 1

    def __post_init__(self) -> None:
        for name in ("delay_ms", "jitter_ms", "rate_kbps"):
            _non_negative(name, getattr(self, name))
        for name in ("loss", "loss_correlation", "reorder", "duplicate"):
            _probability(name, getattr(self, name))
        if self.jitter_distribution not in DISTRIBUTIONS:
            raise ImpairmentError(f"jitter_distribution is {self.jitter_distribution!r}, not one of: "
                                  f"{', '.join(DISTRIBUTIONS)}")
        for name in ("reorder_gap", "queue_packets", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ImpairmentError(f"{name} must be an integer, not {value!r}")
        if self.reorder_gap < 1:
            raise ImpairmentError(f"reorder_gap must be 1 or more, not {self.reorder_gap}")
        if self.queue_packets < 1:
            raise ImpairmentError(f"queue_packets must be 1 or more, not {self.queue_packets}")
        if self.blackhole not in ("", *DIRECTIONS):
            raise ImpairmentError(f"blackhole is {self.blackhole!r}, not one of: {', '.join(DIRECTIONS)}")
        if not isinstance(self.partition, bool):
            raise ImpairmentError(f"partition must be true or false, not {self.partition!r}")

    @property
    def datagram_only(self) -> tuple[str, ...]:
        """The fields set that only make sense on datagrams (a byte stream cannot lose or reorder bytes)."""
        return tuple(n for n in ("loss", "reorder", "duplicate") if getattr(self, n))

    def drops(self, direction: str) -> bool:
        """Everything in ``direction`` is dropped."""
        return self.partition or self.blackhole == direction

    def as_dict(self) -> dict:
        """The fields that differ from "none", for evidence and the timeline."""
        default = Impairment()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k) or k == "seed"}

    def describe(self) -> str:
        d = self.as_dict()
        d.pop("seed", None)
        return ", ".join(f"{k}={v}" for k, v in d.items()) or "none"


def impairment_from(values: Mapping[str, Any], where: str = "impairment") -> Impairment:
    """An Impairment from a mapping of its fields (a spec step's inline fields, a path profile).

    Raises:
        ImpairmentError: an unknown key or a bad value, prefixed with ``where``.
    """
    unknown = [k for k in values if k not in FIELDS]
    if unknown:
        raise ImpairmentError(f"{where}: unknown impairment field '{unknown[0]}' (fields: {', '.join(FIELDS)})")
    kw: dict[str, Any] = {}
    for key, value in values.items():
        kind = type(getattr(NONE, key))
        if kind is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ImpairmentError(f"{where}: {key} must be a number, not {value!r}")
            kw[key] = float(value)
        else:
            kw[key] = value
    try:
        return Impairment(**kw)
    except ImpairmentError as err:
        raise ImpairmentError(f"{where}: {err}") from None


def _non_negative(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImpairmentError(f"{name} must be a number, not {value!r}")
    if math.isnan(value) or math.isinf(value):
        raise ImpairmentError(f"{name} must be a finite number, not {value}")
    if value < 0:
        raise ImpairmentError(f"{name} must be 0 or more, not {value}")


def _probability(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ImpairmentError(f"{name} must be a probability (0..1), not {value!r}")
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ImpairmentError(f"{name} must be a probability between 0 and 1, not {value}")


FIELDS = tuple(f.name for f in fields(Impairment))
NONE = Impairment()
