"""The M-plane binding: Open Fronthaul M-plane, NETCONF over SSH, against an O-RU.

Everything M-plane is in this package (docs/architecture.md): step readers (steps.py),
executors (executors.py), the NETCONF client and framing (client.py, framing.py), the lab
block (lab.py), evidence (evidence.py, xml_view.py), the O-RU simulator, its faults, host
key and hostile peer (sim/).
"""

from __future__ import annotations

from harness.interfaces.base import Binding, BindingError
from harness.interfaces.mplane import run as mplane_run
from harness.interfaces.mplane.lab import MplaneLabError
from harness.interfaces.mplane.steps import MPLANE_PROTOCOL
from harness.interfaces.mplane.sim import standalone as oru_standalone
from harness.sim.faultspec import FaultRegistry
from harness.interfaces.mplane.sim.oru import ORU_FAULTS


class MplaneBinding(Binding):
    name = "mplane"
    title = "M-plane"
    protocol = MPLANE_PROTOCOL

    def declared_by(self, dut) -> bool:
        return bool(getattr(dut, "mplane", None))

    def missing_reason(self, dut) -> str:
        return f"the test case is for the M-plane; the DUT profile of {dut.name} has no mplane: block"

    def fault_registry(self, dut) -> FaultRegistry:
        return ORU_FAULTS

    def open(self, session):
        """The lab's mplane: block and the O-RU's address, read at session start (a mistake stops the run)."""
        if not self.declared_by(session.dut):
            return None
        try:
            return mplane_run.open_lab(session)
        except MplaneLabError as err:
            raise BindingError(str(err)) from None

    def run(self, session, tc):
        return mplane_run.run(session, session.state_of(self), tc)

    def recorder(self, session, tc):
        return mplane_run.recorder(session, tc)

    def register_simulators(self, roles) -> None:
        oru_standalone.register(roles)


BINDING = MplaneBinding()
