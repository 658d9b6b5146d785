"""The throw-away test PKI, kept importable here for the A1 tests; it lives in harness/sim/testpki.py."""

from harness.sim.testpki import TestPki, make_test_pki

__all__ = ["TestPki", "make_test_pki"]
