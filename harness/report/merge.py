"""Merge several labs' results folders into one joint folder.

Layout written (re-readable: `report build JOINT` and `sources.expand` know it):
    JOINT/merged.json          provenance per source, conflicts, every result row tagged with its source
    JOINT/sources/<label>/     a byte-for-byte copy of each source folder (its MANIFEST.json and
                               MANIFEST.sig travel with it, so each stays verifiable)
    JOINT/report.html, .pdf    the joint report (written by the CLI)

A conflict is the same test case on the same DUT (vendor, model, software
version) with different verdicts in different sources; not-applicable rows are
not verdicts and never conflict. Sources are never modified.

Copying never follows a symlink: a symlink in a source (to a private key, to /etc) is
not copied and is named in the view's problems (printed as a warning); a device, FIFO or
socket is skipped the same way. Everything is written into a temporary folder beside
`out`, which takes its place only when complete: a failure leaves no half-written joint folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import tempfile
from dataclasses import asdict
from pathlib import Path

from harness.report.model_view import ReportView, build_view
from harness.report.sources import MERGED_FILE, ReportInputError, RunRecord, expand, load_run

FORMAT = "oran-harness-merged/1"


def _label(run: RunRecord, taken: set[str]) -> str:
    lab = run.meta.get("lab")
    lab = lab if isinstance(lab, dict) else {}
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{lab.get('name', 'lab')}-{lab.get('site', 'site')}-{run.path.name}")
    label, n = base[:80], 2
    while label in taken:
        label, n = f"{base[:76]}-{n}", n + 1
    taken.add(label)
    return label


def _check_out(out: Path, force: bool) -> None:
    if out.is_symlink():
        raise ReportInputError(f"{out}: is a symlink; choose a real folder")
    if out.exists() and any(out.iterdir()):
        if not (out / MERGED_FILE).exists():
            raise ReportInputError(f"{out}: exists and is not a merged folder; choose a new output folder")
        if not force:
            raise ReportInputError(f"{out}: holds an earlier merge; pass --force to replace it")


def copy_real_files(source: Path, target: Path, skipped: list[str]) -> None:
    """Copy the folders and regular files under `source`; symlinks and special files are named
    in `skipped` and left behind (never followed, so nothing outside `source` is read)."""
    target.mkdir(parents=True)
    for root, dirs, files in os.walk(source, followlinks=False):
        base, into = Path(root), target / Path(root).relative_to(source)
        for name in sorted(dirs + files):
            path = base / name
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode):
                (into / name).mkdir()
            elif stat.S_ISREG(mode):
                shutil.copy2(path, into / name, follow_symlinks=False)
            else:
                kind = "a symlink" if stat.S_ISLNK(mode) else "not a regular file"
                skipped.append(f"{path}: is {kind}; not copied (not followed out of the results folder)")


def _install(tmp: Path, out: Path) -> None:
    """Put the finished `tmp` in the place of `out` (an earlier merge there goes only now)."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def merge(paths: list[Path], out: Path, force: bool = False,
          trusted_keys: tuple[Path, ...] = ()) -> ReportView:
    """Copy the sources into `out`, write merged.json, and return the joint view (links inside `out`).

    Raises:
        ReportInputError: a source cannot be read, or `out` would overwrite something.
    """
    skipped: list[str] = []
    folders = expand(paths, skipped)
    resolved_out = out.resolve()
    for folder in folders:
        if resolved_out == folder.resolve() or folder.resolve() in resolved_out.parents:
            raise ReportInputError(f"{out}: is inside the source {folder}; choose a folder outside it")
    runs = [load_run(f) for f in folders]           # read everything before writing anything
    _check_out(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    labels = [_label(r, taken) for r in runs]
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        for run, label in zip(runs, labels, strict=True):
            copy_real_files(run.path, tmp / "sources" / label, skipped)
        _install(tmp, out)
    except OSError as err:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReportInputError(f"{err.filename or out}: cannot copy into the joint folder "
                               f"({err.strerror or err}); nothing was written") from None
    copies = [load_run(out / "sources" / label) for label in labels]
    view = build_view(copies, out, title="Joint O-RAN test report (merged)", labels=labels,
                      trusted_keys=trusted_keys, problems=tuple(skipped))
    write_merged_json(view, runs, out)
    return view


def write_merged_json(view: ReportView, originals: list[RunRecord], out: Path) -> Path:
    sources = []
    results = []
    for run_view, original in zip(view.runs, originals, strict=True):
        p = run_view.provenance
        by_line = {r.line: r for r in original.folder.rows}
        sources.append({"label": p.label, "original_folder": str(original.path), "copy": f"sources/{p.label}",
                        "lab": p.lab, "site": p.site, "operator": p.operator, "date": p.date,
                        "started": original.meta.get("started"), "harness": p.harness, "mode": p.mode,
                        "dut": {"vendor": p.dut_key[0], "model": p.dut_key[1], "sw_version": p.dut_key[2],
                                "role": p.dut_role},
                        "integrity": asdict(p.verification), "complete": original.summary is not None})
        for t in run_view.tests:
            row = dict(by_line[t.record.line].raw)
            for key in ("exchange", "pcap"):
                if isinstance(row.get(key), str):
                    row[key] = f"sources/{p.label}/{row[key]}"
            results.append({"source": p.label, **row})
    doc = {"format": FORMAT, "generated": view.generated, "sources": sources,
           "conflicts": [{"test": c.test_id, "dut": c.dut,
                          "verdicts": [{"source": s, "lab": w, "verdict": v} for s, w, v in c.verdicts]}
                         for c in view.conflicts],
           "results": results}
    path = out / MERGED_FILE
    tmp = path.with_name(MERGED_FILE + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path
