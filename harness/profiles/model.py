"""Typed DUT and lab profiles (what the profile loader produces).

A DUT profile says what the device claims (PICS, versions, RAN functions); a
lab profile says how this lab runs it (mode, transport, timers, PIXIT, how to
make the DUT act). Both are passed in explicitly; nothing reads them from
globals or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field


from harness.spec.model import Where


@dataclass(frozen=True)
class RanFunction:
    id: int
    e2sm: str              # short name ('e2sm-kpm') or OID
    revision: int
    where: Where


@dataclass(frozen=True)
class DutProfile:
    name: str
    role: str                      # 'e2-node' | 'near-rt-ric'
    vendor: str
    model: str
    sw_version: str
    hw_version: str
    fw_version: str
    pics: dict                     # dotted PICS item -> value (versions filled in from the fields below)
    e2ap_version: str              # 'v03.01'
    e2sm_versions: dict            # {'e2sm-kpm': 'v03.00', 'e2sm-rc': 'v01.03'}
    ran_functions: tuple           # RanFunction...
    where: Where


@dataclass(frozen=True)
class Timers:
    expect: float = 5.0            # default expect timer, seconds
    guard: float = 30.0            # default guard timer of a test case, seconds
    named: dict = field(default_factory=dict)    # other timers by name, seconds


@dataclass(frozen=True)
class Adapter:
    kind: str                      # 'simulator' | 'manual' | 'command'
    commands: dict                 # trigger action -> shell command (kind 'command')
    prompt_timeout: float          # seconds an operator has to act (kind 'manual')


@dataclass(frozen=True)
class LabProfile:
    name: str
    site: str
    operator: str
    mode: str                      # 'sim' | 'live'
    transport: dict
    timers: Timers
    pixit: dict
    adapter: Adapter
    ran_function_definitions: dict  # RAN function id -> definition (JSON mapping), optional
    where: Where
