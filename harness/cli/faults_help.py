"""``--list-faults``: the simulator fault modes, printed where ``--fault`` is an option.

Why: a fault name is only useful if the user can see the list without reading the source; the
same registries the simulators select from (`harness.sim.faultspec.FaultRegistry`) print here,
so a name listed is a name accepted.
"""

from __future__ import annotations

import argparse
import sys

from harness.interfaces.a1.sim.faults import NONRT_FAULTS, RIC_FAULTS
from harness.interfaces.e2.sim.faults import E2_FAULTS
from harness.interfaces.mplane.sim.oru import ORU_FAULTS
from harness.sim.faultspec import FaultRegistry

FAULT_HELP = ("a built-in simulator fault mode, NAME or NAME@Message,... to limit it to those messages "
              "(--list-faults lists them)")

# What each simulator plays: (heading, registry, the role its faults must fire for; None: any).
SIMULATORS: dict[str, tuple[str, FaultRegistry, str | None]] = {
    "e2-node": ("E2 node simulator (E2AP)", E2_FAULTS, "e2-node"),
    "ric": ("Near-RT RIC simulator (E2AP)", E2_FAULTS, "near-rt-ric"),
    "a1-ric": ("Near-RT RIC simulator (A1-P producer)", RIC_FAULTS, None),
    "a1-nonrt-ric": ("Non-RT RIC simulator (A1-P consumer)", NONRT_FAULTS, None),
    "o-ru": ("O-RU simulator (M-plane)", ORU_FAULTS, None),
}


def fault_text(names: list[str] | None = None) -> str:
    """The fault modes of the named simulators (default: every one), one line each, by simulator."""
    out: list[str] = []
    for key in names or list(SIMULATORS):
        heading, registry, role = SIMULATORS[key]
        out.append(f"{heading} (sim {key}):")
        for fault in registry.values():
            if fault.fires_for(role):
                kind = " [hostile peer]" if fault.stage == "hostile" else ""
                out.append(f"  {fault.name:<28} {fault.description}{kind}")
        out.append("")
    out.append("Limit a fault to some messages (E2) or operations (A1): NAME@Message,Message")
    return "\n".join(out)


class ListFaults(argparse.Action):
    """An option that prints the fault modes and exits (before required options are checked)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 simulators: list[str] | None = None, help=None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)
        self.simulators = simulators

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        sys.stdout.write(fault_text(self.simulators) + "\n")
        parser.exit(0)


def add_list_faults(parser: argparse.ArgumentParser, simulators: list[str] | None = None) -> None:
    """Give ``parser`` a ``--list-faults`` option for the named simulators (default: all)."""
    parser.add_argument("--list-faults", action=ListFaults, simulators=simulators,
                        help="print the simulator fault modes --fault accepts, and exit")


def fault_action(parser: argparse.ArgumentParser) -> argparse.Action | None:
    """The parser's ``--fault`` option, if it has one (argparse has no public lookup)."""
    return next((a for a in parser._actions if "--fault" in a.option_strings), None)
