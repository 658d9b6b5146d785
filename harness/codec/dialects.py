"""Dialect diagnosis: name the known non-standard encoding a failed payload is in.

Why: a lab meeting an E2 node built from modified ASN.1, or with a faulty PER runtime,
gets an opaque decode error. When a payload fails in the declared version, this module
tries the known dialects and says which one reads the bytes cleanly, and why. It only
explains a failure: the payload is still a FAIL of the declared version.

Dialects (docs/codec.md, "Dialect diagnosis", gives the sources of the facts):

* FlexRIC's E2SM-KPM and E2SM-RC: FlexRIC generates its code from copies of the
  standard modules with the extension marker moved to the end of some types, so their
  extension additions join the root. Here the dialect modules are *derived from our own
  standard modules* at run time by the edits in `FLEXRIC` ("in type T, move the
  marker to the end"), then compiled with our compiler (cached by content hash);
* asn1c's stock skeleton: ENUMERATED and CHOICE extension indexes with too few bits
  (harness.codec.asn1c_skeleton), swapped into a separately loaded copy of the
  declared version's compiled modules.

Other versions of the same protocol are tried by the caller (harness.codec.e2) first.

Theory of operation: `diagnose` runs only on a decode failure, tries each dialect that
applies to the protocol in order, within a time budget, and returns a `Diagnosis`;
a dialect fits when it decodes the whole payload with no error.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from harness.codec import asn1c_skeleton, catalog
from harness.codec.codec import Asn1Codec
from harness.codec.compiler import compile_files, compile_sources, default_cache_dir
from harness.codec.errors import Asn1SourceError, DecodeError


@dataclass(frozen=True)
class MarkerEdit:
    """In type ``type_name`` (or its component ``component``'s inline CHOICE), move the
    extension marker to the end of the list, so every extension addition joins the root."""

    type_name: str
    component: str | None = None

    @property
    def where(self) -> str:
        return f"{self.type_name}.{self.component}" if self.component else self.type_name


@dataclass(frozen=True)
class Dialect:
    key: str                       # 'flexric-kpm'
    name: str                      # "FlexRIC's E2SM-KPM"
    protocol: str
    base_version: str | None       # None: the declared version
    edits: tuple[MarkerEdit, ...] = ()
    enum_width: bool = False       # asn1c skeleton: ENUMERATED extension index in the root's width
    choice_width: bool = False     # asn1c skeleton: CHOICE extension index with too few bits
    why: str = ""


# FlexRIC (src/sm/kpm_sm_v03.00/ie/README.md and e2sm_kpm_v03.00_modified.asn1; see docs/codec.md).
_KPM = (MarkerEdit("E2SM-KPM-ActionDefinition", "actionDefinition-formats"),
        MarkerEdit("E2SM-KPM-IndicationMessage", "indicationMessage-formats"),
        MarkerEdit("E2SM-KPM-ActionDefinition-Format1"),
        MarkerEdit("MeasurementCondUEidItem"),
        MarkerEdit("MeasurementCondItem"),
        MarkerEdit("TestCond-Type"))
# FlexRIC (src/sm/rc_sm/ie/e2sm_rc_v1_03_modified.asn): the format CHOICEs of the top-level types.
_RC = (MarkerEdit("E2SM-RC-ActionDefinition", "ric-actionDefinition-formats"),
       MarkerEdit("E2SM-RC-IndicationHeader", "ric-indicationHeader-formats"),
       MarkerEdit("E2SM-RC-IndicationMessage", "ric-indicationMessage-formats"),
       MarkerEdit("E2SM-RC-ControlHeader", "ric-controlHeader-formats"),
       MarkerEdit("E2SM-RC-ControlMessage", "ric-controlMessage-formats"),
       MarkerEdit("E2SM-RC-ControlOutcome", "ric-controlOutcome-formats"))

FLEXRIC = {
    "e2sm-kpm": Dialect("flexric-kpm", "FlexRIC's E2SM-KPM", "e2sm-kpm", "v03.00", _KPM),
    "e2sm-rc": Dialect("flexric-rc", "FlexRIC's E2SM-RC", "e2sm-rc", "v01.03", _RC),
}

ASN1C = (
    Dialect("asn1c-enum", "asn1c's stock APER skeleton", "", None, enum_width=True,
            why="ENUMERATED extension value in the root's width instead of X.691 11.6's normally small number"),
    Dialect("asn1c-choice", "asn1c's stock APER skeleton", "", None, choice_width=True,
            why="CHOICE extension index with too few bits instead of X.691 11.6's normally small number"),
    Dialect("asn1c-both", "asn1c's stock APER skeleton", "", None, enum_width=True, choice_width=True,
            why="ENUMERATED and CHOICE extension indexes with too few bits (X.691 11.6)"),
)

# Diagnosis is skipped above this size: a dialect is a layout question, seen on any small payload.
MAX_BYTES = 64 * 1024
BUDGET_SECONDS = 3.0

# How many diagnoses ran (tests check that a clean decode runs none).
RUNS = [0]


def dialects_for(protocol: str) -> list[Dialect]:
    """The dialects tried for ``protocol``, most specific first."""
    out = [FLEXRIC[protocol]] if protocol in FLEXRIC else []
    return out + list(ASN1C)


# ------------------------------------------------------------------ the text transformation
_COMMENT = re.compile(r"--.*?(--|$)", re.M)


def _block(text: str, start: int) -> tuple[int, int]:
    """(index of '{', index just after its '}') of the first brace block at or after ``start``."""
    open_at = text.index("{", start)
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return open_at, i + 1
    raise ValueError("unbalanced braces")


def _items(body: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in _COMMENT.sub(" ", body):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    out.append(cur.strip())
    return [x for x in out if x]


def apply_edit(text: str, edit: MarkerEdit, dialect: str) -> tuple[str, tuple[str, ...], str]:
    """Apply one edit to a module text.

    Returns:
        (new text, the names of the members that joined the root, 'CHOICE' or 'SEQUENCE').

    Raises:
        Asn1SourceError: the type, component or marker is not where the edit says (our
            standard module changed; the dialect table must follow).
    """
    m = re.search(rf"^{re.escape(edit.type_name)}\s*::=", text, re.M)
    if m is None:
        raise Asn1SourceError(f"dialect {dialect}: no type {edit.type_name} in the standard module")
    start = m.end()
    if edit.component:
        c = re.search(rf"\b{re.escape(edit.component)}\s+CHOICE\s*\{{", text[start:])
        if c is None:
            raise Asn1SourceError(f"dialect {dialect}: {edit.type_name} has no inline CHOICE {edit.component}")
        start += c.start()
    open_at, end = _block(text, start)
    kind = "CHOICE" if "CHOICE" in text[start:open_at] else "SEQUENCE"
    items = _items(text[open_at + 1:end - 1])
    if "..." not in items or items[-1] == "...":
        raise Asn1SourceError(f"dialect {dialect}: {edit.where} has no extension additions to move")
    at = items.index("...")
    moved = tuple(item.split()[0] for item in items[at + 1:])
    new_items = items[:at] + items[at + 1:] + ["..."]
    body = "{\n    " + ",\n    ".join(new_items) + "\n}"
    return text[:open_at] + body + text[end:], moved, kind


def derive(sources: list[tuple[str, str]], edits: tuple[MarkerEdit, ...], dialect: str
           ) -> tuple[list[tuple[str, str]], dict[MarkerEdit, tuple[tuple[str, ...], str]]]:
    """Apply ``edits`` to whichever source text defines each type."""
    out = list(sources)
    moved: dict = {}
    for edit in edits:
        for i, (name, text) in enumerate(out):
            if re.search(rf"^{re.escape(edit.type_name)}\s*::=", text, re.M):
                new, members, kind = apply_edit(text, edit, dialect)
                out[i] = (name, new)
                moved[edit] = (members, kind)
                break
        else:
            raise Asn1SourceError(f"dialect {dialect}: no module defines {edit.type_name}")
    return out, moved


# ------------------------------------------------------------------ codecs
@dataclass
class _Loaded:
    codec: Asn1Codec
    moved: dict


_CODECS: dict = {}


def _compile_derived(dialect: Dialect, module_set: catalog.ModuleSet, cache_dir: Path | None):
    sources = [(str(p), p.read_text(encoding="utf-8")) for p in module_set.files]
    derived, moved = derive(sources, dialect.edits, dialect.key)
    folder = (cache_dir or default_cache_dir()) / "dialects" / dialect.key
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in derived:
            path = folder / Path(name).name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
            paths.append(path)
        return compile_files(paths, cache_dir), moved      # cached by content hash
    except OSError:
        return compile_sources(derived), moved


def load(dialect: Dialect, protocol: str, version: str, cache_dir: Path | None = None) -> _Loaded:
    """The codec of ``dialect`` for ``protocol`` (compiled once per process)."""
    version = dialect.base_version or version
    key = (dialect.key, protocol, version, cache_dir)
    loaded = _CODECS.get(key)
    if loaded is None:
        module_set = catalog.builtin(protocol, version)
        moved: dict = {}
        if dialect.edits:
            compiled, moved = _compile_derived(dialect, module_set, cache_dir)
        else:
            compiled = compile_files(list(module_set.files), cache_dir)   # a fresh copy, ours alone
        table: dict = {}
        if dialect.enum_width:
            table.update(asn1c_skeleton.ENUMERATED)
        if dialect.choice_width:
            table.update(asn1c_skeleton.CHOICE)
        if table:
            asn1c_skeleton.swap(compiled.spec.types.values(), table)
        fast = not table        # the fast decoder reads standard PER only
        codec = Asn1Codec(compiled, label=f"{dialect.name} ({protocol} {version})", fast=fast)
        loaded = _CODECS[key] = _Loaded(codec, moved)
    return loaded


# ------------------------------------------------------------------ unknown ENUMERATED values
ENUM_WIDTH_TEXT = "decodes as asn1c's stock APER skeleton (ENUMERATED extension value in the root's width)"


def enum_width_explains(protocol: str, version: str, type_name: str, data: bytes, *,
                        cache_dir: Path | None = None) -> bool:
    """Whether the asn1c ENUMERATED-width dialect reads ``data`` with no unknown ENUMERATED value.

    Why: inside an open type (an E2AP IE value) the skeleton's shorter extension index is
    absorbed by the padding, so the standard decode does not fail; it yields an unknown
    extension value instead (perfix M4), and `diagnose` never runs. The caller asks this
    when a decode noted such a value.
    """
    if len(data) > MAX_BYTES:
        return False
    try:
        loaded = load(ASN1C[0], protocol, version, cache_dir)
    except Asn1SourceError:
        return False
    if not loaded.codec.has_type(type_name):
        return False
    notes: list = []
    try:
        loaded.codec.decode(type_name, data, notes=notes)
    except DecodeError:
        return False
    return not any(n.kind == "unknown-value" for n in notes)


# ------------------------------------------------------------------ diagnosis
@dataclass(frozen=True)
class Fit:
    dialect: str
    why: str


@dataclass(frozen=True)
class Diagnosis:
    """What the dialects made of a payload that failed in the declared version."""

    fits: tuple[Fit, ...]
    tried: tuple[str, ...]
    complete: bool = True

    def text(self, declared: str) -> str:
        if self.fits:
            first, rest = self.fits[0], self.fits[1:]
            also = "".join(f"; also as {f.dialect} ({f.why})" for f in rest)
            return f"decodes as {first.dialect} ({first.why}){also}, not as the declared {declared}"
        cut = "" if self.complete else f"; stopped after {BUDGET_SECONDS:g} s"
        return f"no known dialect fits (tried {', '.join(self.tried)}){cut}"


def _used(value, members: tuple[str, ...], kind: str) -> bool:
    """Whether a decoded value uses one of ``members`` (a CHOICE alternative or a component)."""
    if isinstance(value, dict):
        if kind == "SEQUENCE" and any(m in value for m in members):
            return True
        return any(_used(v, members, kind) for v in value.values())
    if isinstance(value, list):
        return any(_used(v, members, kind) for v in value)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return (kind == "CHOICE" and value[0] in members) or _used(value[1], members, kind)
    return False


def _why(dialect: Dialect, moved: dict, value) -> str:
    if not dialect.edits:
        return dialect.why
    used = [e.where for e, (members, kind) in moved.items() if _used(value, members, kind)]
    where = ", ".join(used or [e.where for e in moved])
    return f"extension marker moved to the end in {where}"


def diagnose(protocol: str, version: str, type_name: str, data: bytes, *, cache_dir: Path | None = None,
             tried_before: tuple[str, ...] = (), budget: float = BUDGET_SECONDS) -> Diagnosis:
    """Try the known dialects of ``protocol`` on ``data`` that failed as ``type_name``.

    Args:
        version: the declared version (the asn1c dialects are variants of it).
        tried_before: what the caller already tried (other versions), for the text.
        budget: seconds after which the remaining dialects are skipped (the first
            compile of a dialect module, once per machine, counts too).
    """
    RUNS[0] += 1
    tried = list(tried_before)
    fits: list[Fit] = []
    if len(data) > MAX_BYTES:
        return Diagnosis((), tuple(tried + [f"none: {len(data)} octets is over {MAX_BYTES}"]))
    deadline = time.monotonic() + budget
    for dialect in dialects_for(protocol):
        if time.monotonic() > deadline:
            return Diagnosis(tuple(fits), tuple(tried), complete=False)
        label = dialect.name if dialect.edits else f"{dialect.name} ({dialect.key.removeprefix('asn1c-')})"
        tried.append(label)
        try:
            loaded = load(dialect, protocol, version, cache_dir)
        except Asn1SourceError:
            continue
        if not loaded.codec.has_type(type_name):
            continue
        try:
            value = loaded.codec.decode(type_name, data)
        except DecodeError:
            continue
        fits.append(Fit(dialect.name, _why(dialect, loaded.moved, value)))
        break                    # the most specific fit explains it; the rest would only add noise
    return Diagnosis(tuple(fits), tuple(tried))
