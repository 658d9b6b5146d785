"""The ASN.1 module sets the harness knows, and drop-in folders.

A module set is every file needed to compile one protocol version (E2SM
modules need the E2SM common IEs beside them). Built-in sets live under
``harness/codec/asn1/<module>/<version>/``; a lab can point the harness at a
folder of official ASN.1 files of any version instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.codec.errors import Asn1SourceError

ASN1_ROOT = Path(__file__).parent / "asn1"

PROTOCOLS = ("e2ap", "e2sm-kpm", "e2sm-rc")

# (protocol, version) -> folders under ASN1_ROOT, dependencies first.
BUILTIN: dict[tuple[str, str], tuple[str, ...]] = {
    ("e2ap", "v03.01"): ("e2ap/v03.01",),
    ("e2ap", "v02.03"): ("e2ap/v02.03",),
    ("e2sm-kpm", "v03.00"): ("e2sm-common/v03.00", "e2sm-kpm/v03.00"),
    ("e2sm-kpm", "v02.03"): ("e2sm-common/v03.00", "e2sm-kpm/v02.03"),
    ("e2sm-rc", "v01.03"): ("e2sm-common/v03.00", "e2sm-rc/v01.03"),
}

DEFAULT_VERSIONS = {"e2ap": "v03.01", "e2sm-kpm": "v03.00", "e2sm-rc": "v01.03"}

_SUFFIXES = (".asn", ".asn1")
_WELL_KNOWN_ARCS = {"iso": 1, "identified-organization": 3, "dod": 6, "internet": 1,
                    "private": 4, "enterprise": 1}


@dataclass(frozen=True)
class ModuleSet:
    """The files of one protocol version."""

    protocol: str
    version: str
    files: tuple[Path, ...]

    @property
    def label(self) -> str:
        return f"{self.protocol} {self.version}"

    def hashes(self) -> dict[str, str]:
        """SHA-256 of every file, for reports that must say which ASN.1 was used."""
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in self.files}


def _files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())


def builtin(protocol: str, version: str | None = None) -> ModuleSet:
    """The built-in module set for a protocol version.

    Raises:
        Asn1SourceError: for an unknown protocol or version, listing the known ones.
    """
    version = version or DEFAULT_VERSIONS.get(protocol)
    folders = BUILTIN.get((protocol, version)) if version else None
    if version is None or folders is None:
        known = ", ".join(f"{p} {v}" for p, v in BUILTIN)
        raise Asn1SourceError(f"no built-in ASN.1 for {protocol} {version}; known: {known}")
    files: list[Path] = []
    for folder in folders:
        files.extend(_files_in(ASN1_ROOT / folder))
    return ModuleSet(protocol, version, tuple(files))


def versions(protocol: str) -> list[str]:
    return [v for p, v in BUILTIN if p == protocol]


def from_folder(folder: Path, protocol: str, version: str) -> ModuleSet:
    """A drop-in module set: every .asn/.asn1 file in ``folder`` (not recursive)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise Asn1SourceError(f"{folder}: not a folder of ASN.1 files")
    files = _files_in(folder)
    if not files:
        raise Asn1SourceError(f"{folder}: no .asn or .asn1 files")
    return ModuleSet(protocol, version, tuple(files))


@cache
def module_oids(files: tuple[Path, ...]) -> dict[str, str]:
    """Module name -> dotted OID, read from the module headers."""
    out: dict[str, str] = {}
    header = re.compile(r"([A-Za-z][\w-]*)\s*\{([^}]*)\}\s*DEFINITIONS")
    for path in files:
        text = re.sub(r"--.*?(--|$)", " ", path.read_text(encoding="utf-8", errors="replace"), flags=re.M)
        for name, body in header.findall(text):
            arcs = []
            for comp in body.split():
                m = re.fullmatch(r"[\w-]*\((\d+)\)|(\d+)", comp)
                if m:
                    arcs.append(m.group(1) or m.group(2))
                elif comp in _WELL_KNOWN_ARCS:
                    arcs.append(str(_WELL_KNOWN_ARCS[comp]))
            out[name] = ".".join(arcs)
    return out
