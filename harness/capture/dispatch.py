"""The one dispatch table: which interface's decoder handles a captured message.

Keyed as Wireshark registers its dissectors (packet-e2ap-template.c registers E2AP
by SCTP PPID 70 and by SCTP port): (key kind, number) -> interface. The capture
reader, ``decode``, ``analyze``, ``crosscheck`` and ``replay`` ask `route` instead of
testing PPIDs or ports themselves; adding a protocol is adding a row.

Rules, in order, for a message the reader reassembled:

* SCTP (plain or over UDP): a non-zero PPID decides alone (RFC 9260: the PPID names
  the payload); PPID 0 ("unspecified") falls back to the SCTP ports, either end;
* TCP: the TCP ports, either end, else HTTP (A1, O1 over TCP in our labs).

Link-layer rows (EtherType) and the UDP ports that carry SCTP (RFC 6951) live here
too, so that every number that picks a decoder is in this one table.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from harness.capture.model import CapturedMessage
from harness.transport.base import E2AP_PPID

__all__ = [
    "E2AP",
    "E2AP_PPID",
    "E2AP_SCTP_PORTS",
    "ECPRI",
    "ETHERTYPE_ECPRI",
    "ETHERTYPE_IPV4",
    "ETHERTYPE_IPV6",
    "HTTP",
    "IPV4",
    "IPV6",
    "SCTP",
    "TABLE",
    "by_ethertype",
    "is_e2ap",
    "route",
    "sctp_udp_ports",
]

# Interfaces (what decodes the message).
E2AP = "e2ap"        # harness.interfaces.e2.association.E2Association
HTTP = "http"        # harness.capture.http.HttpFramer (A1)
SCTP = "sctp"        # SCTP inside UDP (RFC 6951): the reader unwraps it
IPV4, IPV6 = "ipv4", "ipv6"
ECPRI = "ecpri"      # O-RAN fronthaul (harness.interfaces.cuplane)

E2AP_SCTP_PORTS = (36421, 36422, 37464)    # seen in labs; 37464 is the port Wireshark 4.0 registers
ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_ECPRI = 0x0800, 0x86DD, 0xAEFE
SCTP_UDP_PORT = 9899                       # IANA sctp-tunneling (RFC 6951)

TABLE: Mapping[tuple[str, int], str] = MappingProxyType({
    ("sctp.ppid", E2AP_PPID): E2AP,
    **{("sctp.port", port): E2AP for port in E2AP_SCTP_PORTS},
    ("udp.port", SCTP_UDP_PORT): SCTP,
    ("ethertype", ETHERTYPE_IPV4): IPV4,
    ("ethertype", ETHERTYPE_IPV6): IPV6,
    ("ethertype", ETHERTYPE_ECPRI): ECPRI,
})
TCP_DEFAULT = HTTP


def _port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def _by_ports(kind: str, msg: CapturedMessage) -> str | None:
    for end in (msg.src, msg.dst):
        found = TABLE.get((kind, _port(end)))
        if found is not None:
            return found
    return None


def route(msg: CapturedMessage) -> str | None:
    """The interface whose decoder takes ``msg`` (`E2AP`, `HTTP`), None when no row claims it."""
    if msg.transport == "tcp":
        return _by_ports("tcp.port", msg) or TCP_DEFAULT
    if msg.ppid:
        return TABLE.get(("sctp.ppid", msg.ppid))
    return _by_ports("sctp.port", msg)


def is_e2ap(msg: CapturedMessage) -> bool:
    """True when ``msg`` is for the E2AP decoder."""
    return route(msg) == E2AP


def sctp_udp_ports() -> tuple[int, ...]:
    """The UDP ports whose payload is SCTP (RFC 6951), for the capture reader."""
    return tuple(sorted(v for (kind, v), what in TABLE.items() if kind == "udp.port" and what == SCTP))


def by_ethertype(ethertype: int) -> str | None:
    """What an EtherType carries (`IPV4`, `IPV6`, `ECPRI`), None when no row claims it."""
    return TABLE.get(("ethertype", ethertype))
