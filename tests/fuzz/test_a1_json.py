"""Fuzzing the A1-P JSON checks: policy types, policies and statuses from a hostile peer.

A Near-RT RIC under test sends policy type definitions (with their JSON Schemas),
policies and status objects; a Non-RT RIC sends policies. Property: each check in
harness/interfaces/a1/schemas.py returns a tuple of `SchemaProblem` lines (or nothing), never
raises, whatever the JSON (schemas included: a DUT's policySchema is outside input
too); `model.parse_path` gives a resource or `A1PathError`. O-RAN.WG2.A1TD-v03.01
clause 4 describes these objects; O-RAN.WG2.A1AP-v03.01 clause 6 their transport.
Inputs that once broke a check are kept in fixtures/fuzz/a1-json/ and replayed below.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from harness.interfaces.a1 import model, schemas
from harness.interfaces.a1.model import A1PathError
from tests.fuzz.conftest import fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "fuzz" / "a1-json"
TYPES = sorted((ROOT / "specs" / "a1" / "policy-types").glob("*.json"))
assert TYPES, "no bundled A1 policy types under specs/a1/policy-types"

KEYWORDS = ["type", "properties", "required", "additionalProperties", "items", "enum", "pattern", "minimum",
            "maxLength", "$ref", "$schema", "oneOf", "anyOf", "allOf", "not", "format", "const", "$id",
            "patternProperties", "dependencies", "if", "then", "else", "definitions", "$defs"]
SCALARS = st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | \
    st.text(max_size=12) | st.sampled_from(["object", "string", "integer", "#/definitions/x", "http://127.0.0.1:9/x",
                                            "[", "(?P<", "a{99999999}", "date-time", "uri"])
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.sampled_from(KEYWORDS) | st.text(max_size=6), inner, max_size=5),
                    max_leaves=25)


def one_line_problems(problems) -> None:
    assert isinstance(problems, tuple)
    for p in problems:
        assert isinstance(p, schemas.SchemaProblem) and "\n" not in str(p), p


def all_checks(value, definition) -> None:
    """Every check, at Python's default recursion limit: hypothesis raises the limit while a test
    runs, and then a looping $ref overflows the C stack (a segfault) before RecursionError."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        _checks(value, definition)
    finally:
        sys.setrecursionlimit(old)


def _checks(value, definition) -> None:
    one_line_problems(schemas.check_schema(value))
    one_line_problems(schemas.check_policy_type(value))
    problems = schemas.check_policy_type(definition)
    if not problems:
        one_line_problems(schemas.check_policy(value, definition))
        one_line_problems(schemas.check_status(value, definition))
    one_line_problems(schemas.check_status(value))


def seed_definitions() -> list:
    return [json.loads(p.read_text()) for p in TYPES]


@fuzz_settings()
@given(value=JSON, schema=JSON)
def test_any_json_and_any_schema_end_in_problems_or_none(value, schema):
    all_checks(value, {"policySchema": schema, "statusSchema": schema})


@fuzz_settings()
@given(value=JSON, pick=st.integers(0, 100))
def test_any_json_against_the_bundled_policy_types(value, pick):
    definitions = seed_definitions()
    all_checks(value, definitions[pick % len(definitions)])


@fuzz_settings()
@given(path=st.text(max_size=60) | st.builds(lambda parts: model.API_ROOT + "/" + "/".join(parts),
                                              st.lists(st.sampled_from(["policytypes", "policies", "status", "",
                                                                        "%2F", "%", "..", "x"]), max_size=6)))
def test_any_request_path_names_a_resource_or_is_refused(path):
    try:
        model.parse_path(path)
    except A1PathError as err:
        assert "\n" not in str(err)


CASES = sorted(CORPUS.glob("*.json")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_a_corpus_case_ends_in_problems_or_none(path):
    case = json.loads(path.read_text())
    all_checks(case["value"], case["definition"])
    if "want" in case:
        assert [str(p) for p in schemas.check_policy(case["value"], case["definition"])] == case["want"]
