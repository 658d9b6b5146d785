"""The project a report belongs to: name, test plan, participating labs (a project YAML file).

A joint interoperability project puts its own name, test plan and labs on the report instead
of the harness's. The file is checked like the profiles (harness.profiles.schema): an unknown
key, a wrong type or a country that is not ISO 3166 alpha-2 is a `ProfileError` naming
file:line and the key, never a traceback. `report build --project FILE` names it; without the
option a results folder may carry one as ``project.yaml`` (PROJECT_FILE).

    name: Joint E2 interoperability campaign 2026     # required
    test_plan: JIP-E2-TP v1.2                         # the plan the runs follow
    description: E2 nodes of three vendors against two Near-RT RICs
    labs:
      - name: lab-berlin                              # required; matches the lab profile's name
        organisation: Example Lab GmbH
        country: DE
        sites: [Berlin]
        operators: [A. Operator]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.profiles.schema import STR, Key, check, mapping, strings
from harness.spec.errors import ProfileError
from harness.spec.yamlload import LDict, LList, load_file

PROJECT_FILE = "project.yaml"

LAB = mapping(name=STR, organisation=STR, country=STR, sites=strings(), operators=strings())
PROJECT_SCHEMA: dict[str, Key] = {"name": STR, "test_plan": STR, "description": STR,
                                  "labs": Key((list,), item=LAB)}


@dataclass(frozen=True)
class ProjectLab:
    name: str
    organisation: str = ""
    country: str = ""
    sites: tuple[str, ...] = ()
    operators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    name: str
    test_plan: str = ""
    description: str = ""
    labs: tuple[ProjectLab, ...] = ()
    source: str = ""               # the file's name (never its absolute path: reports are shared)


def load_project(path: str | Path) -> Project:
    """Read and check a project file.

    Raises:
        ProfileError: with file:line, the key and the offending line.
    """
    doc, source = load_file(path, ProfileError)
    if not isinstance(doc, LDict):
        raise source.error(1, "a project file is a mapping (name:, test_plan:, labs:)", cls=ProfileError)
    check(doc, PROJECT_SCHEMA, source, what="project file")
    if not doc.get("name"):
        raise source.error(doc.line or 1, "the project has no 'name'", cls=ProfileError)
    labs = []
    items = doc.get("labs") or LList()
    for i, lab in enumerate(items):
        line = items.item_line(i) if isinstance(items, LList) else 1
        if not lab.get("name"):
            raise source.error(line, f"labs[{i}] has no 'name'", cls=ProfileError)
        country = str(lab.get("country", ""))
        if country and not (len(country) == 2 and country.isalpha() and country.isupper()):
            raise source.error(lab.value_line("country"), f"labs[{i}].country '{country}' is not an ISO 3166 "
                               "alpha-2 code (e.g. DE)", cls=ProfileError)
        labs.append(ProjectLab(str(lab["name"]), str(lab.get("organisation", "")), country,
                               tuple(str(s) for s in lab.get("sites", ())),
                               tuple(str(s) for s in lab.get("operators", ()))))
    return Project(str(doc["name"]), str(doc.get("test_plan", "")), str(doc.get("description", "")),
                   tuple(labs), Path(path).name)


def find_project(folders: list[Path]) -> Path | None:
    """The first results folder's own project file (a regular file, never through a symlink)."""
    for folder in folders:
        candidate = Path(folder) / PROJECT_FILE
        if candidate.is_file() and not candidate.is_symlink():
            return candidate
    return None
