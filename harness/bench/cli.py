"""``oran-harness bench``: benchmark commands."""

from __future__ import annotations

import importlib

from harness.capture.pacing import parse_spin


def register(sub) -> None:
    b = sub.add_parser("bench", help="benchmarks against the named peers")
    bsub = b.add_subparsers(dest="bench", required=True)
    c = bsub.add_parser("codec", help="E2AP/E2SM deep encode and decode against pycrate")
    c.add_argument("--seconds", type=float, default=1.0, help="time per measurement (default 1)")
    c.add_argument("--json", action="store_true", help="print the table as JSON")
    c.set_defaults(handler=_lazy("codec_bench", lambda m, a: m.main(a.seconds, a.json)))
    s = bsub.add_parser("suite", help="the E2 suite's wall time and harness overhead per test case")
    s.add_argument("--rounds", type=int, default=3, help="rounds to run; the best is reported (default 3)")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(handler=_lazy("suite_bench", lambda m, a: m.main(a.json, a.rounds)))
    t = bsub.add_parser("transport", help="messages per second through the usrsctp transport, against a bare "
                                          "ctypes echo on the same stack")
    t.add_argument("--rounds", type=int, default=3, help="rounds to run; the best is reported (default 3)")
    t.add_argument("--json", action="store_true", help="print the result as JSON")
    t.set_defaults(handler=_lazy("transport_bench", lambda m, a: m.main(a.json, a.rounds)))
    cp = bsub.add_parser("capture", help="read + stateful deep decode of a generated E2 capture, against "
                                         "tshark and pycrate; peak memory on a big capture")
    cp.add_argument("--big", type=int, default=1_000_000,
                    help="packets in the capture used for the memory measurement (default 1000000; "
                         "0 skips it)")
    cp.add_argument("--pycrate-limit", type=int, default=None,
                    help="time pycrate on only the first N messages (default: all)")
    cp.add_argument("--json", action="store_true", help="print the result as JSON")
    cp.set_defaults(handler=_lazy("capture_bench", lambda m, a: m.main(a.json, a.big, a.pycrate_limit)))
    rp = bsub.add_parser("replay", help="replay timing at 1 ms gaps: our Pacer, and against tcpreplay on a "
                                        "veth in a private network namespace when root")
    rp.add_argument("--count", type=int, default=10_000, help="frames to replay (default 10000)")
    rp.add_argument("--spin", default="600", metavar="US|full",
                    help="busy-wait before each send: µs (default 600) or 'full' (never sleep)")
    rp.add_argument("--json", action="store_true", help="print the result as JSON")
    rp.set_defaults(handler=_lazy("replay_bench", lambda m, a: m.main(a.json, a.count, _spin(a.spin))))
    a1 = bsub.add_parser("a1", help="A1-P requests/s of a Python keep-alive client against the Near-RT RIC "
                                    "simulator, beside wrk on the same endpoint")
    a1.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    a1.add_argument("--rounds", type=int, default=1, help="rounds to run; the best is reported (default 1)")
    a1.add_argument("--json", action="store_true", help="print the result as JSON")
    a1.set_defaults(handler=_lazy("a1_bench", lambda m, a: m.main(a.json, a.seconds, a.rounds)))
    rb = bsub.add_parser("report", help="joint report build time and size (HTML, PDF) for a synthetic run "
                                        "of 1,000 test cases with evidence")
    rb.add_argument("--count", type=int, default=1000, help="test cases in the synthetic run (default 1000)")
    rb.add_argument("--no-pdf", action="store_true", help="time the HTML only, not the PDF")
    rb.add_argument("--json", action="store_true", help="print the result as JSON")
    rb.set_defaults(handler=_lazy("report_bench", lambda m, a: m.main(a.json, a.count, not a.no_pdf)))
    fh = bsub.add_parser("fronthaul", help="CU-plane capture checks: our packets/s against tshark -T fields and "
                                           "-V (oran_fh_cus) on one generated capture")
    fh.add_argument("--packets", type=int, default=200_000, help="messages in the capture (default 200000)")
    fh.add_argument("--workers", type=int, default=2, help="processes for the parallel run (default 2)")
    fh.add_argument("--json", action="store_true", help="print the result as JSON")
    fh.set_defaults(handler=_lazy("fronthaul_bench", lambda m, a: m.main(a.json, a.packets, a.workers)))
    rl = bsub.add_parser("relay", help="the impairment relay's fidelity: delay error at 10 and 300 ms, loss against "
                                       "the binomial bound, messages/s while impairing")
    rl.add_argument("--quick", action="store_true", help="fewer datagrams (a smoke run, not figures to quote)")
    rl.add_argument("--json", action="store_true", help="print the result as JSON")
    rl.set_defaults(handler=_lazy("relay_bench", lambda m, a: m.main(a.json, a.quick)))
    al = bsub.add_parser("all", help="every benchmark above, each in its own process, in one table beside its "
                                     "peer (ratio = ours / peer), with each bench's peak RSS")
    al.add_argument("--quick", action="store_true", help="short settings (a smoke run, not figures to quote)")
    al.add_argument("--only", default=None, metavar="NAMES",
                    help="comma-separated benches, e.g. codec,suite (default: all)")
    al.add_argument("--timeout", type=float, default=1800.0, help="seconds per bench before it is stopped")
    fmt = al.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_const", const="json", dest="format", default="text",
                     help="print the table as JSON")
    fmt.add_argument("--markdown", action="store_const", const="markdown", dest="format",
                     help="the README snippet: the command and a markdown table")
    al.set_defaults(handler=_lazy("all_bench", lambda m, a: m.main(a.quick, a.only, a.format, a.timeout)))


def _lazy(module: str, call):
    """A handler that imports harness.bench.<module> only when that benchmark runs."""
    def handler(args) -> int:
        return call(importlib.import_module(f"harness.bench.{module}"), args)
    return handler


def _spin(text: str) -> float:
    return parse_spin(text)
