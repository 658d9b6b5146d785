"""The spec engine knows no protocol: the bindings bring checkers, templates and ignore lists.

harness/spec/ imports no interface (import-linter's layers contract); these check the
hooks it reads instead, and that reading specs before any binding registered is a clear error.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from harness.interfaces.e2.asncheck import E2Checker
from harness.spec import protocols

ROOT = Path(__file__).resolve().parents[2]


def test_a_template_goes_to_the_protocol_that_claims_it():
    assert protocols.template_protocol({"json": {"a": 1}}).name == "a1"
    assert protocols.template_protocol({"message": "E2setupRequest"}).name == "e2"   # E2AP: the default


def test_each_protocol_with_name_checks_gets_its_own_checker():
    checkers = protocols.checkers(None)
    assert set(checkers) == {"e2"}
    assert isinstance(checkers["e2"], E2Checker)


def test_only_a_protocol_with_message_names_may_ignore_messages():
    found = {name: p.message_names is not None for name, p in protocols.protocols().items()}
    assert found == {"e2": True, "a1": False, "mplane": False}


def test_reading_specs_before_the_bindings_register_says_what_to_import():
    code = ("from harness.spec.loader import load_specs\n"
            "try:\n    load_specs(['testcases'])\n"
            "except RuntimeError as err:\n    print(err)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=True)
    assert out.stdout.strip() == "no protocol is registered: import harness.interfaces before reading specs"
