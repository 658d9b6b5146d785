"""U-plane configuration of the simulated O-RU (o-ran-uplane-conf; O-RAN.WG4.MP.0 v08.00, U-plane
configuration clause): endpoints and carriers are plain configuration in the datastore, edited
with edit-config like any other; their list keys are in datastore.KEYS; this
module holds the read-back fault.
"""

from __future__ import annotations

from lxml import etree

from harness.sim.faultspec import Fault

UPLANE = "urn:o-ran:uplane-conf:1.0"

FAULTS = (
    Fault("uplane-readback-differs", "get / get-config report every endpoint's eaxc-id one higher than "
          "configured", "value"),
)


def bend(fault: str | None, data: etree._Element) -> etree._Element:
    """``data`` (a reply's ``<data>``) with each eaxc-id off by one under the read-back fault."""
    if fault == "uplane-readback-differs":
        for el in data.iter(f"{{{UPLANE}}}eaxc-id"):
            el.text = str(int((el.text or "0").strip() or 0) + 1)
    return data
