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
class Contact:
    """A person to ask about a DUT, a lab or a run (O-RAN test-results 'contacts')."""

    first_name: str
    last_name: str
    email: str
    organisation: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Equipment:
    """A piece of test equipment in the testbed (simulator, emulator, analyser)."""

    description: str               # its role: 'E2 node emulator', 'protocol analyser'
    vendor: str
    model: str
    sw_version: str = ""
    hw_version: str = ""
    fw_version: str = ""
    serial_number: str = ""


@dataclass(frozen=True)
class RanFunction:
    id: int
    e2sm: str              # short name ('e2sm-kpm') or OID
    revision: int
    where: Where


@dataclass(frozen=True)
class Endpoints:
    """Where a real DUT is (the DUT profile's `endpoints:`); empty for a DUT a built-in simulator plays."""

    e2: tuple[str, int] | None = None       # (host, port) where a Near-RT RIC DUT listens for SCTP
    a1: str = ""                            # a Near-RT RIC DUT's A1-P apiRoot URL
    mplane: tuple[str, int] | None = None   # (host, port) of an O-RU's NETCONF/SSH server


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
    serial_number: str = ""        # identity for test reports (O-RAN test-results testbedComponents)
    inventory_id: str = ""         # the lab's inventory id of the unit
    contacts: tuple = ()           # Contact...: the vendor's people for this product
    oran_component: str = ""       # 'o-du' | 'o-cu' | ...: which O-RAN node an E2 node DUT is (test reports)
    a1: dict = field(default_factory=dict)   # A1 claims (docs/a1.md); empty: the DUT has no A1
    mplane: dict = field(default_factory=dict)   # O-RU M-plane claims (docs/fronthaul.md); empty: none
    e2: bool = True                # False for an A1-only DUT profile (no e2ap key)
    simulator: str = ""            # the built-in simulator that plays this DUT ('e2-node', 'a1-ric', ...); '' = real
    endpoints: Endpoints = field(default_factory=Endpoints)

    @property
    def simulated(self) -> bool:
        """True when a built-in simulator plays the DUT (results must say SIMULATED)."""
        return bool(self.simulator)


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
    organisation: str = ""         # identity for test reports (O-RAN test-results testLab)
    country: str = ""              # ISO 3166 alpha-2
    address: str = ""
    contacts: tuple = ()           # Contact...
    equipment: tuple = ()          # Equipment...: test equipment in the testbed
    a1: dict = field(default_factory=dict)   # A1 lab settings (harness/interfaces/a1/config.py, docs/a1.md)
    mplane: dict = field(default_factory=dict)   # NETCONF/SSH lab settings (harness/interfaces/mplane/lab.py)
    signing: dict = field(default_factory=dict)   # {key: path, passphrase_env: NAME}: sign results at the end
    links: dict = field(default_factory=dict)     # link name -> {relay|mechanism, ...} (docs/resilience.md)
