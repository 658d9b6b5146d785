"""A small NETCONF datastore for the O-RU simulator: subtree/XPath filters and edit-config.

Theory of operation: two lxml trees under a `<data>` root, `running`
(configuration) and `state` (operational only). `get` answers from both
merged, `get-config` from `running` alone, as RFC 6241 clause 7.1/7.7 say.
Subtree filtering follows RFC 6241 clause 6 (containment, selection and
content-match nodes); XPath filtering (the :xpath capability, clause 8.9) is
lxml's XPath 1.0 over the merged tree with the filter element's prefixes.
`edit-config` supports the merge, replace, create, delete and remove
operations (clause 7.2) with list entries told apart by the keys in `KEYS`,
on `running` or on `candidate` (clause 8.3: a copy of running that `commit`
makes running and `discard_changes` resets). `validate` checks the few typed
leaves in `LEAF_TYPES` (clause 8.6). Leaves with a YANG default (`DEFAULTS`)
are reported per RFC 6243 (with-defaults): trim drops them when they hold
the default, report-all adds them when absent.

The content is a hand-written subset of the O-RAN M-plane YANG modules
(O-RAN.WG4.MP v08.00: o-ran-supervision, o-ran-fm, o-ran-operations) and
ietf-hardware (RFC 8348): only what the CONF clause 3.1 tests read.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from harness.core.errors import DutError

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
SUPERVISION = "urn:o-ran:supervision:1.0"
FM = "urn:o-ran:fm:1.0"
OPERATIONS = "urn:o-ran:operations:1.0"
HARDWARE = "urn:ietf:params:xml:ns:yang:ietf-hardware"
IANA_HW = "urn:ietf:params:xml:ns:yang:iana-hardware"
NOTIFICATION = "urn:ietf:params:xml:ns:netconf:notification:1.0"

WITH_DEFAULTS = "urn:ietf:params:xml:ns:yang:ietf-netconf-with-defaults"
WD_ATTR = "urn:ietf:params:xml:ns:netconf:default:1.0"          # RFC 6243 clause 6: the wd:default attribute
WD_MODES = ("report-all", "report-all-tagged", "trim", "explicit")

# Leaves with a YANG default in the modules of the subset: (parent Clark name, leaf local name) -> default.
# o-ran-operations (O-RAN.WG4.MP.0 v08.00 annex): clock/timezone-utc-offset 0, re-call-home-no-ssh-timer 60,
# declarations/supported-mplane-version "1.0.0" (unchecked against the published module: see docs/fronthaul.md).
DEFAULTS = {
    (f"{{{OPERATIONS}}}clock", "timezone-utc-offset"): "0",
    (f"{{{OPERATIONS}}}operational-info", "re-call-home-no-ssh-timer"): "60",
    (f"{{{OPERATIONS}}}declarations", "supported-mplane-version"): "1.0.0",
}
# Typed configuration leaves validate checks: Clark name -> (low, high) of an integer.
LEAF_TYPES = {
    f"{{{OPERATIONS}}}timezone-utc-offset": (-720, 840),
    f"{{{OPERATIONS}}}re-call-home-no-ssh-timer": (0, 65535),
}

# list element (Clark name) -> its key leaf (local name, same namespace)
KEYS = {
    f"{{{HARDWARE}}}component": "name",
    f"{{{FM}}}active-alarms": "fault-id",
    # the management modules of the simulator (sim/management.py: software, PM, U-plane configuration)
    "{urn:o-ran:software-management:1.0}software-slot": "name",
    "{urn:o-ran:performance-management:1.0}rx-window-measurement-objects": "measurement-object",
    **{f"{{urn:o-ran:uplane-conf:1.0}}{name}": "name" for name in ("low-level-tx-endpoints", "low-level-rx-endpoints",
                                                                    "tx-array-carriers", "rx-array-carriers")},
    "{urn:o-ran:uplane-conf:1.0}number-of-prb-per-scs": "scs",
}


class EditError(DutError, ValueError):
    """An edit-config the datastore refuses; `tag` is the RFC 6241 error-tag."""

    def __init__(self, tag: str, message: str, path: str = "") -> None:
        super().__init__(message)
        self.tag = tag
        self.path = path


class FilterError(DutError, ValueError):
    """A filter the datastore cannot evaluate (an invalid-value rpc-error)."""


@dataclass(frozen=True)
class Identity:
    """What the O-RU says about itself in ietf-hardware and o-ran-operations."""

    vendor: str = "oran-harness"
    model: str = "sim-o-ru"
    serial: str = "SIM0001"
    software: str = "0.1.0"
    hardware: str = "n/a"
    ru_instance_id: str = "sim-o-ru-1"
    mplane_version: str = "8.0.0"


def _running(identity: Identity) -> str:
    return f"""<data xmlns="{NC}">
  <operational-info xmlns="{OPERATIONS}">
    <clock><timezone-utc-offset>0</timezone-utc-offset></clock>
    <re-call-home-no-ssh-timer>60</re-call-home-no-ssh-timer>
  </operational-info>
  <hardware xmlns="{HARDWARE}">
    <component><name>ru-module</name><class xmlns:ianahw="{IANA_HW}">ianahw:module</class></component>
  </hardware>
</data>"""


def _state(identity: Identity) -> str:
    return f"""<data xmlns="{NC}">
  <operational-info xmlns="{OPERATIONS}">
    <declarations>
      <ru-instance-id>{identity.ru_instance_id}</ru-instance-id>
      <supported-mplane-version>{identity.mplane_version}</supported-mplane-version>
    </declarations>
    <operational-state><restart-cause>POWER-ON</restart-cause></operational-state>
  </operational-info>
  <hardware xmlns="{HARDWARE}">
    <component>
      <name>ru-module</name>
      <hardware-rev>{identity.hardware}</hardware-rev>
      <software-rev>{identity.software}</software-rev>
      <serial-num>{identity.serial}</serial-num>
      <mfg-name>{identity.vendor}</mfg-name>
      <model-name>{identity.model}</model-name>
    </component>
  </hardware>
  <active-alarm-list xmlns="{FM}"/>
</data>"""


def _key(el: etree._Element) -> tuple:
    key = KEYS.get(el.tag)
    if key is None:
        return (el.tag,)
    ns = etree.QName(el).namespace
    child = el.find(f"{{{ns}}}{key}" if ns else key)
    return (el.tag, None if child is None else (child.text or "").strip())


def _find_same(parent: etree._Element, el: etree._Element):
    want = _key(el)
    for child in parent:
        if isinstance(child.tag, str) and _key(child) == want:
            return child
    return None


def merge_into(target: etree._Element, source: etree._Element) -> None:
    """Deep-merge ``source``'s children into ``target`` (list entries by key, leaves overwritten)."""
    for child in source:
        if not isinstance(child.tag, str):
            continue
        same = _find_same(target, child)
        if same is None:
            target.append(copy.deepcopy(child))
        elif len(child) == 0:
            same.text = child.text
        else:
            merge_into(same, child)


class Datastore:
    """The O-RU's running configuration and operational state."""

    def __init__(self, identity: Identity | None = None) -> None:
        self.identity = identity or Identity()
        parser = etree.XMLParser(remove_blank_text=True)
        self.running = etree.fromstring(_running(self.identity), parser)
        self.state = etree.fromstring(_state(self.identity), parser)
        self.candidate = copy.deepcopy(self.running)

    def tree(self, name: str) -> etree._Element:
        """The configuration datastore called ``name`` ('running' or 'candidate')."""
        if name == "candidate":
            return self.candidate
        if name == "running":
            return self.running
        raise EditError("invalid-value", f"no datastore '{name}' (running, candidate)")

    # ------------------------------------------------------------------ reading
    def merged(self) -> etree._Element:
        out = copy.deepcopy(self.running)
        merge_into(out, self.state)
        return out

    def get(self, filter_el: etree._Element | None = None, *, config_only: bool = False,
            source: str = "running", defaults: str = "explicit") -> etree._Element:
        """The `<data>` reply element for get (or get-config of ``source`` when ``config_only``),
        with leaves that have a default reported as the with-defaults mode ``defaults`` says.

        Raises:
            FilterError: an XPath that does not evaluate, or an unknown filter type.
        """
        if config_only:
            tree = copy.deepcopy(self.tree(source))
        else:
            tree = self.merged()
        with_defaults(tree, defaults)
        if filter_el is None:
            return tree
        kind = filter_el.get("type", "subtree")
        if kind == "subtree":
            return subtree_filter(tree, filter_el)
        if kind == "xpath":
            return xpath_filter(tree, filter_el)
        raise FilterError(f"filter type '{kind}' is neither subtree nor xpath")

    # ------------------------------------------------------------------ candidate (RFC 6241 8.3)
    def commit(self) -> etree._Element:
        """Make candidate the running configuration; returns the running one it replaced (for a rollback).

        Raises:
            EditError: the candidate does not validate (nothing changes).
        """
        validate(self.candidate)
        before, self.running = self.running, copy.deepcopy(self.candidate)
        return before

    def discard_changes(self) -> None:
        self.candidate = copy.deepcopy(self.running)

    def candidate_changed(self) -> bool:
        return etree.tostring(self.candidate) != etree.tostring(self.running)

    # ------------------------------------------------------------------ alarms
    def raise_alarm(self, fault_id: int, source: str, severity: str, text: str, time: str) -> etree._Element:
        """Add an entry to o-ran-fm active-alarm-list; returns the entry."""
        alarms = self.state.find(f"{{{FM}}}active-alarm-list")
        entry = etree.SubElement(alarms, f"{{{FM}}}active-alarms")
        for name, value in (("fault-id", fault_id), ("fault-source", source), ("fault-severity", severity),
                            ("is-cleared", "false"), ("fault-text", text), ("event-time", time)):
            etree.SubElement(entry, f"{{{FM}}}{name}").text = str(value)
        return entry

    # ------------------------------------------------------------------ editing
    def edit(self, config: etree._Element, default_operation: str = "merge", target: str = "running",
             test_option: str = "test-then-set") -> None:
        """Apply an edit-config `<config>` element to ``target`` (all or nothing: every error-option
        behaves as rollback-on-error here, which RFC 6241 7.2 allows for stop-on-error too).

        Raises:
            EditError: data-exists / data-missing / bad-attribute / invalid-value.
        """
        if default_operation not in ("merge", "replace", "none"):
            raise EditError("invalid-value", f"default-operation '{default_operation}' is not merge, replace or none")
        if test_option not in ("test-then-set", "set", "test-only"):
            raise EditError("invalid-value", f"test-option '{test_option}' is not test-then-set, set or test-only")
        work = copy.deepcopy(self.tree(target))
        if default_operation == "replace":
            for child in list(work):
                work.remove(child)
        for child in config:
            if isinstance(child.tag, str):
                self._edit(work, child, default_operation, "/" + etree.QName(child).localname)
        if test_option != "set":
            validate(work)
        if test_option == "test-only":
            return
        if target == "candidate":
            self.candidate = work
        else:
            self.running = work

    def _edit(self, parent, el, inherited: str, path: str) -> None:
        op = el.get(f"{{{NC}}}operation", inherited)
        if op not in ("merge", "replace", "create", "delete", "remove", "none"):
            raise EditError("bad-attribute", f"operation '{op}' at {path} is not a NETCONF operation", path)
        same = _find_same(parent, el)
        clean = copy.deepcopy(el)
        for node in clean.iter():
            if isinstance(node.tag, str):
                node.attrib.pop(f"{{{NC}}}operation", None)
        if op in ("delete", "remove"):
            if same is None and op == "delete":
                raise EditError("data-missing", f"delete of {path}: no such data", path)
            if same is not None:
                parent.remove(same)
            return
        if op == "create" and same is not None:
            raise EditError("data-exists", f"create of {path}: the data exists already", path)
        if op in ("replace", "create") or same is None:
            if op == "none" and same is None and len(el):
                same = etree.SubElement(parent, el.tag)
            else:
                if same is not None:
                    parent.replace(same, clean)
                else:
                    parent.append(clean)
                return
        if len(el) == 0:
            same.text = el.text
            return
        for child in el:
            if isinstance(child.tag, str):
                self._edit(same, child, op if op != "none" else "none",
                           f"{path}/{etree.QName(child).localname}")


# ---------------------------------------------------------------------- validate, with-defaults
def _path(el: etree._Element) -> str:
    parts = []
    while el is not None and el.getparent() is not None:
        q = etree.QName(el)
        parts.append(q.localname)
        el = el.getparent()
    return "/" + "/".join(reversed(parts))


def validate(tree: etree._Element) -> None:
    """The typed leaves of ``tree`` hold values of their type (RFC 6241 8.6; RFC 7950 error-app-tag not used).

    Raises:
        EditError: invalid-value, with the leaf's path.
    """
    for el in tree.iter():
        bounds = LEAF_TYPES.get(el.tag) if isinstance(el.tag, str) else None
        if bounds is None:
            continue
        text = (el.text or "").strip()
        try:
            ok = bounds[0] <= int(text) <= bounds[1]
        except ValueError:
            ok = False
        if not ok:
            raise EditError("invalid-value", f"{_path(el)}: {text!r} is not an integer in {bounds[0]}..{bounds[1]}",
                            _path(el))


def with_defaults(tree: etree._Element, mode: str) -> None:
    """Report the leaves of `DEFAULTS` in ``tree`` as RFC 6243 clause 3 mode ``mode`` says (in place)."""
    if mode not in WD_MODES:
        raise EditError("invalid-value", f"with-defaults '{mode}' is not one of {', '.join(WD_MODES)}")
    if mode == "explicit":
        return
    for (parent_tag, leaf), default in DEFAULTS.items():
        ns = etree.QName(parent_tag).namespace
        for parent in tree.iter(parent_tag):
            el = parent.find(f"{{{ns}}}{leaf}")
            if mode == "trim":
                if el is not None and (el.text or "").strip() == default:
                    parent.remove(el)
                continue
            if el is None:
                el = etree.SubElement(parent, f"{{{ns}}}{leaf}")
                el.text = default
            if mode == "report-all-tagged" and (el.text or "").strip() == default:
                el.set(f"{{{WD_ATTR}}}default", "true")


# ---------------------------------------------------------------------- filters
def _matches_tag(data: etree._Element, f: etree._Element) -> bool:
    fq, dq = etree.QName(f), etree.QName(data)
    return fq.localname == dq.localname and (fq.namespace is None or fq.namespace == dq.namespace)


def _is_content_match(f: etree._Element) -> bool:
    return len(f) == 0 and bool((f.text or "").strip())


def _select(data: etree._Element, f: etree._Element):
    """``data`` filtered by filter node ``f`` (already tag-matched), or None when excluded."""
    children = [c for c in f if isinstance(c.tag, str)]
    if not children:
        return copy.deepcopy(data)                       # selection node: the whole subtree
    matches = [c for c in children if _is_content_match(c)]
    for m in matches:                                    # every content match must hold
        if not any(_matches_tag(d, m) and (d.text or "").strip() == m.text.strip()
                   for d in data if isinstance(d.tag, str)):
            return None
    others = [c for c in children if not _is_content_match(c)]
    if not others:
        return copy.deepcopy(data)
    out = etree.Element(data.tag, nsmap=data.nsmap)
    for d in data:
        if not isinstance(d.tag, str):
            continue
        if any(_matches_tag(d, m) for m in matches):
            out.append(copy.deepcopy(d))
            continue
        for o in others:
            if _matches_tag(d, o):
                picked = _select(d, o)
                if picked is not None:
                    out.append(picked)
                break
    return out if len(out) > len(matches) or not others else None


def subtree_filter(tree: etree._Element, filter_el: etree._Element) -> etree._Element:
    """RFC 6241 clause 6 subtree filtering of a `<data>` tree."""
    out = etree.Element(tree.tag, nsmap=tree.nsmap)
    for f in filter_el:
        if not isinstance(f.tag, str):
            continue
        for d in tree:
            if isinstance(d.tag, str) and _matches_tag(d, f):
                picked = _select(d, f)
                if picked is not None:
                    out.append(picked)
    return out


def xpath_filter(tree: etree._Element, filter_el: etree._Element) -> etree._Element:
    """The nodes ``select`` names, each with its ancestors (RFC 6241 clause 8.9)."""
    select = filter_el.get("select")
    if not select:
        raise FilterError("an xpath filter needs a 'select' attribute")
    ns = {k: v for k, v in filter_el.nsmap.items() if k}
    query = select
    if select.startswith("/") and not select.startswith("//"):
        ns["_root_"] = NC                    # the datastore's top nodes are children of <data>
        query = "/_root_:data" + select
    try:
        hits = tree.xpath(query, namespaces=ns)
    except etree.XPathError as err:
        raise FilterError(f"xpath {select!r}: {err}") from None
    if not isinstance(hits, list):
        raise FilterError(f"xpath {select!r} does not select nodes")
    out = etree.Element(tree.tag, nsmap=tree.nsmap)
    for hit in hits:
        if not isinstance(hit, etree._Element) or hit is tree:
            continue
        chain = [hit]
        while chain[-1].getparent() is not None and chain[-1].getparent() is not tree:
            chain.append(chain[-1].getparent())
        target = out
        for node in reversed(chain[1:]):
            probe = etree.Element(node.tag)
            key = KEYS.get(node.tag)
            if key is not None:
                k = node.find(f"{{{etree.QName(node).namespace}}}{key}")
                if k is not None:
                    etree.SubElement(probe, k.tag).text = k.text
            same = _find_same(target, probe) if key is None or len(probe) else None
            if same is None:
                same = etree.SubElement(target, node.tag)
                if len(probe):
                    same.append(copy.deepcopy(probe[0]))
            target = same
        existing = _find_same(target, hit)
        if existing is not None and len(hit):
            target.replace(existing, copy.deepcopy(hit))
        elif existing is None:
            target.append(copy.deepcopy(hit))
    return out
