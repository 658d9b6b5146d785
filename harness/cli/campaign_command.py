"""``oran-harness campaign FILE``: run a resilience campaign and summarise its recovery figures.

Each run of the matrix (DUT x impairment x repetition) is one pytest child, exactly as
``oran-harness run`` starts it, with the campaign row's lab profile and its own results folder
under the campaign folder. The children's output goes to ``logs/<run>.log``; the console gets a
line per run and, at the end, the distribution of every recovery figure (docs/campaigns.md).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from harness.campaign.model import Campaign, load_campaign
from harness.campaign.plan import PlannedRun, plan, slug
from harness.campaign.stats import Distribution, distributions, write_campaign
from harness.cli import pytest_options
from harness.cli.child import run_child
from harness.core.verdict import EXIT_ERROR, EXIT_USAGE, exit_status
from harness.report import html
from harness.report.model_view import build_view
from harness.report.sources import ReportInputError, load_run
from harness.results.reader import ResultsDir, ResultsDirError, read_results
from harness.spec.errors import SourceError

EXIT_PYTEST_USAGE = 4          # pytest refused a profile or an option before any test case ran
EXIT_PYTEST_INTERRUPTED = 2    # a spec that does not load


def register(sub) -> None:
    c = sub.add_parser("campaign", help="run a resilience campaign: impairments x test cases x repetitions, "
                                        "with the distribution of each recovery figure (docs/campaigns.md)")
    c.add_argument("file", type=Path, help="the campaign file (YAML)")
    c.add_argument("--results", type=Path, default=None,
                   help="the campaign folder, new or empty (default results/campaign-<name>-<time>)")
    c.add_argument("--no-report", action="store_true", help="do not build report.html at the end")
    c.set_defaults(handler=campaign)


def _out(args, camp: Campaign) -> Path | str:
    out = args.results or Path("results") / f"campaign-{slug(camp.name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        return f"--results {out}: exists and is not an empty folder; give a new folder"
    return out


def _command(camp: Campaign, run: PlannedRun) -> list[str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "--no-header", "-rN", *pytest_options.fixed(),
           "--dut", str(run.dut), "--lab", str(run.lab), "--results", str(run.results),
           *(str(p) for p in camp.testcases)]
    return cmd + (["-k", camp.select] if camp.select else [])


def _verdicts(folder: ResultsDir) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in folder.rows:
        counts[row.verdict] = counts.get(row.verdict, 0) + 1
    return counts


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}" if abs(v) >= 10 else f"{v:.3g}"


def table(dists: list[Distribution]) -> str:
    """The console summary: one line per (DUT, test case, impairment, figure)."""
    head = ("test case", "impairment", "figure", "n", "median", "p95", "max", "objective", "verdicts")
    rows = [(d.testcase, d.impairment, d.figure, str(d.n), _fmt(d.median), _fmt(d.p95), _fmt(d.max),
             _fmt(d.objective) + (f" {d.units}" if d.objective is not None else ""),
             " ".join(f"{k} {v}" for k, v in sorted(d.verdicts.items()))
             + (f" (never {d.not_measured})" if d.not_measured else ""))
            for d in sorted(dists, key=lambda d: (d.dut, d.testcase, d.figure, d.impairment))]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows])


def campaign(args) -> int:
    try:
        camp = load_campaign(args.file)
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    out = _out(args, camp)
    if isinstance(out, str):
        print(f"error: {out}", file=sys.stderr)
        return EXIT_USAGE
    runs = plan(camp, out)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    print(f"campaign {camp.name}: {len(camp.impairments)} impairment(s) x {len(camp.duts)} DUT(s) x "
          f"{camp.repetitions} repetition(s) = {len(runs)} run(s) on link '{camp.link}', in {out}", flush=True)
    started = time.time()
    done: list[tuple[PlannedRun, ResultsDir | None, int]] = []
    stopped = None
    for i, run in enumerate(runs, 1):
        with (out / "logs" / f"{run.label}.log").open("w") as log:
            child = run_child(_command(camp, run), stdout=log.fileno())
        try:
            folder: ResultsDir | None = read_results(run.results)
        except ResultsDirError:
            folder = None
        counts = _verdicts(folder) if folder is not None else {}
        done.append((run, folder, child.code))
        state = "  ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no results (see the log)"
        print(f"[{i}/{len(runs)}] {run.dut.stem}  {run.impairment.name}  r{run.repetition}: {state}", flush=True)
        if child.code in (EXIT_PYTEST_USAGE, EXIT_PYTEST_INTERRUPTED) and folder is None:
            print(f"error: the run was refused before it started: {out / 'logs' / (run.label + '.log')}",
                  file=sys.stderr)
            return EXIT_USAGE
        if child.stopped_by:
            stopped = child.stopped_by
            break
    present = [(r.dut.stem, r.impairment.name, f) for r, f, _code in done if f is not None]
    dists = distributions(present)
    verdicts = [row.verdict for _, _, f in present for row in f.rows]
    complete = stopped is None and len(done) == len(runs) and all(f is not None and f.complete for _r, f, _c in done)
    code = exit_status(verdicts, complete)
    write_campaign(out, {
        "campaign": camp.name, "description": camp.description, "file": str(camp.file), "lab": str(camp.lab),
        "duts": [str(d) for d in camp.duts], "testcases": [str(t) for t in camp.testcases], "select": camp.select,
        "link": camp.link, "impairments": [i.as_dict() for i in camp.impairments], "repetitions": camp.repetitions,
        "started": started, "finished": time.time(), "complete": complete, "exit": code, "stopped_by": stopped,
        "runs": [{"folder": r.results.name, "dut": r.dut.stem, "impairment": r.impairment.name,
                  "repetition": r.repetition, "lab_profile": str(r.lab.relative_to(out)), "child_exit": c,
                  "verdicts": _verdicts(f) if f is not None else {}} for r, f, c in done],
        "distributions": [d.as_dict() for d in dists]})
    print()
    print(table(dists) if dists else "no recovery figure was measured (are the test cases applicable? "
          "see the logs)")
    if not args.no_report and present:
        print(_report(out, [f.path for _, _, f in present]))
    if stopped:
        print(f"stopped by {stopped}: the campaign is INCOMPLETE ({len(done)} of {len(runs)} runs)")
    print(f"campaign.json: {out / 'campaign.json'}  exit {code}")
    return code if code != EXIT_USAGE else EXIT_ERROR


def _report(out: Path, folders: list[Path]) -> str:
    """report.html over the campaign (runs, figures, timelines, distributions)."""
    try:
        runs = [load_run(f) for f in folders]
    except ReportInputError as err:
        return f"no report: {err}"
    view = build_view(runs, out, title="Resilience campaign report", campaign_folders=(out,))
    html.write(view, out / "report.html")
    return f"report {out / 'report.html'} (the PDF: oran-harness report build {out})"

