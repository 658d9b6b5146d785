"""One direction of a link under impairment: the decisions, the counters, the release times.

A `Lane` turns each arriving datagram (or stream chunk) into zero, one or two scheduled
sends: it draws loss (a two-state chain whose stationary loss rate is `loss`, bursty by
`loss_correlation`), duplication, reordering (hold back until `reorder_gap` later
datagrams have gone), delay with jitter, and a token-bucket line rate. It owns no socket
and no thread: the relays (harness/impair/relay.py) call it from theirs, under the
scheduler's lock, so its state needs no lock of its own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from harness.impair.model import NONE, Impairment


@dataclass
class Counters:
    """What one direction did since the relay started (monotonic counts)."""

    received: int = 0
    forwarded: int = 0
    dropped: int = 0            # loss, partition, blackhole
    overflow: int = 0           # dropped because the queue was full (also counted in dropped)
    duplicated: int = 0
    reordered: int = 0
    bytes: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Held:
    """A datagram held back for reordering: released after `gap` later ones, or at its deadline."""

    __slots__ = ("gap", "payload", "sent")

    def __init__(self, gap: int, payload: bytes) -> None:
        self.gap = gap
        self.payload = payload
        self.sent = False


REORDER_DEADLINE_S = 0.2        # a held datagram with nothing after it still leaves after this


class Lane:
    def __init__(self, direction: str, index: int) -> None:
        self.direction = direction
        self.index = index
        self.counters = Counters()
        self.queued = 0
        self.held: list[Held] = []
        self.set(NONE)

    def set(self, imp: Impairment) -> None:
        self.imp = imp
        self.rng = random.Random(imp.seed * 2 + self.index)
        self.last_lost = False
        self.free_at = 0.0
        self.last_release = 0.0

    @property
    def clean(self) -> bool:
        return self.imp is NONE or self.imp == NONE

    def dropped(self) -> bool:
        """Whether this datagram is lost (partition, blackhole or the loss draw)."""
        imp = self.imp
        if imp.drops(self.direction):
            return True
        if not imp.loss:
            return False
        c = imp.loss_correlation
        p = c + (1 - c) * imp.loss if self.last_lost else (1 - c) * imp.loss
        self.last_lost = self.rng.random() < p
        return self.last_lost

    def release(self, now: float, size: int, *, ordered: bool = False) -> float:
        """When a datagram (or chunk) of ``size`` bytes arriving ``now`` leaves.

        ``ordered``: a byte stream, whose chunks must leave in order (jitter never overtakes).
        """
        imp = self.imp
        start = now
        if imp.rate_kbps:
            start = max(now, self.free_at) + size * 8 / (imp.rate_kbps * 1000.0)
            self.free_at = start
        delay = imp.delay_ms
        if imp.jitter_ms:
            if imp.jitter_distribution == "uniform":
                delay += self.rng.uniform(-imp.jitter_ms, imp.jitter_ms)
            else:
                delay += self.rng.gauss(0.0, imp.jitter_ms)
        at = start + max(delay, 0.0) / 1000.0
        if ordered:
            at = max(at, self.last_release)
            self.last_release = at
        return at

    def duplicates(self) -> bool:
        return bool(self.imp.duplicate) and self.rng.random() < self.imp.duplicate

    def holds(self) -> bool:
        return bool(self.imp.reorder) and self.rng.random() < self.imp.reorder
