"""SCTP failure-detection timers: what the lab sets, and how fast a silent peer is declared lost.

Kept apart from :mod:`harness.transport.sctp` (which re-exports :class:`SctpTimers`) so
both backends can take timers without importing the facade that imports them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

_U16_MAX = 0xFFFF
_U32_MAX = 0xFFFFFFFF


@dataclass(frozen=True)
class SctpTimers:
    """The RFC 9260 protocol parameters that bound failure detection (lab `transport.timers`).

    rto_initial_ms / rto_min_ms / rto_max_ms: RTO.Initial, RTO.Min, RTO.Max (RFC 9260 6.3.1, 16)
    heartbeat_interval_ms: HB.interval (8.3)
    path_max_retrans: Path.Max.Retrans (8.2): errors before a destination is inactive
    association_max_retrans: Association.Max.Retrans (8.1): errors before the peer is unreachable
    """

    rto_initial_ms: int
    rto_min_ms: int
    rto_max_ms: int
    heartbeat_interval_ms: int
    path_max_retrans: int
    association_max_retrans: int

    def __post_init__(self) -> None:
        self._check("SctpTimers")

    def _check(self, where: str) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{where}.{f.name}: expected an integer, got {value!r}")
            if value <= 0:
                raise ValueError(f"{where}.{f.name}: must be positive, got {value}")
            limit = _U16_MAX if f.name.endswith("_retrans") else _U32_MAX
            if value > limit:
                raise ValueError(f"{where}.{f.name}: at most {limit}, got {value}")
        if not self.rto_min_ms <= self.rto_initial_ms <= self.rto_max_ms:
            raise ValueError(f"{where}: need rto_min_ms <= rto_initial_ms <= rto_max_ms, got "
                             f"{self.rto_min_ms} / {self.rto_initial_ms} / {self.rto_max_ms}")

    @classmethod
    def from_dict(cls, d: object, where: str) -> SctpTimers:
        """From a mapping with exactly the six keys (lab profile ``transport.timers``).

        Raises:
            ValueError: not a mapping, a key missing or unknown, a value not a positive
                integer, or RTO.Min <= RTO.Initial <= RTO.Max broken; the text names
                ``where`` and the key.
        """
        if not isinstance(d, dict):
            raise ValueError(f"{where}: expected a mapping of {', '.join(KEYS)}, got {type(d).__name__}")
        unknown = sorted(str(k) for k in d if k not in KEYS)
        if unknown:
            raise ValueError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(KEYS)})")
        missing = [k for k in KEYS if k not in d]
        if missing:
            raise ValueError(f"{where}.{missing[0]}: missing (all of {', '.join(KEYS)} are required)")
        try:
            return cls(**{k: d[k] for k in KEYS})
        except ValueError as exc:
            raise ValueError(str(exc).replace("SctpTimers", where, 1)) from None

    def as_argument(self) -> str:
        """``KEY=N,...``: how a simulator process is given these timers (``--sctp-timers``)."""
        return ",".join(f"{k}={v}" for k, v in self.as_dict().items())

    @classmethod
    def from_argument(cls, text: str, where: str) -> SctpTimers:
        """The timers from ``KEY=N,...`` (`as_argument`); ValueError naming ``where`` and the item."""
        pairs: dict[str, int] = {}
        for item in text.split(","):
            key, sep, value = item.partition("=")
            if not sep or not value.strip().isdigit():
                raise ValueError(f"{where}: {item!r} is not KEY=N")
            pairs[key.strip()] = int(value)
        return cls.from_dict(pairs, where)

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in KEYS}

    def heartbeat_period_max_ms(self) -> float:
        """Longest gap between two heartbeats to an idle destination (RFC 9260 8.3: one per
        RTO + HB.interval, jitter +/- 50 % of the RTO). Taken as 1.5 x (HB.interval + RTO.Max),
        which also covers stacks that put the jitter on the interval."""
        return 1.5 * (self.heartbeat_interval_ms + self.rto_max_ms)

    def detection_bound_ms(self) -> float:
        """Worst case (ms) from the last acknowledged traffic to the stack declaring a silent
        peer lost (an upper bound; measured figures should stay under it).

        RFC 9260 8.1: the peer is unreachable when the association's error counter *exceeds*
        Association.Max.Retrans, i.e. after AMR + 1 unanswered transmissions. 8.3: an idle
        destination gets a HEARTBEAT once per RTO + HB.interval, jittered by +/- 50 % of the
        RTO, and an unacknowledged HEARTBEAT counts one error when the next one is due.
        6.3.3: each expiry doubles the RTO, capped at RTO.Max. So from the last ACK: one period
        until the first lost HEARTBEAT is sent, then AMR + 1 periods each counting one error,
        every period bounded by :meth:`heartbeat_period_max_ms` (RTO taken at RTO.Max).
        With DATA outstanding instead (6.3.3 T3-rtx, no heartbeats), detection takes
        (AMR + 1) x RTO.Max at most, which this bound also covers.
        """
        return (self.association_max_retrans + 2) * self.heartbeat_period_max_ms()

    def detection_floor_ms(self) -> float:
        """Earliest (ms) after the path goes silent that these timers can declare an idle peer lost (with
        DATA outstanding, T3-rtx expiries count on the same error counter and come sooner):
        AMR + 1 heartbeat periods (the first may be running already), each at least
        HB.interval + RTO.Min / 2 (RFC 9260 8.3 jitter). A loss reported sooner was not these
        timers (an ABORT, an ICMP error, a restart)."""
        return (self.association_max_retrans + 1) * (self.heartbeat_interval_ms + 0.5 * self.rto_min_ms)


KEYS: tuple[str, ...] = tuple(f.name for f in fields(SctpTimers))
