"""The E2 binding: E2AP over SCTP, against a Near-RT RIC or an E2 node.

Everything E2 is in this package (docs/architecture.md): step readers (steps.py,
asncheck.py), executors (executors.py), the live link (live.py), the sans-I/O association
decoder and procedures (association.py, procedures.py, tables.py, view.py), the protocol
monitor (monitor.py, ierules.py), simulators, faults and hostile peers (sim/), the capture
analyser, replay and cross-check (observe.py, analyze.py, replay.py, crosscheck.py). The
ASN.1 codec (harness/codec/) and the SCTP pcapng recorder (harness/evidence/) are shared
layers below it.
"""

from __future__ import annotations

from harness.codec.e2 import E2Codec, E2Versions
from harness.interfaces.base import Binding
from harness.interfaces.e2 import run as e2run
from harness.interfaces.e2.analyze import analyze_capture
from harness.interfaces.e2.sim.faults import E2_FAULTS
from harness.sim.faultspec import FaultRegistry
from harness.interfaces.e2.sim.standalone import register_roles
from harness.interfaces.e2.steps import E2_PROTOCOL


def session_codec(dut) -> E2Codec:
    """The session's E2 codec: the DUT's E2 versions; a DUT without E2 reads the templates with the newest."""
    if E2Binding().declared_by(dut):
        return E2Codec(E2Versions(e2ap=dut.e2ap_version, e2sm=dict(dut.e2sm_versions)))
    return E2Codec(E2Versions())


class E2Binding(Binding):
    name = "e2"
    title = "E2"
    protocol = E2_PROTOCOL
    analyzes = "E2"

    def declared_by(self, dut) -> bool:
        return bool(dut.e2)

    def missing_reason(self, dut) -> str:
        return f"the test case is for E2; the DUT profile of {dut.name} declares no e2ap"

    def fault_registry(self, dut) -> FaultRegistry:
        return E2_FAULTS                               # faults and hostile peer modes

    def open(self, session) -> e2run.E2State | None:
        # A1 needs no SCTP link (docs/a1.md): only a DUT with E2 opens one.
        return e2run.open_state(session) if self.declared_by(session.dut) else None

    def run(self, session, tc):
        session.codec.ran_functions = {}
        for rf in session.dut.ran_functions:
            session.codec.set_ran_function(rf.id, rf.e2sm)
        if session.mode == "live":
            return e2run.run_live(session, session.state_of(self), tc)
        return e2run.run_sim(session, tc)

    def recorder(self, session, tc):
        return e2run.recorder(session, tc)

    def close(self, session, state) -> None:
        e2run.close(state)

    def analyze(self, capture, session, cases: list, issues: list) -> list:
        return analyze_capture(capture, session, cases, issues)

    def register_simulators(self, roles) -> None:
        register_roles(roles)


BINDING = E2Binding()
