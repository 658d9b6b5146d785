"""Charts where a picture says more than a table, as inline SVG (no scripts, no fonts).

* `kpm_series` / `kpm_chart`: measurement values over time from the decoded RIC
  Indications of an exchange. E2SM-KPM Indication Message Format 1
  (O-RAN.WG3.E2SM-KPM v03.00, clause 8.2.1.4.1) carries a list of measurement
  names and, per granularity period, one record whose n-th value belongs to the
  n-th name; the header's collection start time is a 64-bit NTP timestamp. A
  sample's time is that start plus its period index times the granularity
  period; when the header has no usable time, the message's capture time is used. A value
  that is not a finite number (NaN, an infinity, an integer too big for a float) is not
  drawn: the judged verdict is the runner's business, the chart shows only what it can scale.
  Format 3 nests Format 1 reports per UE and is found by the same walk.
* `verdict_bar`: verdicts of a run as one stacked bar.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

NTP_TO_UNIX = 2_208_988_800
MAX_PANELS = 12
COLOURS = {"PASS": "#27ae60", "FAIL": "#c0392b", "INCONC": "#f39c12", "ERROR": "#8e44ad",
           "NONE": "#8e44ad", "NOT-APPLICABLE": "#bdc3c7"}


def _walk(value, key: str):
    """Every dict under `value` that has `key`."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if key in v:
                yield v
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _ntp(hex_text) -> float | None:
    try:
        raw = bytes.fromhex(hex_text)
    except (TypeError, ValueError):
        return None
    if len(raw) != 8:
        return None
    seconds = int.from_bytes(raw[:4], "big") + int.from_bytes(raw[4:], "big") / 2 ** 32
    return seconds - NTP_TO_UNIX if seconds > NTP_TO_UNIX else None


def _finite(value) -> float | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number(record) -> float | None:
    if isinstance(record, dict):
        for kind in ("integer", "real"):
            value = _finite(record.get(kind))
            if value is not None:
                return value
    return None


def kpm_series(entries: list[dict]) -> dict[str, list[tuple[float, float]]]:
    """Measurement name -> [(unix time, value)] from the exchange's decoded KPM indications."""
    series: dict[str, list[tuple[float, float]]] = {}
    for entry in entries:
        if entry.get("message") != "RICindication" or not isinstance(entry.get("decoded"), dict):
            continue
        header: dict = next(_walk(entry["decoded"], "colletStartTime"), {})
        start = _ntp(header.get("colletStartTime"))
        when = entry.get("time")
        base = start if start is not None else _finite(when) or 0.0
        for report in _walk(entry["decoded"], "measData"):
            names = [str((i.get("measType") or {}).get("measName") or (i.get("measType") or {}).get("measID", "?"))
                     for i in report.get("measInfoList") or [] if isinstance(i, dict)]
            period = _finite(report.get("granulPeriod")) or 0.0
            for k, item in enumerate(report.get("measData") or []):
                records = item.get("measRecord") if isinstance(item, dict) else None
                for name, record in zip(names, records or [], strict=False):
                    value = _number(record)
                    when = base + k * period / 1000.0
                    if value is not None and math.isfinite(when):
                        series.setdefault(name, []).append((when, value))
    return {name: sorted(points) for name, points in series.items()}


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 or v == int(v) else f"{v:.3g}"


def kpm_chart(series: dict[str, list[tuple[float, float]]]) -> Markup:
    """Small multiples: one panel per measurement (scales differ too much to share an axis)."""
    if not series:
        return Markup("")
    names = sorted(series)[:MAX_PANELS]
    t0 = min(p[0] for n in names for p in series[n])
    pw, ph, cols = 300, 130, 2
    rows = (len(names) + cols - 1) // cols
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{pw * cols}" height="{ph * rows}" '
           f'viewBox="0 0 {pw * cols} {ph * rows}" role="img" aria-label="KPM measurements over time">']
    for i, name in enumerate(names):
        ox, oy = (i % cols) * pw, (i // cols) * ph
        pts = series[name]
        ys = [v for _, v in pts]
        lo, hi = min(ys), max(ys)
        span_y = (hi - lo) or 1.0
        span_t = (max(t for t, _ in pts) - t0) or 1.0
        x0, y0, w, h = ox + 48, oy + 22, pw - 60, ph - 46

        out.append(f'<text x="{ox + 8}" y="{oy + 14}" font-weight="bold">{escape(name[:40])}</text>')
        out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#bdc3c7"/>')
        out.append(f'<text x="{x0 - 4}" y="{y0 + 8}" text-anchor="end" font-size="10">{_fmt(hi)}</text>')
        out.append(f'<text x="{x0 - 4}" y="{y0 + h}" text-anchor="end" font-size="10">{_fmt(lo)}</text>')
        out.append(f'<text x="{x0 + w}" y="{y0 + h + 14}" text-anchor="end" font-size="10">'
                   f'+{span_t if len(pts) > 1 else 0:.2f} s</text>')
        coords = " ".join(f"{x0 + (t - t0) / span_t * w:.1f},{y0 + h - (v - lo) / span_y * h:.1f}" for t, v in pts)
        out.append(f'<polyline points="{coords}" fill="none" stroke="#2980b9" stroke-width="1.5"/>')
        out.extend(f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="2.5" fill="#2980b9"/>'
                   for c in coords.split()[:200])
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - numbers and escape()d text only


def verdict_bar(tests) -> Markup:
    """One stacked bar of the run's verdicts, with a legend."""
    counts: dict[str, int] = {}
    for t in tests:
        counts[t.verdict] = counts.get(t.verdict, 0) + 1
    total = sum(counts.values())
    if not total:
        return Markup("")
    width, x = 600, 0.0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="46" '
           f'viewBox="0 0 {width} 46" role="img" aria-label="verdicts">']
    legend = []
    for verdict in ("PASS", "FAIL", "INCONC", "ERROR", "NONE", "NOT-APPLICABLE", *sorted(counts)):
        n = counts.pop(verdict, 0)
        if not n:
            continue
        w = n / total * width
        colour = COLOURS.get(verdict, "#34495e")
        out.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="20" fill="{colour}"/>')
        legend.append((verdict, n, colour))
        x += w
    lx = 0
    for verdict, n, colour in legend:
        out.append(f'<rect x="{lx}" y="28" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{lx + 14}" y="37" font-size="11">{escape(verdict)} {n}</text>')
        lx += 24 + 8 * len(f"{verdict} {n}")
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - numbers and escape()d text only
