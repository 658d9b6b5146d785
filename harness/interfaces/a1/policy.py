"""The policy the A1TS cases create, update and break: a PIXIT of the lab, not a literal of the specs.

A DUT implements its own policy types, so a fixed body in the specs would pass
against the built-in simulator and be refused (rightly) by anyone else's Near-RT
RIC. The lab profile's `a1.policy` names the type and the bodies; without it the
bundled sample (`ORAN_QoSTarget_2.0.0` from specs/a1/policy-types) is used. Each
body is checked here against the type's policySchema from the lab's policy types
folder, so a lab mistake stops the run naming the key, instead of showing up as a
red DUT:

    a1:
      policy_types_dir: my-types        # <policyTypeId>.json files (default: the bundled ones)
      policy:
        type_id: ORAN_QoSTarget_2.0.0   # a type the DUT supports (and the folder holds)
        body: {...}                     # a valid policy of that type (created by the cases)
        updated_body: {...}             # another valid policy (6.2.6 update)
        invalid_body: {...}             # one that breaks the policySchema (6.2.3 schema violation)

The specs see them as the variables of `VARIABLES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.core.errors import UserError
from harness.interfaces.a1.model import PolicyTypeFileError, load_policy_types
from harness.interfaces.a1.schemas import check_policy

KEYS = ("type_id", "body", "updated_body", "invalid_body")
# spec variable -> A1Policy attribute
VARIABLES = {"policy_type_id": "type_id", "policy_body": "body", "policy_body_updated": "updated_body",
             "policy_body_invalid": "invalid_body"}


class A1PolicyError(UserError):
    """The lab's a1.policy (or policy_types_dir) does not fit together: the run does not start."""


@dataclass(frozen=True)
class A1Policy:
    """The policy type id and bodies the A1TS cases use (frozen, checked against the type)."""

    type_id: str
    body: dict = field(compare=False)
    updated_body: dict = field(compare=False)
    invalid_body: Any = field(compare=False)

    def variables(self) -> dict:
        """``${policy_type_id}``, ``${policy_body}``, ``${policy_body_updated}``, ``${policy_body_invalid}``."""
        return {var: getattr(self, attr) for var, attr in VARIABLES.items()}


DEFAULT = A1Policy(
    "ORAN_QoSTarget_2.0.0",
    {"scope": {"ueId": "ue-0001"}, "qosObjectives": {"priorityLevel": 5, "gfbr": 1000}},
    {"scope": {"ueId": "ue-0001"}, "qosObjectives": {"priorityLevel": 9, "gfbr": 2000}},
    {"scope": {"cellId": 17}},                 # qosObjectives missing, scope with an unknown member
)


def read_policy(block: Any, where: str, policy_types_dir) -> A1Policy:
    """``a1.policy`` (None: the bundled default), checked against the type from ``policy_types_dir``.

    Args:
        block: the `policy` mapping of the a1 block, or None.
        where: 'lab.yaml: a1' (for messages).
        policy_types_dir: the lab's folder of policy types (None: the bundled one).

    Raises:
        A1PolicyError: unknown or missing key, a type the folder does not hold, a body that does not
            fit (or an invalid_body that does).
    """
    if block is None:
        policy = DEFAULT
        origin = f"{where}.policy (not given: the bundled default, type {DEFAULT.type_id})"
    else:
        if not isinstance(block, dict):
            raise A1PolicyError(f"{where}.policy: expected a mapping with {', '.join(KEYS)}")
        unknown = sorted(set(block) - set(KEYS))
        if unknown:
            raise A1PolicyError(f"{where}.policy: unknown key '{unknown[0]}'; known: {', '.join(KEYS)}")
        missing = [k for k in KEYS if k not in block]
        if missing:
            raise A1PolicyError(f"{where}.policy: '{missing[0]}' is missing (give {', '.join(KEYS)})")
        if not isinstance(block["type_id"], str) or not block["type_id"]:
            raise A1PolicyError(f"{where}.policy.type_id: a policy type id (a string)")
        for key in ("body", "updated_body"):
            if not isinstance(block[key], dict):
                raise A1PolicyError(f"{where}.policy.{key}: a policy is a JSON object")
        policy = A1Policy(block["type_id"], block["body"], block["updated_body"], block["invalid_body"])
        origin = f"{where}.policy"
    try:
        types = load_policy_types(policy_types_dir)
    except PolicyTypeFileError as err:
        raise A1PolicyError(f"{where}.policy_types_dir: {err}") from None
    folder = policy_types_dir or "the bundled specs/a1/policy-types"
    if policy.type_id not in types:
        raise A1PolicyError(f"{origin}: type_id '{policy.type_id}' is not in {folder} "
                            f"(it holds: {', '.join(sorted(types)) or 'nothing'}); name one of its types in "
                            f"{where}.policy")
    definition = types[policy.type_id].definition
    for key in ("body", "updated_body"):
        problems = check_policy(getattr(policy, key), definition)
        if problems:
            raise A1PolicyError(f"{origin}.{key}: not a valid policy of type {policy.type_id}: {problems[0]}")
    if not check_policy(policy.invalid_body, definition):
        raise A1PolicyError(f"{origin}.invalid_body: it is a valid policy of type {policy.type_id}; it must "
                            "break the policySchema")
    return policy
