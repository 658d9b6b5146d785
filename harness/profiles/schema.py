"""One schema for every key of a DUT or lab profile, checked when the profile is loaded.

Theory of operation: the schema is data (`Key` trees, DUT_SCHEMA and LAB_SCHEMA
below); `check` walks a loaded YAML mapping against it and raises the first
problem as a `ProfileError` naming file:line, the dotted key and, for an
unknown key, the closest known one. So a typo (`hots`, `conect_timeout`,
`timers.expext`), a wrong type, an unsupported value (`backend: kernal`,
`a1.version: v01.01`) or a key that moved to the other profile stops the run
before anything starts, instead of being silently ignored.

Where things go (issue 15): the DUT profile says what the DUT is and where it
is (`simulator:` when a built-in simulator plays it, `endpoints:` for real
equipment); the lab profile holds the harness's own side (local addresses,
timers, keys, tools). Keys that once sat on the wrong side are refused with
a hint saying where they went. Free-form mappings (pixit, policy bodies, RAN
function definitions) are the user's own names and are not checked here.
"""

from __future__ import annotations

import ipaddress

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness import bundled
from harness.impair.model import ImpairmentError, impairment_from
from harness.spec.errors import ProfileError
from harness.spec.reader import did_you_mean, type_name
from harness.spec.yamlload import LDict, LList, Source

# The built-in simulators a DUT profile can name, and the DUT role each plays.
SIMULATORS = {"e2-node": "e2-node", "near-rt-ric": "near-rt-ric", "a1-ric": "near-rt-ric",
              "a1-nonrt-ric": "non-rt-ric", "o-ru": "o-ru", "fronthaul-generator": "o-ru"}
E2AP_VERSIONS = ("v02.03", "v03.01")
E2SM_VERSIONS = {"e2sm-kpm": ("v02.03", "v03.00"), "e2sm-rc": ("v01.03",)}
A1AP_VERSIONS = ("v03.01",)              # the A1-P paths and schemas of harness/interfaces/a1
MPLANE_VERSIONS = ("v08.00",)            # the WG4 MP version testcases/wg4-conf cite
ROLES = ("e2-node", "near-rt-ric", "non-rt-ric", "o-ru")
ORAN_COMPONENTS = ("o-du", "o-cu", "o-ru", "near-rt-ric", "non-rt-ric", "smo")
MODES = ("sim", "live")
ADAPTERS = ("simulator", "manual", "command")
TRANSPORTS = ("in-process", "sctp", "http", "netconf-ssh")
SCTP_BACKENDS = ("auto", "kernel", "usrsctp")


@dataclass(frozen=True)
class Key:
    """What one key of a profile may hold.

    Attributes:
        kinds: the YAML types allowed (str, int, float = any number, bool, dict, list).
        choices: for a string, the allowed values (with did-you-mean).
        fields: for a mapping, its keys (strict); None with dict in kinds: free-form.
        item: for a list, what each item may hold.
        check: a further check of the value: '' or the problem.
        refuse: the key is not accepted: the reason, and where the setting goes instead.
        supported: how `choices` are named in an error ('the A1AP versions this harness tests').
        values: for a mapping whose keys are the user's names (links), what each value may hold.
    """

    kinds: tuple = (str,)
    choices: tuple = ()
    fields: Mapping[str, Key] | None = None
    item: Key | None = None
    check: Callable[[Any], str] | None = None
    refuse: str = ""
    supported: str = ""
    values: Key | None = None          # a mapping of the user's own names, each value checked against this


def _fits(value: Any, kind: type) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind in (int, float):
        return isinstance(value, (int, float) if kind is float else int) and not isinstance(value, bool)
    return isinstance(value, kind)


def parse_address(value: Any) -> tuple[str, int]:
    """(host, port) of 'HOST:PORT', '[IPv6]:PORT' or {host, port}.

    Raises:
        ValueError: the text says what is wrong.
    """
    if isinstance(value, dict):
        host, port = value.get("host"), value.get("port")
        if not isinstance(host, str) or not host:
            raise ValueError("needs host (and port)")
    else:
        text = str(value).strip()
        host, sep, port_text = text.rpartition(":")
        if not sep or not host:
            raise ValueError(f"'{text}' is not HOST:PORT")
        host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        port = int(port_text) if port_text.isdigit() else port_text
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port <= 65535:
        raise ValueError(f"port {port!r} is not 1..65535")
    return host, port


def _address(value: Any) -> str:
    try:
        parse_address(value)
    except ValueError as err:
        return f"not an address: {err}"
    return ""


def _url(value: Any) -> str:
    scheme, sep, rest = str(value).partition("://")
    if not sep or scheme not in ("http", "https") or not rest.split("/")[0]:
        return f"'{value}' is not an http:// or https:// URL"
    return ""


def _positive(value: Any) -> str:
    return "" if value > 0 else f"must be more than 0, not {value}"


def _seconds(value: Any) -> str:
    return "" if value > 0 else f"must be more than 0 seconds, not {value}"


def _port(value: Any) -> str:
    return "" if 0 <= value <= 65535 else f"{value} is not a port (0..65535)"


STR = Key((str,))
VERSION = Key((str, int, float))
ID = Key((str, int))
BOOL = Key((bool,))
SECONDS = Key((float,), check=_seconds)
INT_POSITIVE = Key((int,), check=_positive)
PORT = Key((int,), check=_port)
FREE = Key((dict,))                            # the user's own names (pixit, policy bodies)
ADDRESS = Key((str, dict), fields={"host": STR, "port": PORT}, check=_address)
URL = Key((str,), check=_url)


def choice(*values: str, supported: str = "") -> Key:
    return Key((str,), tuple(values), supported=supported)


def mapping(**fields: Key) -> Key:
    return Key((dict,), fields=fields)


def refused(reason: str) -> Key:
    return Key((object,), refuse=reason)


def strings() -> Key:
    return Key((list,), item=STR)


def _netconf_capability(value: str) -> str:
    """A capability the O-RU announces in its hello: 'base:1.1', 'candidate:1.0', 'with-defaults:1.0?basic-mode=trim'
    (RFC 6241 10.4 names without their urn:ietf:params:netconf:[capability:] prefix), or a whole 'urn:' URI."""
    if value.startswith("urn:") or re.fullmatch(r"[a-z][a-z0-9-]*:\d+\.\d+(\?[^\s]*)?", value):
        return ""
    return (f"{value!r} is not a NETCONF capability: give a short name such as base:1.1, candidate:1.0, "
            "with-defaults:1.0?basic-mode=trim, or a full urn: URI")


def _call_home(value: Any) -> str:
    """RFC 8071 call home: over SSH (true or 'ssh', IANA port 4334) or TLS ('tls', port 4335, RFC 7589)."""
    if value is True or value in ("ssh", "tls"):
        return ""
    if value is False:
        return ("false is not supported: NETCONF call home (RFC 8071) is part of the mandatory start-up test case "
                "O-RAN.WG4.CONF.0-v04.00:3.1.1.1, which the harness cannot skip; leave call_home out or set it true")
    return f"{value!r} is not a call-home transport: true, ssh or tls"


def _link(value: Any) -> str:
    """A named link (issue 20, harness/impair/links.py): a relay in the path, or a device (netem, flap)."""
    if ("relay" in value) == ("mechanism" in value):
        return "needs one of relay: udp|tcp (a userspace relay) or mechanism: netem|link (a device)"
    if "relay" in value and "upstream" not in value:
        return "is a relay and needs upstream: HOST:PORT (where it forwards to)"
    if "mechanism" in value and "dev" not in value:
        return f"uses {value['mechanism']} and needs dev: the interface to act on"
    if "mechanism" in value and ("listen" in value or "upstream" in value):
        return "listen/upstream belong to a relay link, not a device link"
    return ""


def _tnl(value: Any) -> str:
    """A further TNL endpoint: its addresses travel in E2AP TNL Information, so they are IP addresses."""
    if not ("listen" in value or "simulator" in value):
        return "needs listen: HOST:PORT (the harness as the RIC) and/or simulator: HOST:PORT (a simulated RIC)"
    for key in ("listen", "simulator"):
        if key in value:
            try:
                host = parse_address(value[key])[0]
                ip = ipaddress.ip_address(host)
            except ValueError:
                return f"{key}: give an IP address (E2 Connection Update carries it as TNL Information), not a name"
            if ip.is_unspecified:
                return f"{key}: {host} is the wildcard; give the address the peer dials (it is offered to it)"
    return ""


def _standing(value: Any) -> str:
    """A link's standing impairment (a campaign row, docs/campaigns.md): 'none', a path profile, or fields."""
    if isinstance(value, str):
        names = sorted(p.stem for p in bundled.path_profiles_dir().glob("*.yaml"))
        if value == "none" or value in names:
            return ""
        return f"'{value}' is neither none nor a path profile{did_you_mean(value, names)} (known: {', '.join(names)})"
    try:
        impairment_from(value, "impairment")
    except ImpairmentError as err:
        return str(err)
    return ""


LINK = Key((dict,), fields={"relay": choice("udp", "tcp"), "mechanism": choice("netem", "link"),
                            "listen": ADDRESS, "upstream": ADDRESS, "dev": STR, "netns": STR,
                            "impairment": Key((str, dict), check=_standing)}, check=_link)

CONTACT = mapping(first_name=STR, last_name=STR, email=STR, organisation=STR, phone=ID)
CONTACTS = Key((list,), item=CONTACT)

DUT_SCHEMA: dict[str, Key] = {
    "name": STR, "role": choice(*ROLES), "vendor": STR, "model": STR,
    "sw_version": VERSION, "hw_version": VERSION, "fw_version": VERSION,
    "serial_number": ID, "inventory_id": ID, "contacts": CONTACTS, "oran_component": choice(*ORAN_COMPONENTS),
    "simulator": choice(*SIMULATORS, supported="the built-in simulators; leave simulator out for real equipment"),
    "endpoints": mapping(e2=ADDRESS, a1=URL, mplane=ADDRESS),
    "e2ap": choice(*E2AP_VERSIONS, supported="the E2AP versions this harness tests"),
    "e2sm": mapping(**{k: choice(*v) for k, v in E2SM_VERSIONS.items()}),
    "ran_functions": Key((list,), item=mapping(id=Key((int,)), e2sm=STR, revision=Key((int,)))),
    "pics": FREE,                                   # checked against specs/pics/pics.yaml by the loader
    "a1": mapping(version=choice(*A1AP_VERSIONS, supported="the A1AP versions this harness tests"),
                  policy_types=Key((list,), item=ID), policy_types_dir=STR,
                  persistent_policies=Key((bool,))),     # its policies survive a restart (docs/resilience.md)
    "mplane": mapping(version=choice(*MPLANE_VERSIONS, supported="the WG4 M-plane versions this harness tests"),
                      netconf=Key((list,), item=Key((str,), check=_netconf_capability)),
                      call_home=Key((bool, str), check=_call_home),
                      yang_dir=STR),        # the lab's folder of the O-RU's YANG models (get-schema fallback)
}

LAB_SCHEMA: dict[str, Key] = {
    "name": STR, "site": STR, "operator": STR, "organisation": STR, "country": STR, "address": STR,
    "contacts": CONTACTS,
    "test_equipment": Key((list,), item=mapping(description=STR, vendor=STR, model=STR, sw_version=VERSION,
                                                hw_version=VERSION, fw_version=VERSION, serial_number=ID)),
    "signing": mapping(key=STR, passphrase_env=STR),
    "mode": choice(*MODES),
    "pixit": FREE, "ran_function_definitions": FREE,
    "links": Key((dict,), values=LINK),     # named links for impairment steps (docs/resilience.md)
    "timers": mapping(expect=SECONDS, guard=SECONDS, trigger=SECONDS),
    "adapter": mapping(kind=choice(*ADAPTERS), commands=FREE, prompt_timeout=SECONDS),
    "transport": mapping(
        kind=choice(*TRANSPORTS), backend=choice(*SCTP_BACKENDS), usrsctp_mode=choice("udp", "raw"),
        udp_port=PORT, remote_udp_port=PORT, listen=ADDRESS, connect_timeout=SECONDS,
        # SCTP failure detection (RFC 9260 8.1-8.3), set on every socket: harness/transport/sctp_timers.py
        timers=mapping(rto_initial_ms=INT_POSITIVE, rto_min_ms=INT_POSITIVE, rto_max_ms=INT_POSITIVE,
                       heartbeat_interval_ms=INT_POSITIVE, path_max_retrans=INT_POSITIVE,
                       association_max_retrans=INT_POSITIVE),
        simulator=mapping(address=ADDRESS, netns=STR),
        # further TNL associations of E2 (E2AP v03.01 8.3.6): harness/interfaces/e2/live.py, docs/resilience.md
        tnl=Key((list,), item=Key((dict,), fields={"listen": ADDRESS, "simulator": ADDRESS, "link": STR},
                                  check=_tnl)),
        wire_capture=mapping(interface=STR, filter=STR),
        dut=refused("the DUT's address is the DUT profile's endpoints.e2 (HOST:PORT)"),
        spawn_simulator=refused("the DUT profile's simulator: key says whether a built-in simulator plays the "
                                "DUT; the lab says where it runs (transport.simulator: {address, netns})"),
        simulator_netns=refused("give it as transport.simulator.netns")),
    "a1": mapping(
        callback=mapping(host=STR, port=PORT, path=STR,
                         tls=Key((bool, dict), fields={"cert": STR, "key": STR, "ca": STR},
                                 check=lambda v: "true is not a setting: give {cert, key[, ca]} or false"
                                 if v is True else "")),
        tls=mapping(ca=STR, cert=STR, key=STR, server_name=STR),
        auth=mapping(bearer_token_env=STR, bearer_token_file=STR),
        max_body=INT_POSITIVE, reply_timeout=SECONDS, policy_types_dir=STR,
        policy=mapping(type_id=ID, body=FREE, updated_body=FREE, invalid_body=FREE),
        sim=mapping(cert=STR, key=STR, client_ca=STR, ca=STR),
        dut_url=refused("the DUT's A1-P apiRoot is the DUT profile's endpoints.a1")),
    "mplane": mapping(
        username=STR, password=STR, password_env=STR, key_file=STR, known_host_key=STR, known_host_key_file=STR,
        call_home_port=PORT, call_home_host=STR, timeout=SECONDS, fronthaul_profile=STR,
        call_home_tls_port=PORT,                           # TLS call home (RFC 8071, IANA 4335)
        tls=mapping(ca=STR, cert=STR, key=STR, server_name=STR),   # the harness as TLS client (RFC 7589)
        sim=mapping(cert=STR, key=STR, client_ca=STR),     # the simulated O-RU's TLS server material
        host=refused("the O-RU's NETCONF address is the DUT profile's endpoints.mplane (HOST:PORT)"),
        port=refused("the O-RU's NETCONF address is the DUT profile's endpoints.mplane (HOST:PORT)")),
}


def check(data: LDict, schema: Mapping[str, Key], source: Source, path: str = "", what: str = "") -> None:
    """Check every key of ``data`` (a profile or one of its mappings) against ``schema``.

    Raises:
        ProfileError: the first problem, at its line, naming the dotted key.
    """
    for key in data:
        name = f"{path}.{key}" if path else str(key)
        spec = schema.get(key)
        if spec is None:
            known = [k for k, s in schema.items() if not s.refuse]
            place = f" in {what}" if what and not path else ""
            raise source.error(data.key_line(key), f"unknown key '{name}'{place}{did_you_mean(str(key), known)}",
                               f"allowed keys{' in ' + path if path else ''}: {', '.join(known)}", cls=ProfileError)
        if spec.refuse:
            raise source.error(data.key_line(key), f"'{name}' is not a lab setting here: {spec.refuse}",
                               cls=ProfileError)
        _value(data[key], spec, source, data.value_line(key), name)


def _value(value: Any, spec: Key, source: Source, line: int, name: str) -> None:
    if not any(_fits(value, k) for k in spec.kinds):
        want = " or ".join(_KIND_NAMES.get(k, k.__name__) for k in spec.kinds)
        shown = "" if isinstance(value, (dict, list)) else f" ({value!r})"
        raise source.error(line, f"'{name}' must be {want}, not {type_name(value)}{shown}", cls=ProfileError)
    if spec.choices and value not in spec.choices:
        what = f" ({spec.supported})" if spec.supported else ""
        raise source.error(line, f"'{name}' is '{value}', not one of: {', '.join(spec.choices)}{what}"
                           f"{did_you_mean(str(value), spec.choices)}", cls=ProfileError)
    if spec.fields is not None and isinstance(value, LDict):
        check(value, spec.fields, source, name)
    if spec.values is not None and isinstance(value, LDict):
        for key in value:
            _value(value[key], spec.values, source, value.value_line(key), f"{name}.{key}")
    if spec.item is not None and isinstance(value, LList):
        for i, item in enumerate(value):
            _value(item, spec.item, source, value.item_line(i), f"{name}[{i}]")
    if spec.check is not None:
        problem = spec.check(value)
        if problem:
            raise source.error(line, f"'{name}' {problem}", cls=ProfileError)


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               dict: "a mapping", list: "a list"}
