"""YANG validation of M-plane data: the O-RU's announced modules, loaded into libyang.

Theory of operation: an O-RU announces its YANG modules in its hello (one
capability URI per module, ``NS?module=NAME&revision=R&features=..``, RFC 6020
clause 5.6.4 / RFC 7950 clause 5.6.4) and, for YANG 1.1 servers, in
ietf-yang-library (RFC 7895 ``modules-state``, announced by the
``yang-library:1.0`` capability). `announced` reads both. `load` then gets
each module's text by get-schema (RFC 6022 clause 3.1) when the O-RU announces
ietf-netconf-monitoring, else (or when get-schema is refused) from the lab's
folder of models (DUT profile ``mplane.yang_dir``), writes them into one work
folder and parses them into one libyang context (imports resolve from that
folder, the lab folder, and libyang's own ietf-* modules). A module that
cannot be had or parsed is left out with a note, never a FAIL: the harness
could not judge its data, which is not the O-RU's fault.

`YangLibrary.check_data` parses the children of a get reply's ``<data>`` as
operational data (config and state) and a get-config reply's as configuration
(state nodes are errors, RFC 6241 clause 7.1); `check_notification` parses a
whole ``<notification>`` (RFC 5277 envelope). Both parse strictly (an
unknown element is an error) but without validating the tree as a whole
(``LYD_PARSE_ONLY``): a filtered reply legitimately lacks mandatory nodes and
the context of ``when``/``must``. Types, ranges, patterns, enumerations,
identities, list keys and the config/state split are still judged. Each
problem is a `Violation` with the YANG data path libyang reports and the
clause it breaks. Top-level data of a module that was announced but could not
be loaded is skipped (named in `skipped`); data of a module never announced is
a violation (RFC 7950 clause 5.6.4).

Licence: libyang is BSD-3-Clause, its Python bindings (PyPI ``libyang``) MIT.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import libyang
from lxml import etree
from harness.core.errors import LabError

MONITORING = "urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"
YANG_LIBRARY = "urn:ietf:params:xml:ns:yang:ietf-yang-library"
YANG_LIBRARY_CAP = "urn:ietf:params:netconf:capability:yang-library:1.0"
NOTIFICATION = "urn:ietf:params:xml:ns:netconf:notification:1.0"
RFC6241 = "IETF RFC 6241"
RFC7950 = "IETF RFC 7950"

# libyang keeps errors in the context for Context.error() and, only when it also logs, fills in the
# data path ("Data location ..."): log to the 'libyang' logger, which goes nowhere unless the CLI
# sends it to the run's log file (harness/cli/logsetup.py).
libyang.configure_logging(True, logging.ERROR)
logging.getLogger("libyang").propagate = False
_LOCATION = re.compile(r'(?:Data|Schema) location "([^"]+)"')

# libyang's message -> the clause the data breaks (first match wins).
_CLAUSES = (
    ("state node", f"{RFC6241} clause 7.1 (get-config returns configuration data only)"),
    ("missing its key", f"{RFC7950} clause 7.8.2 (every list entry carries its keys)"),
    ("Duplicate instance", f"{RFC7950} clause 7.8.2 (list keys are unique)"),
    ("No module with namespace", f"{RFC7950} clause 5.6.4 (a server announces every module it implements)"),
    ("not found", f"{RFC7950} clause 7 (data nodes exist only as the schema defines them)"),
    ("Invalid", f"{RFC7950} clause 9 (a leaf's value is of its type)"),
    ("Unsatisfied", f"{RFC7950} clauses 9.2.4, 9.3.4, 9.4.4, 9.4.5 (range, length, pattern restrictions)"),
)


class YangError(LabError, ValueError):
    """The lab's YANG folder is unusable (not a folder): a lab error naming the path."""


@dataclass(frozen=True)
class ModuleRef:
    """One module the O-RU announces."""

    name: str
    revision: str | None = None
    namespace: str | None = None
    features: tuple[str, ...] = ()


@dataclass(frozen=True)
class Violation:
    """One place where data breaks its YANG model."""

    path: str                      # libyang's data path, e.g. /o-ran-operations:operational-info/clock/x
    message: str
    clause: str


def announced(capabilities: Iterable[str]) -> list[ModuleRef]:
    """The modules named by hello capability URIs (those with ``?module=``), in order."""
    out: dict[str, ModuleRef] = {}
    for cap in capabilities:
        base, _, query = cap.strip().partition("?")
        params = parse_qs(query)
        name = (params.get("module") or [""])[0]
        if not name:
            continue
        features = tuple(f for f in (params.get("features") or [""])[0].split(",") if f)
        out.setdefault(name, ModuleRef(name, (params.get("revision") or [""])[0] or None, base, features))
    return list(out.values())


def library_modules(data: etree._Element) -> list[ModuleRef]:
    """The implemented modules in an ietf-yang-library ``modules-state`` reply (RFC 7895 clause 2.2)."""
    out = []
    for m in data.iter(f"{{{YANG_LIBRARY}}}module"):
        name = (m.findtext(f"{{{YANG_LIBRARY}}}name") or "").strip()
        if not name or (m.findtext(f"{{{YANG_LIBRARY}}}conformance-type") or "implement").strip() != "implement":
            continue
        features = tuple((f.text or "").strip() for f in m.findall(f"{{{YANG_LIBRARY}}}feature"))
        out.append(ModuleRef(name, (m.findtext(f"{{{YANG_LIBRARY}}}revision") or "").strip() or None,
                             (m.findtext(f"{{{YANG_LIBRARY}}}namespace") or "").strip() or None, features))
    return out


def get_schema_rpc(ref: ModuleRef) -> etree._Element:
    """The get-schema operation for one module (RFC 6022 clause 3.1)."""
    el = etree.Element(f"{{{MONITORING}}}get-schema", nsmap={None: MONITORING})
    etree.SubElement(el, f"{{{MONITORING}}}identifier").text = ref.name
    if ref.revision:
        etree.SubElement(el, f"{{{MONITORING}}}version").text = ref.revision
    etree.SubElement(el, f"{{{MONITORING}}}format").text = "yang"
    return el


def schema_text(reply: etree._Element) -> str | None:
    """The module text of a get-schema rpc-reply, or None (an rpc-error, or no text)."""
    data = reply.find(f"{{{MONITORING}}}data")
    text = (data.text or "") if data is not None else ""
    return text if text.strip() else None


def _lab_file(folder: Path | None, ref: ModuleRef) -> Path | None:
    if folder is None:
        return None
    exact = folder / f"{ref.name}@{ref.revision}.yang" if ref.revision else None
    if exact is not None and exact.is_file():
        return exact
    plain = folder / f"{ref.name}.yang"
    if plain.is_file():
        return plain
    found = sorted(folder.glob(f"{ref.name}@*.yang"))
    return found[-1] if found else None


def _violation(message: str) -> Violation:
    text = message.removeprefix("failed to parse data tree: ").removeprefix("failed to parse input data: ")
    where = _LOCATION.search(text)
    path = where.group(1) if where else "/"
    reason = _LOCATION.sub("", text).split(".:")[0].strip(" .:,")
    reason = re.sub(r",? ?line number \d+", "", reason).strip(" .:,")
    clause = next((c for key, c in _CLAUSES if key in reason), RFC7950)
    return Violation(path, reason, clause)


@dataclass
class YangLibrary:
    """The O-RU's modules in one libyang context; judges data against them."""

    context: libyang.Context
    loaded: dict[str, ModuleRef]                       # module name -> what was announced
    namespaces: dict[str, str]                         # module name and prefix -> namespace
    skipped: dict[str, str] = field(default_factory=dict)    # namespace of a module not loaded -> why
    sources: dict[str, str] = field(default_factory=dict)    # module name -> 'get-schema' | 'lab folder'

    def _parse(self, xml: str, config_only: bool) -> list[Violation]:
        try:
            self.context.parse_data_mem(xml, "xml", strict=True, parse_only=True, no_state=config_only)
        except libyang.LibyangError as err:
            return [_violation(str(err))]
        return []

    def check_data(self, data: etree._Element | None, *, config_only: bool) -> list[Violation]:
        """Violations in a get (``config_only`` False) or get-config reply's ``<data>`` element."""
        if data is None:
            return []
        kids = [c for c in data if isinstance(c.tag, str) and etree.QName(c).namespace not in self.skipped]
        if not kids:
            return []
        return self._parse("".join(etree.tostring(c, encoding="unicode") for c in kids), config_only)

    def check_notification(self, xml: str) -> list[Violation]:
        """Violations in one ``<notification>`` message."""
        try:
            root = etree.fromstring(xml.encode())
        except etree.XMLSyntaxError:
            return []                                   # not XML: the client reports that
        body = [c for c in root if isinstance(c.tag, str) and etree.QName(c).localname != "eventTime"]
        if body and etree.QName(body[0]).namespace in self.skipped:
            return []
        try:
            self.context.parse_op_mem("xml", xml, libyang.DataType.NOTIF_NETCONF)
        except libyang.LibyangError as err:
            return [_violation(str(err))]
        return []

    def summary(self) -> str:
        by = sorted(self.loaded)
        names = ", ".join(f"{n} [{self.sources.get(n, '?')}]" for n in by)
        text = f"{len(by)} YANG module(s) loaded ({names})"
        if self.skipped:
            text += "; not validated: " + "; ".join(sorted(self.skipped.values()))
        return text


def load(modules: Iterable[ModuleRef], fetch: Callable[[ModuleRef], str | None] | None,
         lab_dir: Path | None) -> YangLibrary:
    """One libyang context with ``modules``: text by ``fetch`` (get-schema) first, else from ``lab_dir``.

    Raises:
        YangError: ``lab_dir`` is given but is not a folder.
    """
    if lab_dir is not None and not lab_dir.is_dir():
        raise YangError(f"{lab_dir}: the YANG folder (mplane.yang_dir) is not a folder")
    refs = list(modules)
    work = Path(tempfile.mkdtemp(prefix="oran-yang-"))
    search = ":".join(str(p) for p in (work, lab_dir) if p is not None)
    ctx = libyang.Context(search)
    builtin = {m.name() for m in ctx}                   # libyang's own ietf-* modules: never fetched
    texts: dict[str, tuple[str, str]] = {}
    notes: dict[str, str] = {}
    for ref in refs:
        if ref.name in builtin:
            continue
        text = fetch(ref) if fetch is not None else None
        source = "get-schema"
        if text is None:
            path = _lab_file(lab_dir, ref)
            text = path.read_text(encoding="utf-8", errors="replace") if path else None
            source = "lab folder"
        if text is None:
            notes[ref.name] = f"{ref.name}: no get-schema text and not in the lab's yang_dir"
            continue
        (work / f"{ref.name}@{ref.revision}.yang" if ref.revision else work / f"{ref.name}.yang").write_text(text)
        texts[ref.name] = (text, source)
    lib = YangLibrary(ctx, {}, {})
    for ref in refs:
        if ref.name not in texts:
            continue
        try:
            module = ctx.load_module(ref.name)
            for feature in ref.features:
                module.feature_enable(feature)
        except libyang.LibyangError as err:
            notes[ref.name] = f"{ref.name}: libyang cannot load it ({_first_line(err)})"
            continue
        lib.loaded[ref.name] = ref
        lib.sources[ref.name] = texts[ref.name][1]
    for name, ref in lib.loaded.items():
        ns = ref.namespace or _namespace_of(texts[name][0])
        if ns:
            lib.namespaces.setdefault(name, ns)
            lib.namespaces.setdefault(ctx.get_module(name).prefix(), ns)
    for ref in refs:
        if ref.name in notes and ref.namespace:
            lib.skipped[ref.namespace] = notes[ref.name]
        elif ref.name in notes:
            lib.skipped[f"?{ref.name}"] = notes[ref.name]
    shutil.rmtree(work, ignore_errors=True)          # the context holds the parsed modules
    return lib


_NAMESPACE = re.compile(r'^\s*namespace\s+["\']?([^"\';\s]+)', re.MULTILINE)


def _namespace_of(text: str) -> str | None:
    found = _NAMESPACE.search(text)
    return found.group(1) if found else None


def _first_line(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0][:300]
