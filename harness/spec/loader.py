"""Spec files -> SpecFile / TestCase models, and the template/group library.

Theory of operation: `load_library` reads every YAML file given (directories
searched for *.yaml / *.yml) and gathers the `templates:` and `groups:` blocks,
refusing a name defined twice; `load_run_library` starts from the bundled ones
(harness.bundled), which a user's own files may replace by name. `load_spec_file` reads one file's `testcases:`
with that library: every name, IE path, value, matcher and PICS item is
checked here, at collection time, so a typo is a spec error with file:line
and never a red DUT result. Step groups are expanded where they are used.

Errors: by default the first problem raises `SpecError`; pass ``errors=[]`` to
collect every problem and keep reading (what `oran-harness validate` does).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import bundled
from harness.codec.e2 import E2Codec
from harness.spec import impair_steps  # noqa: F401 -- registers impair, clear-impairment, link-flap, partition
from harness.spec import protocols
from harness.spec.errors import SourceError, SpecError
from harness.spec.expr import compile as compile_expr
from harness.spec.model import PixitParam, Reference, RepeatStep, SpecFile, TestCase, Where
from harness.spec.pics import catalogue
from harness.spec.reader import Node, is_number
from harness.spec.steps import StepContext, read_steps
from harness.spec.yamlload import LDict, LList, Source, load_file, plain

ID_RE = re.compile(r"^(?P<document>[A-Za-z][A-Za-z0-9.-]*?)-(?P<version>v\d{2}\.\d{2}):"
                   r"(?P<clause>\d+(?:\.\d+)*)(?:/(?P<suffix>[A-Za-z0-9._-]+))?$")
STATUSES = ("mandatory", "conditional", "optional")
TOP_KEYS = ("testcases", "templates", "groups")
TESTCASE_KEYS = ("id", "title", "interface", "dut", "status", "applicability", "pixit", "preconditions",
                 "guard", "ignore", "steps", "expected", "evidence", "tags")


@dataclass
class Library:
    """Templates and step groups from every library file, with the name checks they were read with.

    Attributes:
        checkers: protocol -> its checker of names/paths/values (`Protocol.make_checker`;
            E2's for the E2AP version specs are checked against).
        templates: name -> Template.
        groups: name -> (raw step list, Source, line): expanded where used, so
            each expansion takes the using test case's defaults.
        pics_items: PICS item names applicability may use (None: unchecked).
    """

    checkers: dict = field(default_factory=dict)
    templates: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    pics_items: frozenset | None = None


def yaml_files(paths: Iterable[str | Path]) -> list[Path]:
    """The YAML files named by ``paths`` (directories searched recursively), sorted, once each."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml") and x.is_file()))
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _default_pics() -> frozenset:
    return frozenset(catalogue())


def _collect(errors: list | None, err: SourceError) -> None:
    if errors is None:
        raise err
    errors.append(err)


def _top(path: str | Path) -> tuple[Node, Source]:
    doc, source = load_file(path)
    if doc is None:
        raise SpecError(Where(str(path), 0), "the file is empty")
    top = Node.of(doc, source, 1, "a spec file")
    top.only(TOP_KEYS)
    if not any(top.has(k) for k in TOP_KEYS):
        raise SpecError(Where(str(path), 1), "not a spec file: it has no testcases, templates or groups")
    return top, source


def load_run_library(extra: Path | Iterable[Path] = (), codec: E2Codec | None = None, *,
                     errors: list | None = None) -> Library:
    """The library of a run: the bundled templates and groups, then those under ``extra``
    (the user's folders or files), whose definitions replace bundled ones of the same name.
    In a folder, YAML that is not a spec (a profile kept beside the test cases) is passed over."""
    named = {Path(p).resolve() for p in ([extra] if isinstance(extra, (str, Path)) else extra)}
    files = [p for p in bundled.library_files(extra) if p.resolve() in named or looks_like_spec(p)]
    return load_library(files, codec, errors=errors, replaceable=bundled.library_files())


_SPEC_KEYS = re.compile(r"^(testcases|templates|groups)\s*:", re.MULTILINE)


def looks_like_spec(path: str | Path) -> bool:
    """A YAML file with a spec's top-level key, found by walking a folder a user named.

    Other YAML there (DUT or lab profiles) is not a spec; a file named itself is always read.
    """
    path = Path(path)
    if path.suffix not in (".yaml", ".yml") or not path.is_file() or bundled.is_data_file(path):
        return False
    try:
        return _SPEC_KEYS.search(path.read_text(errors="replace")) is not None
    except OSError:
        return False


def load_library(paths: Iterable[str | Path], codec: E2Codec | None = None, *,
                 pics_items: Iterable[str] | None = None, errors: list | None = None,
                 replaceable: Iterable[str | Path] = ()) -> Library:
    """Gather templates and step groups from the YAML files under ``paths``.

    Args:
        paths: files or directories (searched for *.yaml / *.yml).
        replaceable: files (read first) whose definitions a later file may replace by name;
            any other name defined twice is an error.
        codec: handed to each protocol's `make_checker` (E2's checks templates against its E2AP
            version; None: the newest).
        pics_items: PICS item names for applicability checks (default: specs/pics/pics.yaml).
        errors: collect problems here instead of raising the first.

    Raises:
        SpecError: a malformed file or template, a name defined twice (both places named).
    """
    lib = Library(protocols.checkers(codec),
                  pics_items=frozenset(pics_items) if pics_items is not None else _default_pics())
    places: dict = {}
    base = {Path(p).resolve() for p in replaceable}
    for path in yaml_files(paths):
        try:
            top, source = _top(path)
        except SpecError as err:
            _collect(errors, err)
            continue
        for block in ("templates", "groups"):
            if not top.has(block):
                continue
            try:
                entries = Node.of(top.data[block], source, top.value_line(block), f"'{block}'")
            except SpecError as err:
                _collect(errors, err)
                continue
            for name, value in entries.data.items():
                line = entries.key_line(name)
                key = (block, name)
                if key in places and Path(places[key].file).resolve() in base \
                        and path.resolve() not in base:
                    del places[key]          # the user's own definition replaces the bundled one
                if key in places:
                    _collect(errors, source.error(line, f"{block[:-1]} '{name}' is defined twice "
                                                        f"(first at {places[key]})"))
                    continue
                places[key] = Where(str(path), line)
                try:
                    if block == "templates":
                        lib.templates[name] = _read_template(lib, name, value, source, line)
                    else:
                        if not isinstance(value, list):
                            raise source.error(line, f"group '{name}' must be a list of steps")
                        lib.groups[name] = (value, source, entries.value_line(name))
                except SpecError as err:
                    _collect(errors, err)
    return lib


def _read_template(lib: Library, name: str, value: Any, source: Source, line: int):
    """One `templates:` entry, read by the protocol that claims it (E2AP by default, A1 with `json:`)."""
    protocol = protocols.template_protocol(value)
    if protocol is None or protocol.read_template is None:
        raise source.error(line, f"template '{name}': no interface reads templates")
    return protocol.read_template(name, value, source, line, lib.checkers.get(protocol.name))


def load_spec_file(path: str | Path, library: Library | None = None, codec: E2Codec | None = None, *,
                   errors: list | None = None) -> SpecFile:
    """Read one spec file's test cases (and its own templates and groups).

    Args:
        path: the YAML file.
        library: templates and groups from all library files; default: this file alone.
        codec: used only when ``library`` is None.
        errors: collect problems here and keep reading (bad test cases are left out).

    Returns:
        The SpecFile; its templates and groups are those defined in this file.

    Raises:
        SpecError: the first problem (when ``errors`` is None).
    """
    if library is None:
        library = load_library([path], codec, errors=errors)
    top, source = _top(path)
    cases = []
    if top.has("testcases"):
        value = top.data["testcases"]
        if not isinstance(value, LList):         # YAML sequences load as LList
            _collect(errors, source.error(top.value_line("testcases"), "'testcases' must be a list of test cases"))
            value = LList()
        for i, raw in enumerate(value):
            try:
                cases.append(_testcase(raw, source, value.item_line(i), library, errors))
            except SpecError as err:
                _collect(errors, err)
    own_templates = tuple(t for t in library.templates.values() if t.where.file == str(path))
    groups = {}
    for name, (raw, gsource, line) in library.groups.items():
        if gsource.path == str(path):
            ctx = StepContext(library.checkers, library.templates, library.groups, errors=errors, stack=(name,),
                              kinds=protocols.kinds_for(None))
            try:
                groups[name] = read_steps(raw, gsource, line, ctx, what=f"group {name}")
            except SpecError as err:
                _collect(errors, err)
    return SpecFile(str(path), tuple(cases), own_templates, groups)


def _testcase(raw: Any, source: Source, line: int, lib: Library, errors: list | None) -> TestCase:
    node = Node.of(raw, source, line, "test case")
    node.only(TESTCASE_KEYS)
    tc_id = node.get("id", str, required=True)
    m = ID_RE.match(tc_id)
    if m is None:
        raise node.error(node.value_line("id"), f"test case id '{tc_id}' is not document-version:clause",
                         "for example E2TS-R003-v02.00:5.2.1.1.1 (optionally with '/suffix')")
    ref = Reference(m["document"], m["version"], m["clause"])
    node.what = f"test case {tc_id}"
    title = node.get("title", str, required=True)
    known = protocols.interfaces()
    interface = node.get("interface", str, required=True, choices=list(known))
    dut = node.get("dut", str, required=True, choices=list(protocols.roles()))
    iface = known[interface]
    if iface.dut_role != dut:
        others = ", ".join(i for i in known if known[i].dut_role == dut)
        raise node.error(node.value_line("interface"), f"interface '{interface}' is not the interface of the DUT "
                         f"'{dut}'", f"a {dut} DUT is tested on {others}")
    status = node.get("status", str, required=True, choices=STATUSES)
    applicability = node.get("applicability", str)
    if applicability is not None:
        line_no = node.value_line("applicability")
        compile_expr(applicability, source.where(line_no), lib.pics_items, source.line_text(line_no))
    elif status == "conditional":
        raise node.error(node.line, f"test case {tc_id} is conditional but has no 'applicability'",
                         "say which PICS items it depends on, e.g. applicability: e2ap.procedures.e2-setup")
    guard = node.get("guard", float, None, allow_var=True)
    if is_number(guard) and guard <= 0:
        raise node.error(node.value_line("guard"), f"'guard' must be more than 0 seconds, not {guard}")
    protocol = protocols.protocol_of(interface)
    if protocol.message_names is not None:
        ignore = protocol.message_names(node, lib.checkers.get(protocol.name), "ignore")
    elif node.has("ignore"):
        raise node.error(node.key_line("ignore"), f"'ignore' lists E2AP messages; a {iface.protocol} test case "
                         "has none to ignore")
    else:
        ignore = ()
    ctx = StepContext(lib.checkers, lib.templates, lib.groups, str(ref), ignore, errors,
                      kinds=protocols.kinds_for(iface.protocol), protocol=iface.protocol)
    before = len(errors) if errors is not None else 0
    steps = read_steps(node.required("steps"), source, node.value_line("steps"), ctx)
    if errors is not None and len(errors) > before:
        raise errors.pop()               # already collected the others; the case is not usable
    if not _checks_something(steps):
        raise node.error(node.value_line("steps"), f"test case {tc_id} has no expect step: it would check nothing",
                         protocol.no_check_hint)
    return TestCase(tc_id, title, ref, interface, dut, iface.harness_role, status, applicability,
                    _pixit(node), node.strings("preconditions"), steps, node.strings("expected"),
                    node.strings("evidence"), guard, ignore, node.where(), node.strings("tags"))


def _checks_something(steps: tuple) -> bool:
    checking = protocols.checking_steps()
    return any(isinstance(s, checking) or (isinstance(s, RepeatStep) and _checks_something(s.steps))
               for s in steps)


def _pixit(node: Node) -> tuple:
    value = node.get("pixit", dict, {})
    out = []
    for name, spec in value.items():
        line = value.key_line(name) if isinstance(value, LDict) else node.line
        if isinstance(spec, dict) and "default" in spec:
            unknown = sorted(set(spec) - {"default", "description"})
            if unknown:
                raise node.error(line, f"pixit '{name}' has unknown key(s) {', '.join(map(str, unknown))}; "
                                       "a PIXIT parameter takes default and description")
            desc = spec.get("description", "")
            if not isinstance(desc, str):
                where = spec.value_line("description") if isinstance(spec, LDict) else line
                raise node.error(where, f"pixit '{name}' description must be a string")
            out.append(PixitParam(name, plain(spec["default"]), desc, node.source.where(line)))
        else:
            out.append(PixitParam(name, plain(spec), "", node.source.where(line)))
    return tuple(out)


def check_unique_ids(spec_files: Iterable[SpecFile]) -> list[SpecError]:
    """One error per test case id used more than once (at the later place, naming the first)."""
    seen: dict[str, Where] = {}
    out = []
    for f in spec_files:
        for tc in f.testcases:
            if tc.id in seen:
                line_text = None
                try:
                    line_text = Path(tc.where.file).read_text(encoding="utf-8").splitlines()[tc.where.line - 1]
                except (OSError, IndexError):
                    pass
                out.append(SpecError(tc.where, f"duplicate test case id '{tc.id}' (first at {seen[tc.id]})",
                                     "test case ids are unique across all spec files", line_text))
            else:
                seen[tc.id] = tc.where
    return out


def load_specs(paths: Iterable[str | Path], codec: E2Codec | None = None) -> list[SpecFile]:
    """Every spec file under ``paths`` with one shared library; raises the first problem."""
    files = yaml_files(paths)
    lib = load_library(files, codec)
    out = [load_spec_file(p, lib) for p in files]
    dups = check_unique_ids(out)
    if dups:
        raise dups[0]
    return out
