"""The DUTs of one run, and how a pytest node id says which DUT an item belongs to.

With several ``--dut`` profiles every test case is collected once per DUT and its
node id ends in ``[<dut key>]`` (the profile's file stem, which also names the
DUT's results subfolder). The xdist scheduler sees only node ids, so the DUT must
be readable from the node id alone; `dut_of` is the one place that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import UserError

SPEC_SUFFIXES = (".yaml", ".yml")


class DutPlanError(UserError):
    """The DUT list of a run cannot work (same key twice); the text says which profiles."""


@dataclass(frozen=True)
class DutSlot:
    """One DUT of a run: its key, its profile, its lab and where its results go."""

    key: str                 # the profile's stem: node id suffix and results subfolder
    profile: Path
    lab: Path
    results: Path | None     # None: results are not written


def plan_duts(profiles: list[Path], lab: Path, results: Path | None,
              labs: dict[str, Path] | None = None) -> tuple[DutSlot, ...]:
    """The DUT slots of a run: one DUT writes to ``results``, several to ``results/<key>``.

    Args:
        profiles: the DUT profiles in the order given.
        lab: the lab profile for every DUT without its own.
        results: the results folder of the run, or None.
        labs: DUT key -> its own lab profile (each live DUT needs its own addresses).

    Raises:
        DutPlanError: two profiles share a file stem, the same profile is given twice, or a
            per-DUT lab names no DUT of the run.
    """
    labs = dict(labs or {})
    slots: list[DutSlot] = []
    seen: dict[str, Path] = {}
    for profile in profiles:
        key = Path(profile).stem
        if key in seen:
            same = Path(profile).resolve() == seen[key].resolve()
            raise DutPlanError(
                f"--dut {profile}: {'given twice' if same else f'has the same file name as {seen[key]}'}; "
                "a DUT takes one test case at a time and its results folder is named after the file stem"
                + ("" if same else ", so rename one of them"))
        seen[key] = Path(profile)
        out = None if results is None else (Path(results) if len(profiles) == 1 else Path(results) / key)
        slots.append(DutSlot(key, Path(profile), Path(labs.pop(key, lab)), out))
    if labs:
        raise DutPlanError(f"--dut-lab {', '.join(sorted(labs))}: no --dut profile with that file stem "
                           f"(the DUTs are {', '.join(s.key for s in slots)})")
    return tuple(slots)


def parse_dut_labs(values: list[str]) -> dict[str, Path]:
    """``KEY=LAB`` pairs of ``--dut-lab`` as a mapping.

    Raises:
        DutPlanError: a value without '='.
    """
    out: dict[str, Path] = {}
    for value in values:
        key, sep, lab = value.partition("=")
        if not sep or not key or not lab:
            raise DutPlanError(f"--dut-lab {value}: expected DUT=LAB, e.g. dut-sim-e2-node=lab-a.yaml")
        out[key] = Path(lab)
    return out


def item_name(test_id: str, slot: DutSlot, multi: bool) -> str:
    """The pytest name of one test case on one DUT (unchanged when the run has a single DUT)."""
    return f"{test_id}[{slot.key}]" if multi else test_id


def dut_of(nodeid: str) -> str | None:
    """The scheduling group of a node id: 'dut:<key>' for a spec item, else its file.

    A spec item of a single-DUT run has no suffix: all of them are the one DUT ('dut:').
    Python tests are grouped by file, as xdist's loadfile does.
    """
    path, sep, name = nodeid.partition("::")
    if not path.endswith(SPEC_SUFFIXES):
        return None
    if name.endswith("]") and "[" in name:
        return "dut:" + name[name.rindex("[") + 1:-1]
    return "dut:"


def scope_of(nodeid: str) -> str:
    """The work unit a node id belongs to: its DUT for spec items, its file otherwise."""
    return dut_of(nodeid) or "file:" + nodeid.partition("::")[0]
