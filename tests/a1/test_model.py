"""A1-P paths, the data model's JSON Schemas, problem paths, and policy type files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.interfaces.a1 import model, schemas
from harness.interfaces.a1.model import A1PathError, A1Resource, PolicyTypeFileError
from harness.interfaces.a1.schemas import SchemaProblem

QOS = "ORAN_QoSTarget_2.0.0"
TSP = "ORAN_TrafficSteeringPreference_2.0.0"


@pytest.fixture(scope="module")
def types():
    return model.load_policy_types()


def test_builders_and_parser_round_trip():
    cases = {
        "/A1-P/v2/policytypes": A1Resource("policytypes"),
        "/A1-P/v2/policytypes/20008": A1Resource("policytype", "20008"),
        "/A1-P/v2/policytypes/20008/policies": A1Resource("policies", "20008"),
        "/A1-P/v2/policytypes/20008/policies/p%201": A1Resource("policy", "20008", "p 1"),
        "/A1-P/v2/policytypes/a%2Fb/policies/p1/status": A1Resource("policy-status", "a/b", "p1"),
    }
    for path, resource in cases.items():
        assert model.parse_path(path) == resource
        assert resource.path == path
    assert model.policy_status_path("a/b", "p1") == "/A1-P/v2/policytypes/a%2Fb/policies/p1/status"
    assert model.parse_path("https://ric:8443/A1-P/v2/policytypes/x/policies?notificationDestination=u") \
        == A1Resource("policies", "x")


@pytest.mark.parametrize("path, message", [
    ("/A1-P/v1/policytypes", "'/A1-P/v1/policytypes' is not below /A1-P/v2"),
    ("/A1-P/v2", "'/A1-P/v2' names no A1-P resource"),
    ("/A1-P/v2/policies", "'/A1-P/v2/policies' names no A1-P resource"),
    ("/A1-P/v2/policytypes//policies", "'/A1-P/v2/policytypes//policies' names no A1-P resource"),
    ("/A1-P/v2/policytypes/t/policies/p/state", "'/A1-P/v2/policytypes/t/policies/p/state' names no A1-P resource"),
])
def test_parser_rejects_with_the_path(path, message):
    with pytest.raises(A1PathError) as err:
        model.parse_path(path)
    assert str(err.value) == message


def test_builder_rejects_empty_id():
    with pytest.raises(A1PathError, match="non-empty string"):
        model.policy_path("20008", "")


def test_fixture_types_are_valid_policy_type_objects(types):
    assert set(types) == {"20008", QOS, TSP}
    for t in types.values():
        assert schemas.check_policy_type(t.definition) == ()
    assert types["20008"].status_schema is None
    assert types[QOS].status_schema["required"] == ["enforceStatus"]


def test_valid_policies_pass(types):
    qos = {"scope": {"ueId": "imsi-001010000000001", "sliceId": {"sst": 1, "sd": "0000A1"}},
           "qosObjectives": {"gfbr": 1e6, "priorityLevel": 5}}
    tsp = {"scope": {"ueId": "ue-7"},
           "tspResources": [{"cellIdList": [{"plmnId": "00101", "cId": 12345}], "preference": "PREFER"}]}
    assert schemas.check_policy(qos, types[QOS].definition) == ()
    assert schemas.check_policy(tsp, types[TSP].definition) == ()
    assert schemas.check_policy({"threshold": 7}, types["20008"].definition) == ()


def test_problems_name_the_json_path(types):
    bad = {"scope": {"ueId": 5, "sliceId": {"sd": "zz"}}, "qosObjectives": {"pdb": 0}, "extra": 1}
    problems = schemas.check_policy(bad, types[QOS].definition)
    assert [str(p) for p in problems] == [
        "$.extra: unexpected member (additionalProperties is false) (schema: additionalProperties)",
        "$.qosObjectives.pdb: 0 is less than or equal to the minimum of 0 "
        "(schema: properties.qosObjectives.properties.pdb.exclusiveMinimum)",
        "$.scope.sliceId.sd: 'zz' does not match '^[0-9A-Fa-f]{6}$' "
        "(schema: properties.scope.properties.sliceId.properties.sd.pattern)",
        "$.scope.sliceId.sst: required member is missing (schema: properties.scope.properties.sliceId.required)",
        "$.scope.ueId: 5 is not of type 'string' (schema: properties.scope.properties.ueId.type)",
    ]
    assert problems[-1] == SchemaProblem("$.scope.ueId", "5 is not of type 'string'",
                                         "properties.scope.properties.ueId.type")


def test_array_items_get_indexed_paths(types):
    bad = {"scope": {"ueId": "u"}, "tspResources": [{"cellIdList": [{"plmnId": "1", "cId": 1}],
                                                     "preference": "MAYBE"}]}
    assert [p.json_path for p in schemas.check_policy(bad, types[TSP].definition)] == [
        "$.tspResources[0].cellIdList[0].plmnId", "$.tspResources[0].preference"]


def test_odd_member_names_are_quoted():
    assert schemas.json_path(["a b", 0, "ok"]) == "$['a b'][0].ok"


@pytest.mark.parametrize("name, value, ok", [
    ("ProblemDetails", {"title": "Not Found", "status": 404, "detail": "x"}, True),
    ("ProblemDetails", {"status": "404"}, False),
    ("PolicyTypeObject", {"policySchema": {}}, True),
    ("PolicyTypeObject", {"statusSchema": {}}, False),
    ("PolicyStatusObject", {"anything": 1}, True),
    ("PolicyStatusObject", ["ENFORCED"], False),
    ("EnforcementStatus", {"enforceStatus": "NOT_ENFORCED", "enforceReason": "OTHER_REASON"}, True),
    ("EnforcementStatus", {"enforceStatus": "MAYBE"}, False),
    ("IdList", ["a", "b"], True),
    ("IdList", ["a", "a"], False),
    ("IdList", {"ids": []}, False),
])
def test_named_schemas_accept_and_reject(name, value, ok):
    assert (schemas.validate(value, schemas.NAMED[name]) == ()) is ok


def test_status_checked_against_the_type(types):
    assert schemas.check_status({"enforceStatus": "ENFORCED"}, types[QOS].definition) == ()
    assert [p.json_path for p in schemas.check_status({"enforceStatus": "YES"}, types[QOS].definition)] \
        == ["$.enforceStatus"]
    assert schemas.check_status({"free": "form"}, types["20008"].definition) == ()


def test_invalid_embedded_schema_is_reported():
    problems = schemas.check_policy_type({"policySchema": {"type": "objekt"}})
    assert len(problems) == 1 and problems[0].json_path.startswith("$.policySchema")


def test_policy_type_file_errors_name_the_file(tmp_path):
    (tmp_path / "bad-json.json").write_text('{\n  "policySchema": {,\n}')
    with pytest.raises(PolicyTypeFileError) as err:
        model.load_policy_type(tmp_path / "bad-json.json")
    assert str(err.value) == f"{tmp_path / 'bad-json.json'}:2:20: not JSON: Expecting property name enclosed " \
                             "in double quotes"
    (tmp_path / "no-schema.json").write_text(json.dumps({"statusSchema": {}}))
    with pytest.raises(PolicyTypeFileError) as err:
        model.load_policy_type(tmp_path / "no-schema.json")
    assert str(err.value) == (f"{tmp_path / 'no-schema.json'}: not a PolicyTypeObject: $.policySchema: "
                              "required member is missing (schema: required)")
    with pytest.raises(PolicyTypeFileError, match="no such directory"):
        model.load_policy_types(tmp_path / "missing")


_ids = st.text(min_size=1, max_size=20)


@given(_ids, _ids)
@settings(max_examples=200, deadline=None)
def test_any_ids_round_trip_through_paths(type_id, policy_id):
    path = model.policy_status_path(type_id, policy_id)
    assert model.parse_path(path) == A1Resource("policy-status", type_id, policy_id)
    assert path.count("/") == 7
