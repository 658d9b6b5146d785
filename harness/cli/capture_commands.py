"""``oran-harness decode CAPTURE``: the E2AP messages of a pcap / pcapng file, decoded.

Hooked into the existing ``decode`` parser (harness/cli/codec_commands.py) by one call,
``register_capture_args(d, src)``, after ``d.set_defaults(handler=run_decode)``: it adds
the positional ``capture`` argument to the --hex/--file group and wraps the handler so
that a given capture path goes to `run_capture`.

Decoding is stateful per association, as a real peer would be: one `E2Codec` per
association; the side that sends the E2 Setup Request is the E2 node (the other the
RIC); RAN functions learned from E2 Setup Request and RIC Service Update select the
E2SM for later messages (all of it `harness.interfaces.e2.association.E2Association`).  Which
decoder takes a message (E2AP: PPID 70, or 0 on an E2AP port; HTTP: TCP) is
`harness.capture.dispatch.route`.  Undecodable messages are findings, not crashes: they show the codec's
error (IE path, bit offset, version diagnosis) and exit status stays 0.  An unreadable
file is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time as _time
from pathlib import Path

from harness.capture import dispatch
from harness.capture.http import HttpFramer
from harness.capture.model import CaptureError
from harness.capture.reader import CaptureReader
from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.jsonmap import to_json
from harness.interfaces.e2.association import E2Association
from harness.interfaces.e2.ierules import message_problems

_KEY_IES = ("TransactionID", "RICrequestID", "RANfunctionID", "RICactionID", "RICindicationSN",
            "Cause")


def register_capture_args(parser: argparse.ArgumentParser, group=None) -> None:
    """Add ``decode CAPTURE`` to the ``decode`` parser.

    Args:
        parser: the ``decode`` sub-parser.
        group: its mutually exclusive --hex/--file group; ``capture`` joins it.
    """
    (group or parser).add_argument("capture", nargs="?", type=Path, default=None,
                                   help="a pcap / pcapng capture: decode every E2AP message in it")
    g = parser.add_argument_group("capture decoding (with CAPTURE)")
    g.add_argument("--format", choices=("table", "jsonl"), default="table",
                   help="table (default) or one JSON object per message")
    g.add_argument("--message", action="append", default=[], metavar="NAME",
                   help="only messages with this name (e.g. RICindication); repeatable")
    g.add_argument("--association", action="append", default=[], metavar="KEY",
                   help="only this association ('ip:port-ip:port', with or without '#tags')")
    g.add_argument("--packets", metavar="A-B", help="only messages with a packet in A..B")
    g.add_argument("--udp-port", action="append", type=int, default=[], metavar="PORT",
                   help="UDP port carrying SCTP (RFC 6951) besides 9899")
    g.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    g.add_argument("--verify-checksums", action="store_true",
                   help="check IPv4 header checksums and the SCTP CRC32c (off by default: captures taken on "
                        "the sending host carry unset, offloaded checksums)")
    previous = parser.get_default("handler")
    if previous is not None:
        def handler(args):
            if getattr(args, "capture", None) is not None:
                return run_capture(args)
            return previous(args)
        parser.set_defaults(handler=handler)


def _make_codec_factory(args):

    def make():
        versions = E2Versions()
        for item in getattr(args, "e2sm_version", None) or []:
            proto, _, ver = item.partition("=")
            if proto in versions.e2sm and ver:
                versions.e2sm[proto] = ver
        if getattr(args, "version", None) and (getattr(args, "proto", None) in (None, "e2ap")):
            versions.e2ap = args.version
        codec = E2Codec(versions)
        for item in getattr(args, "ran_function", None) or []:
            rf, _, name = item.partition("=")
            codec.set_ran_function(int(rf), name)
        return codec
    return make


def _packet_range(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    lo, sep, hi = text.partition("-")
    try:
        a = int(lo) if lo else 1
        b = int(hi) if sep and hi else (a if not sep else 1 << 62)
    except ValueError:
        raise CaptureError(f"--packets: expected A-B, A- or A, got {text!r}") from None
    return a, b


def _short(name: str, value) -> str:
    if isinstance(value, dict) and name == "RICrequestID":
        return f"{value.get('ricRequestorID')}/{value.get('ricInstanceID')}"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return f"{value[0]}:{value[1][0] if isinstance(value[1], tuple) else value[1]}"
    return str(value)


def _decode(msg, state) -> dict:
    """Decode one message with its association's state (an `E2Association`), which learns from it."""
    out: dict = {"message": None, "status": "ok", "ies": {}, "notes": [], "error": None, "value": None}
    if not dispatch.is_e2ap(msg):
        out["status"] = "skipped"
        out["message"] = f"(PPID {msg.ppid}, not E2AP)"
        return out
    got = state.feed(msg.data, msg.src, msg.time)
    if got.error is not None:
        out["status"] = "undecodable"
        out["error"] = got.error
        return out
    out["message"] = got.label
    out["ies"] = {k: got.parsed.ies[k] for k in _KEY_IES if k in got.parsed.ies}
    out["notes"] = got.note_lines()
    if got.notes:
        out["status"] = f"ok, {len(got.notes)} note(s)"
    problems = message_problems(state.view, got.parsed)     # the IE rules every judge applies
    if problems:
        out["status"] = "not ok: " + ", ".join(dict.fromkeys(p.check for p in problems))
        out["notes"] = [f"{p.ie}: {p.check}: {p.text}" for p in problems] + out["notes"]
    out["value"] = lambda: to_json(state.codec.codec_for_type, "E2AP-PDU", got.pdu)
    return out


def _json_ies(ies: dict) -> dict:
    out = {}
    for k, v in ies.items():
        out[k] = v if not isinstance(v, tuple) else {v[0]: v[1]}
    return out


class _Progress:
    def __init__(self, reader: CaptureReader, enabled: bool) -> None:
        self.reader, self.enabled, self.last = reader, enabled, 0.0
        self.shown = False

    def tick(self) -> None:
        if not self.enabled:
            return
        now = _time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        size = self.reader.size or 1
        pct = min(100, 100 * self.reader.offset // size)
        bar = "#" * (pct // 4)
        sys.stderr.write(f"\rdecoding [{bar:<25}] {pct:3d}% {self.reader.stats.packets} packets")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def run_capture(args) -> int:
    """Decode every E2AP message of ``args.capture``; see the module docstring."""
    path = args.capture
    issues: list = []
    try:
        window = _packet_range(getattr(args, "packets", None))
        reader = CaptureReader(path, issues=issues, udp_ports=getattr(args, "udp_port", []) or [],
                               tcp_ports=None, verify_checksums=getattr(args, "verify_checksums", False))
        stream = iter(reader)
        first = next(stream, None)
    except CaptureError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    fmt = getattr(args, "format", "table")
    wanted_names = {n.lower() for n in getattr(args, "message", []) or []}
    wanted_assocs = list(getattr(args, "association", []) or [])
    progress = _Progress(reader, sys.stderr.isatty() and not getattr(args, "no_progress", False)
                         and os.path.getsize(path) > (4 << 20))
    make_codec = _make_codec_factory(args)
    states: dict = {}
    t0 = first.time if first is not None else 0.0
    out = sys.stdout
    if fmt == "table":
        header = (f"{'no':>4}  {'packets':<9} {'time':>10}  {'src -> dst':<47} {'strm':>4}  "
                  f"{'message':<34} {'key IEs':<48} status")
        out.write(header + "\n")

    def messages():
        if first is not None:
            yield first
            yield from stream

    framer = HttpFramer(issues)

    def show_http(found) -> None:          # HTTP over TCP (A1): method, path, status, one row each
        for h in found:
            if window and not any(window[0] <= p <= window[1] for p in h.packets):
                continue
            if fmt == "jsonl":
                out.write(json.dumps({"packets": list(h.packets), "time": h.time, "transport": "tcp",
                                      "association": h.connection, "src": h.src, "dst": h.dst,
                                      "message": "HTTP " + h.kind, "method": h.method or None,
                                      "target": h.target or None, "status": h.status or None,
                                      "body_octets": len(h.body)}) + "\n")
                continue
            packets = ",".join(str(p) for p in h.packets)
            packets = packets if len(packets) <= 9 else f"{h.packets[0]}-{h.packets[-1]}"
            out.write(f"{'':>4}  {packets:<9} {h.time - t0:>10.6f}  {h.src + ' -> ' + h.dst:<47} {'':>4}  "
                      f"HTTP {h.label()} ({len(h.body)} octets)\n")

    for number, msg in enumerate(messages(), 1):
        progress.tick()
        if dispatch.route(msg) == dispatch.HTTP:
            if not wanted_names and not wanted_assocs:
                show_http(framer.feed(msg))
            continue
        base = msg.association.split("#", 1)[0]
        state = states.get(msg.association)
        if state is None:
            state = states[msg.association] = E2Association(make_codec())
        info = _decode(msg, state)
        if wanted_names and (info["message"] or "").lower() not in wanted_names:
            continue
        if wanted_assocs and not any(a in (msg.association, base) for a in wanted_assocs):
            continue
        if window and not any(window[0] <= p <= window[1] for p in msg.packets):
            continue
        if fmt == "jsonl":
            value = info["value"]() if info["value"] is not None else None
            doc = {"no": number, "packets": list(msg.packets), "time": msg.time,
                   "transport": msg.transport, "association": msg.association,
                   "src": msg.src, "dst": msg.dst,
                   "from": state.role(msg.src), "to": state.role(msg.dst),
                   "stream": msg.stream, "ppid": msg.ppid, "message": info["message"],
                   "status": info["status"].split(",")[0], "ies": _json_ies(info["ies"]),
                   "notes": info["notes"]}
            if info["error"]:
                doc["error"] = info["error"]
                doc["hex"] = msg.data.hex()
            if value is not None:
                doc["value"] = value
            out.write(json.dumps(doc, default=_json_default) + "\n")
            continue
        packets = ",".join(str(p) for p in msg.packets)
        ies = " ".join(f"{k}={_short(k, v)}" for k, v in info["ies"].items())
        role = state.role(msg.src)
        arrow = {"e2-node": "N->R", "ric": "R->N"}.get(role or "", "->")
        ends = f"{msg.src} {arrow} {msg.dst}"
        out.write(f"{number:>4}  {packets:<9} {msg.time - t0:>10.6f}  {ends:<47} {msg.stream:>4}  "
                  f"{info['message'] or '?':<34} {ies:<48} {info['status']}".rstrip() + "\n")
        if info["error"]:
            out.write(f"      error (packet {packets}): {info['error']}\n")
        for note in info["notes"]:
            out.write(f"      note: {note}\n")
    show_http(framer.flush())
    progress.done()
    out.flush()
    for issue in sorted(issues, key=lambda i: i.packet):
        print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
    return 0


def _json_default(value):
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (``python -m harness.cli.capture_commands CAPTURE``) until hooked in."""
    parser = argparse.ArgumentParser(prog="oran-harness decode")
    register_capture_args(parser)
    args = parser.parse_args(argv)
    if args.capture is None:
        parser.error("a capture file is needed")
    try:
        return run_capture(args)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
