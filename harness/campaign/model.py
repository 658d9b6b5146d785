"""A campaign file, read strictly into frozen objects (every error names file:line).

    campaign: e2-restart-sim                 # a name (the campaign folder's default name)
    description: E2 restart under a long-haul path
    lab: ../profiles/lab-sim-resilience.yaml  # paths are relative to this file
    duts: [../profiles/dut-sim-e2-node-resilience.yaml]
    testcases: [../../testcases/resilience]  # spec files or folders, as `oran-harness run` takes them
    select: restart                          # optional: pytest -k over test case ids and titles
    link: e2                                 # the lab profile's link the impairments go on
    impairments:
      - none                                 # the clean path (the control)
      - submarine-long-haul                  # a path profile (fixtures/profiles/paths/)
      - {name: lossy-5pc, loss: 0.05}        # inline impairment fields, named
    repetitions: 3

Each impairment is the link's standing impairment for whole test cases: the campaign gives every
row a copy of the lab profile whose `links: <link>: impairment:` says it (harness/campaign/plan.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness import bundled
from harness.impair.model import NONE, Impairment, ImpairmentError, impairment_from
from harness.profiles.loader import load_lab
from harness.profiles.paths import lab_links, load_paths
from harness.spec.errors import ProfileError, SourceError
from harness.spec.reader import Node, did_you_mean
from harness.spec.yamlload import LList, load_file, plain

KEYS = ("campaign", "description", "lab", "duts", "testcases", "select", "link", "impairments", "repetitions")
MAX_REPETITIONS = 1000


class CampaignError(SourceError):
    """A campaign file that cannot be run; the text names file:line."""


@dataclass(frozen=True)
class CampaignImpairment:
    """One row of the matrix: what the link carries for whole test cases."""

    name: str                 # 'none', a path profile's name, or the inline row's name
    kind: str                 # 'none' | 'path-profile' | 'inline'
    impairment: Impairment
    setting: object           # what goes into the lab profile's links: <link>: impairment:

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "impairment": self.impairment.as_dict()}


@dataclass(frozen=True)
class Campaign:
    name: str
    description: str
    file: Path
    lab: Path
    duts: tuple[Path, ...]
    testcases: tuple[Path, ...]
    select: str | None
    link: str
    impairments: tuple[CampaignImpairment, ...]
    repetitions: int


def _path(node: Node, key: str, value: str, line: int, base: Path) -> Path:
    path = (base / value) if not Path(value).is_absolute() else Path(value)
    if not path.exists():
        raise node.error(line, f"'{key}': {value} does not exist (relative paths are read from {base})")
    return path


def _paths(node: Node, key: str, base: Path) -> tuple[Path, ...]:
    values = node.strings(key)
    if not values:
        raise node.error(node.value_line(key), f"'{key}' needs at least one path")
    raw = node.raw(key)
    return tuple(_path(node, key, v, raw.item_line(i) if isinstance(raw, LList) else node.value_line(key), base)
                 for i, v in enumerate(values))


def _impairments(node: Node, paths: dict[str, Impairment]) -> tuple[CampaignImpairment, ...]:
    raw = node.get("impairments", list, required=True)
    if not raw:
        raise node.error(node.value_line("impairments"), "'impairments' needs at least one row (none: the clean path)")
    out: list[CampaignImpairment] = []
    for i, item in enumerate(raw):
        line = raw.item_line(i) if isinstance(raw, LList) else node.value_line("impairments")
        if isinstance(item, str):
            if item == "none":
                out.append(CampaignImpairment("none", "none", NONE, "none"))
            elif item in paths:
                out.append(CampaignImpairment(item, "path-profile", paths[item], item))
            else:
                raise node.error(line, f"impairment '{item}' is neither none nor a path profile"
                                 f"{did_you_mean(item, paths)} (known: {', '.join(sorted(paths))}; "
                                 "or give {name: ..., <fields>} inline)")
            continue
        row = Node.of(item, node.source, line, f"impairment {i + 1}", cls=CampaignError)
        name = row.get("name", str, required=True)
        fields = {k: v for k, v in plain(row.data).items() if k != "name"}
        try:
            imp = impairment_from(fields, "impairment")
        except ImpairmentError as err:
            key = next((k for k in fields if f"'{k}'" in str(err) or str(err).startswith(f"impairment: {k} ")
                        or f" {k} " in f" {err} "), "name")
            raise row.error(row.key_line(key), str(err)) from None
        if name == "none" or name in paths:
            raise row.error(row.value_line("name"), f"name '{name}' is taken by a path profile or none: "
                            "give the inline row its own name")
        out.append(CampaignImpairment(name, "inline", imp, fields))
    seen: set[str] = set()
    for i, row_ in enumerate(out):
        if row_.name in seen:
            raise node.error(raw.item_line(i) if isinstance(raw, LList) else node.line,
                             f"impairment '{row_.name}' appears twice")
        seen.add(row_.name)
    return tuple(out)


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign file (and that its lab profile has the link it names).

    Raises:
        CampaignError: at file:line, saying what is wrong (a typo gets a did-you-mean).
    """
    path = Path(path)
    data, source = load_file(path, CampaignError)
    node = Node.of(data, source, 1, "campaign", cls=CampaignError)
    node.only(KEYS)
    base = path.resolve().parent
    name = node.get("campaign", str, required=True)
    lab = _path(node, "lab", node.get("lab", str, required=True), node.value_line("lab"), base)
    duts = _paths(node, "duts", base)
    testcases = _paths(node, "testcases", base)
    select = node.get("select", str)
    link = node.get("link", str, required=True)
    try:
        lab_profile = load_lab(lab)
    except ProfileError as err:
        raise node.error(node.value_line("lab"), f"lab profile: {err}") from None
    links = lab_profile.links
    if link not in links:
        known = ", ".join(sorted(links)) or "none: add links: to the lab profile (docs/resilience.md)"
        raise node.error(node.value_line("link"), f"link '{link}' is not in the lab profile's links"
                         f"{did_you_mean(link, links)} (known: {known})")
    repetitions = node.get("repetitions", int, 1)
    if not 1 <= repetitions <= MAX_REPETITIONS:
        raise node.error(node.value_line("repetitions"), f"'repetitions' is {repetitions}: give 1 to {MAX_REPETITIONS}")
    paths = load_paths(bundled.path_profiles_dir())
    rows = _impairments(node, paths)
    run_links = lab_links(lab_profile, paths)
    for i, row in enumerate(rows):
        why = run_links.problem(link, row.impairment) if row.kind != "none" else ""
        if why:
            raw = node.raw("impairments")
            raise node.error(raw.item_line(i) if isinstance(raw, LList) else node.line,
                             f"impairment '{row.name}': {why}")
    return Campaign(name, node.get("description", str, ""), path, lab, duts, testcases, select, link, rows,
                    repetitions)
