"""``oran-harness bench fronthaul``: our CU-plane checker's packets/s against tshark on one capture.

One generated capture (default 200k messages, the lab-fronthaul profile) is read by:
our checker in one process and in N (byte ranges of the file), then in one process
with its fast path for repeated frame shapes off (the speed of traffic whose headers
never repeat); tshark with ``-T fields`` for
the eCPRI and O-RAN header fields; tshark ``-V`` with the oran_fh_cus dissector.  Each
is timed once in the same run (wall clock, the machine as it is), and reported with
its ratio to tshark.  The target is 100k packets/s for our checker.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import bundled
from harness.interfaces.cuplane.capture import check_capture
from harness.interfaces.cuplane.crosscheck import tshark_options
from harness.interfaces.cuplane.generate import GenerateOptions, generate_file
from harness.interfaces.cuplane.profile import load_fronthaul_profile

TARGET = 100_000
FIELDS = ("ecpri.revision", "ecpri.type", "ecpri.size", "oran_fh_cus.du_port_id", "oran_fh_cus.cc_id",
          "oran_fh_cus.ru_port_id", "oran_fh_cus.sequence_id", "oran_fh_cus.sectionType",
          "oran_fh_cus.sectionId", "oran_fh_cus.numPrbc", "oran_fh_cus.numPrbu")


def _time(cmd: list) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def run(packets: int, workers: int, log) -> dict:
    profile = load_fronthaul_profile(bundled.profile("lab-fronthaul.yaml"))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="fh-bench-") as tmp:
        path = Path(tmp) / "fronthaul.pcap"
        log(f"generating {packets} messages")
        t0 = time.perf_counter()
        generate_file(path, profile, GenerateOptions(packets=packets))
        gen = time.perf_counter() - t0
        size = path.stat().st_size
        runs = [(w, True) for w in sorted({1, workers})] + [(1, False)]
        for w, remember in runs:
            log(f"our checker, {w} process(es){'' if remember else ', every frame read in full'}")
            outcome = check_capture(path, profile, w, remember_shapes=remember)
            if any(r.verdict.name != "PASS" for r in outcome.results):
                raise RuntimeError("the generated capture did not pass every check")
            what = f"{outcome.workers} proc" + ("" if remember else ", no shape memo")
            rows.append({"tool": f"oran-harness fronthaul check ({what})", "seconds": outcome.seconds})
        exe = shutil.which("tshark")
        if exe:
            opts = list(tshark_options(profile))
            fields = [x for f in FIELDS for x in ("-e", f)]
            log("tshark -T fields")
            rows.append({"tool": "tshark -T fields (ecpri, oran_fh_cus)",
                         "seconds": _time([exe, "-n", "-r", str(path), *opts, "-T", "fields", *fields])})
            log("tshark -V")
            rows.append({"tool": "tshark -V (oran_fh_cus)",
                         "seconds": _time([exe, "-n", "-r", str(path), *opts, "-V"])})
        else:
            log("tshark not installed: only our checker is timed")
    for r in rows:
        r["packets_per_s"] = round(packets / r["seconds"])
    ref = next((r for r in rows if r["tool"].startswith("tshark -T")), None)
    for r in rows:
        r["vs_tshark_fields"] = round(r["packets_per_s"] / ref["packets_per_s"], 2) if ref else None
    best = max(r["packets_per_s"] for r in rows if r["tool"].startswith("oran-harness") and "memo" not in r["tool"])
    return {"packets": packets, "file_bytes": size, "generate_s": round(gen, 2), "cpus": os.cpu_count(),
            "load_1min": round(os.getloadavg()[0], 2), "rows": rows, "best_ours": best, "target": TARGET,
            "target_met": best >= TARGET}


def main(as_json: bool = False, packets: int = 200_000, workers: int = 2) -> int:
    log = lambda s: print(f"  .. {s}", file=sys.stderr)  # noqa: E731
    try:
        result = run(packets, workers, log)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as err:
        print(f"bench fronthaul: {err}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"fronthaul CU-plane capture: {result['packets']} messages, {result['file_bytes'] / 1e6:.1f} MB "
          f"(generated in {result['generate_s']} s); {result['cpus']} CPUs, load {result['load_1min']}")
    print(f"{'tool':<50} | {'seconds':>8} | {'packets/s':>10} | {'x tshark -T fields':>18}")
    print("-" * 96)
    for r in result["rows"]:
        ratio = f"{r['vs_tshark_fields']:.2f}" if r["vs_tshark_fields"] is not None else "-"
        print(f"{r['tool']:<50} | {r['seconds']:>8.2f} | {r['packets_per_s']:>10} | {ratio:>18}")
    print(f"target {TARGET} packets/s: {'met' if result['target_met'] else 'NOT met'} "
          f"(best {result['best_ours']}/s)")
    return 0
