"""Render the joint report as one self-contained HTML file.

Jinja2 with autoescape always on (not chosen by file extension), StrictUndefined
so a template typo fails loudly, templates shipped as package data. The page
carries a Content-Security-Policy that forbids scripts and every external
load; escaping does not rely on it (tests render without it too).
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from harness.report.model_view import VERDICT_ORDER, ReportView

KNOWN_VERDICTS = frozenset(VERDICT_ORDER) | {"WARN", "SKIP"}


def environment() -> Environment:
    return Environment(loader=PackageLoader("harness.report", "templates"), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(view: ReportView, csp: bool = True) -> str:
    """The report's HTML text (the PDF has its own print template, report.pdf.j2).

    Args:
        view: what to show (see model_view.build_view).
        csp: include the Content-Security-Policy (tests turn it off to prove escaping alone).
    """
    template = environment().get_template("report.html.j2")
    return template.render(view=view, csp=csp, known_verdicts=KNOWN_VERDICTS)


def write(view: ReportView, out: Path, csp: bool = True) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(render(view, csp=csp), encoding="utf-8")
    tmp.replace(out)
    return out
