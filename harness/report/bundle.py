"""A shareable report bundle: one folder (or .zip) whose every link resolves inside it.

A report mailed to another lab alone has dead evidence links (they point into the results
folders of the machine that built it). ``report build --bundle OUT`` writes instead:

    OUT/report.html, report.pdf     the report, its links relative to OUT
    OUT/results/<label>/            a copy of each results folder (regular files only: a
                                    symlink is never followed), with its own MANIFEST.json
                                    and MANIFEST.sig, so each stays verifiable
    OUT/MANIFEST.json               SHA-256 of every file of the bundle (harness.integrity)

OUT ending in ``.zip`` gives the same tree in a zip archive. The folder is assembled beside
OUT and takes its place only when complete; an existing non-empty OUT is refused.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from pathlib import Path

from harness import integrity
from harness.report.merge import copy_real_files
from harness.report.sources import ReportInputError, RunRecord, load_run

RESULTS = "results"


def _labels(runs: list[RunRecord]) -> list[str]:
    taken: set[str] = set()
    out = []
    for run in runs:
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", run.path.name)[:80] or "run"
        label, n = base, 2
        while label in taken:
            label, n = f"{base}-{n}", n + 1
        taken.add(label)
        out.append(label)
    return out


def _check_out(out: Path) -> None:
    if out.is_symlink():
        raise ReportInputError(f"{out}: is a symlink; choose a real path for the bundle")
    if out.suffix.lower() == ".zip":
        if out.exists():
            raise ReportInputError(f"{out}: exists; choose a new archive name")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReportInputError(f"{out}: exists and is not an empty folder; choose a new bundle folder")


def stage(runs: list[RunRecord], into: Path) -> tuple[list[RunRecord], list[str], list[str]]:
    """Copy each run into ``into/results/<label>``; the runs read back from the copies, their
    labels, and the files skipped (symlinks, special files)."""
    labels = _labels(runs)
    skipped: list[str] = []
    for run, label in zip(runs, labels, strict=True):
        copy_real_files(run.path, into / RESULTS / label, skipped)
    return [load_run(into / RESULTS / label) for label in labels], labels, skipped


def finish(staged: Path, out: Path) -> Path:
    """Seal the staged folder with a manifest and put it (or its zip) in place of ``out``."""
    integrity.write_manifest(staged)
    if out.suffix.lower() == ".zip":
        tmp = out.with_name(f".{out.name}.tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(p for p in staged.rglob("*") if p.is_file()):
                archive.write(path, path.relative_to(staged).as_posix())
        tmp.replace(out)
        shutil.rmtree(staged, ignore_errors=True)
        return out
    if out.exists():
        out.rmdir()                     # empty (checked up front)
    staged.rename(out)
    return out


def workspace(out: Path) -> Path:
    """A fresh folder beside ``out`` to assemble the bundle in (checked: ``out`` may be written)."""
    _check_out(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.stem}.bundle-", dir=out.parent))
