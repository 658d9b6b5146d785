"""A scripted SCTP peer on usrsctp, run as its own process (one usrsctp stack per process).

    python -m harness.transport.usrsctp_peer --mode udp --udp-port 30001 --port 0

Prints ``READY <sctp-port>`` once listening, then serves every association in a
thread: each message is echoed back on its stream with its PPID, except the
commands (payload starting with ``\\0CMD:``):

``ABORT[:reason]`` abort the association; ``SHUTDOWN`` close it gracefully;
``SINK`` stop echoing and count; ``COUNT`` reply ``COUNT:<n>`` (messages
counted since SINK); ``STREAMS`` reply ``<outbound>,<inbound>``.

``--sniff IFACE`` (root) counts the frames on IFACE that are SCTP (IP protocol
132) or UDP, and the PPIDs of the SCTP DATA chunks, printing ``SNIFF {json}``
after each association ends. Used by the tests and ``harness.bench.transport_bench``.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import signal
import socket
import struct
import sys
import threading
from ctypes import byref, c_int, c_uint, sizeof

from harness.transport import usrsctp_ffi as ffi
from harness.transport.base import PeerClosed, TransportError
from harness.transport.usrsctp import UsrsctpAssociation, UsrsctpListener, UsrsctpStack

CMD = b"\x00CMD:"


class Sniffer(threading.Thread):
    def __init__(self, iface: str) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
        self.sock.bind((iface, 0))
        self.sctp = 0
        self.udp = 0
        self.ppids: dict[str, int] = {}
        self.lock = threading.Lock()

    def run(self) -> None:
        while True:
            frame = self.sock.recv(65535)
            if len(frame) < 34 or frame[12:14] != b"\x08\x00":
                continue
            ihl = (frame[14] & 0x0F) * 4
            proto = frame[23]
            with self.lock:
                if proto == 132:
                    self.sctp += 1
                    off = 14 + ihl + 12
                    while off + 16 <= len(frame):
                        ctype, _, clen = struct.unpack_from("!BBH", frame, off)
                        if clen < 4:
                            break
                        if ctype == 0:
                            ppid = str(struct.unpack_from("!I", frame, off + 12)[0])
                            self.ppids[ppid] = self.ppids.get(ppid, 0) + 1
                        off += (clen + 3) & ~3
                elif proto == 17:
                    self.udp += 1

    def snapshot(self) -> dict:
        with self.lock:
            return {"sctp": self.sctp, "udp": self.udp, "ppids": dict(self.ppids)}


def serve(assoc: UsrsctpAssociation, sniffer: Sniffer | None) -> None:
    sink, count = False, 0
    try:
        while True:
            try:
                pkt = assoc.recv(30.0)
            except PeerClosed:
                break
            if pkt is None:
                break
            data = pkt.data
            if data.startswith(CMD):
                cmd = data[len(CMD):]
                if cmd.startswith(b"ABORT"):
                    assoc.abort()
                    break
                if cmd == b"SHUTDOWN":
                    assoc.close()
                    break
                if cmd == b"SINK":
                    sink, count = True, 0
                elif cmd == b"COUNT":
                    assoc.send(b"COUNT:%d" % count, stream=pkt.stream, ppid=pkt.ppid)
                elif cmd == b"STREAMS":
                    assoc.send(b"%d,%d" % assoc.streams, stream=pkt.stream, ppid=pkt.ppid)
                continue
            if sink:
                count += 1
            else:
                assoc.send(data, stream=pkt.stream, ppid=pkt.ppid)
    except TransportError as exc:
        print(f"ERROR {exc}", flush=True)
    finally:
        assoc.close(timeout=1.0)
        if sniffer is not None:
            print("SNIFF " + json.dumps(sniffer.snapshot()), flush=True)


def bare_echo(listener: UsrsctpListener) -> None:
    """The fastest echo: a blocking ctypes loop per association, no transport layer
    (the benchmark's reference peer). Notifications are skipped."""


    lib = ffi.lib()
    lib.usrsctp_set_non_blocking(listener._sock.so, 0)

    def loop(so: int) -> None:
        lib.usrsctp_set_non_blocking(so, 0)
        buf = ctypes.create_string_buffer(256 * 1024)
        frm, frmlen = ctypes.create_string_buffer(128), c_uint()
        rcv, infolen, infotype, flags = ffi.SctpRcvinfo(), c_uint(), c_uint(), c_int()
        snd = ffi.SctpSndinfo()
        while True:
            frmlen.value, infolen.value = 128, sizeof(rcv)
            n = lib.usrsctp_recvv(so, buf, len(buf), frm, byref(frmlen), byref(rcv),
                                  byref(infolen), byref(infotype), byref(flags))
            if n <= 0:
                break
            if flags.value & ffi.MSG_NOTIFICATION:
                continue
            snd.snd_sid, snd.snd_ppid = rcv.rcv_sid, rcv.rcv_ppid
            if lib.usrsctp_sendv(so, buf, n, None, 0, byref(snd), sizeof(snd),
                                 ffi.SCTP_SENDV_SNDINFO, 0) < 0:
                break
        lib.usrsctp_close(so)

    while True:
        frmlen = c_uint(128)
        so = lib.usrsctp_accept(listener._sock.so, ctypes.create_string_buffer(128), byref(frmlen))
        if so:
            threading.Thread(target=loop, args=(so,), daemon=True).start()


def _die_with_parent() -> None:
    """SIGKILL this peer when the process that started it dies (Linux prctl)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)      # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("udp", "raw"), default="udp")
    ap.add_argument("--udp-port", type=int, default=None)
    ap.add_argument("--host", default="0.0.0.0")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--blackhole", type=int, default=None)
    ap.add_argument("--sniff", default=None, metavar="IFACE")
    ap.add_argument("--bare", action="store_true",
                    help="echo only, with a blocking ctypes loop (benchmark reference)")
    args = ap.parse_args(argv)
    _die_with_parent()
    UsrsctpStack.start(args.mode, udp_port=args.udp_port, blackhole=args.blackhole)
    sniffer = None
    if args.sniff:
        sniffer = Sniffer(args.sniff)
        sniffer.start()
    listener = UsrsctpListener(args.host, args.port, mode=args.mode, local_udp_port=args.udp_port)
    print(f"READY {listener.port}", flush=True)
    if args.bare:
        bare_echo(listener)
    while True:
        try:
            assoc = listener.accept(3600.0)
        except TransportError:
            continue
        threading.Thread(target=serve, args=(assoc, sniffer), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
