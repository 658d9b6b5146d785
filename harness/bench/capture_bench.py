"""``oran-harness bench capture``: read + stateful deep decode of an E2 capture, against tshark and pycrate.

The capture (generated once with `PcapngWriter`, cached under
``~/.cache/oran-harness/bench/``): one SCTP association (handshake and
shutdown included) between a RIC on port 37464 (the port Wireshark 4.0's E2AP
dissector is registered on) and an E2 node; the E2 Setup Request (golden
pc01-1: RAN function 2 = E2SM-KPM, 3 = E2SM-RC), the RIC Subscription Request
(golden pc08-1, KPM event trigger and action definition), then RIC Indications
with E2SM-KPM header and indication message format 1, 1 ms apart. The
indications are ``VARIANTS`` re-encodings of golden pc05-1 with different
RICindicationSN and first measurement value, cycled (so no decoder can get away
with remembering one message).

Measured in the same run, packets per second over every packet of the file:

* ours: `read_messages` + `E2Codec.decode` (deep: every E2AP IE and every E2SM
  payload, the E2SMs resolved from RAN function IDs learned from the E2 Setup),
  then the KPM measurement values walked out of each indication. Split over
  ``WORKERS`` forked processes like this: the parent loads the codec and
  builds its decoders (`warm`), forks the workers, then reads the file once
  (the reader costs ~8 µs a packet against ~55 µs for a deep decode) and
  sends each worker, in batches of ``BATCH`` over a pipe, every
  non-indication message, in order, so each worker holds the full RAN
  function state at every point, and its share of the RIC Indications
  (recognised from their first two octets: initiatingMessage, procedure
  code 5), dealt out in chunks of ``CHUNK`` by index, chunk ``i`` to worker
  ``i % WORKERS``. Memory stays bounded by the pipes. Wall time covers codec
  load, fork, reading and decoding in all workers. The single-process rate
  is reported as well.
* tshark: ``tshark -r FILE -T json > /dev/null``, the whole process timed.
  Wireshark's E2AP dissector is E2AP v1 (the E2 Setup shows as malformed,
  the indication's KPM payloads are E2SM-KPM v2 at best); this is the cost of
  what it does, not the same work.
* pycrate: our reader, then pycrate's ``E2AP_PDU`` ``from_aper`` + ``get_val``
  of every E2AP message, and ``from_aper`` + ``get_val`` of each E2SM payload
  (RAN function definitions, event trigger, action definition, indication
  header and message) with a pycrate module compiled from our E2SM ASN.1
  (`codec_bench.pycrate_e2sm_module`), the E2SM chosen by the RAN function's
  OID learned from pycrate's own decode of the E2 Setup. One process.

Memory: a fresh single process doing our read + decode of the 20k file and of
the big file (default 1,000,000 packets, a little over a minute of decode;
``bench all --quick`` uses 100,000): peak RSS (``ru_maxrss``), its high-water
mark right after loading the codec (loading can set the peak by itself, so the
current RSS is also sampled from ``/proc/self/statm`` every 1024 messages and
at the end). Target: flat, the big file's peak (and sampled maximum) at most
``MEMORY_TARGET`` times the 20k file's.

Targets (issue 17): ours in 1 process at least 2x tshark; ours on both cores at
least 4x tshark's one process. Before forking, the parent loads the codec and
builds its decoders on the first messages (`warm`), inside the timed span.
"""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from harness.bench.codec_bench import REPO_ROOT, BenchError, PycrateSide, _pycrate_cache_dir, pycrate_e2sm_module
from harness.capture.reader import ReaderStats, read_messages
from harness.interfaces.e2.association import E2Association
from harness.evidence.pcapng import PcapngWriter

GOLDEN = REPO_ROOT / "fixtures" / "golden" / "e2ap-v03.01"
PACKETS = 20_000
BIG_PACKETS = 1_000_000
WORKERS = 2
CHUNK = 256
BATCH = 256         # messages per pipe send to a worker
VARIANTS = 64
SINGLE_TARGET = 2.0         # ours, 1 process, against tshark -T json (issue 17)
PARALLEL_TARGET = 4.0       # ours, WORKERS processes (both cores), against tshark's one
MEMORY_TARGET = 1.25        # peak RSS of the big file over the 20k file: "flat"
GEN_VERSION = "1"
RIC = ("10.0.0.1", 37464)
NODE = ("10.0.0.2", 38472)
T0 = 1_700_000_000.0


# ======================================================================= capture
def _golden(name: str) -> bytes:
    return bytes.fromhex(json.loads((GOLDEN / f"{name}.json").read_text())["hex"])


def _messages() -> tuple[bytes, bytes, list[bytes]]:
    setup, sub, ind = (_golden("pc01-1-E2setupRequest"), _golden("pc08-1-RICsubscriptionRequest"),
                       _golden("pc05-1-RICindication"))
    assoc = E2Association()
    assoc.feed(setup)
    codec = assoc.codec
    variants = []
    for i in range(VARIANTS):
        value = codec.decode(ind)
        for ie in value[1]["value"][1]["protocolIEs"]:
            if ie["id"] == 27:
                ie["value"] = ("RICindicationSN", 1000 + i)
            elif ie["id"] == 26:
                fmt = ie["value"][1][1]["indicationMessage-formats"][1]
                fmt["measData"][0]["measRecord"][0] = ("integer", 84213 + 17 * i)
        data = codec.encode(value)
        if codec.decode(data) != value:
            raise BenchError("indication variant does not round-trip through our codec")
        variants.append(data)
    return setup, sub, variants


def capture_path(packets: int) -> Path:
    """The cached capture of ``packets`` packets (generated on a miss)."""
    h = hashlib.sha256(GEN_VERSION.encode())
    for name in ("pc01-1-E2setupRequest", "pc08-1-RICsubscriptionRequest", "pc05-1-RICindication"):
        h.update((GOLDEN / f"{name}.json").read_bytes())
    path = _pycrate_cache_dir() / f"e2-capture-{packets}-{h.hexdigest()[:16]}.pcapng"
    if not path.exists():
        generate(path, packets)
    return path


def generate(path: Path, packets: int) -> None:
    """Write the bench capture: exactly ``packets`` packets (4 handshake, setup, subscription,
    indications, 3 shutdown)."""
    setup, sub, variants = _messages()
    indications = packets - 4 - 2 - 3
    if indications < 1:
        raise BenchError("capture too small")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb", buffering=1 << 20) as f, PcapngWriter(
            f, comment=f"oran-harness bench capture: {packets} packets") as w:
        flow = w.association(RIC, NODE, vtags=(0x1111, 0x2222), time=T0)
        flow.packet(setup, direction="received", time=T0 + 0.001)
        flow.packet(sub, direction="sent", time=T0 + 0.002)
        n = len(variants)
        for i in range(indications):
            flow.packet(variants[i % n], direction="received", time=T0 + 0.003 + i * 0.001)
        flow.close(time=T0 + 0.004 + indications * 0.001)
    tmp.replace(path)


# ======================================================================= ours
def _is_indication(data: bytes) -> bool:
    return len(data) > 1 and data[0] == 0x00 and data[1] == 5   # initiatingMessage, procedureCode 5


def _kpm_values(pdu) -> list:
    """The KPM measurement records of a decoded RIC Indication."""
    out = []
    for ie in pdu[1]["value"][1]["protocolIEs"]:
        if ie["id"] == 26:
            payload = ie["value"][1]
            if not isinstance(payload, tuple) or payload[0] != "E2SM-KPM-IndicationMessage":
                raise BenchError("RIC Indication message left undecoded")
            fmt = payload[1]["indicationMessage-formats"][1]
            for rec in fmt.get("measData", []):
                out.extend(rec["measRecord"])
    return out


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _decoded(assoc, msg):
    """The PDU of one captured message, decoded (and learned from) by the association."""
    got = assoc.feed(msg.data, msg.src, msg.time)
    if got.error is not None:
        raise BenchError(f"packet {msg.packets[0]}: {got.error}")
    return got.pdu


def decode_file(path: str, worker: int = 0, workers: int = 1, chunk: int = CHUNK,
                sample_rss: bool = False) -> dict:
    """Read ``path`` and deep-decode its E2AP messages; with ``workers`` > 1 only this worker's
    chunks of RIC Indications (every other message is decoded by every worker, in order)."""
    assoc = E2Association()
    stats = ReaderStats()
    issues: list = []
    decoded = indications = values = 0
    checksum = 0
    ind_index = 0
    rss_max = 0
    for msg in read_messages(path, issues=issues, stats=stats):
        data = msg.data
        if sample_rss and not decoded & 0x3FF:
            rss_max = max(rss_max, _rss_kib())
        if _is_indication(data):
            mine = (ind_index // chunk) % workers == worker
            ind_index += 1
            if not mine:
                continue
            vals = _kpm_values(_decoded(assoc, msg))
            indications += 1
            values += len(vals)
            for kind, v in vals:
                if kind == "integer":
                    checksum += v
        else:
            _decoded(assoc, msg)
        decoded += 1
    out = {"packets": stats.packets, "decoded": decoded, "indications": indications,
           "kpm_values": values, "checksum": checksum, "issues": len(issues)}
    if sample_rss:
        out["rss_sampled_max_kib"] = max(rss_max, _rss_kib())
        out["rss_end_kib"] = _rss_kib()
    return out


def _fed_worker(conn) -> None:
    """Decode the messages the parent sends (lists of (octets, sender, time); None ends), in order.

    After a failure the rest is still read, so the parent never blocks on a full pipe.
    """
    assoc = E2Association()
    decoded = indications = values = checksum = 0
    error = None
    while True:
        batch = conn.recv()
        if batch is None:
            break
        if error is not None:
            continue
        try:
            for data, src, when in batch:
                got = assoc.feed(data, src, when)
                if got.error is not None:
                    raise BenchError(f"message {decoded + 1} of this worker: {got.error}")
                decoded += 1
                if _is_indication(data):
                    vals = _kpm_values(got.pdu)
                    indications += 1
                    values += len(vals)
                    checksum += sum(v for kind, v in vals if kind == "integer")
        except BaseException as err:  # noqa: BLE001 - reported in the parent
            error = f"{type(err).__name__}: {err}"
    conn.send({"error": error} if error else {"decoded": decoded, "indications": indications,
                                              "kpm_values": values, "checksum": checksum})
    conn.close()


def warm(path: Path, messages: int = 3) -> None:
    """Load the codec and build its decoders on the capture's first messages, in this process.

    Forked workers inherit the compiled modules and generated decoders (copy-on-write),
    so the two processes do not each pay for them; the time is inside the measurement.
    """
    assoc = E2Association()
    for i, msg in enumerate(read_messages(str(path))):
        if i >= messages:
            break
        assoc.feed(msg.data, msg.src, msg.time)


# A forked worker that never answers (a lock held by another thread at fork time, a crash) must end the
# bench with a reason, never hang it.
WORKER_WAIT = 600.0


def ours_parallel(path: Path, workers: int = WORKERS, chunk: int = CHUNK) -> dict:
    """The parent reads the capture once and feeds ``workers`` forked decoders (see the module doc)."""
    ctx = multiprocessing.get_context("fork")
    start = time.perf_counter()
    warm(path)
    gc.freeze()         # the children's collector then leaves the inherited heap alone (no copy-on-write)
    procs, pipes = [], []
    try:
        for _ in range(workers):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=_fed_worker, args=(child,))
            p.start()
            child.close()
            procs.append(p)
            pipes.append(parent)
        stats = ReaderStats()
        issues: list = []
        batches: list[list] = [[] for _ in range(workers)]
        everyone = range(workers)
        ind_index = 0
        for msg in read_messages(str(path), issues=issues, stats=stats):
            item = (msg.data, msg.src, msg.time)
            if _is_indication(msg.data):
                to: tuple | range = ((ind_index // chunk) % workers,)
                ind_index += 1
            else:
                to = everyone           # state (RAN functions) must reach every worker, in order
            for k in to:
                batches[k].append(item)
                if len(batches[k]) >= BATCH:
                    pipes[k].send(batches[k])
                    batches[k] = []
        for k in everyone:
            pipes[k].send(batches[k])
            pipes[k].send(None)
        results = []
        for k, c in enumerate(pipes):
            if not c.poll(WORKER_WAIT):
                raise BenchError(f"worker {k} sent no result within {WORKER_WAIT:.0f} s (it hung or died)")
            results.append(c.recv())
    finally:
        for p in procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
        gc.unfreeze()
    elapsed = time.perf_counter() - start
    for r in results:
        if r.get("error"):
            raise BenchError(f"worker failed: {r['error']}")
    others = (sum(r["decoded"] for r in results) - sum(r["indications"] for r in results)) // workers
    return {"packets": stats.packets, "seconds": elapsed,
            "decoded_messages": sum(r["indications"] for r in results) + others,
            "indications": sum(r["indications"] for r in results),
            "kpm_values": sum(r["kpm_values"] for r in results),
            "checksum": sum(r["checksum"] for r in results),
            "issues": len(issues)}


def ours_single(path: Path) -> dict:
    start = time.perf_counter()
    r = decode_file(str(path))
    r["seconds"] = time.perf_counter() - start
    return r


def _cpu(since: float | None = None) -> float:
    """CPU seconds of this process and its reaped children (minus ``since``): beside each wall
    time, so a run on a loaded machine shows as wall time well above CPU time."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    return total if since is None else round(total - since, 3)


# ======================================================================= tshark
def tshark(path: Path) -> dict | None:
    exe = shutil.which("tshark")
    if exe is None:
        return None
    version = subprocess.run([exe, "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    with open(os.devnull, "wb") as null:
        start = time.perf_counter()
        proc = subprocess.run([exe, "-r", str(path), "-T", "json"], stdout=null,
                              stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchError(f"tshark failed: {proc.stderr.decode(errors='replace')[-500:]}")
    return {"seconds": elapsed, "version": version}


# ======================================================================= pycrate
_E2SM_BY_OID = {"1.3.6.1.4.1.53148.1.3.2.2": "kpm", "1.3.6.1.4.1.53148.1.1.2.3": "rc"}
_PAYLOADS = {
    "kpm": {"def": "E2SM-KPM-RANfunction-Description", "trigger": "E2SM-KPM-EventTriggerDefinition",
            "action": "E2SM-KPM-ActionDefinition", "header": "E2SM-KPM-IndicationHeader",
            "message": "E2SM-KPM-IndicationMessage"},
    "rc": {"def": "E2SM-RC-RANFunctionDefinition", "trigger": "E2SM-RC-EventTrigger",
           "action": "E2SM-RC-ActionDefinition", "header": "E2SM-RC-IndicationHeader",
           "message": "E2SM-RC-IndicationMessage"},
}


class PycrateDecoder:
    """pycrate E2AP + our E2SMs compiled with pycrate; RAN functions learned from the setup."""

    def __init__(self) -> None:
        self.side = PycrateSide(pycrate_e2sm_module())
        self.types = {fam: {role: self.side.e2sm_type(name) for role, name in roles.items()}
                      for fam, roles in _PAYLOADS.items()}
        self.ran_functions: dict[int, str | None] = {}       # None: an E2SM this bench does not decode

    def _e2sm(self, fam: str | None, role: str, data: bytes):
        if fam is None:
            raise BenchError(f"pycrate side: {role} payload for an unknown RAN function")
        obj = self.types[fam][role]
        obj.from_aper(data)
        return obj.get_val()

    def decode(self, data: bytes) -> tuple:
        pdu = self.side.pdu
        pdu.from_aper(data)
        value = pdu.get_val()
        name, body = value[1]["value"]
        ies = body["protocolIEs"]
        payloads = []
        if name == "E2setupRequest" or name == "RICserviceUpdate":
            for ie in ies:
                if ie["id"] == 10:
                    for item in ie["value"][1]:
                        rf = item["value"][1]
                        fam = _E2SM_BY_OID.get(rf["ranFunctionOID"])
                        self.ran_functions[rf["ranFunctionID"]] = fam
                        if fam:
                            payloads.append(self._e2sm(fam, "def", rf["ranFunctionDefinition"]))
        elif name in ("RICsubscriptionRequest", "RICindication"):
            fam = next((self.ran_functions.get(ie["value"][1]) for ie in ies if ie["id"] == 5), None)
            for ie in ies:
                if ie["id"] == 30:
                    details = ie["value"][1]
                    payloads.append(self._e2sm(fam, "trigger", details["ricEventTriggerDefinition"]))
                    for item in details["ricAction-ToBeSetup-List"]:
                        act = item["value"][1].get("ricActionDefinition")
                        if act is not None:
                            payloads.append(self._e2sm(fam, "action", act))
                elif ie["id"] == 25:
                    payloads.append(self._e2sm(fam, "header", ie["value"][1]))
                elif ie["id"] == 26:
                    payloads.append(self._e2sm(fam, "message", ie["value"][1]))
        return value, payloads


def pycrate_run(path: Path, limit: int | None = None) -> dict:
    dec = PycrateDecoder()
    stats = ReaderStats()
    values = 0
    start = time.perf_counter()
    n = 0
    for msg in read_messages(str(path), stats=stats):
        _, payloads = dec.decode(msg.data)
        if _is_indication(msg.data):
            fmt = payloads[-1]["indicationMessage-formats"][1]
            for rec in fmt.get("measData", []):
                values += len(rec["measRecord"])
        n += 1
        if limit is not None and n >= limit:
            break
    elapsed = time.perf_counter() - start
    return {"packets": stats.packets if limit is None else None, "messages": n, "seconds": elapsed,
            "kpm_values": values}


# ======================================================================= memory
_MEM_SCRIPT = r"""
import json, resource, sys, time
from harness.codec.e2 import E2Codec
E2Codec().e2sm('e2sm-kpm'); E2Codec().e2sm('e2sm-rc')
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
from harness.bench.capture_bench import decode_file, _rss_kib
base_now = _rss_kib()
t = time.perf_counter()
r = decode_file(sys.argv[1], sample_rss=True)
r['seconds'] = time.perf_counter() - t
r['base_rss_kib'] = base
r['rss_after_load_kib'] = base_now
r['peak_rss_kib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(r))
"""


def memory(path: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", _MEM_SCRIPT, str(path)], capture_output=True,
                          text=True, cwd=str(REPO_ROOT), env=env)
    if proc.returncode != 0:
        raise BenchError("memory subprocess failed:\n" + proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ======================================================================= report
def run(big: int = BIG_PACKETS, pycrate_limit: int | None = None, log=print) -> dict:
    t = time.perf_counter()
    small = capture_path(PACKETS)
    large = capture_path(big) if big else None
    gen_s = time.perf_counter() - t
    log(f"captures ready in {gen_s:.1f} s (generated only on a cache miss): {small}"
        + (f", {large}" if large else ""))
    size = small.stat().st_size

    before = _cpu()
    ours2 = ours_parallel(small)
    cpu2 = _cpu(before)
    log(f"ours x{WORKERS}: {ours2['seconds']:.2f} s")
    before = _cpu()
    ours1 = ours_single(small)
    cpu1 = _cpu(before)
    log(f"ours x1: {ours1['seconds']:.2f} s")
    if (ours1["indications"], ours1["kpm_values"], ours1["checksum"]) != (
            ours2["indications"], ours2["kpm_values"], ours2["checksum"]):
        raise BenchError(f"parallel and single-process decodes disagree: {ours1} vs {ours2}")
    before = _cpu()
    ts = tshark(small)
    cpu_ts = _cpu(before)
    if ts:
        log(f"tshark: {ts['seconds']:.2f} s")
    pc = pycrate_run(small, pycrate_limit)
    log(f"pycrate: {pc['seconds']:.2f} s for {pc['messages']} messages")
    if pc["kpm_values"] and pycrate_limit is None and pc["kpm_values"] != ours1["kpm_values"]:
        raise BenchError("pycrate and ours found different numbers of KPM values")

    packets = ours1["packets"]
    rows = [
        {"tool": f"ours ({WORKERS} processes)", "seconds": ours2["seconds"],
         "pkts_per_s": packets / ours2["seconds"], "cpu_s": cpu2},
        {"tool": "ours (1 process)", "seconds": ours1["seconds"], "pkts_per_s": packets / ours1["seconds"],
         "cpu_s": cpu1},
    ]
    if ts:
        rows.append({"tool": "tshark -T json", "seconds": ts["seconds"], "pkts_per_s": packets / ts["seconds"],
                     "cpu_s": cpu_ts})
    pc_rate = (pc["messages"] / pc["seconds"]) if pycrate_limit else packets / pc["seconds"]
    rows.append({"tool": "pycrate (1 process)" + (f", first {pc['messages']} msgs" if pycrate_limit else ""),
                 "seconds": pc["seconds"], "pkts_per_s": pc_rate})
    ref = rows[2]["pkts_per_s"] if ts else None
    for r in rows:
        r["vs_tshark"] = round(r["pkts_per_s"] / ref, 2) if ref else None
        r["vs_pycrate"] = round(r["pkts_per_s"] / pc_rate, 2)
        r["seconds"] = round(r["seconds"], 3)
        r["pkts_per_s"] = round(r["pkts_per_s"], 1)

    mem_small = memory(small)
    log(f"memory 20k: peak {mem_small['peak_rss_kib']} KiB")
    mem_big = memory(large) if large else None
    if mem_big:
        log(f"memory {big}: peak {mem_big['peak_rss_kib']} KiB")
    ratio, single = rows[0]["vs_tshark"], rows[1]["vs_tshark"]
    flat = growth = None
    if mem_big:
        growth = round(mem_big["peak_rss_kib"] / mem_small["peak_rss_kib"], 3)
        flat = (growth <= MEMORY_TARGET
                and mem_big["rss_sampled_max_kib"] <= MEMORY_TARGET * mem_small["rss_sampled_max_kib"])
    return {
        "capture": {"path": str(small), "packets": packets, "octets": size,
                    "indications": ours1["indications"], "kpm_values": ours1["kpm_values"],
                    "reader_issues": ours1["issues"]},
        "split": f"the parent loads the codec, builds its decoders and forks {WORKERS} workers, then reads "
                 f"the file once and feeds them: every non-indication message to each, RIC Indications "
                 f"dealt in chunks of {CHUNK}",
        "tshark_version": ts["version"] if ts else None,
        "rows": rows,
        "memory": {"small": mem_small, "big": mem_big, "big_packets": big},
        "targets": {"ratio_target": PARALLEL_TARGET, "ours_vs_tshark": ratio,
                    "ratio_met": bool(ratio and ratio >= PARALLEL_TARGET),
                    "single_ratio_target": SINGLE_TARGET, "single_vs_tshark": single,
                    "single_met": bool(single and single >= SINGLE_TARGET),
                    "memory_target": MEMORY_TARGET, "memory_growth": growth, "memory_flat": flat},
    }


def _print(result: dict) -> None:
    cap = result["capture"]
    print(f"capture: {cap['packets']:,} packets, {cap['octets']:,} octets, {cap['indications']:,} RIC "
          f"Indications, {cap['kpm_values']:,} KPM values, {cap['reader_issues']} reader issues")
    print(f"ours: {result['split']}")
    if result["tshark_version"]:
        print(f"tshark: {result['tshark_version']} (E2AP v1 dissector; not the same work)")
    head = ("tool", "seconds", "CPU s", "packets/s", "vs tshark", "vs pycrate")
    body = [(r["tool"], f"{r['seconds']:.2f}", f"{r['cpu_s']:.2f}" if "cpu_s" in r else "-", f"{r['pkts_per_s']:,.0f}",
             "-" if r["vs_tshark"] is None else f"{r['vs_tshark']:.2f}x", f"{r['vs_pycrate']:.2f}x")
            for r in result["rows"]]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(len(head))]
    fmt = lambda cells: " | ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    print(fmt(head))
    print("-+-".join("-" * w for w in widths))
    for cells in body:
        print(fmt(cells))
    m = result["memory"]
    print()
    for label, r in (("20k", m["small"]), (f"{m['big_packets']:,}", m["big"])):
        if r:
            print(f"memory, our read + decode of the {label}-packet file, one process, {r['packets']:,} packets "
                  f"in {r['seconds']:.1f} s: peak RSS (ru_maxrss) {r['peak_rss_kib'] / 1024:.1f} MiB "
                  f"(high-water after codec load {r['base_rss_kib'] / 1024:.1f} MiB); current RSS after load "
                  f"{r['rss_after_load_kib'] / 1024:.1f} MiB, max sampled every 1024 msgs "
                  f"{r['rss_sampled_max_kib'] / 1024:.1f} MiB, at end {r['rss_end_kib'] / 1024:.1f} MiB")
    t = result["targets"]
    ok = lambda b: "MET" if b else "NOT MET"  # noqa: E731
    print()
    if t["ours_vs_tshark"] is not None:
        print(f"target: ours, 1 process >= {t['single_ratio_target']:g}x tshark: {ok(t['single_met'])} "
              f"({t['single_vs_tshark']:.2f}x)")
        print(f"target: ours, {WORKERS} processes >= {t['ratio_target']:g}x tshark: {ok(t['ratio_met'])} "
              f"({t['ours_vs_tshark']:.2f}x)")
    if t["memory_flat"] is not None:
        print(f"target: memory flat from 20k to {m['big_packets']:,} packets (peak RSS <= "
              f"{t['memory_target']:g}x): {ok(t['memory_flat'])} ({t['memory_growth']:.2f}x)")


def main(as_json: bool = False, big: int = BIG_PACKETS, pycrate_limit: int | None = None) -> int:
    """Run the capture bench; 0 when it ran (missed targets are reported), 2 on error."""
    log = (lambda s: print(s, file=sys.stderr)) if as_json else (lambda s: print(f"  .. {s}", file=sys.stderr))
    try:
        result = run(big, pycrate_limit, log)
    except BenchError as err:
        print(f"bench capture: {err}", file=sys.stderr)
        return 2
    except ImportError as err:
        print(f"bench capture: needs pycrate (pip install pycrate): {err}", file=sys.stderr)
        return 2
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main("--json" in sys.argv))
