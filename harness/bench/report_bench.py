"""``oran-harness bench report``: joint-report build time and size for 1,000 test cases.

The synthetic run is made from a real one: the E2 suite runs once against the
built-in simulator, then its executed test cases (rows, exchange.json, pcapng)
are replicated under new ids until the folder holds `count` test cases, so the
evidence has the size and shape of real evidence. HTML and PDF are timed apart.
`fail_every` turns every n-th replica into a failure, to time the PDF when many
tests get their full block and message sequence chart (pdf.charted).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.report import html, model_view, sources
from harness.report import pdf as pdf_writer
from harness.results import safe_name


def synthetic_run(base: Path, out: Path, count: int, fail_every: int = 0) -> Path:
    """Write a results folder of `count` test cases replicated from the real run in `base`.

    Args:
        fail_every: when > 0, every fail_every-th test case's last finding and verdict become FAIL.
    """
    rows = [json.loads(line) for line in (base / "results.jsonl").read_text().splitlines() if line.strip()]
    executed = [r for r in rows if r["verdict"] != "NOT-APPLICABLE"]
    (out / "tests").mkdir(parents=True)
    shutil.copy(base / "run.json", out / "run.json")
    lines = []
    for n in range(count):
        row = dict(executed[n % len(executed)])
        new_id = f"{row['id']}#{n:04d}"
        folder = out / "tests" / safe_name(new_id)
        folder.mkdir()
        shutil.copy(base / row["exchange"], folder / "exchange.json")
        row["exchange"] = f"tests/{safe_name(new_id)}/exchange.json"
        if row.get("pcap"):
            shutil.copy(base / row["pcap"], folder / f"{safe_name(new_id)}.pcapng")
            row["pcap"] = f"tests/{safe_name(new_id)}/{safe_name(new_id)}.pcapng"
        row["id"] = new_id
        if fail_every and n % fail_every == fail_every - 1 and row.get("findings"):
            row["findings"] = [*row["findings"][:-1], {**row["findings"][-1], "verdict": "FAIL"}]
            row.update(verdict="FAIL", oran="FAIL")
        lines.append(json.dumps(row))
    (out / "results.jsonl").write_text("\n".join(lines) + "\n")
    (out / "summary.json").write_text(json.dumps({"tests": count}))
    return out


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(as_json: bool, count: int, pdf: bool = True, fail_every: int = 0) -> int:
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        tmp_path = Path(tmp)
        base = tmp_path / "base"
        code = subprocess.call([sys.executable, "-m", "harness.cli.main", "run", "--results", str(base)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if code not in (0, 1) or not (base / "results.jsonl").exists():
            print(f"error: the simulator run for the benchmark failed (status {code})", file=sys.stderr)
            return 2
        run_dir = synthetic_run(base, tmp_path / "run", count, fail_every)
        figures: dict = {"test_cases": count, "failed": count // fail_every if fail_every else 0,
                         "results_folder_bytes": _size(run_dir)}
        t0 = time.perf_counter()
        runs = [sources.load_run(run_dir)]
        view = model_view.build_view(runs, tmp_path)
        figures["read_and_model_s"] = round(time.perf_counter() - t0, 2)
        t0 = time.perf_counter()
        out = html.write(view, tmp_path / "report.html")
        figures["html_s"] = round(time.perf_counter() - t0, 2)
        figures["html_bytes"] = out.stat().st_size
        if pdf:
            t0 = time.perf_counter()
            out = pdf_writer.write(view, tmp_path / "report.pdf")
            figures["pdf_s"] = round(time.perf_counter() - t0, 2)
            figures["pdf_bytes"] = out.stat().st_size
            figures["pdf_sequence_charts"] = len(pdf_writer.charted(view, pdf_writer.PdfOptions()))
    if as_json:
        print(json.dumps(figures, indent=1))
    else:
        for key, value in figures.items():
            print(f"  {key:<22} {value:>14,}" if isinstance(value, int) else f"  {key:<22} {value:>14}")
    return 0
