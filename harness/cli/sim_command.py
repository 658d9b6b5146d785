"""``oran-harness sim ROLE``: every interface binding's standalone simulators (Ctrl-C stops them).

Each binding registers its simulators; here every one that takes ``--fault`` also gets
``--list-faults`` (harness.cli.faults_help) and the same help text for ``--fault``.
"""

from __future__ import annotations

from harness.cli.faults_help import FAULT_HELP, SIMULATORS, add_list_faults, fault_action
from harness.interfaces import bindings


def register(sub) -> None:
    p = sub.add_parser("sim", help="run a built-in simulator over its real transport (Ctrl-C stops it)",
                       description="Run one built-in simulator as its own process, over the real transport, "
                                   "for a DUT or another harness to talk to. It reads JSON-line commands on "
                                   "stdin and prints events on stdout.")
    roles = p.add_subparsers(dest="sim_role", required=True, metavar="ROLE")
    for binding in bindings():
        binding.register_simulators(roles)
    for name, parser in roles.choices.items():
        fault = fault_action(parser)
        if fault is not None:
            fault.help = FAULT_HELP
            add_list_faults(parser, [name] if name in SIMULATORS else None)
