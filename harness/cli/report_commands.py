"""``oran-harness report build`` and ``report merge``: the joint HTML + PDF report.

Also hosts the other ``report`` subcommands when their modules are installed
(integrity: keygen/sign/verify; export). Input problems that do not stop the
report (a bad value or file in one test's evidence, a symlink skipped) are printed as one
``warning:`` line each and shown in the report, and the exit status stays 0; a folder that
cannot be read is one ``error:`` line and exit status 2.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

from harness.core.terminal import safe
from harness.report import html, pdf
from harness.report.merge import merge as merge_folders
from harness.report.model_view import build_view
from harness.report.sources import ReportInputError, expand, load_run


def register(subparsers) -> None:
    r = subparsers.add_parser("report", help="joint reports from results folders: build, merge"
                                             " (and integrity, export when installed)")
    rsub = r.add_subparsers(dest="report", required=True)
    b = rsub.add_parser("build", help="one self-contained HTML report (and PDF) from results folders")
    b.add_argument("results", nargs="+", type=Path, metavar="RESULTS",
                   help="results folders (a multi-DUT run's parent folder or a merged folder also work)")
    _common(b, "report file (.html) or folder (default report.html in the current folder)")
    b.set_defaults(handler=build)
    m = rsub.add_parser("merge", help="merge several labs' results into a joint folder with a joint report")
    m.add_argument("results", nargs="+", type=Path, metavar="LAB_RESULTS")
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
    for problem in view.problems:
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


def build(args) -> int:
    html_path, pdf_path = _targets(args.output)
    skipped: list[str] = []
    try:
        runs = [load_run(p) for p in expand(args.results, skipped)]
    except ReportInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    view = build_view(runs, html_path.parent, trusted_keys=tuple(args.trust), problems=tuple(skipped))
    _summary(view)
    return _write(view, html_path, None if args.no_pdf else pdf_path)


def merge(args) -> int:
    try:
        view = merge_folders(args.results, args.output, force=args.force, trusted_keys=tuple(args.trust))
    except ReportInputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"merged {len(view.runs)} source(s) into {args.output} (merged.json, sources/)")
    _summary(view)
    return _write(view, args.output / "report.html", None if args.no_pdf else args.output / "report.pdf")
