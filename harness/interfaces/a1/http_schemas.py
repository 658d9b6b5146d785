"""JSON Schema checks of HTTP bodies for the spec engine, on top of the A1-P data model.

A step names a schema either by an A1-P data model type (`harness.interfaces.a1.schemas.NAMED`:
ProblemDetails, PolicyTypeObject, PolicyStatusObject, EnforcementStatus, IdList)
or as `{policy-type: ID}` / `{policy-status: ID}`: that policy type's policySchema /
statusSchema. Policy types
come from the harness's own set (the Near-RT RIC side it plays, or the
lab's directory), given by the session.
"""

from __future__ import annotations

from typing import Any

from harness.interfaces.a1 import schemas as a1schemas
from harness.interfaces.a1.schemas import SchemaProblem
from harness.core.errors import UserError

__all__ = ["SchemaProblem", "schema_names", "problems"]


class SchemaLookupError(UserError):
    """The named schema or policy type is unknown to the harness (a lab/spec problem: ERROR)."""


def schema_names() -> set[str]:
    return set(a1schemas.NAMED)


def problems(value: Any, schema_ref: Any, policy_types: dict) -> tuple[SchemaProblem, ...]:
    """Problems of ``value`` against the schema ``schema_ref`` names (already ${var}-resolved).

    Args:
        policy_types: policy type id -> PolicyType (harness.interfaces.a1.model) or PolicyTypeObject dict.

    Raises:
        SchemaLookupError: an unknown policy type, or a schema that is not valid itself.
    """
    if isinstance(schema_ref, dict):
        kind, type_id = next(iter(schema_ref.items()))
        type_id = str(type_id)
        pt = policy_types.get(type_id)
        if pt is None:
            raise SchemaLookupError(f"policy type '{type_id}' is not known to the harness "
                                    f"(known: {', '.join(sorted(policy_types)) or 'none'})")
        definition = pt.definition if hasattr(pt, "definition") else pt
        if kind == "policy-status":
            return a1schemas.check_status(value, definition)
        return a1schemas.check_policy(value, definition)
    return a1schemas.validate(value, a1schemas.NAMED[schema_ref])
