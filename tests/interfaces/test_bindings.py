"""The interface bindings: one table, and no protocol branch anywhere else in the library.

Issue 13 item 1: the session, CLI and analyser loop over harness/interfaces/;
a rule about one interface lives in its binding. The scan below fails, naming
file and line, the day someone writes `if tc.protocol == "a1"` elsewhere again.
"""

from __future__ import annotations

import re
from pathlib import Path

from harness.interfaces import BINDINGS, BindingError, binding_for, primary
from harness.profiles.loader import load_dut
from harness.spec import protocols

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "harness"
PROFILES = ROOT / "fixtures" / "profiles"

# A protocol branch: comparing with an interface's name, or reading a DUT's interface block.
BRANCH = re.compile(r"""[!=]=\s*["'](?:e2|a1|mplane|cuplane)["']|["'](?:e2|a1|mplane|cuplane)["']\s*[!=]="""
                    r"""|\bdut\.(?:e2|a1|mplane)\b|getattr\([^)]*dut[^)]*["'](?:e2|a1|mplane)["']""")


def _branches() -> list[str]:
    found = []
    for path in sorted(HARNESS.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[:2] == ("harness", "interfaces"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if BRANCH.search(line.split("#", 1)[0]):
                found.append(f"{rel}:{n}: {line.strip()}")
    return found


def test_no_protocol_branch_outside_the_bindings():
    assert _branches() == [], "protocol branches belong in harness/interfaces/<binding>/"


def test_the_scan_sees_a_branch():
    """The pattern itself is checked, so an empty scan above means something."""
    for line in ('if tc.protocol == "a1":', "if 'mplane' != proto:", "if self.dut.e2:",
                 'getattr(self.dut, "mplane", None)'):
        assert BRANCH.search(line), line
    for line in ('protocol = "e2ap"', 'if protocol == "e2ap":', "self.a1_lab = x"):
        assert not BRANCH.search(line), line


def test_every_spec_protocol_comes_from_one_binding():
    names = [b.name for b in BINDINGS]
    assert len(names) == len(set(names))
    registered = protocols.protocols()
    assert set(registered) == {b.name for b in BINDINGS if b.protocol is not None}
    for name, proto in registered.items():
        assert binding_for(name).protocol is proto


def test_an_unknown_protocol_is_a_clear_error():
    try:
        binding_for("o1")
    except BindingError as err:
        assert str(err) == "no interface binding for protocol 'o1'; known: e2, a1, mplane, cuplane"
    else:
        raise AssertionError("binding_for('o1') did not raise")


def test_applicability_and_fault_owner_come_from_the_dut_profile():
    a1_dut = load_dut(PROFILES / "dut-sim-a1-ric.yaml")
    e2_dut = load_dut(PROFILES / "dut-sim-e2-node.yaml")
    oru = load_dut(PROFILES / "dut-sim-o-ru.yaml")
    assert primary(a1_dut).name == "a1" and primary(e2_dut).name == "e2" and primary(oru).name == "mplane"
    assert binding_for("a1").applies_to(e2_dut) == (
        False, f"the test case is for A1; the DUT profile of {e2_dut.name} has no a1: block")
    assert binding_for("e2").applies_to(a1_dut) == (
        False, f"the test case is for E2; the DUT profile of {a1_dut.name} declares no e2ap")
    assert binding_for("mplane").applies_to(oru) == (True, "")


def test_each_binding_rejects_an_unknown_fault_naming_the_known_ones():
    a1_dut = load_dut(PROFILES / "dut-sim-a1-ric.yaml")
    oru = load_dut(PROFILES / "dut-sim-o-ru.yaml")
    e2_dut = load_dut(PROFILES / "dut-sim-e2-node.yaml")
    for dut, start in ((a1_dut, "--sim-fault nope: unknown A1 fault 'nope'; known: wrong-status"),
                       (oru, "--sim-fault nope: unknown O-RU fault 'nope'; known: no-hello"),
                       (e2_dut, "--sim-fault nope: unknown E2 fault 'nope'; known: wrong-transaction-id")):
        try:
            primary(dut).check_fault(dut, "nope")
        except BindingError as err:
            assert str(err).startswith(start), str(err)
        else:
            raise AssertionError(f"{dut.name}: 'nope' accepted")
    primary(e2_dut).check_fault(e2_dut, "wrong-transaction-id@ResetResponse")     # a known one passes
