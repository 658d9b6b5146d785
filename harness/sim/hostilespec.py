"""The hostile-peer modes every simulator shares, and the octet producers they share.

A fault bends one message's value; a hostile mode attacks the harness's own
transport handling: volume, size, timing, the connection. The attacks are the
same on every interface (`Attack`); what differs is the framing they break,
so each interface keeps its own octet producer (E2: harness/interfaces/e2/sim/hostile.py on
SCTP messages, A1: harness/interfaces/a1/sim/hostile.py on HTTP, O-RU:
harness/interfaces/mplane/sim/hostile.py on NETCONF chunks) and declares its modes here as
a `HostileTable`, which also feeds the interface's `FaultRegistry`. What the
harness must answer to each mode is in docs/robustness.md.

The helpers below are the producers that are the same whatever the framing:
random octets, half a message, a TCP reset, a dribble, padding in pieces.
Every one of them stops when told the simulator is stopping.
"""

from __future__ import annotations

import random
import socket
import struct
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from harness.sim.faultspec import Fault


class Attack(Enum):
    """The shared attacks; each interface's modes are instances of these."""

    GARBAGE = "random octets instead of a message"
    TRUNCATED = "a message cut short, the connection left open"
    OVERSIZED = "a message far over any sane size"
    FLOOD = "a burst of unsolicited messages"
    SLOW = "a message that takes long to arrive"
    DISCONNECT = "the connection closed before or in the middle of a message"
    RESET_STORM = "a storm of resets"


@dataclass(frozen=True)
class HostileMode:
    """One interface's mode: the name ``--fault`` selects, the shared attack, what exactly it does."""

    name: str
    attack: Attack
    description: str

    def as_fault(self, messages: frozenset[str] | None = None) -> Fault:
        """The mode as an entry of the interface's fault registry."""
        return Fault(self.name, self.description, "hostile", messages)


@dataclass(frozen=True, eq=False)
class HostileTable(Mapping[str, HostileMode]):
    """One interface's hostile modes, by name (declaration order)."""

    interface: str
    modes: tuple[HostileMode, ...]
    _by_name: dict[str, HostileMode] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_name = {m.name: m for m in self.modes}
        if len(by_name) != len(self.modes):
            raise ValueError(f"{self.interface} hostile modes: a name is declared twice")
        object.__setattr__(self, "_by_name", by_name)

    def __getitem__(self, name: str) -> HostileMode:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def faults(self, messages: Mapping[str, frozenset[str]] | None = None) -> tuple[Fault, ...]:
        """Every mode as a registry entry; ``messages`` limits named modes to those messages."""
        limits = messages or {}
        return tuple(m.as_fault(limits.get(m.name)) for m in self.modes)


# ---------------------------------------------------------------------- shared octet producers
def garbage(seed: int, size: int) -> bytes:
    """``size`` random octets, the same for the same seed."""
    return random.Random(seed).randbytes(size)


def half(data: bytes) -> bytes:
    """The first half of a message (at least one octet)."""
    return data[:max(1, len(data) // 2)]


def reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a crashing peer's kernel would."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def dribble(send: Callable[[bytes], bool], data: bytes, gap: float, stopped: Callable[[], bool]) -> None:
    """Send ``data`` one octet every ``gap`` seconds; ends early when stopped or a send fails."""
    for i in range(len(data)):
        if stopped() or not send(data[i:i + 1]):
            return
        time.sleep(gap)


def padding(size: int, piece: int, fill: bytes = b"x") -> Iterator[bytes]:
    """``size`` octets of ``fill`` in pieces of at most ``piece`` (never held whole)."""
    block = fill * piece
    for left in range(size, 0, -piece):
        yield block[:min(left, piece)]
