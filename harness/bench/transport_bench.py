"""``oran-harness bench transport``: messages per second through UsrsctpAssociation.

One usrsctp stack in this process (UDP encapsulation on loopback; as root it
carries raw-IP associations too) talks to a peer process
(``python -m harness.transport.usrsctp_peer --bare``: a blocking ctypes echo,
so the peer costs the same for every row). Two clients share this process's
stack in the same run and take turns, ``ROUNDS`` times, median kept:

* ``transport``: :class:`harness.transport.usrsctp.UsrsctpAssociation`
  (``send`` / ``recv`` with stream and PPID, non-blocking socket + upcall);
* ``bare``: the minimal loop on the raw ctypes calls (blocking socket,
  ``usrsctp_sendv`` / ``usrsctp_recvv``, no events, no Packet objects).

Two measurements, 100-byte messages, PPID 70:

* ``round trip``: send one, receive its echo; the rate is round trips per second
  (each one a send and a receive through the transport);
* ``streaming``: a sender thread sends N while the calling thread receives the
  N echoes (send and recv concurrently on one association); the rate is
  messages per second each way.

Raw mode (IP protocol 132 on loopback, both stacks with ``sctp_blackhole=2``)
runs only as root. Target: at least 20k messages/s through the transport
(streaming) on loopback.
"""

from __future__ import annotations

import ctypes
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from ctypes import byref, c_int, c_uint, sizeof
from pathlib import Path

from harness.codec import vectors
from harness.transport import usrsctp as us
from harness.transport import usrsctp_ffi as ffi

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
RT_COUNT = 2000
STREAM_COUNT = 20000
PAYLOAD = b"\x5a" * 100
TARGET_MSGS = 20000.0
DECODE_COUNT = 2000


def _indication_codec():
    """The E2 codec and a real RIC Indication with E2SM-KPM (golden vector, 177 octets)."""
    vec = vectors.load(REPO_ROOT / "fixtures" / "golden" / "e2ap-v03.01" / "pc05-1-RICindication.json")
    return vectors.codec_for(vec), bytes.fromhex(vec["hex"])


def _data(received):
    """The payload of what a receiver returned (a Packet, or bytes from the bare loop)."""
    return getattr(received, "data", received)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peer:
    """The echo peer process; ``port`` is its SCTP port."""

    def __init__(self, mode: str, udp_port: int | None) -> None:
        self.udp_port = udp_port
        cmd = [sys.executable, "-m", "harness.transport.usrsctp_peer", "--mode", mode, "--bare",
               "--host", "127.0.0.1"]
        if mode == "udp":
            cmd += ["--udp-port", str(udp_port)]
        else:
            cmd += ["--blackhole", "2"]
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env, cwd=REPO_ROOT)
        if self.proc.stdout is None or self.proc.stderr is None:     # pipes, as asked above
            raise RuntimeError("the echo peer was started without its pipes")
        line = self.proc.stdout.readline()
        if not line.startswith("READY"):
            self.close()
            raise RuntimeError(f"peer did not start: {line!r} {self.proc.stderr.read()[-500:]}")
        self.port = int(line.split()[1])

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(5)


class Bare:
    """The minimal client: raw ctypes calls on a blocking socket."""

    def __init__(self, port: int, mode: str, remote_udp_port: int | None) -> None:
        lib = self.lib = ffi.lib()
        self.so = lib.usrsctp_socket(socket.AF_INET, ffi.SOCK_STREAM, ffi.IPPROTO_SCTP,
                                     None, None, 0, None)
        one = c_int(1)
        lib.usrsctp_setsockopt(self.so, ffi.IPPROTO_SCTP, ffi.SCTP_NODELAY, byref(one), 4)
        if mode == "udp":
            if remote_udp_port is None:
                raise ValueError("SCTP over UDP needs the peer's UDP port")
            enc = ffi.SctpUdpencaps()
            enc.sue_port = socket.htons(remote_udp_port)
            lib.usrsctp_setsockopt(self.so, ffi.IPPROTO_SCTP, ffi.SCTP_REMOTE_UDP_ENCAPS_PORT,
                                   byref(enc), sizeof(enc))
        sa, _ = ffi.sockaddr("127.0.0.1", port)
        if lib.usrsctp_connect(self.so, byref(sa), sizeof(sa)) < 0:
            raise RuntimeError(f"bare connect failed: {os.strerror(ctypes.get_errno())}")
        self.snd = ffi.SctpSndinfo(0, 0, socket.htonl(70), 0, 0)

    def send(self, data: bytes) -> None:
        self.lib.usrsctp_sendv(self.so, data, len(data), None, 0, byref(self.snd),
                               sizeof(self.snd), ffi.SCTP_SENDV_SNDINFO, 0)

    def receiver(self):
        buf = ctypes.create_string_buffer(65536)
        frm, frmlen = ctypes.create_string_buffer(128), c_uint()
        rcv, infolen, infotype, flags = ffi.SctpRcvinfo(), c_uint(), c_uint(), c_int()
        lib, so = self.lib, self.so

        def recv() -> bytes:
            while True:
                frmlen.value, infolen.value = 128, sizeof(rcv)
                n = lib.usrsctp_recvv(so, buf, 65536, frm, byref(frmlen), byref(rcv),
                                      byref(infolen), byref(infotype), byref(flags))
                if n <= 0:
                    raise RuntimeError("bare recv failed")
                if not flags.value & ffi.MSG_NOTIFICATION:
                    return buf.raw[:n]
        return recv

    def close(self) -> None:
        self.lib.usrsctp_close(self.so)


def _round_trips(send, recv, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        send(PAYLOAD)
        recv()
    return n / (time.perf_counter() - t0)


def _streaming(send, recv, n: int, payload: bytes = PAYLOAD) -> float:
    def sender() -> None:
        for _ in range(n):
            send(payload)
    t0 = time.perf_counter()
    th = threading.Thread(target=sender)
    th.start()
    for _ in range(n):
        recv()
    th.join()
    return n / (time.perf_counter() - t0)


def _measure(mode: str, stack: us.UsrsctpStack, rounds: int) -> dict:
    peer = Peer(mode, _free_udp_port() if mode == "udp" else None)
    try:
        rudp = peer.udp_port
        assoc = us.connect("127.0.0.1", peer.port, mode=mode, remote_udp_port=rudp or 9899,
                           timeout=5.0)
        bare = Bare(peer.port, mode, rudp)
        t_send = lambda d: assoc.send(d, stream=1, ppid=70)            # noqa: E731

        def t_recv():
            pkt = assoc.recv(5.0)
            if pkt is None:
                raise RuntimeError("transport recv timed out")
            return pkt
        b_recv = bare.receiver()
        results: dict[str, list[float]] = {k: [] for k in ("rt_t", "rt_b", "st_t", "st_b", "dd_t", "dd_b")}
        codec, indication = _indication_codec()

        def decoded(recv):
            def inner():
                codec.decode(bytes(_data(recv())))
            return inner
        _round_trips(t_send, t_recv, 200)                                # warm up
        _round_trips(bare.send, b_recv, 200)
        for _ in range(rounds):
            results["rt_t"].append(_round_trips(t_send, t_recv, RT_COUNT))
            results["rt_b"].append(_round_trips(bare.send, b_recv, RT_COUNT))
            results["st_t"].append(_streaming(t_send, t_recv, STREAM_COUNT))
            results["st_b"].append(_streaming(bare.send, b_recv, STREAM_COUNT))
            results["dd_t"].append(_streaming(t_send, decoded(t_recv), DECODE_COUNT, indication))
            results["dd_b"].append(_streaming(bare.send, decoded(b_recv), DECODE_COUNT, indication))
        srtt = assoc.status().sstat_primary.spinfo_srtt
        assoc.close(timeout=1.0)
        bare.close()
    finally:
        peer.close()
    med = {k: statistics.median(v) for k, v in results.items()}
    return {
        "mode": mode,
        "round_trips_per_s": {"transport": round(med["rt_t"]), "bare": round(med["rt_b"]),
                              "ratio": round(med["rt_t"] / med["rt_b"], 2)},
        "streaming_msgs_per_s": {"transport": round(med["st_t"]), "bare": round(med["st_b"]),
                                 "ratio": round(med["st_t"] / med["st_b"], 2)},
        "indications_deep_decoded_per_s": {"transport": round(med["dd_t"]), "bare": round(med["dd_b"]),
                                           "ratio": round(med["dd_t"] / med["dd_b"], 2)},
        "mean_rtt_us": round(1e6 / med["rt_t"], 1),
        "sctp_srtt_ms": srtt,
    }


def run(rounds: int = ROUNDS) -> dict:
    stack = us.UsrsctpStack.start("udp", udp_port=_free_udp_port())
    rows = [_measure("udp", stack, rounds)]
    skipped = None
    if stack.raw_available:
        stack.set_blackhole(2)           # two raw stacks on one host see each other's packets
        rows.append(_measure("raw", stack, rounds))
    else:
        skipped = "raw mode skipped: needs root / CAP_NET_RAW"
    best = max(r["streaming_msgs_per_s"]["transport"] for r in rows)
    return {"rows": rows, "payload_bytes": len(PAYLOAD), "rounds": rounds,
            "round_trip_count": RT_COUNT, "stream_count": STREAM_COUNT,
            "target_msgs_per_s": TARGET_MSGS, "target_met": best >= TARGET_MSGS,
            "raw_skipped": skipped, "cpus": os.cpu_count()}


def main(as_json: bool, rounds: int = ROUNDS) -> int:
    report = run(rounds)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print(f"usrsctp transport, loopback, {report['payload_bytes']}-byte messages, PPID 70, "
              f"median of {report['rounds']} ({report['cpus']} CPUs)")
        print(f"{'mode':<5} {'measure':<22} {'transport':>10} {'bare ctypes':>12} {'ratio':>6}")
        for r in report["rows"]:
            for key, label in (("round_trips_per_s", "round trips/s"),
                               ("streaming_msgs_per_s", "streaming msgs/s"),
                               ("indications_deep_decoded_per_s", "RIC ind. + deep decode/s")):
                v = r[key]
                print(f"{r['mode']:<5} {label:<22} {v['transport']:>10} {v['bare']:>12} "
                      f"{v['ratio']:>6.2f}")
        if report["raw_skipped"]:
            print(report["raw_skipped"])
        verdict = "met" if report["target_met"] else "NOT met"
        print(f"target >= {TARGET_MSGS:.0f} msgs/s through the transport: {verdict}")
    return 0 if report["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main("--json" in sys.argv))
