"""``oran-harness report build`` and ``report merge``: the joint HTML + PDF report.

Also hosts the other ``report`` subcommands when their modules are installed
(integrity: keygen/sign/verify; export). Input problems that do not stop the
report (a bad value or file in one test's evidence, a symlink skipped) are printed as one
``warning:`` line each and shown in the report, and the exit status stays 0; a folder that
cannot be read is one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import time
from pathlib import Path

from harness.core.terminal import safe
from harness.report import bundle, html, pdf
from harness.report.merge import merge as merge_folders
from harness.report.model_view import build_view
from harness.report.project import PROJECT_FILE, Project, find_project, load_project
from harness.report.sources import ReportInputError, expand, load_run
from harness.spec.errors import ProfileError


def register(subparsers) -> None:
    r = subparsers.add_parser("report", help="joint reports from results folders: build, merge"
                                             " (and integrity, export when installed)")
    rsub = r.add_subparsers(dest="report", required=True)
    b = rsub.add_parser("build", help="one self-contained HTML report (and PDF) from results folders")
    b.add_argument("results", nargs="+", type=Path, metavar="RESULTS",
                   help="results folders (a multi-DUT run's parent folder or a merged folder also work)")
    _common(b, "report file (.html) or folder (default report.html in the current folder)")
    b.add_argument("--project", type=Path, metavar="FILE",
                   help=f"project file (YAML: name, test_plan, labs; docs/reports.md); default: a {PROJECT_FILE} "
                        "in the first results folder, if there is one")
    b.add_argument("--bundle", type=Path, metavar="OUT",
                   help="write a shareable bundle instead: a folder (or OUT.zip) with the report, the results "
                        "folders it links to and a MANIFEST.json; every link resolves inside it")
    b.set_defaults(handler=build)
    m = rsub.add_parser("merge", help="merge several labs' results into a joint folder with a joint report")
    m.add_argument("results", nargs="+", type=Path, metavar="LAB_RESULTS",
                   help="each lab's results folder")
    _common(m, "the joint folder to create", required=True)
    m.add_argument("--force", action="store_true", help="replace an earlier merge in the same folder")
    m.set_defaults(handler=merge)
    for module, function in (("harness.cli.integrity_commands", "register"),
                             ("harness.cli.report_export", "register_export")):
        try:
            getattr(importlib.import_module(module), function)(rsub)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise


def _common(p, output_help: str, required: bool = False) -> None:
    p.add_argument("-o", "--output", type=Path, required=required, help=output_help)
    p.add_argument("--no-pdf", action="store_true", help="write only the HTML")
    p.add_argument("--trust", type=Path, action="append", default=[], metavar="PUB",
                   help="a trusted PEM public key for the integrity check (repeatable)")


def _targets(output: Path | None) -> tuple[Path, Path]:
    out = output or Path("report.html")
    if out.suffix.lower() not in (".html", ".htm"):
        out = out / "report.html"
    return out, out.with_suffix(".pdf")


def _write(view, html_path: Path, pdf_path: Path | None) -> int:
    for problem in view.local_problems or view.problems:     # the console names local paths; the report not
        print(f"warning: {safe(problem)}", file=sys.stderr)
    t0 = time.perf_counter()
    html.write(view, html_path)
    print(f"HTML {html_path} ({html_path.stat().st_size / 1e6:.2f} MB, {time.perf_counter() - t0:.1f} s)")
    if pdf_path is None:
        return 0
    t0 = time.perf_counter()
    try:
        pdf.write(view, pdf_path)
    except pdf.PdfUnavailable as err:
        print(f"error: {err}; the HTML report was written", file=sys.stderr)
        return 2
    print(f"PDF  {pdf_path} ({pdf_path.stat().st_size / 1e6:.2f} MB, {time.perf_counter() - t0:.1f} s)")
    return 0


def _summary(view) -> None:
    for run in view.runs:
        c, p = run.certification, run.provenance
        required = "all mandatory and applicable conditional passed" if c.all_required_passed else \
            "NOT all mandatory and applicable conditional passed"
        print(f"  {p.label}: {p.dut} at {p.lab}/{p.site}: {c.passed}/{c.executed} passed, {c.failed} failed; "
              f"{required}; integrity {p.verification.state}")
    if len(view.runs) > 1:
        print(f"  conflicts: {len(view.conflicts)}")


def _project(args, folders: list[Path]) -> Project | None:
    """--project FILE, else the results folder's own project.yaml, else none.

    Raises:
        ProfileError: the project file is wrong (file:line).
    """
    path = getattr(args, "project", None) or find_project(folders)
    return load_project(path) if path is not None else None


def build(args) -> int:
    if getattr(args, "bundle", None) is not None:
        return build_bundle(args)
    html_path, pdf_path = _targets(args.output)
    skipped: list[str] = []
    try:
        folders = expand(args.results, skipped)
        runs = [load_run(p) for p in folders]
        project = _project(args, folders)
    except (ReportInputError, ProfileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    view = build_view(runs, html_path.parent, trusted_keys=tuple(args.trust), problems=tuple(skipped),
                      project=project, campaign_folders=tuple(Path(p) for p in args.results))
    _summary(view)
    return _write(view, html_path, None if args.no_pdf else pdf_path)


def build_bundle(args) -> int:
    """The report and its evidence in one folder or zip (harness.report.bundle)."""
    out: Path = args.bundle
    skipped: list[str] = []
    try:
        folders = expand(args.results, skipped)
        runs = [load_run(p) for p in folders]
        project = _project(args, folders)
        staged = bundle.workspace(out)
    except (ReportInputError, ProfileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        copies, labels, not_copied = bundle.stage(runs, staged)
        view = build_view(copies, staged, labels=labels, trusted_keys=tuple(args.trust),
                          problems=tuple(skipped + not_copied), project=project)
        _summary(view)
        status = _write(view, staged / "report.html", None if args.no_pdf else staged / "report.pdf")
        if status:
            return status
        bundle.finish(staged, out)
    except (ReportInputError, OSError) as err:
        print(f"error: {err}; no bundle was written", file=sys.stderr)
        return 2
    finally:
        if staged.exists():
            shutil.rmtree(staged, ignore_errors=True)
    print(f"bundle {out} (report.html{'' if args.no_pdf else ', report.pdf'}, {len(copies)} results folder(s), "
          "MANIFEST.json)")
    return 0


def merge(args) -> int:
    try:
        view = merge_folders(args.results, args.output, force=args.force, trusted_keys=tuple(args.trust))
    except ReportInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"merged {len(view.runs)} source(s) into {args.output} (merged.json, sources/)")
    _summary(view)
    return _write(view, args.output / "report.html", None if args.no_pdf else args.output / "report.pdf")
