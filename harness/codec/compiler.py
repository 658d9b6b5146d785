"""Compile a set of ASN.1 modules: repair, lower, asn1tools 'per', cache.

The result, `CompiledAsn1`, is everything the codec needs and nothing more; it
pickles, and the pickle is cached under the SHA-256 of the sources, the
toolchain versions and this pipeline's own version, so a warm start is a
single file read.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import asn1tools
from asn1tools.parser import ParseError

from harness.codec.errors import Asn1SourceError
from harness.codec import perfix
from harness.codec.lowering import InfoObject, Lowered, ObjectSet, TableSlot, lower
from harness.codec.repair import repair_sources

# Bump when lowering or the compiled layout changes: old cache entries then miss.
PIPELINE_VERSION = "7"


@dataclass(frozen=True)
class CompiledAsn1:
    """A compiled module set with its information-object tables."""

    spec: asn1tools.compiler.Specification
    types: dict            # type name -> asn1tools parse descriptor (lowered)
    object_sets: dict      # set name -> ObjectSet
    slots: dict            # (type name, component) -> TableSlot
    source_hashes: dict    # file name -> sha256 hex of its text
    warnings: tuple
    values: dict           # integer value assignments (id-E2setup -> 1, maxofRICactionID -> 16)
    value_types: dict      # value name -> its governing type name (id-E2setup -> ProcedureCode)

    def object_by_key(self, set_name: str, key_field: str) -> dict:
        """Map key value -> InfoObject for a set (for example IE id -> IE)."""
        return {o.fields.get(key_field): o for o in self.object_sets[set_name].objects}


def cache_key(sources: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for part in (PIPELINE_VERSION, asn1tools.__version__, sys.version.split()[0]):
        h.update(part.encode() + b"\0")
    for name, text in sorted(sources):
        h.update(Path(name).name.encode() + b"\0" + text.encode() + b"\0")
    return h.hexdigest()


def _map_parse_error(err: ParseError, module: str, lowered: Lowered) -> Asn1SourceError:
    m = re.search(r"line (\d+), column (\d+)", str(err))
    origin = "?"
    if m:
        line = int(m.group(1))
        lines = lowered.line_maps[module]
        origin = lines[min(line, len(lines)) - 1]
    return Asn1SourceError(f"{origin}: asn1tools cannot parse the lowered form: {err}")


def compile_sources(sources: list[tuple[str, str]]) -> CompiledAsn1:
    """Compile without the cache.

    Raises:
        Asn1SourceError: naming the file:line of the first problem.
    """
    repaired, warnings = repair_sources(sources)
    lowered = lower(repaired)
    parsed: dict = {}
    for module, text in lowered.texts.items():
        try:
            parsed.update(asn1tools.parse_string(text))
        except ParseError as err:
            raise _map_parse_error(err, module, lowered) from None
    try:
        spec = asn1tools.compile_dict(parsed, "per")
    except Exception as err:  # asn1tools raises bare KeyErrors/TypeErrors on bad references
        raise Asn1SourceError(f"asn1tools cannot compile the modules: {type(err).__name__}: {err}") from None
    perfix.apply(spec.types.values())    # X.691 corrections to the pinned asn1tools (perfix.py)
    types: dict = {}
    value_types: dict = {}
    for module in parsed.values():
        types.update(module.get("types", {}))
        value_types.update({name: v.get("type") for name, v in module.get("values", {}).items()})
    hashes = {Path(n).name: hashlib.sha256(t.encode()).hexdigest() for n, t in sources}
    return CompiledAsn1(spec, types, lowered.object_sets, lowered.slots, hashes,
                        tuple(warnings) + lowered.warnings, dict(lowered.values), value_types)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "oran-harness" / "asn1"


def compile_files(paths: list[Path], cache_dir: Path | None = None) -> CompiledAsn1:
    """Compile ASN.1 files, through the cache when ``cache_dir`` is usable.

    Args:
        paths: the module files (all modules that import from each other).
        cache_dir: where pickles live; None for the per-user default.
    """
    sources = [(str(p), Path(p).read_text(encoding="utf-8", errors="replace")) for p in paths]
    key = cache_key(sources)
    directory = cache_dir or default_cache_dir()
    entry = directory / f"{key}.pickle"
    try:
        with entry.open("rb") as f:
            compiled = pickle.load(f)  # noqa: S301 - our own cache, named by the hash of its ASN.1 source
        if isinstance(compiled, CompiledAsn1):
            return compiled
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    compiled = compile_sources(sources)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = entry.with_suffix(f".{id(compiled)}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(compiled, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(entry)
    except OSError:
        pass  # a read-only cache only costs time
    return compiled


__all__ = ["CompiledAsn1", "InfoObject", "ObjectSet", "TableSlot", "compile_files", "compile_sources",
           "cache_key", "default_cache_dir"]
