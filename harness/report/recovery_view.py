"""Recovery figures in the report (issue 20): a table per test case, a timeline per run, and for
a campaign a distribution per figure. Inline SVG built here, numbers and escape()d text only.

* Timeline: the test case's time axis with the impairment windows shaded (the link's standing
  impairment, from the run's lab profile, over the whole test case; every apply/clear of its
  impairments.json), the restart window hatched, every message as a tick (harness -> DUT above
  the axis, DUT -> harness below) and the recovery events it measured: association loss
  detected (restart + detection) and E2 re-established (restart + outage).
* Distribution: per figure, one row per (test case, impairment): each sample a dot, a box from
  the lower to the upper quartile with the median, whiskers to min and max, the objective as a
  dashed line, and how many runs never recovered.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from harness.campaign.stats import CampaignFileError, CampaignRecord, Distribution, read_campaign
from harness.report.sources import RunRecord, TestRecord
from harness.results.reader import ResultsDirError, contained

WINDOW = "#f5b041"
RESTART = "#c0392b"
VERDICT_COLOUR = {"PASS": "#27ae60", "FAIL": "#c0392b"}


@dataclass(frozen=True)
class FigureRow:
    figure: str
    subject: str
    value: str
    objective: str
    verdict: str
    clause: str
    detail: str


@dataclass(frozen=True)
class DistributionChart:
    figure: str
    units: str
    svg: str
    rows: tuple[Distribution, ...]


@dataclass(frozen=True)
class CampaignView:
    name: str
    link: str
    impairments: tuple[str, ...]
    runs: int
    charts: tuple[DistributionChart, ...]


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None
    return None


def _fmt(value: float | None, units: str = "") -> str:
    if value is None:
        return "never"
    text = f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.3g}"
    return f"{text} {units}".strip()


def figure_rows(test: TestRecord) -> tuple[FigureRow, ...]:
    """The recovery figures of a test case as table rows (value vs objective, verdict, clause)."""
    out = []
    for fig in test.recovery:
        units = str(fig.get("units") or "")
        objective = _num(fig.get("objective"))
        detail = {k: v for k, v in (fig.get("detail") or {}).items() if k not in ("restart_at", "restart_down_s")} \
            if isinstance(fig.get("detail"), dict) else {}
        out.append(FigureRow(str(fig.get("figure")), str(fig.get("subject") or ""), _fmt(_num(fig.get("value")), units),
                             "rule of the specification" if objective is None else
                             f"<= {_fmt(objective, units)} (PIXIT {fig.get('pixit')})",
                             str(fig.get("verdict") or ""), str(fig.get("clause") or ""),
                             ", ".join(f"{k} {json.dumps(v)}" for k, v in detail.items())[:300]))
    return tuple(out)


# ---------------------------------------------------------------- impairment windows
def _standing(run: RunRecord) -> list[str]:
    """'link: impairment' for every link of the run's lab profile with a standing impairment."""
    lab = run.meta.get("lab")
    links = lab.get("links") if isinstance(lab, dict) else None
    if not isinstance(links, dict):
        return []
    out = []
    for name, link in sorted(links.items()):
        imp = link.get("impairment") if isinstance(link, dict) else None
        if imp is not None and imp != "none":
            text = imp if isinstance(imp, str) else ", ".join(f"{k}={v}" for k, v in imp.items() if k != "seed")
            out.append(f"{name}: {text}")
    return out


def windows(run: RunRecord, test: TestRecord, start: float, end: float) -> tuple[list[tuple[float, float, str]], str]:
    """The impairment windows of a test case (wall-clock start, end, label), and a problem naming
    its impairments.json if it could not be read."""
    out = [(start, end, f"{text} (standing, whole test case)") for text in _standing(run)]
    if not test.impairments:
        return out, ""
    try:
        path = contained(run.path, test.impairments)
        data = json.loads(path.read_text(encoding="utf-8"))
        timeline = data.get("timeline") if isinstance(data, dict) else None
        if not isinstance(timeline, list):
            raise ValueError("no timeline list")
    except (ResultsDirError, OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        return out, f"{run.path / test.impairments}: impairment timeline not shown ({err})"
    open_at: dict[str, tuple[float, str]] = {}
    for entry in timeline:
        if not isinstance(entry, dict) or _num(entry.get("wall")) is None:
            continue
        link, wall, action = str(entry.get("link")), float(entry["wall"]), str(entry.get("action"))
        if action not in ("apply", "clear", "down", "up"):      # 'route': where the relay forwards, no change
            continue
        if link in open_at:
            since, label = open_at.pop(link)
            out.append((since, wall, label))
        imp = entry.get("impairment")
        shown = {k: v for k, v in imp.items() if k != "seed"} if isinstance(imp, dict) else {}
        if "standing impairment" in str(entry.get("note")):       # drawn above, over the whole test case
            continue
        if action in ("apply", "down") and (shown or action == "down"):
            what = "link down" if action == "down" else ", ".join(f"{k}={v}" for k, v in shown.items())
            open_at[link] = (wall, f"{link}: {what}")
    out.extend((since, end, label) for since, label in open_at.values())
    return out, ""


# ---------------------------------------------------------------- timeline
def _events(test: TestRecord) -> tuple[tuple[float, float] | None, list[tuple[float, str, str]]]:
    """The restart window and the recovery events (wall time, label, verdict) the figures place."""
    restart = None
    events = []
    for fig in test.recovery:
        detail = fig.get("detail") if isinstance(fig.get("detail"), dict) else {}
        at, down = _num(detail.get("restart_at")), _num(detail.get("restart_down_s")) or 0.0
        if at is None:
            continue
        restart = restart or (at, at + down)
        value = _num(fig.get("value"))
        if fig.get("figure") == "detection" and value is not None:
            events.append((at + value / 1000.0, f"loss detected +{value:.0f} ms", str(fig.get("verdict"))))
        if fig.get("figure") == "serve" and value is not None:      # A1: from when the RIC was due back
            events.append((at + down + value / 1000.0, f"A1-P served again +{value:.0f} ms", str(fig.get("verdict"))))
        outage = _num(detail.get("outage_ms"))
        if fig.get("figure") == "reestablish" and outage is not None:
            events.append((at + outage / 1000.0, f"re-established +{outage:.0f} ms", str(fig.get("verdict"))))
    return restart, events


def timeline_svg(run: RunRecord, test: TestRecord, entries: list[dict]) -> tuple[Markup, str]:
    """The test case's timeline (empty when it measured no recovery figure), and a problem if any."""
    if not test.recovery:
        return Markup(""), ""
    times = [t for t in (_num(e.get("time")) for e in entries) if t is not None]
    start = test.started if test.started is not None else (min(times) if times else None)
    if start is None:
        return Markup(""), ""
    end = start + (test.duration or 0.0)
    if times:
        end = max(end, max(times))
    restart, events = _events(test)
    shaded, problem = windows(run, test, start, end)
    if restart is not None:
        end = max(end, restart[1])
    span = max(end - start, 1e-3)
    width, x0, w = 760, 10, 740
    lanes = max(len(shaded), 1)
    axis = 40 + 14 * lanes
    height = axis + 70

    def x(t: float) -> float:
        return x0 + max(0.0, min(1.0, (t - start) / span)) * w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart timeline" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="recovery timeline">',
           '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{RESTART}" '
           'stroke-width="2"/></pattern></defs>']
    for i, (a, b, label) in enumerate(shaded):
        out.append(f'<rect class="impairment-window" x="{x(a):.1f}" y="{16 + 14 * i}" '
                   f'width="{max(x(b) - x(a), 1):.1f}" height="{axis + 24 - 16 - 14 * i}" fill="{WINDOW}" '
                   f'fill-opacity="0.3"><title>{escape(label)}</title></rect>'
                   f'<text x="{x(a) + 3:.1f}" y="{27 + 14 * i}" font-size="10">{escape(label[:90])}</text>')
    if restart is not None:
        out.append(f'<rect class="restart-window" x="{x(restart[0]):.1f}" y="{axis - 18}" '
                   f'width="{max(x(restart[1]) - x(restart[0]), 2):.1f}" height="36" fill="url(#hatch)" '
                   f'stroke="{RESTART}"><title>restart: down {restart[1] - restart[0]:.2f} s</title></rect>'
                   f'<text x="{x(restart[0]):.1f}" y="{axis + 32}" font-size="10" fill="{RESTART}">restart</text>')
    out.append(f'<line x1="{x0}" y1="{axis}" x2="{x0 + w}" y2="{axis}" stroke="#34495e"/>')
    for e in entries:
        t = _num(e.get("time"))
        if t is None:
            continue
        up = str(e.get("direction")) in ("sent", "send", "harness->dut", "out")
        y1, y2 = (axis - 12, axis) if up else (axis, axis + 12)
        out.append(f'<line class="msg" x1="{x(t):.1f}" y1="{y1}" x2="{x(t):.1f}" y2="{y2}" '
                   f'stroke="{"#2980b9" if up else "#7f8c8d"}"><title>{escape(str(e.get("message") or "?"))}'
                   f'</title></line>')
    for i, (t, label, verdict) in enumerate(sorted(events)):
        colour = VERDICT_COLOUR.get(verdict, "#8e44ad")
        out.append(f'<circle class="recovery-event" cx="{x(t):.1f}" cy="{axis}" r="5" fill="{colour}">'
                   f'<title>{escape(label)} ({escape(verdict)})</title></circle>'
                   f'<text x="{x(t) + 6:.1f}" y="{axis + 46 + 12 * (i % 2)}" font-size="10">{escape(label)}</text>')
    out.append(f'<text x="{x0}" y="{height - 2}" font-size="10">0 s</text>'
               f'<text x="{x0 + w}" y="{height - 2}" font-size="10" text-anchor="end">+{span:.2f} s</text>'
               f'<text x="{x0}" y="11" font-size="10">messages: harness to DUT above the axis, DUT to harness below; '
               f'shaded: impairment</text></svg>')
    return Markup("".join(out)), problem  # noqa: S704 - numbers and escape()d text only


# ---------------------------------------------------------------- distributions
def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def distribution_svg(rows: list[Distribution]) -> Markup:
    """A box-and-strip plot of one figure: one row per (test case, impairment)."""
    values = [v for d in rows for v in d.values] + [d.objective for d in rows if d.objective is not None]
    if not rows:
        return Markup("")
    hi = max(values) if values else 1.0
    hi = hi * 1.1 if hi > 0 else 1.0
    label_w, w, row_h = 300, 400, 34
    width, height = label_w + w + 90, 30 + row_h * len(rows)

    def x(v: float) -> float:
        return label_w + max(0.0, min(1.0, v / hi)) * w

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart distribution" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="distribution of {escape(rows[0].figure)}">',
           f'<line x1="{label_w}" y1="{height - 18}" x2="{label_w + w}" y2="{height - 18}" stroke="#34495e"/>'
           f'<text x="{label_w}" y="{height - 4}" font-size="10">0</text>'
           f'<text x="{label_w + w}" y="{height - 4}" font-size="10" text-anchor="end">'
           f'{escape(_fmt(hi, rows[0].units))}</text>']
    for i, d in enumerate(rows):
        y = 8 + row_h * i + row_h / 2
        label = f"{d.testcase} | {d.impairment}" + (f" | {d.dut}" if len({r.dut for r in rows}) > 1 else "")
        out.append(f'<text x="{label_w - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end">'
                   f'{escape(label[:60])}</text>')
        vals = sorted(d.values)
        if vals:
            q1, q3 = _quartiles(vals)
            med = statistics.median(vals)
            out.append(f'<line class="whisker" x1="{x(vals[0]):.1f}" y1="{y:.1f}" x2="{x(vals[-1]):.1f}" y2="{y:.1f}" '
                       f'stroke="#34495e"/><rect class="box" x="{x(q1):.1f}" y="{y - 9:.1f}" '
                       f'width="{max(x(q3) - x(q1), 1):.1f}" height="18" fill="#d6eaf8" stroke="#2980b9"/>'
                       f'<line class="median" x1="{x(med):.1f}" y1="{y - 9:.1f}" x2="{x(med):.1f}" y2="{y + 9:.1f}" '
                       f'stroke="#1a5276" stroke-width="2"/>')
            for k, v in enumerate(d.values):
                out.append(f'<circle class="sample" cx="{x(v):.1f}" cy="{y - 4 + (k % 3) * 4:.1f}" r="3" '
                           f'fill="#2980b9" fill-opacity="0.7"><title>{_fmt(v, d.units)}</title></circle>')
        if d.objective is not None:
            out.append(f'<line class="objective" x1="{x(d.objective):.1f}" y1="{y - 14:.1f}" x2="{x(d.objective):.1f}" '
                       f'y2="{y + 14:.1f}" stroke="{RESTART}" stroke-dasharray="4 3"><title>objective '
                       f'{_fmt(d.objective, d.units)}</title></line>')
        note = f"n={d.n}" + (f", never {d.not_measured}" if d.not_measured else "")
        out.append(f'<text x="{label_w + w + 6}" y="{y + 4:.1f}" font-size="10">{escape(note)}</text>')
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - numbers and escape()d text only


def campaign_view(record: CampaignRecord) -> CampaignView:
    """A campaign's distributions, one chart per (figure, units), rows in test case then impairment order."""
    order = {name: i for i, name in enumerate(str(i.get("name")) for i in record.impairments)}
    groups: dict[tuple[str, str], list[Distribution]] = {}
    for d in record.distributions:
        groups.setdefault((d.figure, d.units), []).append(d)
    charts = []
    for (figure, units), rows in sorted(groups.items()):
        rows.sort(key=lambda d: (d.dut, d.testcase, order.get(d.impairment, len(order))))
        charts.append(DistributionChart(figure, units, distribution_svg(rows), tuple(rows)))
    return CampaignView(record.name, record.link, tuple(order), len(record.runs), tuple(charts))


def campaigns(folders: tuple[Path, ...]) -> tuple[tuple[CampaignView, ...], tuple[str, ...]]:
    """The campaign views of the folders that hold a campaign.json, and the problems reading them."""
    views, problems = [], []
    for folder in folders:
        try:
            record = read_campaign(folder)
        except CampaignFileError as err:
            problems.append(str(err))
            continue
        if record is not None:
            views.append(campaign_view(record))
    return tuple(views), tuple(problems)
