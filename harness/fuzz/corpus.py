"""The regression corpus: inputs that once broke a parser, kept in fixtures/fuzz/<target>/.

File name ``<label>__<sha256 prefix>.bin``: the label says how the target
reads the bytes (an ASN.1 type, a seed file name), so a case replays
exactly; labels with '/' are stored with '+'.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from harness.fuzz.targets import CORPUS, Case


def path_for(target: str, case: Case, root: Path = CORPUS) -> Path:
    digest = hashlib.sha256(case.data).hexdigest()[:16]
    return root / target / f"{case.label.replace('/', '+')}__{digest}.bin"


def save(target: str, case: Case, root: Path = CORPUS) -> Path:
    path = path_for(target, case, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.data)
    return path


def load(target: str, root: Path = CORPUS) -> list[tuple[Path, Case]]:
    folder = root / target
    out = []
    for p in sorted(folder.glob("*.bin")) if folder.is_dir() else ():
        label = p.stem.rsplit("__", 1)[0].replace("+", "/")
        out.append((p, Case(label, p.read_bytes())))
    return out
