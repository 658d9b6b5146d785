"""Start the built-in simulator that plays a DUT role (sim mode)."""

from __future__ import annotations

from typing import Any

from harness.interfaces.e2.sim.e2node import E2NodeSimulator
from harness.interfaces.e2.sim.ric import RicSimulator

SIMULATORS = {"e2-node": E2NodeSimulator, "near-rt-ric": RicSimulator}


def start_simulator(dut_role: str, transport, *, fault: str | None = None, lab: Any = None, seed: int = 0,
                    offered: frozenset[int] | None = None, dial=None, listener=None, tnl_listeners=None,
                    dial_tnl=None):
    """A started simulator of ``dut_role`` on ``transport``.

    ``offered``: for an E2 node simulator, the RAN function ids the DUT profile declares (it
    offers those only, as the DUT it stands in for would).

    A 'late-response' fault answers 1.5 times the lab's expect timer late, so
    the late answer is always after the harness stopped waiting. ``dial`` / ``listener``: the
    simulator's way back after a restart (see `Simulator`); ``tnl_listeners`` / ``dial_tnl``: its
    further TNL associations (E2AP v03.01 8.3.6), the RIC's listening points and the E2 node's dialler.
    """
    cls = SIMULATORS.get(dut_role)
    if cls is None:
        raise ValueError(f"no built-in simulator for a {dut_role} DUT; known: {', '.join(SIMULATORS)}")
    expect = 5.0
    if lab is not None:
        expect = float(lab.timers.expect)
    extra = {"offered": offered} if offered is not None and dut_role == "e2-node" else {}
    sim = cls(transport, fault=fault, seed=seed, late_delay=1.5 * expect, dial=dial, listener=listener,
              tnl_listeners=tnl_listeners, dial_tnl=dial_tnl, **extra)
    sim.start()
    return sim
