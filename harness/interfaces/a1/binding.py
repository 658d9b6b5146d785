"""The A1 binding: A1-P over HTTP(S), against a Near-RT RIC or a Non-RT RIC.

Everything A1 is in this package (docs/architecture.md): step readers (steps.py),
executors (executors.py), the lab block and policy PIXIT (config.py, policy.py), the A1-P
data model (model.py, schemas.py), simulators, faults and hostile peers (sim/), the capture
analyser (observe.py, analyze.py). It shares the HTTP core (harness/http/, h11) with nobody
else's rules: only framing lives there.
"""

from __future__ import annotations

from harness.interfaces.a1.config import A1ConfigError, A1Lab
from harness.interfaces.a1 import analyze as a1analyze
from harness.interfaces.a1 import run as a1run
from harness.interfaces.base import Binding, BindingError
from harness.interfaces.a1.sim import standalone as a1_standalone
from harness.interfaces.a1.sim.faults import NONRT_FAULTS, RIC_FAULTS
from harness.sim.faultspec import FaultRegistry
from harness.interfaces.a1.steps import A1_PROTOCOL


class A1Binding(Binding):
    name = "a1"
    title = "A1"
    protocol = A1_PROTOCOL
    analyzes = "A1 (HTTP)"

    def declared_by(self, dut) -> bool:
        return bool(dut.a1)

    def missing_reason(self, dut) -> str:
        return f"the test case is for A1; the DUT profile of {dut.name} has no a1: block"

    def fault_registry(self, dut) -> FaultRegistry:
        return NONRT_FAULTS if dut.role == "non-rt-ric" else RIC_FAULTS

    def open(self, session) -> A1Lab | None:
        """The lab's a1: block, read when the DUT or the lab has one (so a bad block is found early)."""
        if not (self.declared_by(session.dut) or session.lab.a1):
            return None
        try:
            cfg = A1Lab.from_lab(session.lab, session.dut)
        except A1ConfigError as err:
            raise BindingError(str(err)) from None
        dut = session.dut
        if self.declared_by(dut) and not dut.simulated and dut.role == "near-rt-ric" and not cfg.dut_url:
            raise BindingError(f"{dut.where.file}: {dut.name} names real equipment (no simulator:) but gives no "
                               "A1 URL for it: add endpoints: {a1: URL} (the Near-RT RIC's A1-P apiRoot)")
        return cfg

    def run(self, session, tc):
        return a1run.run(session, session.state_of(self), tc)

    def recorder(self, session, tc):
        return a1run.recorder(session, tc)

    def analyze(self, capture, session, cases: list, issues: list) -> list:
        return a1analyze.analyze_capture(capture, session, session.state_of(self), cases, issues)

    def register_simulators(self, roles) -> None:
        a1_standalone.register(roles)


BINDING = A1Binding()
