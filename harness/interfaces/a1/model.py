"""A1-P v2 resources: URI builders, a path parser, and policy types loaded from files.

The A1-P (A1 policy) REST API of O-RAN.WG2.A1AP-v03.01 (clause 4.2 for the
resource URI structure {apiRoot}/A1-P/v2/..., clause 6.2 for the resources
and the methods each one accepts) has five resources, all below ``API_ROOT``:

    policytypes                                        GET  (list of type ids)
    policytypes/{policyTypeId}                         GET  (PolicyTypeObject)
    policytypes/{policyTypeId}/policies                GET  (list of policy ids)
    policytypes/{policyTypeId}/policies/{policyId}     PUT (create 201 / update 200), GET, DELETE (204)
    policytypes/{policyTypeId}/policies/{policyId}/status   GET (PolicyStatusObject)

Identifiers are path segments: they are percent-encoded when built and decoded
when parsed, so an id holding '/' or ' ' still names exactly one resource.
Policy type definitions (O-RAN.WG2.A1TD) are served from JSON files named
``<policyTypeId>.json`` whose content is the PolicyTypeObject itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from harness import bundled
from harness.interfaces.a1 import schemas
from harness.core.errors import DutError, UserError

API_ROOT = "/A1-P/v2"
DEFAULT_POLICY_TYPES_DIR = bundled.policy_types_dir()

# resource kind -> methods A1AP v03.01 clause 6.2 allows on it
POLICY_TYPES, POLICY_TYPE, POLICIES, POLICY, POLICY_STATUS = (
    "policytypes", "policytype", "policies", "policy", "policy-status")
ALLOWED_METHODS: dict[str, tuple[str, ...]] = {
    POLICY_TYPES: ("GET",),
    POLICY_TYPE: ("GET",),
    POLICIES: ("GET",),
    POLICY: ("GET", "PUT", "DELETE"),
    POLICY_STATUS: ("GET",),
}


class A1PathError(DutError, ValueError):
    """A path that names no A1-P resource (the message quotes the path)."""


class PolicyTypeFileError(UserError, ValueError):
    """A policy type file that cannot be served (the message names the file)."""


@dataclass(frozen=True)
class A1Resource:
    """One parsed A1-P path: which resource, and the ids it names."""

    kind: str
    policy_type_id: str | None = None
    policy_id: str | None = None

    @property
    def path(self) -> str:
        return resource_path(self)


def _seg(value: str) -> str:
    if not isinstance(value, str) or value == "":
        raise A1PathError(f"an A1-P id must be a non-empty string, got {value!r}")
    return quote(value, safe="")


def policy_types_path() -> str:
    return f"{API_ROOT}/policytypes"


def policy_type_path(policy_type_id: str) -> str:
    return f"{API_ROOT}/policytypes/{_seg(policy_type_id)}"


def policies_path(policy_type_id: str) -> str:
    return f"{policy_type_path(policy_type_id)}/policies"


def policy_path(policy_type_id: str, policy_id: str) -> str:
    return f"{policies_path(policy_type_id)}/{_seg(policy_id)}"


def policy_status_path(policy_type_id: str, policy_id: str) -> str:
    return f"{policy_path(policy_type_id, policy_id)}/status"


def resource_path(resource: A1Resource) -> str:
    """The path of a parsed resource (the inverse of `parse_path`)."""
    builders = {
        POLICY_TYPES: lambda r: policy_types_path(),
        POLICY_TYPE: lambda r: policy_type_path(r.policy_type_id),
        POLICIES: lambda r: policies_path(r.policy_type_id),
        POLICY: lambda r: policy_path(r.policy_type_id, r.policy_id),
        POLICY_STATUS: lambda r: policy_status_path(r.policy_type_id, r.policy_id),
    }
    return builders[resource.kind](resource)


def parse_path(path: str) -> A1Resource:
    """The A1-P resource a request path (or full URL) names; the query string is ignored.

    Raises:
        A1PathError: the path is outside ``API_ROOT`` or matches no resource.
    """
    raw = urlsplit(path).path if "://" in path else path.split("?", 1)[0]
    if raw != API_ROOT and not raw.startswith(API_ROOT + "/"):
        raise A1PathError(f"{raw!r} is not below {API_ROOT}")
    parts = raw[len(API_ROOT):].strip("/").split("/") if raw.strip("/") != API_ROOT.strip("/") else []
    ids = [unquote(p) for p in parts]
    n = len(parts)
    if n >= 1 and parts[0] == "policytypes" and all(parts):
        if n == 1:
            return A1Resource(POLICY_TYPES)
        if n == 2:
            return A1Resource(POLICY_TYPE, ids[1])
        if parts[2] == "policies":
            if n == 3:
                return A1Resource(POLICIES, ids[1])
            if n == 4:
                return A1Resource(POLICY, ids[1], ids[3])
            if n == 5 and parts[4] == "status":
                return A1Resource(POLICY_STATUS, ids[1], ids[3])
    raise A1PathError(f"{raw!r} names no A1-P resource")


@dataclass(frozen=True)
class PolicyType:
    """A policy type as a Near-RT RIC offers it (A1AP v03.01 PolicyTypeObject).

    ``definition`` is the PolicyTypeObject exactly as served on GET.
    """

    policy_type_id: str
    definition: dict = field(compare=False)
    source: str = ""

    @property
    def policy_schema(self) -> dict:
        return self.definition["policySchema"]

    @property
    def status_schema(self) -> dict | None:
        return self.definition.get("statusSchema")


def load_policy_type(path: Path) -> PolicyType:
    """A policy type from ``<policyTypeId>.json``, its definition validated.

    Raises:
        PolicyTypeFileError: unreadable, not JSON (with line:column), or not a
            valid PolicyTypeObject (with the JSON path).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyTypeFileError(f"{path}: cannot read: {err.strerror}") from None
    try:
        definition = json.loads(text)
    except json.JSONDecodeError as err:
        raise PolicyTypeFileError(f"{path}:{err.lineno}:{err.colno}: not JSON: {err.msg}") from None
    problems = schemas.check_policy_type(definition)
    if problems:
        raise PolicyTypeFileError(f"{path}: not a PolicyTypeObject: {problems[0]}")
    return PolicyType(path.name[:-len(".json")], definition, str(path))


def load_policy_types(directory: Path | str | None = None) -> dict[str, PolicyType]:
    """Every ``*.json`` policy type in ``directory`` (default: the bundled specs/a1/policy-types), by id."""
    folder = Path(directory) if directory is not None else DEFAULT_POLICY_TYPES_DIR
    if not folder.is_dir():
        raise PolicyTypeFileError(f"{folder}: no such directory of policy types")
    return {t.policy_type_id: t for t in (load_policy_type(p) for p in sorted(folder.glob("*.json")))}
