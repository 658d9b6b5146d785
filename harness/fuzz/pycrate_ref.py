"""pycrate as an independent reference codec: value-form conversion and loading.

pycrate (a dev dependency; only the fuzz CLI and the tests import this module) is a
second, independently written ASN.1 compiler and APER runtime, used two ways:

* ``pycrate_asn1dir.E2AP`` -- E2AP as shipped with pycrate, compiled by its authors
  from the O-RAN module text (a newer revision than our v03.01);
* `compile_modules` -- our own ASN.1 files compiled with ``pycrate_asn1c`` at run time
  (E2SM-KPM/RC, E2AP v02.03): an independent compiler on the same source text.

Value forms differ from ours (asn1tools'):

    ours                              pycrate
    (bytes, nbits)  BIT STRING        (int, nbits)
    None            NULL              0
    float           REAL              (mantissa, base, exponent); +-inf (+-1, None, None),
                                      NaN (0, None, None); no minus zero
    ('RICQueryRequest', v)            ('RICqueryRequest', v)   (pycrate_asn1dir spelling)

Everything else (dict SEQUENCE, (alt, v) CHOICE, ('Type', v) open type, bytes, str,
int, list) is the same.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

from pycrate_asn1c.asnproc import PycrateGenerator, compile_text, generate_modules  # type: ignore[import-untyped]
from pycrate_asn1c.glob import GLOBAL  # type: ignore[import-untyped]
from pycrate_asn1dir import E2AP

# Our v03.01 spells the RIC Query messages with a capital Q; pycrate_asn1dir.E2AP
# (a later revision) with a small one.
PYCRATE_E2AP_NAMES = {
    "RICQueryRequest": "RICqueryRequest",
    "RICQueryResponse": "RICqueryResponse",
    "RICQueryFailure": "RICqueryFailure",
}


def real_to_pycrate(v: float) -> tuple:
    """A float as pycrate's REAL triple: base 2, odd mantissa (the X.690 11.3.1 canonical form)."""
    if math.isnan(v):
        return (0, None, None)
    if math.isinf(v):
        return (1 if v > 0 else -1, None, None)
    if v == 0.0:
        return (0, 2, 0)
    m, e = math.frexp(v)
    mi, e = int(m * (1 << 53)), e - 53
    while mi % 2 == 0:
        mi //= 2
        e += 1
    return (mi, 2, e)


def real_from_pycrate(v: tuple) -> float:
    mantissa, base, exponent = v
    if base is None:
        return math.nan if mantissa == 0 else math.copysign(math.inf, mantissa)
    if base == 2:
        return math.ldexp(mantissa, exponent)
    return float(mantissa) * 10.0 ** exponent


def to_pycrate(value: Any, names: dict | None = None) -> Any:
    """Convert a value from our form to pycrate's."""
    names = names or {}
    if value is None:
        return 0
    if isinstance(value, float):
        return real_to_pycrate(value)
    if isinstance(value, dict):
        return {k: to_pycrate(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [to_pycrate(v, names) for v in value]
    if isinstance(value, tuple) and len(value) == 2:
        first, second = value
        if isinstance(first, (bytes, bytearray)) and isinstance(second, int):
            data, nbits = bytes(first), second
            return (int.from_bytes(data, "big") >> (8 * len(data) - nbits) if data else 0, nbits)
        if isinstance(first, str):
            return (names.get(first, first), to_pycrate(second, names))
    return value


def comparable(value: Any) -> Any:
    """A pycrate-form value with every REAL as ('REAL', repr(float)): one spelling per number.

    pycrate keeps a REAL as the mantissa and exponent it decoded; two encodings of one
    number (and -0.0 against 0.0, NaN against NaN) then compare as the numbers do.
    """
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if isinstance(value, tuple):
        if len(value) == 3 and isinstance(value[0], int) and (value[1] is None or value[1] in (2, 10)):
            return ("REAL", repr(real_from_pycrate(value)))
        return tuple(comparable(v) for v in value)
    if isinstance(value, float):
        return ("REAL", repr(value))
    if isinstance(value, bytearray):
        return bytes(value)
    return value


def compile_modules(files: list[Path], out_dir: Path, name: str):
    """Compile ASN.1 files with pycrate_asn1c into ``out_dir/name.py`` and import it.

    Returns the generated Python module (its attributes are the ASN.1 modules,
    with '-' replaced by '_').
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.py"
    GLOBAL.clear()
    compile_text([Path(f).read_text() for f in files], filenames=[str(f) for f in files])
    generate_modules(PycrateGenerator, str(target))
    GLOBAL.clear()
    spec = importlib.util.spec_from_file_location(f"_pycrate_generated_{name}", target)
    if spec is None or spec.loader is None:
        raise ImportError(f"{target}: not importable")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def reference_e2ap():
    """pycrate_asn1dir.E2AP's E2AP-PDU object and the set of message names it knows."""
    pdu = E2AP.E2AP_PDU_Descriptions.E2AP_PDU
    return pdu, reference_message_names(E2AP.E2AP_PDU_Descriptions)


def reference_message_names(descriptions_module) -> set:
    """Names of every message type of the module's E2AP-ELEMENTARY-PROCEDURES set."""
    names = set()
    for obj in descriptions_module.E2AP_ELEMENTARY_PROCEDURES._val.root:
        for field in ("InitiatingMessage", "SuccessfulOutcome", "UnsuccessfulOutcome"):
            typ = obj.get(field)
            if typ is not None:
                names.add(typ._tr._name if getattr(typ, "_tr", None) is not None else typ._name)
    return names


def pycrate_roundtrip(pycrate_obj, data: bytes) -> tuple[Any, bytes]:
    """Decode ``data`` with a pycrate object, then re-encode its value: (value, bytes)."""
    pycrate_obj.from_aper(data)
    value = pycrate_obj.get_val()
    pycrate_obj.set_val(value)
    return value, pycrate_obj.to_aper()


def pycrate_encode(pycrate_obj, value: Any) -> bytes:
    pycrate_obj.set_val(value)
    return pycrate_obj.to_aper()


def pycrate_decode(pycrate_obj, data: bytes) -> Any:
    pycrate_obj.from_aper(data)
    return pycrate_obj.get_val()
