"""The joint report as PDF, through WeasyPrint, from a dedicated print template.

Theory of operation: the PDF is a document for reviewers, not a copy of the
HTML. `report.pdf.j2` keeps the HTML's front matter (provenance, integrity,
summary, DUT, equipment, ASN.1 hashes, PICS/PIXIT, selection, matrix,
conflicts, verdict chart) and gives each test case a few flat paragraphs
(verdict, findings with clauses, evidence file names). What made the old print
layout slow was measured with cProfile on WeasyPrint 70 (docs/reports.md):
drawing inline SVG text (every <text> is a Pango layout) and automatic table
layout (every cell measured twice); so message sequence charts are drawn only
where they say something (`charted`: every test that did not pass, plus the
first `msc_per_run` of each run) and tables use fixed layout.

WeasyPrint is given a url_fetcher that refuses everything, so a hostile string
can never make it fetch a file or URL while rendering.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import LabError
from harness.report.html import KNOWN_VERDICTS, environment
from harness.report.model_view import ReportView, TestView
from harness.report.sources import TestRecord

CHARTED_VERDICTS = frozenset({"FAIL", "INCONC", "ERROR", "NONE"})


class PdfUnavailable(LabError):
    """WeasyPrint (or its system libraries) cannot be loaded."""


@dataclass(frozen=True)
class PdfOptions:
    """What the print edition shows beyond the compact per-test blocks.

    msc_per_run: message sequence charts of passing tests drawn per run (the first
        ones in run order); tests that did not pass always get theirs.
    """

    msc_per_run: int = 3


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"the report loads no external resource ({url[:60]})")


def charted(view: ReportView, options: PdfOptions) -> frozenset[str]:
    """Anchors of the tests whose message sequence chart goes into the PDF."""
    chosen: set[str] = set()
    for run in view.runs:
        passing = 0
        for t in run.tests:
            if not t.record.applicable or not t.msc_svg:
                continue
            if t.record.verdict in CHARTED_VERDICTS or t.record.verdict not in KNOWN_VERDICTS:
                chosen.add(t.anchor)
            elif passing < options.msc_per_run:
                chosen.add(t.anchor)
                passing += 1
    return frozenset(chosen)


def evidence_names(record: TestRecord, test: TestView) -> str:
    """The evidence files of a test as one short line (folder once, then file names)."""
    files = [name for name, ok in ((record.pcap, test.pcap_link), (record.exchange, test.exchange_link))
             if name and ok]
    folders = {posixpath.dirname(f) for f in files}
    if len(files) > 1 and len(folders) == 1:
        text = f"{folders.pop()}/: " + ", ".join(posixpath.basename(f) for f in files)
    else:
        text = ", ".join(files) or "no capture, no exchange file"
    if not test.pcap_link and test.exchange_link:
        text += " (no capture)"
    return text + (f" \u00b7 {len(test.messages)} messages" if test.messages else "")


def flagged(test: TestView) -> frozenset[int]:
    """Message numbers cited by a finding that is not PASS, or carrying a decode error (drawn red)."""
    cited = {i for f in test.record.findings if f.verdict not in ("PASS", "NONE") for i in f.evidence}
    return frozenset(cited | {m.index for m in test.messages if m.error is not None})


def render(view: ReportView, options: PdfOptions = PdfOptions()) -> str:
    """The print edition's HTML text (what WeasyPrint lays out)."""
    template = environment().get_template("report.pdf.j2")
    return template.render(view=view, known_verdicts=KNOWN_VERDICTS, charted=charted(view, options),
                           msc_per_run=options.msc_per_run, evidence_names=evidence_names,
                           flagged=flagged)


def write(view: ReportView, out: Path, options: PdfOptions = PdfOptions()) -> Path:
    """Write the PDF to `out` (through a temporary file, so a crash leaves no half PDF).

    Raises:
        PdfUnavailable: WeasyPrint or its system libraries cannot be loaded.
    """
    try:
        from weasyprint import HTML  # noqa: PLC0415 - optional at run time: its system libraries may be missing; slow to load
    except (ImportError, OSError) as err:
        raise PdfUnavailable(f"WeasyPrint cannot be loaded: {err}") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    HTML(string=render(view, options), base_url=str(out.parent.resolve()) + "/",
         url_fetcher=_no_fetch).write_pdf(tmp)
    tmp.replace(out)
    return out
