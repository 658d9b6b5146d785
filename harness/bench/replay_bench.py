"""``oran-harness bench replay``: replay timing at 1 ms gaps, our Pacer against tcpreplay.

The frames are the first ``COUNT`` RIC Indication frames of the capture that
``bench capture`` generates (cached; 1 ms apart). Two measurements:

1. Pacer, self-reported (always): `harness.capture.pacing.Pacer` releases each
   frame at its capture offset in this process and records how late each
   release was (``perf_counter`` after the wait minus the due time).
   ``pacing.report()`` gives median, p99, max and drift (lateness of the last
   release minus the first). Nothing is sent: this is the pacer alone.

2. On the wire (root, ``ip`` and ``dumpcap`` needed; tcpreplay if installed):
   a network namespace ``ohb<pid>`` is created with a veth pair ``ohb0`` /
   ``ohb1`` inside it (no addresses, nothing outside the namespace touched;
   the namespace is deleted at the end, which deletes the pair). ``dumpcap``
   records on ``ohb1`` while the same ``COUNT`` frames are sent on ``ohb0``:

   * ours: a Python process inside the namespace paces them with `Pacer` and
     writes each frame with ``send`` on an ``AF_PACKET`` socket bound to ``ohb0``;
   * tcpreplay: ``tcpreplay -i ohb0 FILE`` (default timing: the capture's
     own gaps, speed 1x) on a classic pcap holding the same frames.

   The timing error is computed from the receiving side's capture
   timestamps: ``offset[i] = (rx[i] - rx[0]) - (t[i] - t[0])`` where ``t`` is
   the frame's time in the file; its median is the tool's constant latency and
   ``error[i] = offset[i] - median``; median / p99 / max are of ``|error|``;
   drift is the median error of the last 100 frames minus that of the first
   100. The total wire span against the file's span is shown too. The kernel
   timestamps the frame when ``ohb1`` receives it, which includes the
   sender's syscall and the veth hop for both tools alike. tcpreplay's own
   summary line is shown as well.

Targets (Pacer): median <= 5 µs, p99 <= 50 µs, no drift (|drift| <= 50 µs).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.bench.capture_bench import PACKETS, capture_path
from harness.bench.codec_bench import REPO_ROOT, BenchError
from harness.capture import files
from harness.capture.pacing import SPIN, Pacer, report

COUNT = 10_000
TARGET_MEDIAN_US = 5.0
TARGET_P99_US = 50.0
TARGET_DRIFT_US = 50.0


def _indication_frames(count: int) -> list[tuple[float, bytes]]:
    """(capture time, Ethernet frame) of the first ``count`` RIC Indication frames."""
    path = capture_path(PACKETS)
    out = []
    with open(path, "rb") as f:
        for _, linktype, t, frame, _ in files.frames(f, str(path), []):
            # Ethernet / IPv4 (20) / SCTP (12) / DATA chunk: type 0 at 46, payload from 62.
            if linktype == 1 and len(frame) > 63 and frame[46] == 0 and frame[62] == 0 and frame[63] == 5:
                out.append((t, frame))
                if len(out) == count:
                    break
    if len(out) < count:
        raise BenchError(f"capture has only {len(out)} RIC Indication frames")
    return out


def _pacer_stats(errors_s: list[float]) -> dict:
    """The Pacer's own lateness, summarised by `pacing.report` (drift: last minus first)."""
    r = report(errors_s)
    return {"count": r.count, "median_us": round(r.median_us, 2), "p99_us": round(r.p99_us, 2),
            "max_us": round(r.max_us, 2), "drift_us": round(r.drift_us, 2)}


def _wire_stats(rx: list[float], t_file: list[float]) -> dict:
    """Jitter of receive times around the tool's constant latency, and drift.

    offset[i] = (rx[i] - rx[0]) - (t[i] - t[0]); the constant part is the median offset;
    error[i] = offset[i] - median. Drift = median error of the last 100 frames minus that of
    the first 100 (a creeping schedule shows there; one slow first frame does not).
    """
    off = [(r - rx[0]) - tf for r, tf in zip(rx, t_file, strict=False)]
    mid = statistics.median(off)
    err = [(o - mid) * 1e6 for o in off]
    mag = sorted(abs(x) for x in err)
    p99 = mag[min(len(mag) - 1, int(round(0.99 * (len(mag) - 1))))]
    k = min(100, len(err))
    return {"count": len(err), "median_us": round(statistics.median(mag), 2), "p99_us": round(p99, 2),
            "max_us": round(mag[-1], 2),
            "drift_us": round(statistics.median(err[-k:]) - statistics.median(err[:k]), 2),
            "span_s": round(rx[-1] - rx[0], 6), "file_span_s": round(t_file[-1], 6)}


def pace(frames: list[tuple[float, bytes]], ifname: str | None = None, spin: float | None = None) -> list[float]:
    """Pace ``frames`` with Pacer (sending each on ``ifname`` through AF_PACKET when given);
    return the Pacer's lateness per frame, in seconds."""
    sock = None
    if ifname:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        sock.bind((ifname, 0))
    t0 = frames[0][0]
    pacer = Pacer(1.0, SPIN if spin is None else spin)
    send = sock.send if sock else None
    for t, frame in frames:
        pacer.wait(t - t0)
        if send:
            send(frame)
    if sock:
        sock.close()
    return pacer.errors


# ----------------------------------------------------------------------- on the wire
_SEND_SCRIPT = r"""
import json, sys
from harness.bench.replay_bench import _indication_frames, pace
errs = pace(_indication_frames(int(sys.argv[2])), sys.argv[1], float(sys.argv[3]))
print(json.dumps(errs))
"""


def _write_pcap(path: Path, frames: list[tuple[float, bytes]]) -> None:
    """Classic pcap, nanosecond magic (tcpreplay reads it through libpcap)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames:
            ns = round(t * 1e9)
            f.write(struct.pack("<IIII", ns // 10**9, ns % 10**9, len(frame), len(frame)))
            f.write(frame)


def _rx_times(path: Path) -> list[float]:
    with open(path, "rb") as f:
        return [t for _, _, t, frame, _ in files.frames(f, str(path), [])
                if len(frame) > 63 and frame[46] == 0 and frame[63] == 5]


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


class Namespace:
    """A network namespace with a veth pair inside; deleted on exit."""

    def __init__(self) -> None:
        self.name = f"ohb{os.getpid()}"
        self.tx, self.rx = "ohb0", "ohb1"

    def __enter__(self) -> Namespace:
        steps = [["ip", "netns", "add", self.name],
                 ["ip", "-n", self.name, "link", "add", self.tx, "type", "veth", "peer", "name", self.rx],
                 ["ip", "-n", self.name, "link", "set", self.tx, "up"],
                 ["ip", "-n", self.name, "link", "set", self.rx, "up"],
                 ["ip", "-n", self.name, "link", "set", "lo", "up"]]
        for cmd in steps:
            r = _run(cmd)
            if r.returncode != 0:
                self.__exit__()
                raise PermissionError(f"{' '.join(cmd)}: {r.stderr.strip()}")
        return self

    def __exit__(self, *exc) -> None:
        _run(["ip", "netns", "del", self.name])

    def exec(self, cmd: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *cmd]


def _capture(ns: Namespace, out: Path, expected: int, send: Callable[[], Any]) -> tuple[list[float], Any]:
    """Record ns.rx with dumpcap while ``send()`` runs; return the received frames' times."""
    cap = subprocess.Popen(ns.exec(["dumpcap", "-q", "-i", ns.rx, "-w", str(out), "-B", "64"]),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not out.exists() and time.monotonic() < deadline and cap.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)   # let dumpcap settle on the interface
        if cap.poll() is not None:
            raise BenchError(f"dumpcap failed: {(cap.stderr.read() if cap.stderr else '')[-500:]}")
        result = send()
        time.sleep(0.5)
    finally:
        cap.terminate()
        try:
            cap.wait(10)
        except subprocess.TimeoutExpired:
            cap.kill()
            cap.wait()
    rx = _rx_times(out)
    if len(rx) != expected:
        raise BenchError(f"dumpcap saw {len(rx)} of {expected} frames")
    return rx, result


def wire(frames: list[tuple[float, bytes]], log, spin: float) -> dict:
    if os.geteuid() != 0:
        return {"skipped": "needs root (network namespace, AF_PACKET, dumpcap)"}
    missing = [t for t in ("ip", "dumpcap") if shutil.which(t) is None]
    if missing:
        return {"skipped": f"{', '.join(missing)} not installed"}
    t_file = [t - frames[0][0] for t, _ in frames]
    out: dict = {}
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="oran-bench-replay-") as tmp, Namespace() as ns:
        tmpd = Path(tmp)
        pcap = tmpd / "frames.pcap"
        _write_pcap(pcap, frames)

        def ours():
            r = _run(ns.exec([sys.executable, "-c", _SEND_SCRIPT, ns.tx, str(len(frames)), repr(spin)]),
                     cwd=str(REPO_ROOT), env=env)
            if r.returncode != 0:
                raise BenchError("paced sender failed:\n" + r.stderr[-1500:])
            return json.loads(r.stdout.strip().splitlines()[-1])

        log("wire: ours (Pacer + AF_PACKET)")
        rx, pacer_errs = _capture(ns, tmpd / "ours.pcapng", len(frames), ours)
        out["ours"] = _wire_stats(rx, t_file)
        out["ours_self_reported"] = _pacer_stats(pacer_errs)

        exe = shutil.which("tcpreplay")
        if exe is None:
            out["tcpreplay"] = {"skipped": "tcpreplay not installed"}
        else:
            def tcpreplay():
                r = _run(ns.exec([exe, "-i", ns.tx, str(pcap)]))
                if r.returncode != 0:
                    raise BenchError("tcpreplay failed:\n" + (r.stderr or r.stdout)[-1500:])
                return r.stdout
            log("wire: tcpreplay")
            rx, text = _capture(ns, tmpd / "tcpreplay.pcapng", len(frames), tcpreplay)
            out["tcpreplay"] = _wire_stats(rx, t_file)
            out["tcpreplay"]["version"] = (_run([exe, "-V"]).stdout.splitlines() or ["tcpreplay"])[0]
            out["tcpreplay"]["own_summary"] = [ln.strip() for ln in text.splitlines()
                                               if ln.strip().startswith(("Actual", "Rated"))]
    return out


# ----------------------------------------------------------------------- report
def run(count: int = COUNT, log=print, spin: float | None = None) -> dict:
    spin = SPIN if spin is None else spin
    frames = _indication_frames(count)
    log(f"pacer: {count} frames at 1 ms gaps ({count / 1000:.0f} s)")
    errs = pace(frames, None, spin)
    pacer = _pacer_stats(errs)
    try:
        w = wire(frames, log, spin)
    except (PermissionError, OSError) as err:
        w = {"skipped": f"no namespace: {err}"}
    return {"count": count, "gap_ms": 1.0, "spin_us": "full" if spin == float("inf") else round(spin * 1e6),
            "pacer": pacer, "wire": w,
            "targets": {"median_us": TARGET_MEDIAN_US, "p99_us": TARGET_P99_US, "drift_us": TARGET_DRIFT_US,
                        "median_met": pacer["median_us"] <= TARGET_MEDIAN_US,
                        "p99_met": pacer["p99_us"] <= TARGET_P99_US,
                        "drift_met": abs(pacer["drift_us"]) <= TARGET_DRIFT_US}}


def _line(name: str, s: dict) -> str:
    if "skipped" in s:
        return f"{name:<34} skipped: {s['skipped']}"
    return (f"{name:<34} {s['median_us']:>9.1f} {s['p99_us']:>9.1f} {s['max_us']:>10.1f} "
            f"{s['drift_us']:>10.1f}")


def _print(r: dict) -> None:
    print(f"replay of {r['count']:,} RIC Indication frames at {r['gap_ms']:g} ms gaps, spin {r['spin_us']} "
          f"µs; timing error in µs")
    print(f"{'':<34} {'median':>9} {'p99':>9} {'max':>10} {'drift':>10}")
    print(_line("Pacer (self-reported, no send)", r["pacer"]))
    w = r["wire"]
    if "skipped" in w:
        print(f"on the wire: skipped: {w['skipped']}")
    else:
        print(_line("Pacer (self-reported, + AF_PACKET)", w["ours_self_reported"]))
        print(_line("ours on the wire (|rx error|)", w["ours"]))
        print(_line("tcpreplay on the wire (|rx error|)", w["tcpreplay"]))
        if "own_summary" in w.get("tcpreplay", {}):
            print(f"  {w['tcpreplay']['version']}; its summary: " + " / ".join(w["tcpreplay"]["own_summary"]))
        print("  wire = dumpcap timestamps on the receiving veth in a private namespace: |error| around the "
              "median latency; drift = median error of the last 100 frames minus the first 100")
        for name in ("ours", "tcpreplay"):
            s = w.get(name, {})
            if "span_s" in s:
                print(f"  {name}: first to last frame {s['span_s']:.6f} s on the wire for {s['file_span_s']:.6f} s "
                      "in the file")
    t = r["targets"]
    ok = lambda b: "MET" if b else "NOT MET"  # noqa: E731
    p = r["pacer"]
    print()
    print(f"target: Pacer median <= {t['median_us']:g} µs: {ok(t['median_met'])} ({p['median_us']:.1f})")
    print(f"target: Pacer p99 <= {t['p99_us']:g} µs: {ok(t['p99_met'])} ({p['p99_us']:.1f})")
    print(f"target: no drift (|drift| <= {t['drift_us']:g} µs): {ok(t['drift_met'])} ({p['drift_us']:.1f})")


def main(as_json: bool = False, count: int = COUNT, spin: float | None = None) -> int:
    log = lambda s: print(f"  .. {s}", file=sys.stderr)  # noqa: E731
    try:
        result = run(count, log, spin)
    except BenchError as err:
        print(f"bench replay: {err}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main("--json" in sys.argv))
