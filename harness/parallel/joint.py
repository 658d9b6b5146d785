"""After a multi-DUT run: each DUT's verdicts, and one joint report over all DUT folders.

The joint report uses the report builder (harness.report: sources, model_view,
html) when it is installed; without it the run still succeeds and the folders
are listed, so a missing optional part never costs the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.report import html
from harness.report.model_view import build_view
from harness.results.reader import read_results
from harness.report.sources import ReportInputError, load_run


@dataclass(frozen=True)
class JointReport:
    """What was made of the DUT folders: the HTML report, or why there is none."""

    html: Path | None
    notice: str           # one line for the user


def verdicts(folder: Path) -> dict[str, str]:
    """Test id -> verdict (NOT-APPLICABLE included) of one results folder.

    Raises:
        harness.results.reader.ResultsDirError: the folder cannot be read (the text names the file).
    """
    return {row.id: row.verdict for row in read_results(folder).rows}


def build_joint_report(folders: list[Path], out: Path) -> JointReport:
    """One HTML report over the DUT folders (no PDF here: `report build` makes it on demand)."""
    try:
        runs = [load_run(f) for f in folders]
    except ReportInputError as err:
        return JointReport(None, f"no joint report: {err}")
    view = build_view(runs, out.parent, title="Joint O-RAN test report (parallel run)")
    html.write(view, out)
    problems = f"; {len(view.problems)} warning(s) shown in it" if view.problems else ""
    return JointReport(out, f"joint report {out} ({len(runs)} DUTs{problems})")
