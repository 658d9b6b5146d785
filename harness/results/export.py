"""Derived reports of a results folder: junit.xml and oran-results.json.

Called at the end of every run (`ResultsWriter.finish`) and by `oran-harness report
export` on any folder, finished or killed; both go through the one reader.
"""

from __future__ import annotations

from pathlib import Path

from harness.core.errors import UserError
from harness.results.junit import write_junit
from harness.results.oran_json import write_oran_json
from harness.results.reader import ResultsDirError, read_results

JUNIT_NAME = "junit.xml"
ORAN_NAME = "oran-results.json"


class ExportError(UserError):
    """The folder cannot be exported; the text names the file (and line)."""


def export_reports(results_dir: Path, oran: Path | None = None, junit: Path | None = None) -> list[Path]:
    """Write the JUnit and O-RAN documents (default: into the folder itself).

    Raises:
        ExportError: the folder is not readable, or a report cannot be written.
    """
    results_dir = Path(results_dir)
    try:
        results = read_results(results_dir)
    except ResultsDirError as err:
        raise ExportError(str(err)) from None
    try:
        return [write_oran_json(results, oran or results_dir / ORAN_NAME),
                write_junit(results, junit or results_dir / JUNIT_NAME)]
    except OSError as err:
        raise ExportError(f"{err.filename}: cannot write: {err.strerror}") from None
