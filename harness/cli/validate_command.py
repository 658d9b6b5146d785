"""``oran-harness validate PATH...``: spec files and profiles, checked without running anything.

A YAML file is told apart by its top-level keys: `test_plan:`/`labs:` is a project file
(harness/report/project.py), `fronthaul:` a fronthaul lab profile, `mode:`/`adapter:` a lab
profile, `role:`/`vendor:` a DUT profile, `impairment:`+`rtt_ms:` a network path profile, anything
else a test spec. Profiles go through the
same loaders as `run` (harness/profiles/, harness/interfaces/cuplane/profile.py), so what
`validate` passes, `run` accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness import bundled
from harness.interfaces.cuplane.profile import load_fronthaul_profile
from harness.profiles.loader import load_dut, load_lab
from harness.profiles.paths import load_path
from harness.report.project import load_project
from harness.spec.errors import SourceError
from harness.spec.loader import yaml_files
from harness.spec.validate import validate_paths
from harness.spec.yamlload import load_file

LOADERS: dict[str, Callable[[Path], Any]] = {"fronthaul": load_fronthaul_profile, "lab": load_lab, "dut": load_dut,
                                             "project": load_project, "path": load_path}


def profile_kind(path: Path) -> str | None:
    """'dut', 'lab', 'fronthaul' or 'project' (a report's project file) for a profile, None for anything
    else (a spec, or unreadable)."""
    try:
        doc, _source = load_file(path, SourceError)
    except (SourceError, OSError):
        return None
    if not isinstance(doc, dict):
        return None
    if "test_plan" in doc or "labs" in doc:
        return "project"
    if "fronthaul" in doc and "mode" not in doc:
        return "fronthaul"
    if "mode" in doc or "adapter" in doc:
        return "lab"
    if "impairment" in doc and "rtt_ms" in doc:
        return "path"             # a network path profile (fixtures/profiles/paths, docs/resilience.md)
    if "role" in doc or "vendor" in doc:
        return "dut"
    return None


def validate(paths: list[Path]) -> int:
    """Print one block per problem; 0 when every file is valid, 2 otherwise."""
    files = [p for p in yaml_files(paths) if not bundled.is_data_file(p)]
    errors: list[SourceError] = []
    specs: list[Path] = []
    for path in files:
        kind = profile_kind(path) if path.is_file() else None
        if kind is None:
            specs.append(path)
            continue
        try:
            LOADERS[kind](path)
        except SourceError as err:
            errors.append(err)
    if specs:
        errors.extend(validate_paths(specs))
    for problem in errors:
        print(problem)
        print()
    if errors:
        print(f"{len(errors)} problem(s) in {len(files)} file(s)")
        return 2
    print(f"{len(files)} file(s) valid ({len(files) - len(specs)} profile(s))")
    return 0


def main(paths: list[str]) -> int:
    return validate([Path(p) for p in paths])
