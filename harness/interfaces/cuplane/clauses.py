"""Where each rule comes from: the one table of citations used by layers, checks and docs.

Clause numbers follow O-RAN.WG4.CUS.0-v10.00 and the eCPRI Specification v2.0
(2019-05-10).  Correcting a clause is an edit here and nowhere else.
"""

from __future__ import annotations

CUS = "O-RAN.WG4.CUS.0-v10.00"
ECPRI = "eCPRI Specification v2.0"

CLAUSES: dict[str, str] = {
    # eCPRI common header (revision, reserved, C bit, message type, payload size)
    "ecpri.header": f"{ECPRI} 3.1.3.1",
    "ecpri.revision": f"{ECPRI} 3.1.3.1.1",
    "ecpri.reserved": f"{ECPRI} 3.1.3.1.2",
    "ecpri.concatenation": f"{ECPRI} 3.1.3.1.3",
    "ecpri.message_type": f"{ECPRI} 3.1.3.1.4",
    "ecpri.payload_size": f"{ECPRI} 3.1.3.1.5",
    "ecpri.iq_data": f"{ECPRI} 3.2.4.1",
    "ecpri.rtc_data": f"{ECPRI} 3.2.4.3",
    # O-RAN use of the eCPRI header
    "cus.ecpri_header": f"{CUS} 5.1.3.1",
    "cus.eaxc": f"{CUS} 5.1.3.1.6",
    "cus.seqid": f"{CUS} 5.1.3.1.7",
    "cus.min_frame": f"{CUS} 5.1.3",
    # C-plane
    "cus.section_types": f"{CUS} 7.3.1",
    "cus.cplane_common": f"{CUS} 7.5.2",
    "cus.cplane_section": f"{CUS} 7.5.3",
    "cus.section_extensions": f"{CUS} 7.7",
    # U-plane
    "cus.uplane": f"{CUS} 8.3.3",
    "cus.udcomphdr": f"{CUS} 8.3.3.13",
}


def clause(key: str) -> str:
    """The citation for *key* ('document version clause')."""
    return CLAUSES[key]
