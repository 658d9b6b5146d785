"""NETCONF capability names: the DUT profile's short form, the hello's URIs, and what they announce.

Why one module: the simulator announces, and the executors check, the same
`mplane.netconf:` list of the DUT profile, so both read it the same way.
Short names are RFC 6241 clause 10.4's registry without its prefix:
`base:1.1` is urn:ietf:params:netconf:base:1.1, `candidate:1.0` is
urn:ietf:params:netconf:capability:candidate:1.0; a full `urn:` passes as is.
A `?query` (with-defaults:1.0?basic-mode=trim) is kept.
"""

from __future__ import annotations

BASE = "urn:ietf:params:netconf:base:"
CAP = "urn:ietf:params:netconf:capability:"


def capability_uri(name: str) -> str:
    """The capability URI of a short name (see the module docstring)."""
    name = name.strip()
    if name.startswith("urn:"):
        return name
    if name.startswith("base:"):
        return BASE + name[len("base:"):]
    return CAP + name


def missing(declared: tuple[str, ...] | list[str], announced: list[str]) -> list[str]:
    """The declared capabilities the hello lacks (compared without their ?query, except with-defaults'
    basic-mode, which decides what a reply holds)."""
    have = {a.split("?")[0] for a in announced}
    out = []
    for name in declared:
        uri = capability_uri(name)
        if uri.split("?")[0] not in have:
            out.append(name)
            continue
        mode = query(uri).get("basic-mode")
        if mode is not None and mode != with_defaults(announced)[0]:
            out.append(name)
    return out


def query(uri: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in uri.partition("?")[2].split("&") if "=" in p)


def with_defaults(announced: list[str]) -> tuple[str | None, tuple[str, ...]]:
    """RFC 6243 clause 4.3: (basic-mode, also-supported modes) of the :with-defaults capability;
    (None, ()) when the server does not announce it."""
    cap = next((c for c in announced if c.startswith(CAP + "with-defaults:1.0")), None)
    if cap is None:
        return None, ()
    q = query(cap)
    return q.get("basic-mode", "explicit"), tuple(m for m in q.get("also-supported", "").split(",") if m)


def supports_report_all(announced: list[str]) -> bool:
    basic, also = with_defaults(announced)
    return basic == "report-all" or "report-all" in also


def three_phase(announced: list[str]) -> bool:
    """Whether an edit of "the configuration" must go to candidate and be committed: the server offers
    :candidate but not :writable-running (O-RAN.WG4.MP.0 v08.00 clause 9.1, 3-phase configuration;
    RFC 6241 8.2, 8.3)."""
    have = {a.split("?")[0] for a in announced}
    return CAP + "candidate:1.0" in have and CAP + "writable-running:1.0" not in have
