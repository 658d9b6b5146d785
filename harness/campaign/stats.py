"""campaign.json: what a campaign ran and the distribution of every recovery figure it measured.

Grouped by (DUT, test case, impairment, figure), over the repetitions. A figure that was never
seen (the DUT did not recover within the time waited) has no value: it counts in `n` and in
`not_measured`, never in the median, p95 or max (which would hide it), and its verdict is FAIL.
p95 is the nearest-rank percentile (the value at rank ceil(0.95 n)); with few repetitions it is
the maximum, which is the honest answer for a small sample.

`read_campaign` is the one reader of the file (the report uses it).
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import UserError
from harness.results.reader import ResultsDir

FILE = "campaign.json"
FORMAT = "oran-harness-campaign/1"


class CampaignFileError(UserError):
    """campaign.json cannot be read; the text names it."""


@dataclass(frozen=True)
class Distribution:
    """One recovery figure over the repetitions of one (DUT, test case, impairment)."""

    dut: str
    testcase: str
    title: str
    impairment: str
    interface: str
    figure: str
    units: str
    objective: float | None
    pixit: str | None
    n: int
    values: tuple[float, ...]       # the measured values, in run order
    not_measured: int
    median: float | None
    p95: float | None
    max: float | None
    verdicts: dict = field(default_factory=dict)     # 'PASS' -> count

    def as_dict(self) -> dict:
        return dict(self.__dict__, values=list(self.values))


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..1) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)), 1) - 1]


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value)):
        return float(value)
    return None


def distributions(runs: list[tuple[str, str, ResultsDir]]) -> list[Distribution]:
    """The distributions of the recovery figures of ``runs`` ((DUT, impairment, folder) each)."""
    groups: dict[tuple, list[dict]] = {}
    titles: dict[str, str] = {}
    for dut, impairment, folder in runs:
        for row in folder.rows:
            titles.setdefault(row.id, row.title)
            for fig in row.recovery:
                groups.setdefault((dut, row.id, impairment, fig.get("interface", ""), fig["figure"]), []).append(fig)
    out = []
    for (dut, test, impairment, interface, figure), figs in groups.items():
        values = [v for v in (_number(f.get("value")) for f in figs) if v is not None]
        verdicts: dict[str, int] = {}
        for f in figs:
            verdicts[str(f.get("verdict"))] = verdicts.get(str(f.get("verdict")), 0) + 1
        out.append(Distribution(dut, test, titles.get(test, ""), impairment, str(interface), figure,
                                str(figs[0].get("units", "")), _number(figs[0].get("objective")),
                                figs[0].get("pixit") if isinstance(figs[0].get("pixit"), str) else None,
                                len(figs), tuple(values), len(figs) - len(values),
                                round(statistics.median(values), 3) if values else None, percentile(values, 0.95),
                                max(values) if values else None, verdicts))
    return out


def write_campaign(folder: Path, data: dict) -> Path:
    """campaign.json (tmp + rename, so a reader never sees half of it)."""
    path = folder / FILE
    tmp = path.with_name(FILE + ".tmp")
    tmp.write_text(json.dumps(dict(data, format=FORMAT), indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class CampaignRecord:
    """campaign.json as read back: the name, the runs (folder names) and the distributions."""

    path: Path
    name: str
    link: str
    impairments: tuple[dict, ...]
    runs: tuple[dict, ...]
    distributions: tuple[Distribution, ...]


def _distribution(d: Any, where: str) -> Distribution:
    if not isinstance(d, dict):
        raise CampaignFileError(f"{where}: not an object")
    try:
        values = tuple(v for v in (_number(x) for x in d.get("values") or []) if v is not None)
        return Distribution(str(d["dut"]), str(d["testcase"]), str(d.get("title", "")), str(d["impairment"]),
                            str(d.get("interface", "")), str(d["figure"]), str(d.get("units", "")),
                            _number(d.get("objective")), d.get("pixit") if isinstance(d.get("pixit"), str) else None,
                            int(d.get("n", len(values))), values, int(d.get("not_measured", 0)),
                            _number(d.get("median")), _number(d.get("p95")), _number(d.get("max")),
                            {str(k): int(v) for k, v in (d.get("verdicts") or {}).items()})
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise CampaignFileError(f"{where}: malformed distribution ({type(err).__name__}: {err})") from None


def read_campaign(folder: Path) -> CampaignRecord | None:
    """The campaign.json of ``folder``; None when there is none (a plain results folder).

    Raises:
        CampaignFileError: it is there but is not a campaign file this version reads.
    """
    path = Path(folder) / FILE
    if not path.is_file() or path.is_symlink():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise CampaignFileError(f"{path}: not readable JSON ({err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CampaignFileError(f"{path}: not a campaign file (format {FORMAT} expected)")
    dists = data.get("distributions") or []
    if not isinstance(dists, list):
        raise CampaignFileError(f"{path}: distributions: not a list")
    return CampaignRecord(path, str(data.get("campaign", "")), str(data.get("link", "")),
                          tuple(i for i in data.get("impairments") or [] if isinstance(i, dict)),
                          tuple(r for r in data.get("runs") or [] if isinstance(r, dict)),
                          tuple(_distribution(d, f"{path}: distributions[{i}]") for i, d in enumerate(dists)))
