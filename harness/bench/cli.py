"""``oran-harness bench``: benchmark commands."""

from __future__ import annotations

import importlib


def register(sub) -> None:
    b = sub.add_parser("bench", help="benchmarks against the named peers")
    bsub = b.add_subparsers(dest="bench", required=True)
    c = bsub.add_parser("codec", help="E2AP/E2SM deep encode and decode against pycrate")
    c.add_argument("--seconds", type=float, default=1.0, help="time per measurement (default 1)")
    c.add_argument("--json", action="store_true", help="print the table as JSON")
    c.set_defaults(handler=_lazy("codec_bench", lambda m, a: m.main(a.seconds, a.json)))
    s = bsub.add_parser("suite", help="the E2 suite's wall time and harness overhead per test case")
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_lazy("suite_bench", lambda m, a: m.main(a.json, a.rounds)))
    t = bsub.add_parser("transport", help="messages per second through the usrsctp transport, against a bare "
                                          "ctypes echo on the same stack")
    t.add_argument("--rounds", type=int, default=3)
    t.add_argument("--json", action="store_true")
    t.set_defaults(handler=_lazy("transport_bench", lambda m, a: m.main(a.json, a.rounds)))
    cp = bsub.add_parser("capture", help="read + stateful deep decode of a generated E2 capture, against "
                                         "tshark and pycrate; peak memory on a big capture")
    cp.add_argument("--big", type=int, default=200_000,
                    help="packets in the capture used for the memory measurement (default 200000; "
                         "0 skips it)")
    cp.add_argument("--pycrate-limit", type=int, default=None,
                    help="time pycrate on only the first N messages (default: all)")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(handler=_lazy("capture_bench", lambda m, a: m.main(a.json, a.big, a.pycrate_limit)))
    rp = bsub.add_parser("replay", help="replay timing at 1 ms gaps: our Pacer, and against tcpreplay on a "
                                        "veth in a private network namespace when root")
    rp.add_argument("--count", type=int, default=10_000)
    rp.add_argument("--spin", default="600", metavar="US|full",
                    help="busy-wait before each send: µs (default 600) or 'full' (never sleep)")
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(handler=_lazy("replay_bench", lambda m, a: m.main(a.json, a.count, _spin(a.spin))))


def _lazy(module: str, call):
    """A handler that imports harness.bench.<module> only when that benchmark runs."""
    def handler(args) -> int:
        return call(importlib.import_module(f"harness.bench.{module}"), args)
    return handler


def _spin(text: str) -> float:
    from harness.capture.pacing import parse_spin
    return parse_spin(text)
