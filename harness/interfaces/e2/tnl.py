"""TNL information of E2AP (v03.01 9.2.29 TNL Information, 9.2.30 TNL Usage): addresses in and out.

E2 Connection Update (8.3.6) names each further TNL association of the E2 interface by a transport
layer address (a BIT STRING: 32 bits for IPv4, 128 for IPv6, 160 for both) and an SCTP port (16
bits). The harness, the simulators and the checks read and write them here, in one place.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from harness.core.errors import HarnessError
from harness.interfaces.e2.sim.content import item

USAGES = ("ric-service", "support-function", "both")
DIAL_FAILED_CAUSE = ("transport", "transport-resource-unavailable")


class TnlError(HarnessError, ValueError):
    """A TNL Information value the harness cannot turn into an address (the text says why)."""


@dataclass(frozen=True)
class TnlAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def information(host: str, port: int) -> dict:
    """TNLinformation for ``host`` (an IPv4 or IPv6 address, never a name) and SCTP ``port``."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise TnlError(f"{host!r} is no IP address: E2AP's TNL address carries an IPv4 or IPv6 address") from None
    return {"tnlAddress": (ip.packed, 8 * len(ip.packed)), "tnlPort": (int(port).to_bytes(2, "big"), 16)}


def address(info: dict) -> TnlAddress:
    """The (host, port) a TNLinformation value names.

    Raises:
        TnlError: no port, or an address of a length E2AP does not define (9.2.29).
    """
    bits, length = info.get("tnlAddress", (b"", 0))
    port = info.get("tnlPort")
    if port is None:
        raise TnlError("the TNL information has no tnlPort: the E2 node cannot tell which SCTP port to dial")
    if length == 32:
        host = str(ipaddress.IPv4Address(bytes(bits)[:4]))
    elif length in (128, 160):
        host = str(ipaddress.IPv6Address(bytes(bits)[:16])) if length == 128 \
            else str(ipaddress.IPv4Address(bytes(bits)[:4]))
    else:
        raise TnlError(f"a tnlAddress of {length} bits is neither IPv4 (32), IPv6 (128) nor both (160)")
    return TnlAddress(host, int.from_bytes(bytes(port[0])[:2], "big"))


def update_items(addresses: list[TnlAddress], usage: str = "both") -> list[dict]:
    """E2connectionUpdate-Item containers, one per address."""
    return [item("E2connectionUpdate-Item", {"tnlInformation": information(a.host, a.port), "tnlUsage": usage})
            for a in addresses]


def failed_item(info: dict, cause: tuple = DIAL_FAILED_CAUSE) -> dict:
    return item("E2connectionSetupFailed-Item", {"tnlInformation": info, "cause": cause})
