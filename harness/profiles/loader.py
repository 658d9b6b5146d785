"""DUT and lab profile YAML -> DutProfile / LabProfile, with file:line errors.

Missing fields, unknown keys, wrong types and PICS items not in the catalogue
(specs/pics/pics.yaml) are `ProfileError`s that quote the offending line.
"""

from __future__ import annotations

from pathlib import Path

from harness.profiles import schema
from harness.profiles.model import (Adapter, Contact, DutProfile, Endpoints, Equipment, LabProfile, RanFunction,
                                    Timers)
from harness.spec.pics import PicsItem, catalogue
from harness.integrity import IntegrityError, signing_config
from harness.spec.errors import ProfileError
from harness.spec.model import Where
from harness.spec.reader import Node, did_you_mean, is_number
from harness.spec.yamlload import LDict, LList, load_file, plain

ROLES = ("e2-node", "near-rt-ric")
A1_ROLES = ("near-rt-ric", "non-rt-ric")     # roles of a DUT profile with an `a1:` block
MPLANE_ROLES = ("o-ru",)                     # roles of a DUT profile with an `mplane:` block
E2AP_VERSIONS = schema.E2AP_VERSIONS
E2SM_VERSIONS = schema.E2SM_VERSIONS
MODES = schema.MODES
ADAPTERS = schema.ADAPTERS
ORAN_COMPONENTS = schema.ORAN_COMPONENTS
DUT_KEYS = tuple(schema.DUT_SCHEMA)
LAB_KEYS = tuple(schema.LAB_SCHEMA)
# The interface block a built-in simulator needs in the DUT profile ('' = E2: no a1:/mplane: block).
SIMULATOR_BLOCK = {"e2-node": "", "near-rt-ric": "", "a1-ric": "a1", "a1-nonrt-ric": "a1", "o-ru": "mplane",
                   "fronthaul-generator": "mplane"}


def refuse_silent_simulator(dut: DutProfile, lab: LabProfile, mode: str) -> None:
    """A DUT profile that names real equipment never gets a built-in simulator in its place.

    Mode 'sim' joins the built-in simulators in-process; it is for DUT profiles that say
    `simulator:`. Where a real DUT is comes from its `endpoints:` (checked by each interface).

    Raises:
        ProfileError: naming both profiles and what to change.
    """
    if mode == "sim" and not dut.simulated:
        raise ProfileError(Where(dut.where.file, 0), f"{dut.name} names real equipment (no simulator:) but the "
                           f"lab profile {lab.where.file} runs the built-in simulators (mode: sim) in the DUT's "
                           "place", "give --lab a lab profile with mode: live (and the DUT's endpoints: in the DUT "
                           "profile), or add simulator: to the DUT profile if a built-in simulator is meant")


def _top(path: str | Path, what: str) -> Node:
    doc, source = load_file(path, ProfileError)
    if doc is None:
        raise ProfileError(source.where(0), "the file is empty")
    return Node.of(doc, source, 1, what, ProfileError)


def load_dut(path: str | Path, items: dict[str, PicsItem] | None = None) -> DutProfile:
    """Read a DUT profile.

    Args:
        path: the YAML file.
        items: the PICS catalogue (default specs/pics/pics.yaml).

    Raises:
        ProfileError: with file:line and the offending line.
    """
    items = items if items is not None else catalogue()
    node = _top(path, "DUT profile")
    schema.check(node.data, schema.DUT_SCHEMA, node.source, what="DUT profile")
    no_e2 = node.has("a1") or node.has("mplane")
    # An A1-only DUT (an `a1:` block, no e2ap) needs no E2 versions; harness/interfaces/a1/config.py reads `a1:`.
    e2ap = node.get("e2ap", str, "v03.01" if no_e2 else None, required=not no_e2,
                    choices=E2AP_VERSIONS)
    e2sm = node.get("e2sm", dict, {})
    sub = Node(e2sm, node.source, "e2sm", ProfileError) if isinstance(e2sm, LDict) else None
    if sub is not None:
        sub.only(E2SM_VERSIONS)
        for proto, versions in E2SM_VERSIONS.items():
            sub.get(proto, str, choices=versions)
    ran_functions = _ran_functions(node)
    pics = _pics(node, items)
    derived = {"e2ap.version": e2ap}
    for proto, version in e2sm.items():
        short = proto.split("-", 1)[1]
        derived[f"e2sm.{short}.version"] = version
        derived.setdefault(f"e2sm.{short}", any(r.e2sm == proto for r in ran_functions))
    for key, value in derived.items():
        if key in pics and key.endswith("version") and pics[key] != value:
            raise node.error(node.data["pics"].key_line(key), f"PICS item '{key}' is '{pics[key]}' but the "
                             f"profile speaks '{value}'", "leave version items out of pics: they come from e2ap/e2sm")
        pics.setdefault(key, value)
    roles = A1_ROLES if node.has("a1") else MPLANE_ROLES if node.has("mplane") else ROLES
    return DutProfile(node.get("name", str, required=True), node.get("role", str, required=True, choices=roles),
                      node.get("vendor", str, required=True), node.get("model", str, required=True),
                      str(node.get("sw_version", (str, float, int), "")),
                      str(node.get("hw_version", (str, float, int), "")),
                      str(node.get("fw_version", (str, float, int), "")), pics, e2ap, plain(e2sm), ran_functions,
                      node.where(), a1=plain(node.get("a1", dict, {})), e2=node.has("e2ap") or not no_e2,
                      mplane=plain(node.get("mplane", dict, {})),
                      serial_number=str(node.get("serial_number", (str, int), "")),
                      inventory_id=str(node.get("inventory_id", (str, int), "")), contacts=_contacts(node),
                      oran_component=node.get("oran_component", str, "", choices=ORAN_COMPONENTS),
                      simulator=_simulator(node, roles), endpoints=_endpoints(node))


def _simulator(node: Node, roles: tuple) -> str:
    """The built-in simulator the profile names, checked against its role and interface block."""
    sim = node.get("simulator", str, "")
    if not sim:
        return ""
    role, block = node.get("role", str, required=True, choices=roles), SIMULATOR_BLOCK[sim]
    if schema.SIMULATORS[sim] != role or (block and not node.has(block)) or \
            (not block and (node.has("a1") or node.has("mplane"))):
        need = f"role {schema.SIMULATORS[sim]}" + (f" and an {block}: block" if block else " and an E2 profile "
                                                   "(no a1: or mplane: block)")
        raise node.error(node.value_line("simulator"), f"simulator '{sim}' plays a DUT with {need}; this profile "
                         f"is a {role}" + (" with an a1: block" if node.has("a1") else
                                           " with an mplane: block" if node.has("mplane") else ""))
    if node.has("endpoints"):
        raise node.error(node.key_line("endpoints"), f"a DUT played by the built-in simulator '{sim}' has no "
                         "endpoints: the harness starts it", "drop endpoints:, or drop simulator: for real "
                         "equipment")
    return sim


def _endpoints(node: Node) -> Endpoints:
    """The real DUT's addresses (already checked by the schema)."""
    raw = node.get("endpoints", dict, {})
    e2, mplane = raw.get("e2"), raw.get("mplane")
    return Endpoints(schema.parse_address(e2) if e2 is not None else None, str(raw.get("a1", "")),
                     schema.parse_address(mplane) if mplane is not None else None)


def _items(node: Node, key: str, what: str):
    """Each mapping of the list ``key`` as a Node (errors name its line)."""
    value = node.get(key, list, [])
    for i, raw in enumerate(value):
        line = value.item_line(i) if isinstance(value, LList) else node.line
        yield Node.of(raw, node.source, line, what, ProfileError)


def _contacts(node: Node) -> tuple:
    out = []
    for c in _items(node, "contacts", "contact"):
        c.only(["first_name", "last_name", "email", "organisation", "phone"])
        email = c.get("email", str, required=True)
        if "@" not in email:
            raise c.error(c.value_line("email"), f"'{email}' is not an e-mail address")
        out.append(Contact(c.get("first_name", str, required=True), c.get("last_name", str, required=True), email,
                           c.get("organisation", str, ""), str(c.get("phone", (str, int), ""))))
    return tuple(out)


def _equipment(node: Node) -> tuple:
    out = []
    for e in _items(node, "test_equipment", "test equipment"):
        e.only(["description", "vendor", "model", "sw_version", "hw_version", "fw_version", "serial_number"])
        sw, hw, fw = (str(e.get(k, (str, int, float), "")) for k in ("sw_version", "hw_version", "fw_version"))
        if not (sw or hw or fw):
            raise e.error(e.line, "test equipment needs at least one of sw_version, hw_version, fw_version")
        out.append(Equipment(e.get("description", str, required=True), e.get("vendor", str, required=True),
                             e.get("model", str, required=True), sw, hw, fw,
                             str(e.get("serial_number", (str, int), ""))))
    return tuple(out)


def _ran_functions(node: Node) -> tuple:
    value = node.get("ran_functions", list, [])
    out = []
    seen: dict = {}
    for i, raw in enumerate(value):
        line = value.item_line(i) if isinstance(value, LList) else node.line
        rf = Node.of(raw, node.source, line, "RAN function", ProfileError)
        rf.only(["id", "e2sm", "revision"])
        rid = rf.get("id", int, required=True)
        if not 0 <= rid <= 4095:
            raise rf.error(rf.value_line("id"), f"RAN function id {rid} is outside 0..4095")
        if rid in seen:
            raise rf.error(rf.value_line("id"), f"RAN function id {rid} is listed twice (first at line {seen[rid]})")
        seen[rid] = rf.value_line("id")
        e2sm = rf.get("e2sm", str, required=True)
        if e2sm not in E2SM_VERSIONS and not e2sm[:1].isdigit():
            raise rf.error(rf.value_line("e2sm"), f"unknown E2SM '{e2sm}'{did_you_mean(e2sm, E2SM_VERSIONS)}",
                           f"a short name ({', '.join(E2SM_VERSIONS)}) or an OID")
        out.append(RanFunction(rid, e2sm, rf.get("revision", int, 1), rf.where()))
    return tuple(out)


def _pics(node: Node, items: dict[str, PicsItem]) -> dict:
    value = node.get("pics", dict, {})
    out = {}
    for key, v in value.items():
        line = value.key_line(key) if isinstance(value, LDict) else node.line
        if key not in items:
            close = did_you_mean(str(key), items)
            raise node.error(line, f"unknown PICS item '{key}'{close}", "the items are listed in "
                             "specs/pics/pics.yaml")
        problem = items[key].problem(v)
        if problem:
            raise node.error(value.value_line(key) if isinstance(value, LDict) else line, problem)
        out[key] = v
    return out


def load_lab(path: str | Path) -> LabProfile:
    """Read a lab profile.

    Raises:
        ProfileError: with file:line and the offending line.
    """
    node = _top(path, "lab profile")
    schema.check(node.data, schema.LAB_SCHEMA, node.source, what="lab profile")
    mode = node.get("mode", str, required=True, choices=MODES)
    timers = _timers(node)
    adapter = _adapter(node)
    if mode == "sim" and adapter.kind != "simulator":
        raise node.error(node.value_line("adapter"), f"mode 'sim' needs adapter kind 'simulator', not '{adapter.kind}'")
    return LabProfile(node.get("name", str, required=True), node.get("site", str, ""), node.get("operator", str, ""),
                      mode, plain(node.get("transport", dict, {})), timers, plain(node.get("pixit", dict, {})),
                      adapter, plain(node.get("ran_function_definitions", dict, {})), node.where(),
                      a1=plain(node.get("a1", dict, {})), mplane=plain(node.get("mplane", dict, {})),
                      organisation=node.get("organisation", str, ""), country=_country(node),
                      address=node.get("address", str, ""), contacts=_contacts(node), equipment=_equipment(node),
                      signing=_signing(node), links=plain(node.get("links", dict, {})))


def _signing(node: Node) -> dict:
    """The results-signing key, by reference (docs/reports.md): checked now, used at the run's end."""
    if not node.has("signing"):
        return {}
    section = plain(node.get("signing", dict))
    try:
        signing_config(section, node.where().file)
    except IntegrityError as err:
        raise node.error(node.value_line("signing"), str(err)) from None
    return section


def _country(node: Node) -> str:
    country = node.get("country", str, "")
    if country and not (len(country) == 2 and country.isalpha() and country.isupper()):
        raise node.error(node.value_line("country"), f"country '{country}' is not an ISO 3166 alpha-2 code (e.g. DE)")
    return country


def _timers(node: Node) -> Timers:
    if not node.has("timers"):
        return Timers()
    t = Node.of(node.data["timers"], node.source, node.value_line("timers"), "timers", ProfileError)
    values: dict[str, float] = {}
    for key in t.data:
        v = t.get(key, float)
        if v <= 0:
            raise t.error(t.value_line(key), f"timer '{key}' must be more than 0 seconds, not {v}")
        values[key] = float(v)
    expect = values.pop("expect", 5.0)
    guard = values.pop("guard", 30.0)
    return Timers(expect, guard, values)


def _adapter(node: Node) -> Adapter:
    a = Node.of(node.required("adapter"), node.source, node.value_line("adapter"), "adapter", ProfileError)
    a.only(["kind", "commands", "prompt_timeout"])
    kind = a.get("kind", str, required=True, choices=ADAPTERS)
    commands = a.get("commands", dict, {})
    for action, cmd in commands.items():
        if not isinstance(cmd, str):
            raise a.error(commands.value_line(action), f"command for '{action}' must be a string (a shell command)")
    if kind == "command" and not commands:
        raise a.error(a.line, "adapter kind 'command' needs 'commands': trigger action -> shell command")
    timeout = a.get("prompt_timeout", float, 300.0)
    if not is_number(timeout) or timeout <= 0:
        raise a.error(a.value_line("prompt_timeout"), "'prompt_timeout' must be more than 0 seconds")
    return Adapter(kind, plain(commands), float(timeout))
