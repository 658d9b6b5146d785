"""``oran-harness bench``: benchmark commands."""

from __future__ import annotations


def register(sub) -> None:
    b = sub.add_parser("bench", help="benchmarks against the named peers")
    bsub = b.add_subparsers(dest="bench", required=True)
    c = bsub.add_parser("codec", help="E2AP/E2SM deep encode and decode against pycrate")
    c.add_argument("--seconds", type=float, default=1.0, help="time per measurement (default 1)")
    c.add_argument("--json", action="store_true", help="print the table as JSON")
    c.set_defaults(handler=_run_codec)
    s = bsub.add_parser("suite", help="the E2 suite's wall time and harness overhead per test case")
    s.add_argument("--rounds", type=int, default=3)
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=_run_suite)
    t = bsub.add_parser("transport", help="messages per second through the usrsctp transport, against a bare "
                                          "ctypes echo on the same stack")
    t.add_argument("--rounds", type=int, default=3)
    t.add_argument("--json", action="store_true")
    t.set_defaults(handler=_run_transport)
    cp = bsub.add_parser("capture", help="read + stateful deep decode of a generated E2 capture, against "
                                         "tshark and pycrate; peak memory on a big capture")
    cp.add_argument("--big", type=int, default=200_000,
                    help="packets in the capture used for the memory measurement (default 200000; "
                         "0 skips it)")
    cp.add_argument("--pycrate-limit", type=int, default=None,
                    help="time pycrate on only the first N messages (default: all)")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(handler=_run_capture)
    rp = bsub.add_parser("replay", help="replay timing at 1 ms gaps: our Pacer, and against tcpreplay on a "
                                        "veth in a private network namespace when root")
    rp.add_argument("--count", type=int, default=10_000)
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(handler=_run_replay)


def _run_capture(args) -> int:
    from harness.bench import capture_bench
    return capture_bench.main(args.json, args.big, args.pycrate_limit)


def _run_replay(args) -> int:
    from harness.bench import replay_bench
    return replay_bench.main(args.json, args.count)


def _run_transport(args) -> int:
    from harness.bench import transport_bench
    return transport_bench.main(args.json, args.rounds)


def _run_suite(args) -> int:
    from harness.bench import suite_bench
    return suite_bench.main(args.json, args.rounds)


def _run_codec(args) -> int:
    from harness.bench import codec_bench
    return codec_bench.main(args.seconds, args.json)
