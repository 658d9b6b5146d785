"""Walk plans: where, inside a type, open types and embedded payloads live.

A plan is built once per type from the lowered asn1tools descriptors and only
describes the paths that lead to something the codec must handle itself (an
open type resolved through an object set, or a "hole": an OCTET STRING that
carries another protocol's PDU, such as an E2SM payload inside E2AP). Values
are walked along plans only, so a plain IE costs nothing.

Plan nodes (tuples, for speed):
    ('seq', ((component, node), ...))
    ('choice', {alternative: node})
    ('list', node)
    ('ref', type name)
    ('open', TableSlot)          an open type component
    ('check', TableSlot)         a value component checked against the set
    ('hole', type name)          an embedded payload of that declared type
"""

from __future__ import annotations

_CONSTRUCTED = ("SEQUENCE", "SET", "CHOICE", "SEQUENCE OF", "SET OF")


def _members(desc: dict) -> list[dict]:
    out: list[dict] = []
    for m in desc.get("members", ()):
        if m is None or m == "...":
            continue
        if isinstance(m, list):
            out.extend(x for x in m if isinstance(x, dict))
        else:
            out.append(m)
    return out


class PlanBuilder:
    """Builds and memoises plans for one compiled module set."""

    def __init__(self, types: dict, slots: dict, hole_types: frozenset = frozenset()) -> None:
        self._types = types
        self._slots = slots
        self._holes = hole_types
        self._interesting = self._find_interesting()
        self.plans: dict = {}
        for name in self._interesting:
            self.plans[name] = self._node(types[name], name)

    def plan(self, type_name: str):
        return self.plans.get(type_name)

    def _refs(self, desc: dict, owner: str | None, out: set) -> bool:
        """Collect referenced type names; True when this node is interesting itself."""
        t = desc.get("type")
        hit = False
        if t in ("SEQUENCE", "SET", "CHOICE"):
            for m in _members(desc):
                if owner is not None and (owner, m.get("name")) in self._slots:
                    hit = True
                hit = self._refs(m, None, out) or hit
        elif t in ("SEQUENCE OF", "SET OF"):
            hit = self._refs(desc["element"], None, out)
        elif t in self._holes:
            hit = True
        elif t in self._types:
            out.add(t)
        return hit

    def _find_interesting(self) -> set:
        refs: dict = {}
        interesting: set = set()
        for name, desc in self._types.items():
            r: set = set()
            if self._refs(desc, name, r) or name in self._holes:
                interesting.add(name)
            refs[name] = r
        changed = True
        while changed:
            changed = False
            for name, r in refs.items():
                if name not in interesting and r & interesting:
                    interesting.add(name)
                    changed = True
        return interesting

    def _node(self, desc: dict, owner: str | None):
        t = desc.get("type")
        if t in ("SEQUENCE", "SET"):
            entries = []
            for m in _members(desc):
                slot = self._slots.get((owner, m["name"])) if owner else None
                if slot is not None:
                    kind = "open" if slot.class_field[1].isupper() else "check"
                    entries.append((m["name"], (kind, slot)))
                    continue
                sub = self._node(m, None)
                if sub is not None:
                    entries.append((m["name"], sub))
            return ("seq", tuple(entries)) if entries else None
        if t == "CHOICE":
            alts = {}
            for m in _members(desc):
                sub = self._node(m, None)
                if sub is not None:
                    alts[m["name"]] = sub
            return ("choice", alts) if alts else None
        if t in ("SEQUENCE OF", "SET OF"):
            sub = self._node(desc["element"], None)
            return ("list", sub) if sub is not None else None
        if t in self._holes:
            return ("hole", t)
        if t in self._interesting:
            return ("ref", t)
        return None
