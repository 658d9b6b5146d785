"""``oran-harness bench all``: every benchmark in one run, one table, each row beside its peer.

Theory of operation. Each row runs one existing benchmark (``oran-harness bench X
--json`` with short settings under ``--quick``) in its own process, so one bench's
imports, caches and threads cannot colour another's figures, and so the kernel's
per-process RSS high-water mark (``wait4`` rusage ``ru_maxrss``) is that bench's
peak memory. The row's "ours" and "peer" are read from the bench's JSON and the
ratio is computed here from those two measured numbers (ours / peer), never copied.
A bench module that is not installed, a peer tool that is missing, or a bench
that fails becomes a row that says why, and the other rows still run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Row:
    """One line of the table. ``ours``/``peer`` are measured; ``ratio`` is ours / peer."""

    key: str
    what: str
    unit: str
    ours: float | None = None
    peer: float | None = None
    peer_name: str = ""
    target: str = ""
    met: bool | None = None
    peak_rss_mib: float | None = None
    seconds: float | None = None
    note: str = ""                     # why a figure is missing (skipped, failed)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.peer:
            return None
        return self.ours / self.peer


@dataclass(frozen=True)
class BenchSpec:
    """How to run one bench and read its row from the bench's JSON."""

    key: str
    module: str                        # harness.bench.<module>
    args: tuple[str, ...]              # full settings
    quick: tuple[str, ...]             # --quick settings
    read: Callable[[object], Any]      # bench JSON -> Row fields (ours, peer, peer_name, target, met, note),
                                       # or a list of them for a bench with several rows (each may also
                                       # set key, what, unit)
    what: str
    unit: str
    ok_codes: tuple[int, ...] = (0,)   # exit codes that still carry figures (transport: 1 = target missed)
    extra_env: dict = field(default_factory=dict)


# ------------------------------------------------------------------ readers: bench JSON -> row fields
def _codec(doc) -> dict:
    rows = [r for r in doc["rows"] if r["op"] == "deep decode"]
    worst = min(rows, key=lambda r: r["ours_msgs_per_s"] / r["pycrate_msgs_per_s"])
    t = doc["targets"]
    ratio = worst["ours_msgs_per_s"] / worst["pycrate_msgs_per_s"]
    return {"ours": worst["ours_msgs_per_s"], "peer": worst["pycrate_msgs_per_s"], "peer_name": "pycrate",
            "target": f">= {t['deep_decode_ratio_target']:g}x", "met": ratio >= t["deep_decode_ratio_target"],
            "note": f"worst message: {worst['message']}"}


def _capture(doc) -> list[dict]:
    """Three rows: both cores and one process against tshark's one process, and peak memory."""
    both, one = doc["rows"][0], doc["rows"][1]
    tshark = next((r for r in doc["rows"] if r["tool"].startswith("tshark")), None)
    t = doc["targets"]
    rows = []
    for ours, target, what in ((both, t["ratio_target"], "E2 capture read + deep decode, both cores"),
                               (one, t["single_ratio_target"], "E2 capture read + deep decode, 1 process")):
        if tshark is None:
            rows.append({"what": what, "ours": ours["pkts_per_s"], "peer_name": "tshark",
                         "target": f">= {target:g}x", "note": "tshark not installed"})
            continue
        rows.append({"what": what, "ours": ours["pkts_per_s"], "peer": tshark["pkts_per_s"],
                     "peer_name": "tshark -T json (1 process)", "target": f">= {target:g}x",
                     "met": ours["pkts_per_s"] / tshark["pkts_per_s"] >= target,
                     "note": ours["tool"] + (f"; CPU {ours['cpu_s']:.2f} s, tshark {tshark['cpu_s']:.2f} s"
                                             if "cpu_s" in ours and "cpu_s" in tshark else "")})
    mem = doc["memory"]
    what = "capture decode peak RSS, big file over 20k"
    if mem["big"] is None:
        rows.append({"key": "capture-memory", "what": what, "unit": "MiB", "note": "skipped (--big 0)"})
    else:
        rows.append({"key": "capture-memory", "what": what, "unit": "MiB",
                     "ours": mem["big"]["peak_rss_kib"] / 1024, "peer": mem["small"]["peak_rss_kib"] / 1024,
                     "peer_name": "at 20,000 packets", "target": f"<= {t['memory_target']:g}x (flat)",
                     "met": t["memory_flat"], "note": f"{mem['big_packets']:,} packets"})
    return rows


def _replay(doc) -> dict:
    wire, t = doc["wire"], doc["targets"]
    target = f"<= {t['median_us']:g} µs median"
    if "skipped" in wire or "skipped" in wire.get("tcpreplay", {}):
        reason = wire.get("skipped") or wire["tcpreplay"]["skipped"]
        return {"ours": doc["pacer"]["median_us"], "peer_name": "tcpreplay", "target": target,
                "met": t["median_met"], "note": f"self-reported only; on the wire: {reason}"}
    return {"ours": wire["ours"]["median_us"], "peer": wire["tcpreplay"]["median_us"],
            "peer_name": "tcpreplay", "target": target, "met": wire["ours"]["median_us"] <= t["median_us"],
            "note": f"on the wire, {doc['count']} frames at {doc['gap_ms']:g} ms"}


def _transport(doc) -> dict:
    best = max(doc["rows"], key=lambda r: r["streaming_msgs_per_s"]["transport"])
    s = best["streaming_msgs_per_s"]
    return {"ours": s["transport"], "peer": s["bare"], "peer_name": "bare usrsctp (ctypes)",
            "target": f">= {doc['target_msgs_per_s']:,.0f}/s", "met": s["transport"] >= doc["target_msgs_per_s"],
            "note": f"{best['mode']} mode, {doc['payload_bytes']} B"}


def _suite(doc) -> dict:
    wall = sum(r["wall_s"] for r in doc)
    waits = sum(r["idle_s"] for r in doc)
    tests = sum(r["tests"] for r in doc)
    return {"ours": wall, "peer": waits, "peer_name": "spec waits (floor)",
            "note": f"{tests} test cases, 2 DUT roles; overhead "
                    + ", ".join(f"{r['overhead_per_test_ms']:.0f}" for r in doc) + " ms/test"}


def _a1(doc) -> dict:
    py = next(r for r in doc["rows"] if r["op"] == "GET" and r["client"] == "python")
    wrk = next(r for r in doc["rows"] if r["op"] == "GET" and r["client"] == "wrk")
    return {"ours": py["rps"], "peer": wrk["rps"], "peer_name": "wrk (1 connection)", "note": "GET a policy"}


def _fronthaul(doc) -> dict:
    ref = next((r for r in doc["rows"] if r["tool"].startswith("tshark -T")), None)
    target = f">= {doc['target']:,}/s"
    if ref is None:
        return {"ours": doc["best_ours"], "peer_name": "tshark", "target": target, "met": doc["target_met"],
                "note": "tshark not installed"}
    return {"ours": doc["best_ours"], "peer": ref["packets_per_s"], "peer_name": "tshark -T fields",
            "target": target, "met": doc["target_met"], "note": f"{doc['packets']} messages"}


def _report(doc) -> dict:
    seconds = doc["read_and_model_s"] + doc["html_s"]
    return {"ours": doc["test_cases"] / seconds if seconds else None, "peer_name": "(none)",
            "note": f"{doc['test_cases']} test cases, HTML {doc['html_bytes'] / 1e6:.1f} MB"
                    + (f", PDF {doc['pdf_s']} s" if "pdf_s" in doc else "")}


def _relay(doc) -> list[dict]:
    """Two rows: the rate while impairing against the target, and the delay error at 10 and 300 ms."""
    d10, d300 = doc["delay"]
    lo = doc["loss"]
    rate = doc["rate"]["msgs_per_s"]
    return [{"ours": rate, "target": f">= {doc['target_msgs_per_s']:,}/s", "peer_name": "(target)",
             "met": doc["target_met"], "note": f"loss {lo['measured']:.4%} of {lo['reached_relay']:,} "
                                                f"({'within' if lo['within'] else 'outside'} binomial bound)"},
            {"key": "relay-delay", "what": "relay delay error p99 (10 / 300 ms)", "unit": "ms",
             "ours": d10["p99_error_ms"], "peer": d300["p99_error_ms"], "peer_name": "at 300 ms",
             "note": f"median {d10['median_error_ms']} / {d300['median_error_ms']} ms"}]


BENCHES: tuple[BenchSpec, ...] = (
    BenchSpec("codec", "codec_bench", ("--seconds", "1"), ("--seconds", "0.1"), _codec,
              "E2AP+E2SM deep decode", "msg/s"),
    # --quick: the memory pair is 20k vs 100k packets (1M takes over a minute of decode).
    BenchSpec("capture", "capture_bench", (), ("--big", "100000", "--pycrate-limit", "200"), _capture,
              "E2 capture read + deep decode", "pkt/s"),
    BenchSpec("replay", "replay_bench", ("--count", "10000"), ("--count", "1000"), _replay,
              "replay timing error at 1 ms gaps", "µs"),
    BenchSpec("transport", "transport_bench", ("--rounds", "3"), ("--rounds", "1"), _transport,
              "SCTP streaming throughput", "msg/s", ok_codes=(0, 1)),
    BenchSpec("suite", "suite_bench", ("--rounds", "3"), ("--rounds", "1"), _suite,
              "E2 suite wall time (sim)", "s"),
    BenchSpec("a1", "a1_bench", ("--seconds", "3"), ("--seconds", "1"), _a1,
              "A1-P client requests", "req/s"),
    BenchSpec("fronthaul", "fronthaul_bench", ("--packets", "200000"), ("--packets", "20000"), _fronthaul,
              "CU-plane capture checks", "pkt/s"),
    BenchSpec("report", "report_bench", ("--count", "1000"), ("--count", "100", "--no-pdf"), _report,
              "joint report build (read + HTML)", "tests/s"),
    BenchSpec("relay", "relay_bench", (), ("--quick",), _relay,
              "impairment relay rate while impairing", "msg/s", ok_codes=(0, 1)),
)


# ------------------------------------------------------------------ running
def _json_of(stdout: str):
    """The bench's JSON document (its stdout may start with progress lines)."""
    for i, line in enumerate(stdout.splitlines()):
        if line.startswith(("{", "[")):
            return json.loads("\n".join(stdout.splitlines()[i:]))
    raise ValueError("no JSON document in its output")


def _run_measured(cmd: list[str], env: dict, timeout: float) -> tuple[int, str, str, float | None, bool]:
    """Run ``cmd``; (exit code, stdout, stderr, peak RSS MiB, timed out).

    The process is reaped with ``wait4`` to get its own rusage: ``ru_maxrss`` is the RSS
    high-water mark of the bench process or of the largest process it waited for (a peer
    tool such as tshark), in KiB on Linux.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                            env=env)
    out: dict[str, str] = {}
    readers = [threading.Thread(target=lambda n=n, f=f: out.__setitem__(n, f.read()), daemon=True)
               for n, f in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    fired: list[bool] = []

    def on_timeout() -> None:
        fired.append(True)
        proc.kill()

    killer = threading.Timer(timeout, on_timeout)
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)      # reaped here, not by Popen
    for t in readers:
        t.join()
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    timed_out = bool(fired)
    return proc.returncode, out.get("out", ""), out.get("err", ""), usage.ru_maxrss / 1024, timed_out


def run_one(spec: BenchSpec, quick: bool, timeout: float = 1800.0) -> Row:
    """Run one bench in its own process; its (first) row, or a row that says why it has no figures."""
    return run_rows(spec, quick, timeout)[0]


def run_rows(spec: BenchSpec, quick: bool, timeout: float = 1800.0) -> list[Row]:
    """Run one bench in its own process; its rows, or one row that says why it has no figures."""

    def row(**figures: Any) -> list[Row]:
        return [Row(spec.key, spec.what, spec.unit, **figures)]

    if importlib.util.find_spec(f"harness.bench.{spec.module}") is None:
        return row(note=f"skipped: harness.bench.{spec.module} is not installed")
    cmd = [sys.executable, "-m", "harness.cli.main", "bench", spec.key, "--json",
           *(spec.quick if quick else spec.args)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           **spec.extra_env}
    t0 = time.monotonic()
    code, stdout, stderr, rss, timed_out = _run_measured(cmd, env, timeout)
    seconds = time.monotonic() - t0
    if timed_out:
        return row(seconds=seconds, peak_rss_mib=rss, note=f"failed: no result within {timeout:.0f} s")
    if code not in spec.ok_codes:
        last = (stderr.strip().splitlines() or stdout.strip().splitlines() or ["(no output)"])[-1]
        return row(seconds=seconds, peak_rss_mib=rss, note=f"failed (exit {code}): {last}")
    try:
        read = spec.read(_json_of(stdout))
        many = read if isinstance(read, list) else [read]
        return [Row(f.pop("key", spec.key), f.pop("what", spec.what), f.pop("unit", spec.unit), seconds=seconds,
                    peak_rss_mib=rss, **f) for f in (dict(x) for x in many)]
    except (ValueError, KeyError, StopIteration, TypeError, ZeroDivisionError) as err:
        return row(seconds=seconds, peak_rss_mib=rss,
                   note=f"failed: unreadable bench JSON ({type(err).__name__}: {err})")


def select(only: str | None) -> tuple[BenchSpec, ...]:
    """The benches named in ``only`` (comma-separated keys), in table order; all when None.

    Raises:
        ValueError: a name that is no bench.
    """
    if not only:
        return BENCHES
    names = [n.strip() for n in only.split(",") if n.strip()]
    known = {b.key for b in BENCHES}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"--only {only}: unknown bench {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return tuple(b for b in BENCHES if b.key in names)


# ------------------------------------------------------------------ output
COLUMNS = ("what", "ours", "peer", "ratio", "target", "met?", "peak RSS")


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}" if abs(value) >= 1 else f"{value:.3g}"
    return f"{text} {unit}".strip()


def cells(row: Row) -> tuple[str, ...]:
    what = f"{row.what} ({row.note})" if row.note else row.what
    peer = f"{_num(row.peer, row.unit)} {row.peer_name}".strip() if row.peer is not None else (row.peer_name or "-")
    ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "-"
    met = "-" if row.met is None else ("yes" if row.met else "NO")
    rss = f"{row.peak_rss_mib:,.0f} MiB" if row.peak_rss_mib is not None else "-"
    return (what, _num(row.ours, row.unit), peer, ratio, row.target or "-", met, rss)


def text_table(rows: list[Row]) -> str:
    body = [COLUMNS, *(cells(r) for r in rows)]
    widths = [max(len(line[i]) for line in body) for i in range(len(COLUMNS))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in body]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[Row], command: str) -> str:
    """The README snippet: the command that made the table, then the table."""
    esc = lambda c: c.replace("|", "\\|")  # noqa: E731
    out = [f"`{command}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, "
           f"load {os.getloadavg()[0]:.1f}; ratio = ours / peer, measured in the same run):", "",
           "| " + " | ".join(COLUMNS) + " |", "|" + "|".join("---" for _ in COLUMNS) + "|"]
    out += ["| " + " | ".join(esc(c) for c in cells(r)) + " |" for r in rows]
    return "\n".join(out)


def as_json(rows: list[Row]) -> str:
    return json.dumps([{**asdict(r), "ratio": r.ratio} for r in rows], indent=2)


def main(quick: bool = False, only: str | None = None, fmt: str = "text", timeout: float = 1800.0) -> int:
    """Run the selected benches one after the other and print one table; 2 on a bad --only."""
    try:
        specs = select(only)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    rows = []
    for spec in specs:
        print(f"  .. bench {spec.key}", file=sys.stderr, flush=True)
        rows.extend(run_rows(spec, quick, timeout))
    command = "oran-harness bench all" + (" --quick" if quick else "") + (f" --only {only}" if only else "")
    if fmt == "json":
        print(as_json(rows))
    elif fmt == "markdown":
        print(markdown_table(rows, command))
    else:
        print(text_table(rows))
    return 0
