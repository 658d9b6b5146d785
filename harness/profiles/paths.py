"""Named network path profiles (fixtures/profiles/paths/*.yaml) and the lab's links, checked before a run.

A path profile is a typical path with its source: a name, an RTT, where the figure comes
from, and the `impairment:` fields (harness/impair/model.py) that produce it. Loading is
strict (unknown keys, a missing source, a bad value: ProfileError at file:line). `lab_links`
builds the run-time links of a lab profile with every bundled path profile;
`check_steps` refuses, before anything runs, a step naming a link the lab lacks, a path
profile that does not exist or a mechanism that cannot act on this host.
"""

from __future__ import annotations

from pathlib import Path

from harness import bundled
from harness.impair.links import LabLinks, LinkSpec
from harness.impair.model import Impairment, ImpairmentError, impairment_from
from harness.profiles.model import LabProfile
from harness.profiles.schema import parse_address
from harness.spec.errors import ProfileError, SpecError
from harness.spec.impair_steps import ImpairStep, impair_steps
from harness.spec.reader import Node
from harness.spec.yamlload import load_file, plain

def paths_dir() -> Path:
    """The bundled path profiles (``fixtures/profiles/paths/`` in the checkout)."""
    return bundled.path_profiles_dir()


def load_path(path: str | Path) -> tuple[str, Impairment, dict]:
    """(name, impairment, {description, rtt_ms, source}) of one path profile.

    Raises:
        ProfileError: at file:line.
    """
    data, source = load_file(Path(path), ProfileError)
    node = Node.of(data, source, 1, "path profile", cls=ProfileError)
    node.only(["name", "description", "rtt_ms", "source", "impairment"])
    name = node.get("name", str, required=True)
    if Path(path).stem != name:
        raise node.error(node.value_line("name"), f"path profile '{name}' must be in a file named {name}.yaml")
    src = Node.of(node.required("source"), source, node.value_line("source"), "source", cls=ProfileError)
    src.only(["reference", "url"])
    info = {"description": node.get("description", str, ""), "rtt_ms": node.get("rtt_ms", float, required=True),
            "source": {"reference": src.get("reference", str, required=True).strip(), "url": src.get("url", str, "")}}
    imp_node = Node.of(node.required("impairment"), source, node.value_line("impairment"), "impairment",
                       cls=ProfileError)
    try:
        imp = impairment_from(plain(imp_node.data), "impairment")
    except ImpairmentError as err:
        key = next((k for k in imp_node.data if f"'{k}'" in str(err) or f" {k} " in f" {err} "),
                   next(iter(imp_node.data), "impairment"))
        raise imp_node.error(imp_node.key_line(key), str(err)) from None
    return name, imp, info


def load_paths(folder: Path | None = None) -> dict[str, Impairment]:
    """Every path profile of ``folder`` (default: the bundled ones), name -> Impairment."""
    folder = folder or paths_dir()
    return {name: imp for name, imp, _ in (load_path(p) for p in sorted(folder.glob("*.yaml")))}


def lab_links(lab: LabProfile, paths: dict[str, Impairment] | None = None) -> LabLinks:
    """The run-time links of ``lab`` (not started: relays start on first use or `start()`)."""
    specs = {name: LinkSpec.from_dict(name, d, parse_address) for name, d in lab.links.items()}
    return LabLinks(specs, load_paths() if paths is None else paths)


def check_steps(steps: tuple, links: LabLinks | None) -> None:
    """Refuse, before the run, an impairment step that cannot act here.

    Raises:
        SpecError: at the step's file:line, saying why (unknown link or path profile, a mechanism
            that cannot act on this host, loss on a TCP relay).
    """
    for step in impair_steps(steps):
        at = step.where
        if links is None or not links.specs:
            raise SpecError(at, f"{step.kind} on link '{step.link}': the lab profile has no links: "
                            "(name the link and its mechanism there, docs/resilience.md)")
        imp = None
        if isinstance(step, ImpairStep):
            if step.profile is not None and step.profile not in links.paths:
                raise SpecError(at, f"unknown path profile '{step.profile}' "
                                f"(known: {', '.join(sorted(links.paths))})")
            imp = links.paths[step.profile] if step.profile is not None else step.impairment
        action = "impair" if isinstance(step, ImpairStep) else "flap"
        why = links.problem(step.link, imp, action=action)
        if why:
            raise SpecError(at, f"{step.kind}: {why}")
