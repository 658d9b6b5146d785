"""``oran-harness replay CAPTURE --dut PROFILE``: replay one side of a captured E2 conversation."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.capture.model import CaptureError
from harness.capture.pacing import parse_spin
from harness.capture.reader import read_messages
from harness.interfaces.e2.replay import ReplayError, plan, replay
from harness.interfaces.e2.live import LiveConfig, LiveError, LiveLink, SimulatorProcess
from harness.profiles.loader import ProfileError, load_dut, load_lab
from harness.session import DEFAULT_LAB
from harness.interfaces.e2.sim.factory import start_simulator
from harness.transport import inproc


def register(sub) -> None:
    p = sub.add_parser("replay", help="replay the other side of a captured E2 conversation towards a DUT")
    p.add_argument("capture", type=Path, help="the capture (pcap or pcapng) whose exchange is replayed")
    p.add_argument("--dut", type=Path, required=True, help="DUT profile (its role decides which side is replayed)")
    p.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab profile (sim: in-process simulator; live: SCTP)")
    p.add_argument("--speed", type=float, default=1.0, help="time scale: 2 replays twice as fast")
    p.add_argument("--ignore", action="append", default=[], metavar="IE.PATH",
                   help="also ignore this IE (or IE.component) when comparing answers")
    p.add_argument("--association", default=None, help="replay this association (default: the first with E2AP)")
    p.add_argument("--answer-timeout", type=float, default=5.0,
                   help="seconds to wait for each answer of the DUT (default 5)")
    p.add_argument("--spin", default="600", metavar="US|full",
                   help="busy-wait this many µs before each send (default 600), or 'full' to never sleep "
                        "(a core busy for the whole replay, for the tightest timing)")
    p.set_defaults(handler=run)


def run(args) -> int:
    try:
        spin = parse_spin(args.spin)
        dut, lab = load_dut(args.dut), load_lab(args.lab)
        issues: list = []
        items = plan(read_messages(args.capture, issues=issues), dut.role, args.association, dut.e2ap_version)
    except (ProfileError, CaptureError, ReplayError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for issue in issues:
        print(f"packet {issue.packet}: {issue.message}", file=sys.stderr)
    sim = link = None
    if lab.mode == "sim":
        transport, dut_end = inproc.pair("harness", "dut")
        sim = start_simulator(dut.role, dut_end, lab=lab)
    else:
        try:
            cfg = LiveConfig.from_lab(lab, dut)
            proc = SimulatorProcess(dut.role, cfg, None, 3.0) if cfg.spawn else None
            link = LiveLink(cfg, dut.role, proc)
            transport = link.open(lab.timers.guard)
        except (LiveError, Exception) as err:  # noqa: BLE001 - any set-up failure is the lab's
            print(f"error: cannot reach the DUT: {err}", file=sys.stderr)
            return 2
    try:
        sides = {"harness": sum(i.side == "harness" for i in items), "dut": sum(i.side == "dut" for i in items)}
        print(f"replaying {sides['harness']} message(s) of association {items[0].message.association} "
              f"towards a {dut.role} DUT; expecting {sides['dut']} answer(s)")
        result = replay(items, transport, speed=args.speed, ignore=tuple(args.ignore),
                        answer_timeout=args.answer_timeout, e2ap_version=dut.e2ap_version, spin=spin)
    finally:
        transport.close()
        if sim is not None:
            sim.stop()
        if link is not None:
            link.close()
            if link.sim is not None:
                link.sim.close()
    for c in result.comparisons:
        print(c.line())
    for e in result.errors:
        print(f"error: {e}")
    print(result.timing.line())
    same = sum(c.ok for c in result.comparisons)
    print(f"{same} same, {len(result.comparisons) - same} different or missing; {result.sent} sent")
    return 0 if result.ok else 1
