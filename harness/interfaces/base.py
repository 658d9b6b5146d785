"""What one interface binding provides to the session, the CLI, the analyser and the reports.

Theory of operation: everything that differs between E2, A1, the M-plane and
the CU-plane sits behind one `Binding` object per interface, and the modules
above (harness/session.py, harness/cli/*) only loop over the table in
harness/interfaces/__init__.py. So adding an interface is one package and one
line in that table (docs/bindings.md), never a new `if protocol == ...` in the
session. The model is tavern's protocol plugins (tavern/_plugins/*/tavernhook.py).

A binding object holds no run state: what one harness session needs for an
interface (a live link, the A1 lab settings) is the value its `open` returns,
kept by the session under the binding's name and handed back to `run` and
`close`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar

from harness.core.errors import UserError
from harness.results import safe_name
from harness.runner.exchange import Exchange
from harness.runner.runner import TestResult
from harness.sim.faultspec import FaultError, FaultRegistry
from harness.core.verdict import Finding, Verdict, worse

if TYPE_CHECKING:
    from harness.spec.protocols import Protocol


class BindingError(UserError):
    """A user error an interface binding found (an unknown fault, a bad lab block); the text says why."""


class Binding:
    """One interface's entry point. Subclasses set the class attributes and override the hooks.

    Attributes:
        name: the protocol name test cases use ('e2', 'a1', 'mplane', 'cuplane').
        title: the interface as a lab engineer says it ('E2', 'A1', 'M-plane', 'CU-plane').
        protocol: its spec-engine registration (step kinds, interfaces); None when it has no
            YAML test cases (the CU-plane checks captures only).
        analyzes: capture file kinds ``analyze`` reads, for the help text ('E2', 'A1 (HTTP)').
    """

    name: ClassVar[str]
    title: ClassVar[str]
    protocol: ClassVar[Protocol | None] = None
    analyzes: ClassVar[str] = ""

    # ------------------------------------------------------------------ the DUT
    def declared_by(self, dut) -> bool:
        """Whether the DUT profile declares this interface (its block in the profile)."""
        return False

    def missing_reason(self, dut) -> str:
        """Why this interface's test cases do not apply to a DUT that does not declare it."""
        return f"the test case is for {self.title}; the DUT profile of {dut.name} does not declare it"

    def applies_to(self, dut) -> tuple[bool, str]:
        """(True, '') when the DUT declares the interface, else (False, the reason)."""
        if self.declared_by(dut):
            return True, ""
        return False, self.missing_reason(dut)

    # ------------------------------------------------------------------ a session
    def fault_registry(self, dut) -> FaultRegistry | None:
        """The faults of the simulator that plays this DUT (None: this interface has none)."""
        return None

    def check_fault(self, dut, fault: str) -> None:
        """Validate a simulator fault (``NAME[@Msg,...]``) for a DUT that declares this interface.

        Raises:
            BindingError: the fault, or a message it names, is unknown or can never fire for the
                DUT's role; the text lists the known ones.
        """
        registry = self.fault_registry(dut)
        if registry is None:
            return
        try:
            registry.parse(fault, getattr(dut, "role", None))
        except FaultError as err:
            hint = ""
            if registry.messages and "@" not in fault:
                hint = f" (optionally '@{registry.message_word},...' to limit it to those {registry.message_word}s)"
            raise BindingError(f"--sim-fault {fault}: {err}{hint}") from None

    def open(self, session) -> Any:
        """Per-session state (lab settings, a live link), or None when the session needs none.

        Raises:
            BindingError: the lab profile's block for this interface is unusable.
        """
        return None

    def run(self, session, tc):
        """Run one test case of this interface; returns its `TestResult` (set-up problems: ERROR)."""
        raise NotImplementedError(f"the {self.title} binding runs no test cases")

    def recorder(self, session, tc):
        """The test case's pcapng evidence recorder (None when no results are written)."""
        return None

    def close(self, session, state: Any) -> None:
        """Release what ``open`` returned (links, simulator processes)."""

    # ------------------------------------------------------------------ captures and the CLI
    def analyze(self, capture, session, cases: list, issues: list) -> list | None:
        """Judge a capture with this interface's test cases (None: this binding analyses no captures).

        Raises:
            BindingError: nothing of this interface in the capture.
        """
        return None

    def register_simulators(self, roles) -> None:
        """Add this interface's standalone simulators to ``oran-harness sim``."""


# ---------------------------------------------------------------------- shared by the bindings' runs
def stop_simulator(simulator) -> str:
    """Stop a simulator; its problems as one text ('' when none). A stuck simulator is a lab ERROR."""
    if simulator is None:
        return ""
    problems = []
    try:
        simulator.stop()
    except Exception as err:  # noqa: BLE001 -- a stuck simulator thread is a harness problem, reported
        problems.append(str(err))
    problems.extend(getattr(simulator, "errors", []))
    return "; ".join(problems)


def add_trouble(result, trouble: list[str]):
    """Add the lab's troubles (simulator errors) to a result as one ERROR: never the DUT's FAIL."""
    trouble = [t for t in trouble if t]
    if trouble:
        result.findings.append(Finding(Verdict.ERROR, "simulator", "; ".join(trouble)))
        result.verdict = worse(result.verdict, Verdict.ERROR)
    return result


def setup_error(tc, check: str, text: str, started: float):
    """A test case that could not start: one ERROR finding with the reason, never a traceback."""
    return TestResult(tc, Verdict.ERROR, [Finding(Verdict.ERROR, check, text)], Exchange(), started,
                      time.time() - started, {})


def evidence_path(session, tc):
    """Where the test case's pcapng goes (None when the session writes no results)."""
    if session.writer is None:
        return None
    name = safe_name(tc.id)
    return session.writer.dir / "tests" / name / f"{name}.pcapng"
