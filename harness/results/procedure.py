"""The procedure a test case exercises, and its test specification, from what it already says.

Used for Allure's feature label and the O-RAN results grouping. The spec loader is left
alone: the procedure comes from the title (curated: it starts with the procedure's
name), the document and version from the test case reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# E2AP v03.01 clause 8 procedure names, longest first so that 'RIC Subscription Delete'
# wins over 'RIC Subscription'.
_PROCEDURES = sorted((
    "E2 Setup", "Reset", "Error Indication", "RIC Service Update", "RIC Service Query",
    "E2 Node Configuration Update", "E2 Connection Update", "E2 Removal", "RIC Subscription",
    "RIC Subscription Delete", "RIC Subscription Delete Required", "RIC Subscription Modification",
    "RIC Subscription Modification Required", "RIC Indication", "RIC Control", "RIC Query", "Interoperability",
), key=len, reverse=True)

# Short document names -> working group (O-RAN document naming: O-RAN.WGn.NAME-Rnnn-vxx.yy).
_WORKING_GROUPS = {"E2TS": "WG3", "E2AP": "WG3", "E2SM": "WG3", "E2GAP": "WG3", "A1TS": "WG2", "A1AP": "WG2",
                   "A1TD": "WG2", "CONF": "WG4", "MP": "WG4", "CUS": "WG4", "IOT": "WG4"}

_REFERENCE = re.compile(r"^(?P<document>.+?)-(?P<version>v\d+\.\d+)(?::(?P<clause>.+))?$")


@dataclass(frozen=True)
class SpecRef:
    document: str          # 'O-RAN.WG3.E2TS-R003'
    version: str           # 'v02.00'
    clause: str            # '6.2.1.1.1' ('' when the reference has none)

    @property
    def short(self) -> str:
        return self.document.split(".")[-1]


def procedure_of(title: str) -> str:
    """'RIC Subscription Delete, successful' -> 'RIC Subscription Delete'."""
    for name in _PROCEDURES:
        if title == name or title.startswith((name + " ", name + ",")):
            return name
    return title.split(",")[0].strip() or title


def full_document(document: str) -> str:
    """'E2TS-R003' -> 'O-RAN.WG3.E2TS-R003'; names already in full stay as they are."""
    if document.startswith("O-RAN."):
        return document
    group = _WORKING_GROUPS.get(document.split("-")[0])
    return f"O-RAN.{group}.{document}" if group else document


def parse_reference(text: str) -> SpecRef:
    """'E2TS-R003-v02.00:6.2.1.1.1' -> SpecRef('O-RAN.WG3.E2TS-R003', 'v02.00', '6.2.1.1.1')."""
    m = _REFERENCE.match(text.strip())
    if not m:
        return SpecRef(text, "", "")
    return SpecRef(full_document(m["document"]), m["version"], (m["clause"] or "").split("/")[0])


def clause_number(clause: str) -> str:
    """The leading 'x.y.z' of a clause ('6.2.1.1.1 (note)' -> '6.2.1.1.1'), '' if none."""
    m = re.match(r"\d+(?:\.\d+)*", clause)
    return m.group(0) if m else ""
