"""The A1-P data model as JSON Schemas, and validation that names the offending value.

Paraphrased (not copied) from O-RAN.WG2.A1AP-v03.01 clause 6.4 (A1-P data
types) and O-RAN.WG2.A1TD-v03.00 (policy type definitions, enforcement
status):

* a PolicyTypeObject carries the JSON Schema every policy of the type must
  satisfy (``policySchema``, required) and optionally one for its status
  (``statusSchema``); other members are allowed;
* a PolicyObject is any JSON value valid against its type's policySchema;
* a PolicyStatusObject is any JSON object (valid against the statusSchema when
  the type has one); the A1TD default status says whether the policy is
  enforced (``enforceStatus``) and, if not, why (``enforceReason``);
* ProblemDetails follows IETF RFC 7807 and is sent as application/problem+json;
* the list resources answer a JSON array of id strings.

Validation uses ``jsonschema`` (MIT) and returns `SchemaProblem` items: the
JSON path of the offending value (``$.scope.ueId``; for a missing member, the
member's own path), one-line message, and the failing schema keyword's path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jsonschema
from jsonschema.exceptions import SchemaError
from referencing.exceptions import Unresolvable

DRAFT = "http://json-schema.org/draft-07/schema#"

PROBLEM_DETAILS: dict = {
    "$schema": DRAFT,
    "title": "ProblemDetails (RFC 7807; A1AP v03.01 clause 6.4)",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}

POLICY_TYPE_OBJECT: dict = {
    "$schema": DRAFT,
    "title": "PolicyTypeObject (A1AP v03.01 clause 6.4)",
    "type": "object",
    "required": ["policySchema"],
    "properties": {
        "policySchema": {"type": "object"},
        "statusSchema": {"type": "object"},
    },
}

POLICY_STATUS_OBJECT: dict = {
    "$schema": DRAFT,
    "title": "PolicyStatusObject (A1AP v03.01 clause 6.4)",
    "type": "object",
}

ENFORCEMENT_STATUS: dict = {
    "$schema": DRAFT,
    "title": "Default policy status (A1TD v03.00: enforcement status)",
    "type": "object",
    "required": ["enforceStatus"],
    "properties": {
        "enforceStatus": {"enum": ["ENFORCED", "NOT_ENFORCED"]},
        "enforceReason": {"enum": ["SCOPE_NOT_APPLICABLE", "STATEMENT_NOT_APPLICABLE", "OTHER_REASON"]},
    },
    "additionalProperties": False,
}

ID_LIST: dict = {
    "$schema": DRAFT,
    "title": "list of policy type or policy ids (A1AP v03.01 clause 6.4)",
    "type": "array",
    "items": {"type": "string"},
    "uniqueItems": True,
}

# schema name -> schema, for callers that name what they expect (the spec engine)
NAMED: dict[str, dict] = {
    "ProblemDetails": PROBLEM_DETAILS,
    "PolicyTypeObject": POLICY_TYPE_OBJECT,
    "PolicyStatusObject": POLICY_STATUS_OBJECT,
    "EnforcementStatus": ENFORCEMENT_STATUS,
    "IdList": ID_LIST,
}


@dataclass(frozen=True)
class SchemaProblem:
    """One way a JSON value breaks a schema."""

    json_path: str        # '$.scope.ueId'
    message: str          # one line
    schema_path: str      # 'properties.scope.properties.ueId.type'

    def __str__(self) -> str:
        return f"{self.json_path}: {self.message} (schema: {self.schema_path or '$'})"


def json_path(parts) -> str:
    """A JSONPath-style location: ``$``, ``.name`` for members, ``[i]`` for items."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p.isidentifier():
            out += f".{p}"
        else:
            out += "[" + repr(p) + "]"
    return out


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _unexpected_members(err) -> list[str]:
    """The members an 'additionalProperties: false' error is about (so each gets its own path)."""
    if err.validator != "additionalProperties" or err.validator_value is not False \
            or not isinstance(err.instance, dict):
        return []
    known = err.schema.get("properties", {})
    patterns = list(err.schema.get("patternProperties", {}))
    return [m for m in err.instance if m not in known and not any(re.search(p, m) for p in patterns)]


def _problems(errors) -> tuple[SchemaProblem, ...]:
    out: list[SchemaProblem] = []
    for err in errors:
        parts = list(err.absolute_path)
        message = err.message
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [m for m in err.validator_value if m not in err.instance]
            if len(missing) == 1:
                parts.append(missing[0])
                message = "required member is missing"
        schema_path = ".".join(str(p) for p in err.absolute_schema_path)
        extras = _unexpected_members(err)
        if extras:
            out.extend(SchemaProblem(json_path(parts + [m]), "unexpected member (additionalProperties is false)",
                                     schema_path) for m in extras)
            continue
        out.append(SchemaProblem(json_path(parts), _one_line(message), schema_path))
    out.sort(key=lambda p: (p.json_path, p.schema_path))
    return tuple(out)


_COMPILED: dict[int, tuple[dict, Any]] = {}     # id(schema) -> (schema kept alive, validator)
_COMPILED_MAX = 256


def _draft(schema: dict):
    """The validator class of the schema's ``$schema`` (draft 7 when absent or not a string: jsonschema's
    own lookup raises AttributeError on a non-string, found by tests/fuzz/test_a1_json.py)."""
    if not isinstance(schema.get("$schema", ""), str):
        return jsonschema.Draft7Validator
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)


def validator_for(schema: dict):
    """A validator for ``schema`` (its ``$schema`` draft, else draft 7), built once per schema object.

    Checking a schema costs more than validating a policy, so a validator is
    kept per schema object (a policy type's schema is one object for its life).

    Raises:
        jsonschema.SchemaError: ``schema`` is not itself a valid schema.
    """
    hit = _COMPILED.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    cls = _draft(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[id(schema)] = (schema, validator)
    return validator


def validate(instance: Any, schema: dict) -> tuple[SchemaProblem, ...]:
    """Every problem of ``instance`` against ``schema`` (empty when valid), sorted by path.

    A schema that passes the meta-schema can still not be applied: a ``$ref`` to nowhere
    or to a remote document (never fetched), or one that loops (``{"$ref": "#"}``). That
    is one problem at ``$``, not an exception: the schema came from the DUT
    (found by tests/fuzz/test_a1_json.py).
    """
    try:
        return _problems(validator_for(schema).iter_errors(instance))
    except Unresolvable as err:
        return (SchemaProblem("$", _one_line(f"the schema cannot be applied: {err}"),
                              "$ref"),)
    except RecursionError:
        return (SchemaProblem("$", "the schema cannot be applied: its $ref chain never ends", "$ref"),)


def check_schema(schema: Any) -> tuple[SchemaProblem, ...]:
    """Problems of ``schema`` as a JSON Schema (a policySchema or statusSchema)."""
    if not isinstance(schema, dict):
        return (SchemaProblem("$", f"a schema must be an object, got {type(schema).__name__}", ""),)
    if not isinstance(schema.get("$schema", ""), str):
        return (SchemaProblem("$['$schema']", "$schema must be a URI string, got "
                                              f"{type(schema['$schema']).__name__}", "$schema"),)
    cls = _draft(schema)
    try:
        cls.check_schema(schema)
    except SchemaError as err:
        return (SchemaProblem(json_path(err.path), _one_line(err.message),
                              ".".join(str(p) for p in err.schema_path)),)
    return ()


def check_policy_type(definition: Any) -> tuple[SchemaProblem, ...]:
    """Problems of a PolicyTypeObject, including its embedded schemas being valid schemas."""
    problems = validate(definition, POLICY_TYPE_OBJECT)
    if problems:
        return problems
    out = []
    for member in ("policySchema", "statusSchema"):
        if member in definition:
            for p in check_schema(definition[member]):
                out.append(SchemaProblem("$." + member + p.json_path[1:], p.message, p.schema_path))
    return tuple(out)


def check_policy(policy: Any, policy_type_definition: dict) -> tuple[SchemaProblem, ...]:
    """Problems of a PolicyObject against its type's policySchema."""
    return validate(policy, policy_type_definition["policySchema"])


def check_status(status: Any, policy_type_definition: dict | None = None) -> tuple[SchemaProblem, ...]:
    """Problems of a PolicyStatusObject: an object, and valid against the type's statusSchema."""
    problems = validate(status, POLICY_STATUS_OBJECT)
    if problems or not policy_type_definition or "statusSchema" not in policy_type_definition:
        return problems
    return validate(status, policy_type_definition["statusSchema"])
