"""The simulated O-RU's YANG modules: announced in its hello, served by get-schema, bent by the YANG faults.

Why here: the simulator's data must validate against the modules it announces
(harness/interfaces/mplane/yang.py judges every reply against them), so the
modules are ours (fixtures/yang/, reduced subsets written for tests; see
docs/LICENSES.md) and ship as package data (harness.bundled.yang_dir).
get-schema follows RFC 6022 clause 3.1: the module text as the content of
``<data>`` in the ietf-netconf-monitoring namespace, invalid-value for a
module the server does not have.

The YANG faults make a get / get-config reply break the model in one way
each, so the validation is shown able to fail with the YANG path.
"""

from __future__ import annotations

from lxml import etree

from harness.bundled import yang_dir
from harness.interfaces.mplane.datastore import HARDWARE, IANA_HW, OPERATIONS, merge_into
from harness.sim.faultspec import Fault
from harness.core.errors import HarnessError

MONITORING = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
# The modules besides the O-RAN ones oru.py announces: what their data imports, and get-schema itself.
CAPABILITIES = (
    "urn:ietf:params:xml:ns:yang:iana-hardware?module=iana-hardware&revision=2018-03-13",
    f"{MONITORING}?module=ietf-netconf-monitoring&revision=2010-10-04",
)

FAULTS = (
    Fault("yang-wrong-type", "get / get-config replies carry timezone-utc-offset 'east' (an int16 in "
          "o-ran-operations)", "value"),
    Fault("yang-unknown-node", "get / get-config replies carry a leaf no module defines (hardware component "
          "'colour')", "value"),
    Fault("yang-missing-key", "get / get-config replies carry a hardware component without its key 'name'",
          "value"),
)

_BENT = {
    "yang-wrong-type": f'<operational-info xmlns="{OPERATIONS}"><clock><timezone-utc-offset>east'
                       "</timezone-utc-offset></clock></operational-info>",
    "yang-unknown-node": f'<hardware xmlns="{HARDWARE}"><component><name>ru-module</name><colour>red</colour>'
                         "</component></hardware>",
    "yang-missing-key": f'<hardware xmlns="{HARDWARE}"><component xmlns:ianahw="{IANA_HW}"><class>ianahw:port'
                        "</class></component></hardware>",
}


def bend(fault: str | None, data: etree._Element) -> etree._Element:
    """``data`` (a reply's ``<data>``) with the YANG fault's violation merged in; unchanged for other faults."""
    text = _BENT.get(fault or "")
    if text is not None and etree.QName(data).localname == "data":
        holder = etree.fromstring(f"<data>{text}</data>")
        merge_into(data, holder)
    return data


class SchemaMissing(HarnessError, LookupError):
    """get-schema asked for a module the simulator does not have (an invalid-value rpc-error)."""


def get_schema(op: etree._Element) -> etree._Element:
    """The get-schema reply's ``<data>`` holding the module text.

    Raises:
        SchemaMissing: no such module (or revision), or a format other than yang.
    """
    name = (op.findtext(f"{{{MONITORING}}}identifier") or "").strip()
    version = (op.findtext(f"{{{MONITORING}}}version") or "").strip()
    fmt = (op.findtext(f"{{{MONITORING}}}format") or "yang").strip()
    if fmt.rpartition(":")[2] != "yang":
        raise SchemaMissing(f"schema format '{fmt}' is not served; only yang")
    folder = yang_dir()
    found = sorted(folder.glob(f"{name}@{version}.yang" if version else f"{name}@*.yang")) if name else []
    if not found:
        raise SchemaMissing(f"no schema '{name}'" + (f" revision {version}" if version else ""))
    out = etree.Element(f"{{{MONITORING}}}data", nsmap={None: MONITORING})
    out.text = found[-1].read_text(encoding="utf-8")
    return out
