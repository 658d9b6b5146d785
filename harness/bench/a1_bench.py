"""``oran-harness bench a1``: requests/s of a Python A1 client against the Near-RT RIC simulator, beside wrk.

The simulator runs as its own process (``oran-harness sim a1-ric``), so the
client never shares a GIL with it. In the same run and on the same endpoint,
two clients take turns, each on ONE keep-alive connection:

* ``python``: the harness's own `HttpClient` (h11, keep-alive: what the A1
  simulators use) in a loop, every status checked;
* ``wrk``: Debian's wrk (C, epoll) with 1 thread and 1 connection; PUT via a
  Lua script setting method, body and content type.

Operations: GET of one policy, and PUT of the same policy (an update: 200, no
notification). The ratio python/wrk says how much of the round trip is the
Python client; both are bounded by the simulator (also Python), so wrk's
figure is the simulator's ceiling for one connection. A second wrk row with 4
connections shows what the simulator serves when the client is not the limit.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.interfaces.a1 import model
from harness.http.client import HttpClient, HttpDutError, HttpLabError

TYPE_ID, POLICY_ID = "20008", "bench-1"
BODY = json.dumps({"threshold": 42}).encode()
WRK = "/usr/bin/wrk"


class Ric:
    """The simulator process; ``url`` is its base URL."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", "a1-ric"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.proc.stdout is None:                 # a pipe, as asked above
            raise RuntimeError("the A1 simulator was started without a stdout pipe")
        event = json.loads(self.proc.stdout.readline())
        self.url = event["url"]
        self.host, port = self.url.split("//")[1].rsplit(":", 1)
        self.port = int(port)

    def close(self) -> None:
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.write('{"cmd": "quit"}\n')
                self.proc.stdin.flush()
            self.proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(5)


def python_client(ric: Ric, method: str, seconds: float) -> dict:
    path = model.policy_path(TYPE_ID, POLICY_ID)
    conn = HttpClient(ric.url, keep_alive=True, timeout=10)
    headers = {"Content-Type": "application/json"} if method == "PUT" else {}
    body = BODY if method == "PUT" else b""
    count, bad, lat = 0, 0, []
    end = time.perf_counter() + seconds
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        if t0 >= end:
            break
        resp = conn.request(method, path, body=body, headers=headers).response
        lat.append(time.perf_counter() - t0)
        count += 1
        bad += resp.status != 200
    elapsed = time.perf_counter() - start
    conn.close()
    lat.sort()
    return {"requests": count, "rps": count / elapsed, "errors": bad,
            "p50_ms": 1000 * lat[len(lat) // 2], "p99_ms": 1000 * lat[int(len(lat) * 0.99)]}


def wrk_client(ric: Ric, method: str, seconds: float, connections: int = 1) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        if method == "PUT":
            f.write(f'wrk.method = "PUT"\nwrk.body = {json.dumps(BODY.decode())}\n'
                    'wrk.headers["Content-Type"] = "application/json"\n')
        script = f.name
    try:
        done = subprocess.run([WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
                               "-s", script, ric.url + model.policy_path(TYPE_ID, POLICY_ID)],
                              capture_output=True, text=True, timeout=seconds + 30)
    finally:
        Path(script).unlink(missing_ok=True)
    out = done.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk gave no Requests/sec (exit {done.returncode}): "
                           f"{(done.stderr or out).strip().splitlines()[:1]}")
    rps = float(found.group(1))
    count = re.search(r"(\d+) requests in", out)
    if count is None:
        raise RuntimeError(f"wrk gave Requests/sec but no request count: {out.strip().splitlines()[:1]}")
    total = int(count.group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {"requests": total, "rps": rps, "errors": int(bad.group(1)) if bad else 0,
            "p50_ms": float(p50.group(1)) * scale[p50.group(2)] if p50 else None, "p99_ms": None}


def main(as_json: bool = False, seconds: float = 3.0, rounds: int = 1) -> int:
    if not shutil.which(WRK):
        print(f"error: {WRK} not found (Debian package wrk)", file=sys.stderr)
        return 2
    ric = Ric()
    rows: list[dict] = []
    try:
        return _measure(ric, rows, as_json, seconds, rounds)
    except (RuntimeError, OSError, HttpDutError, HttpLabError) as err:
        print(f"error: bench a1: {err}", file=sys.stderr)
        return 2
    finally:
        ric.close()


def _measure(ric: Ric, rows: list, as_json: bool, seconds: float, rounds: int) -> int:
    conn = HttpClient(ric.url, timeout=10)
    status = conn.request("PUT", model.policy_path(TYPE_ID, POLICY_ID), body=BODY,
                          headers={"Content-Type": "application/json"}).response.status
    if status != 201:
        raise RuntimeError(f"creating the benchmark policy answered {status}, not 201")
    for method in ("GET", "PUT"):
        runs: dict[str, list] = {"python": [], "wrk": [], "wrk-4conn": []}
        for _ in range(rounds):
            runs["python"].append(python_client(ric, method, seconds))
            runs["wrk"].append(wrk_client(ric, method, seconds))
            runs["wrk-4conn"].append(wrk_client(ric, method, seconds, connections=4))
        for client, results in runs.items():
            best = sorted(results, key=lambda r: r["rps"])[len(results) // 2]
            rows.append({"op": method, "client": client, **best})
    ratio = {m: next(r["rps"] for r in rows if r["op"] == m and r["client"] == "python")
             / next(r["rps"] for r in rows if r["op"] == m and r["client"] == "wrk") for m in ("GET", "PUT")}
    if as_json:
        print(json.dumps({"rows": rows, "python_over_wrk": ratio}, indent=2))
        return 0
    print(f"A1-P against the Near-RT RIC simulator (own process), keep-alive, {seconds:.0f} s each, "
          f"median of {rounds}")
    print(f"{'op':<4} | {'client':<10} | {'requests':>8} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | errors")
    print("-" * 68)
    for r in rows:
        p99 = f"{r['p99_ms']:>7.2f}" if r["p99_ms"] is not None else f"{'-':>7}"
        p50 = f"{r['p50_ms']:>7.2f}" if r["p50_ms"] is not None else f"{'-':>7}"
        print(f"{r['op']:<4} | {r['client']:<10} | {r['requests']:>8} | {r['rps']:>8.0f} | {p50} | {p99} | "
              f"{r['errors']}")
    print("python/wrk (1 connection each): " + ", ".join(f"{m} {v:.2f}" for m, v in ratio.items()))
    return 0
