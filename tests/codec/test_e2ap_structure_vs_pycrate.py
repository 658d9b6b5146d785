"""Our E2AP v03.01 type tree against pycrate_asn1dir.E2AP (independently compiled).

Compared: procedures (code, criticality, message types), IE sets per message
(IE id, criticality, value type, presence, extensibility) and every named type
other than the lowered container instances (component names, optionality,
referenced type names, value ranges, sizes, enumerations, extension markers).
The full list of differences must equal EXPECTED_DIFFERENCES.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("pycrate_asn1dir", reason="pycrate is a dev dependency")

from harness.codec.e2 import E2Codec, E2Versions  # noqa: E402

ASN1 = Path(__file__).resolve().parents[2] / "harness" / "codec" / "asn1" / "e2ap" / "v03.01"
RENAMED = {"RICQueryRequest": "RICqueryRequest", "RICQueryResponse": "RICqueryResponse",
           "RICQueryFailure": "RICqueryFailure"}
LOWERED = re.compile(r"^(ProtocolIE-(?:Container|SingleContainer|Field)|ProtocolExtension\w*)")

EXPECTED_DIFFERENCES = [
    # RIC Subscription Audit (procedure 17) was added to E2AP after v03.01;
    # pycrate ships the later revision.
    "procedure 17 only in pycrate",
    "IE set RICsubscriptionAudit-ItemIEs only in pycrate",
    "IE set RICsubscriptionAuditAction-ItemIEs only in pycrate",
    "IE set RICsubscriptionAuditFailure-IEs only in pycrate",
    "IE set RICsubscriptionAuditRequest-IEs only in pycrate",
    "IE set RICsubscriptionAuditResponse-IEs only in pycrate",
    "type ListedRecordsOnly only in pycrate",
    "type RICsubscriptionAudit-Item only in pycrate",
    "type RICsubscriptionAuditAction-Item only in pycrate",
    "type RICsubscriptionAuditActionList only in pycrate",
    "type RICsubscriptionAuditFailure only in pycrate",
    "type RICsubscriptionAuditFlag only in pycrate",
    "type RICsubscriptionAuditList only in pycrate",
    "type RICsubscriptionAuditRequest only in pycrate",
    "type RICsubscriptionAuditResponse only in pycrate",
]


def _constants() -> dict:
    values = {}
    for f in ASN1.glob("*.asn"):
        for name, val in re.findall(r"^([a-z][\w-]*)\s+INTEGER\s*::=\s*(\d+)", f.read_text(), re.M):
            values[name] = int(val)
    return values


CONST = _constants()


def _rng(pairs, ext: bool):
    def v(x):
        return CONST.get(x, x) if isinstance(x, str) else x
    return (tuple((v(p[0]), v(p[1])) if isinstance(p, tuple) else (v(p), v(p)) for p in pairs), ext)


# ------------------------------------------------------------------ ours
def ours_norm(d: dict, types: dict):
    t = d["type"]
    if t in types or "." in t:
        return LOWERED.match(t).group(1) if LOWERED.match(t) else t
    return ours_inline(d, types)


def ours_inline(d: dict, types: dict):
    t = d["type"]
    if t in ("SEQUENCE", "CHOICE"):
        members = d["members"]
        ext = None in members
        comps = tuple((m["name"], bool(m.get("optional") or "default" in m), ours_norm(m, types))
                      for m in members if isinstance(m, dict))
        return (t, comps, ext)
    if t == "SEQUENCE OF":
        size = d.get("size")
        return (t, _rng([s for s in size if s is not None], None in size) if size else None,
                ours_norm(d["element"], types))
    if t == "INTEGER":
        r = d.get("restricted-to")
        return (t, _rng([x for x in r if x is not None], None in r) if r else None)
    if t == "ENUMERATED":
        vals = d["values"]
        return (t, tuple(v[0] for v in vals if v is not None), None in vals)
    if t in ("BIT STRING", "OCTET STRING", "PrintableString"):
        size = d.get("size")
        return (t, _rng([s for s in size if s is not None], None in size) if size else None)
    if t in types:
        return t
    return (t,)


# --------------------------------------------------------------- pycrate
def _pyc_rng(const):
    if const is None or not const.root:
        return None
    pairs = [(r.lb, r.ub) if hasattr(r, "lb") else (r, r) for r in const.root]
    return (tuple(pairs), const.ext is not None)


def _ref_name(o):
    """Name of the type ``o`` refers to, or None for an inline definition."""
    tr = getattr(o, "_tr", None)
    if tr is None:
        return None
    called = getattr(tr, "called", None)
    if called:
        return called[1]
    return getattr(tr, "_name", None)


def pyc_norm(o):
    return _ref_name(o) or pyc_inline(o)


def pyc_inline(o):
    t = o.TYPE
    if t in ("SEQUENCE", "CHOICE"):
        comps = tuple((n, bool(getattr(c, "_opt", False)) or getattr(c, "_def", None) is not None, pyc_norm(c))
                      for n, c in o._cont.items())
        return (t, comps, o._ext is not None)
    if t == "SEQUENCE OF":
        return (t, _pyc_rng(o._const_sz), pyc_norm(o._cont))
    if t == "INTEGER":
        return (t, _pyc_rng(o._const_val))
    if t == "ENUMERATED":
        return (t, tuple(o._root) + tuple(o._ext or ()), o._ext is not None)
    if t in ("BIT STRING", "OCTET STRING", "PrintableString"):
        return (t, _pyc_rng(o._const_sz))
    if t == "OPEN_TYPE":
        return None
    return (t,)


def _pyc_objset(s):
    return {o["id"]: (o["criticality"], _ref_name(o["Value"]) or o["Value"]._name,
                      o["presence"]) for o in list(s._val.root) + list(s._val.ext or [])}


def compute_differences() -> list:
    from pycrate_asn1dir import E2AP
    from pycrate_asn1rt.glob import GLOBAL  # noqa: F401 (pycrate registry, loaded by E2AP)

    comp = E2Codec(E2Versions(e2ap="v03.01")).e2ap.compiled
    diffs = []
    # procedures
    mine = {o.fields["&procedureCode"]: o.fields for o in comp.object_sets["E2AP-ELEMENTARY-PROCEDURES"].objects}
    ref = {}
    for o in E2AP.E2AP_PDU_Descriptions.E2AP_ELEMENTARY_PROCEDURES._val.root:
        ref[o["procedureCode"]] = {"&criticality": o["criticality"], **{
            f"&{k}": _ref_name(o[k]) or o[k]._name
            for k in ("InitiatingMessage", "SuccessfulOutcome", "UnsuccessfulOutcome") if k in o}}
    for code in sorted(set(mine) | set(ref)):
        if code not in ref:
            diffs.append(f"procedure {code} only in ours")
        elif code not in mine:
            diffs.append(f"procedure {code} only in pycrate")
        else:
            m = {k: RENAMED.get(v, v) for k, v in mine[code].items() if k != "&procedureCode"}
            if m != ref[code]:
                diffs.append(f"procedure {code}: ours {m} pycrate {ref[code]}")
    # IE sets (per message / item), extensibility included
    pyc_sets = {}
    for mod in (E2AP.E2AP_PDU_Contents,):
        for name in mod._set_:
            pyc_sets[name] = getattr(mod, name.replace("-", "_"))
    our_sets = {_set_name(n): s for n, s in comp.object_sets.items()
                if n not in ("E2AP-ELEMENTARY-PROCEDURES",) and not n.startswith("E2AP-ELEMENTARY")}
    for name in sorted(set(our_sets) | set(pyc_sets)):
        if name not in pyc_sets:
            diffs.append(f"IE set {name} only in ours")
            continue
        if name not in our_sets:
            diffs.append(f"IE set {name} only in pycrate")
            continue
        m = {o.fields["&id"]: (o.fields["&criticality"], RENAMED.get(o.fields["&Value"], o.fields["&Value"]),
                               o.fields["&presence"]) for o in our_sets[name].objects}
        r = _pyc_objset(pyc_sets[name])
        if m != r:
            diffs.append(f"IE set {name}: ours {m} pycrate {r}")
        if our_sets[name].extensible != (pyc_sets[name]._val.ext is not None):
            diffs.append(f"IE set {name}: extensible ours {our_sets[name].extensible}")
    # types
    pyc_types = {}
    for mod in (E2AP.E2AP_CommonDataTypes, E2AP.E2AP_Containers, E2AP.E2AP_IEs, E2AP.E2AP_PDU_Contents,
                E2AP.E2AP_PDU_Descriptions):
        for name in mod._type_:
            obj = getattr(mod, name.replace("-", "_"))
            if obj.TYPE != "CLASS":
                pyc_types[RENAMED.get(name, name)] = obj
    our_types = {RENAMED.get(n, n): d for n, d in comp.types.items() if not LOWERED.match(n)}
    for name in sorted(set(our_types) | set(pyc_types)):
        if LOWERED.match(name) or name in ("E2AP-PDU", "InitiatingMessage", "SuccessfulOutcome",
                                           "UnsuccessfulOutcome"):
            continue   # containers: compared through the IE sets; PDU: through the procedures
        if name not in pyc_types:
            diffs.append(f"type {name} only in ours")
        elif name not in our_types:
            diffs.append(f"type {name} only in pycrate")
        else:
            m = ours_inline(our_types[name], comp.types)
            r = pyc_inline(pyc_types[name])
            m, r = _rename(m), _rename(r)
            if m != r:
                diffs.append(f"type {name}: ours {m} pycrate {r}")
    return diffs


def _set_name(n: str) -> str:
    return n.replace("RICQuery", "RICquery")


def _rename(x):
    if isinstance(x, tuple):
        return tuple(_rename(y) for y in x)
    if isinstance(x, str):
        x = RENAMED.get(x, x)
        return LOWERED.match(x).group(1) if LOWERED.match(x) else x
    return x


@pytest.fixture(scope="module")
def differences() -> list:
    return compute_differences()


def test_structure_differences_are_exactly_the_expected_ones(differences):
    assert differences == EXPECTED_DIFFERENCES


def test_comparison_covers_the_tree(differences):
    comp = E2Codec(E2Versions(e2ap="v03.01")).e2ap.compiled
    assert len(comp.object_sets["E2AP-ELEMENTARY-PROCEDURES"].objects) == 16
    assert sum(1 for n in comp.types if not LOWERED.match(n)) > 150
