"""The joint report as PDF, through WeasyPrint.

The PDF is rendered from the same template in print layout (pdf=True): PICS
and PIXIT as tables, and no decoded message bodies, which would make a
1,000-test PDF thousands of pages; it points to the HTML and exchange files
for them. WeasyPrint is given a url_fetcher that refuses everything, so a
hostile string can never make it fetch a file or URL while rendering.
"""

from __future__ import annotations

from pathlib import Path

from harness.report.html import render
from harness.report.model_view import ReportView


class PdfUnavailable(Exception):
    """WeasyPrint (or its system libraries) cannot be loaded."""


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the report loads no external resource ({url[:60]})")


def write(view: ReportView, out: Path) -> Path:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as err:
        raise PdfUnavailable(f"WeasyPrint cannot be loaded: {err}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    HTML(string=render(view, pdf=True), base_url=str(out.parent.resolve()) + "/",
         url_fetcher=_no_fetch).write_pdf(tmp)
    tmp.replace(out)
    return out
