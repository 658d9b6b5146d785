"""E2 service models: which E2SM an E2AP payload carries, and its types.

E2AP carries E2SM payloads as OCTET STRINGs. Which E2SM a payload is in is
learned, as a real analyser does, from the RAN function: its OID arrives in the
E2 Setup Request (or RIC Service Update) and the later messages name only the
RAN function ID. This module holds the fixed facts: the E2AP types that carry
a payload ("roles") and, per E2SM, the type for each role.

Sources: O-RAN.WG3.E2AP v03.01 clause 9.2 (the OCTET STRING IEs); E2SM-KPM
v03.00 clause 8 and E2SM-RC v01.03 clause 9 (the top-level types).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.codec.catalog import BUILTIN, builtin, module_oids


@dataclass(frozen=True)
class E2smFamily:
    protocol: str           # 'e2sm-kpm'
    short_name: str         # RAN function short name used on the wire
    module: str             # ASN.1 module name holding the top-level types
    type_prefix: str
    roles: dict             # E2AP carrier type -> E2SM type


FAMILIES: dict[str, E2smFamily] = {
    "e2sm-kpm": E2smFamily(
        "e2sm-kpm", "ORAN-E2SM-KPM", "E2SM-KPM-IEs", "E2SM-KPM-",
        {
            "RANfunctionDefinition": "E2SM-KPM-RANfunction-Description",
            "RICeventTriggerDefinition": "E2SM-KPM-EventTriggerDefinition",
            "RICactionDefinition": "E2SM-KPM-ActionDefinition",
            "RICindicationHeader": "E2SM-KPM-IndicationHeader",
            "RICindicationMessage": "E2SM-KPM-IndicationMessage",
        }),
    "e2sm-rc": E2smFamily(
        "e2sm-rc", "ORAN-E2SM-RC", "E2SM-RC-IEs", "E2SM-RC-",
        {
            "RANfunctionDefinition": "E2SM-RC-RANFunctionDefinition",
            "RICeventTriggerDefinition": "E2SM-RC-EventTrigger",
            "RICactionDefinition": "E2SM-RC-ActionDefinition",
            "RICindicationHeader": "E2SM-RC-IndicationHeader",
            "RICindicationMessage": "E2SM-RC-IndicationMessage",
            "RICcallProcessID": "E2SM-RC-CallProcessID",
            "RICcontrolHeader": "E2SM-RC-ControlHeader",
            "RICcontrolMessage": "E2SM-RC-ControlMessage",
            "RICcontrolOutcome": "E2SM-RC-ControlOutcome",
        }),
}

# Every E2AP type that carries an E2SM payload.
CARRIER_TYPES = frozenset(t for f in FAMILIES.values() for t in f.roles)


def family_of_type(type_name: str) -> E2smFamily | None:
    for fam in FAMILIES.values():
        if type_name.startswith(fam.type_prefix):
            return fam
    return None


def resolve_family(name_or_oid: str) -> tuple[str, str | None] | None:
    """Map an OID, a short name or a protocol key to (protocol, version or None).

    The version comes from the OID when it names a built-in module set.
    """
    key = name_or_oid.strip()
    low = key.lower()
    for fam in FAMILIES.values():
        if low in (fam.protocol, fam.protocol.removeprefix("e2sm-"), fam.short_name.lower()):
            return fam.protocol, None
    for (protocol, version), oid in builtin_oids().items():
        if oid == key:
            return protocol, version
    return None


_OIDS: dict = {}


def builtin_oids() -> dict:
    """(protocol, version) -> the RAN function OID, read from the module headers."""
    if not _OIDS:
        for protocol, version in BUILTIN:
            fam = FAMILIES.get(protocol)
            if fam is None:
                continue
            oids = module_oids(builtin(protocol, version).files)
            if fam.module in oids:
                _OIDS[(protocol, version)] = oids[fam.module]
    return _OIDS
