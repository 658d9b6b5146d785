"""Verdicts and findings.

Invariants:
* verdicts only get worse within a test case: NONE < PASS < INCONC < FAIL < ERROR;
* FAIL means the DUT violated the specification; ERROR means the lab, the
  transport or the harness broke; the two are never merged into one meaning;
* a test case that evaluated no check ends as ERROR, never as PASS;
* every finding cites where its rule comes from (document, version, clause).

The mapping table `OUTCOMES` is the one place verdicts become pytest, allure,
JUnit and O-RAN test-results statuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Verdict(IntEnum):
    NONE = 0
    PASS = 1
    INCONC = 2
    FAIL = 3
    ERROR = 4

    def __str__(self) -> str:
        return self.name


def worse(a: Verdict, b: Verdict) -> Verdict:
    """The merge of two verdicts: the worse one."""
    return a if a >= b else b


@dataclass(frozen=True)
class Outcome:
    pytest: str        # passed | failed | skipped | error (shown by our report-status hook)
    allure: str        # passed | failed | broken | skipped
    junit: str         # (none) | failure | error | skipped
    oran: str          # PASS | FAIL | WARN | SKIP
    meaning: str


OUTCOMES: dict[Verdict, Outcome] = {
    Verdict.PASS: Outcome("passed", "passed", "", "PASS", "every check passed"),
    Verdict.INCONC: Outcome("skipped", "skipped", "skipped", "WARN",
                            "inconclusive: the checks could not decide (never shown as a pass)"),
    Verdict.FAIL: Outcome("failed", "failed", "failure", "FAIL", "the DUT violated the specification"),
    # ERROR is not the DUT's failure: in O-RAN results it is SKIP (the test case did not run to a
    # verdict), with a note, and it keeps the overall result from being PASS (docs/reports.md).
    Verdict.ERROR: Outcome("error", "broken", "error", "SKIP",
                           "the lab, the transport or the harness broke; no judgement on the DUT"),
    Verdict.NONE: Outcome("error", "broken", "error", "SKIP", "no check was evaluated"),
}


@dataclass(frozen=True)
class Finding:
    """One check's result with its evidence.

    Attributes:
        verdict: what this check concluded.
        check: a short identifier of the check (for example 'expect.ie-value').
        clause: the rule's source, 'document version clause'.
        message: one line a lab engineer can act on.
        ie_path: where in the message (None when not about an IE).
        expected / observed: the values compared, when there are any.
        step: the spec step, with its file:line.
        evidence: references to the evidence (message numbers in the exchange).
    """

    verdict: Verdict
    check: str
    message: str
    clause: str = ""
    ie_path: str | None = None
    expected: Any = None
    observed: Any = None
    step: str | None = None
    evidence: tuple = field(default_factory=tuple)

    def line(self) -> str:
        where = f" at {self.ie_path}" if self.ie_path else ""
        cite = f" [{self.clause}]" if self.clause else ""
        return f"{self.verdict}: {self.check}{where}: {self.message}{cite}"


class VerdictKeeper:
    """Collects findings; the verdict only gets worse."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.verdict = Verdict.NONE
        self.checks = 0

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.verdict = worse(self.verdict, finding.verdict)
        if finding.verdict in (Verdict.PASS, Verdict.FAIL, Verdict.INCONC):
            self.checks += 1

    def final(self) -> Verdict:
        """The test case's verdict; no evaluated check is an ERROR."""
        if self.checks == 0:
            return Verdict.ERROR
        return self.verdict


def oran_status(verdict: Verdict, findings) -> str:
    """The O-RAN test-results status; a PASS with remarks (E2TS 'successful with remarks') is WARN."""
    if verdict == Verdict.PASS and any(f.check.startswith("remark.") for f in findings):
        return "WARN"
    return OUTCOMES[verdict].oran


# Exit codes of `run`, `analyze` and `fronthaul check` (docs/verdicts.md): the worst outcome decides.
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_ERROR, EXIT_INCONC = 0, 1, 2, 3, 4


def exit_status(verdicts: Iterable[Verdict | str], complete: bool = True) -> int:
    """The process exit code for a run's verdicts (NOT-APPLICABLE rows are left out by the caller or ignored).

    Ordered like the verdicts, worst first: ERROR (or NONE) or an incomplete run -> 3; a FAIL -> 1;
    INCONC at worst, or nothing judged at all -> 4; every verdict PASS -> 0. 2 (usage) is never
    computed here: it is for a command refused before it ran.
    """
    judged = [v if isinstance(v, Verdict) else Verdict.__members__.get(str(v), Verdict.NONE)
              for v in verdicts if str(v) != "NOT-APPLICABLE"]
    if not complete:
        return EXIT_ERROR
    if not judged:
        return EXIT_INCONC
    if Verdict.NONE in judged:
        return EXIT_ERROR
    worst = max(judged)
    if worst == Verdict.ERROR:
        return EXIT_ERROR
    return {Verdict.FAIL: EXIT_FAIL, Verdict.INCONC: EXIT_INCONC}.get(worst, EXIT_PASS)
