"""``oran-harness sim ROLE``: every interface binding's standalone simulators (Ctrl-C stops them)."""

from __future__ import annotations

from harness.interfaces import bindings


def register(sub) -> None:
    p = sub.add_parser("sim", help="run a built-in simulator over its real transport (Ctrl-C stops it)")
    roles = p.add_subparsers(dest="sim_role", required=True)
    for binding in bindings():
        binding.register_simulators(roles)
