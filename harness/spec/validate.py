"""`oran-harness validate`: every problem in every spec file, not just the first.

Reads the library (templates, groups) from the bundled specs and all files given, then each spec
file with error collection on, then checks test case ids across files.
Problems are deduplicated (a broken group used twice is reported once).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from harness import bundled
from harness.codec.e2 import E2Codec
from harness.spec.errors import SpecError
from harness.spec.loader import check_unique_ids, load_run_library, load_spec_file, yaml_files
from harness.spec.model import Where


def validate_paths(paths: Iterable[str | Path], codec: E2Codec | None = None) -> list[SpecError]:
    """All problems in the spec files under ``paths`` (files or directories).

    Args:
        paths: spec files or directories searched for *.yaml / *.yml.
        codec: the E2 codec whose E2AP version specs are checked against (default E2Codec()).

    Returns:
        SpecErrors in file order, each once; empty when everything is valid.
    """
    files = [p for p in yaml_files(paths) if not bundled.is_data_file(p)]
    errors: list[SpecError] = []
    missing = [p for p in files if not p.exists()]
    for p in missing:
        errors.append(SpecError(_where(p), "no such file or directory"))
    files = [p for p in files if p.exists()]
    library = load_run_library(files, codec, errors=errors)
    loaded = []
    for path in files:
        try:
            loaded.append(load_spec_file(path, library, errors=errors))
        except SpecError as err:
            errors.append(err)
    errors.extend(check_unique_ids(loaded))
    return _dedup(errors)


def _where(path: Path) -> Where:
    return Where(str(path), 0)


def _dedup(errors: list[SpecError]) -> list[SpecError]:
    seen = set()
    out = []
    for e in errors:
        key = (e.where.file, e.where.line, e.message)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def main(paths: Iterable[str | Path], codec: E2Codec | None = None, out: TextIO | None = None) -> int:
    """Print one block per problem; 0 when all specs are valid, 2 otherwise."""
    out = out or sys.stdout
    paths = list(paths)
    errors = validate_paths(paths, codec)
    for err in errors:
        print(err, file=out)
        print(file=out)
    files = sum(1 for p in yaml_files(paths) if not bundled.is_data_file(p))
    if errors:
        print(f"{len(errors)} problem(s) in {files} file(s)", file=out)
        return 2
    print(f"{files} file(s) valid", file=out)
    return 0
