"""The data the harness ships with, read as package data (importlib.resources).

Theory of operation: the checkout keeps the design card's layout, top-level
``specs/`` (message templates, step groups, the PICS catalogue, A1 policy
types), ``testcases/`` (the E2TS, A1TS and WG4 CONF suites) and
``fixtures/profiles/`` (the simulator DUT and lab profiles) and ``fixtures/yang/`` (the
simulated O-RU's YANG modules). This package holds
one symlink to each, so the wheel carries copies (setuptools follows the links
when it builds) and an editable install reads the checkout through the same
names. Nothing at run time computes a path into the checkout: every bundled
file is reached from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

from harness.core.errors import LabError


class BundledDataError(LabError):
    """The installed package lacks a data file it ships with (a broken or zipped install)."""


def _folder(name: str) -> Path:
    """A bundled folder as a real path; a wheel installs unzipped, so files() is one."""
    found = files(__name__) / name
    if not isinstance(found, Path) or not found.is_dir():
        raise BundledDataError(f"harness.bundled/{name}: missing from the installed package "
                               "(reinstall oran-harness; it must be installed unzipped)")
    return found.resolve()          # in a checkout: specs/, not harness/bundled/specs, in every message


def specs_dir() -> Path:
    """The bundled interface specifications (``specs/`` in the checkout)."""
    return _folder("specs")


def templates_dir() -> Path:
    """The bundled message templates and step groups, always part of a run's spec library."""
    return specs_dir() / "templates"


def testcases_dir() -> Path:
    """The bundled test cases (``testcases/`` in the checkout): what runs when no path is named."""
    return _folder("testcases")


def pics_file() -> Path:
    """The PICS catalogue: every item a DUT profile may declare."""
    return specs_dir() / "pics" / "pics.yaml"


def policy_types_dir() -> Path:
    """The sample A1 policy types (``<policyTypeId>.json``) the built-in Near-RT RIC serves."""
    return specs_dir() / "a1" / "policy-types"


def yang_dir() -> Path:
    """The YANG modules the built-in O-RU simulator announces and serves (``fixtures/yang/``): reduced
    subsets written for the tests, not the O-RAN ALLIANCE models (docs/LICENSES.md)."""
    return _folder("yang")


def path_profiles_dir() -> Path:
    """The named network path profiles of the impairment steps (``fixtures/profiles/paths/``)."""
    return _folder("profiles") / "paths"


def profile(name: str) -> Path:
    """A bundled DUT or lab profile by file name, e.g. ``dut-sim-e2-node.yaml``."""
    path = _folder("profiles") / name
    if not path.is_file():
        raise BundledDataError(f"no bundled profile {name!r} (see harness/bundled/profiles)")
    return path


def is_data_file(path: Path) -> bool:
    """A bundled file that is data, not a spec (the PICS catalogue): never read as a spec file."""
    real = Path(path).resolve()
    return real.is_relative_to(specs_dir()) and not real.is_relative_to(templates_dir())


def library_files(extra: Path | Iterable[Path] = ()) -> list[Path]:
    """The YAML files a run's spec library is read from: the bundled templates and groups,
    then those under ``extra`` (a user's folders or files), each file once however reached."""
    roots = [extra] if isinstance(extra, (str, Path)) else list(extra)
    out: dict[Path, Path] = {}
    for root in [templates_dir(), *roots]:
        root = Path(root)
        found = sorted(p for p in root.rglob("*.y*ml") if p.is_file()) if root.is_dir() else [root]
        for path in found:
            if not is_data_file(path):
                out.setdefault(path.resolve(), path)
    return [p for p in out.values() if p.exists()]
