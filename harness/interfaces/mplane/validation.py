"""The executors' side of YANG validation: learn the O-RU's modules once per test case, judge replies.

Why apart from executors.py: one job (YANG), and the operation-set executors
change at the same time. The modules are learnt right after the hello (`eager`), before a test case
starts any timer such as the supervision watchdog, so fetching them can never
make the harness miss a deadline the O-RU is judged on (learning them on first
use ran ~20 get-schema round trips inside the 1 s + 1 s supervision timers and
gave a false FAIL). Texts fetched by get-schema are kept per run and per
(module, revision) in ``env.schemas``. The get-schema exchange lands in the
connect step's evidence, and a fault on it is the connect step's FAIL. A violation is a FAIL
that names the YANG path and the clause (``rule=True``: a protocol rule, so a
precondition step does not soften it); a module the harness could not load is
a note in a PASS finding, never the O-RU's FAIL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from harness.core.verdict import Finding, Verdict
from harness.interfaces.mplane import client as mc
from harness.interfaces.mplane import yang
from harness.runner.context import StepContext

RFC6022 = "IETF RFC 6022 clause 3.1"
_PREFIX = re.compile(r"(?<![\w.:-])([A-Za-z_][\w.-]*):(?!:)")      # 'prefix:' not 'axis::' nor inside a URI


def library(ctx: StepContext, env: Any, collect: Callable[[], list],
            judge: Callable[[list], None] | None = None) -> yang.YangLibrary | None:
    """The O-RU's modules in libyang (loaded on first use, then kept in ``env.yang``); None without a session.

    ``collect`` moves the get-schema exchange into the current step's evidence right away, so the next
    step's evidence starts with its own rpc. When an rpc gets no usable reply, ``judge`` first sees the
    exchange so far (the connect step checks the message-id echo there, as an rpc step would).
    """
    if env.yang is not None or env.client is None or not env.client.connected:
        return env.yang
    try:
        return _load(ctx, env, collect, judge)
    finally:
        collect()


def eager(ctx: StepContext, env: Any, collect: Callable[[], list], judge: Callable[[list], None]) -> None:
    """Learn the O-RU's modules now (right after the hello), so no later step pays for it mid-timer."""
    library(ctx, env, collect, judge)


def _load(ctx: StepContext, env: Any, collect: Callable[[], list],
          judge: Callable[[list], None] | None) -> yang.YangLibrary:
    client: mc.MplaneClient = env.client
    caps = client.server_capabilities
    refs = yang.announced(caps)
    if any(c.startswith(yang.YANG_LIBRARY_CAP) for c in caps):
        reply = _rpc(ctx, client, collect, judge, etree.fromstring(
            f'<get xmlns="{mc.NC}"><filter type="subtree"><modules-state xmlns="{yang.YANG_LIBRARY}"/></filter>'
            "</get>"))
        if not reply.errors:
            known = {r.name for r in refs}
            refs += [r for r in yang.library_modules(reply.element) if r.name not in known]
    fetch = None
    reused: list[str] = []
    if any(r.name == "ietf-netconf-monitoring" for r in refs):
        kept: dict[tuple[str, str], str] = env.schemas

        def fetch(ref: yang.ModuleRef) -> str | None:
            # RFC 7950 clause 11: a published revision never changes, so a text fetched earlier in
            # this run holds for every later session announcing the same (module, revision).
            if ref.revision and (ref.name, ref.revision) in kept:
                reused.append(ref.name)
                return kept[(ref.name, ref.revision)]
            reply = _rpc(ctx, client, collect, judge, yang.get_schema_rpc(ref))
            text = None if reply.errors else yang.schema_text(reply.element)
            if text is not None and ref.revision:
                kept[(ref.name, ref.revision)] = text
            return text
    try:
        lib = yang.load(refs, fetch, env.yang_dir)
    except yang.YangError as err:
        ctx.error("mplane.yang", str(err))
    env.yang = lib
    again = f"; {len(reused)} of them fetched by get-schema earlier in this run (same module and revision)" \
        if reused else ""
    ctx.pass_("yang.modules", lib.summary() + again, clause=f"{yang.RFC7950} clause 5.6.4; {RFC6022}")
    return lib


def _rpc(ctx: StepContext, client: mc.MplaneClient, collect: Callable[[], list],
         judge: Callable[[list], None] | None, body: etree._Element) -> mc.Reply:
    try:
        return client.rpc(body)
    except mc.PeerError as err:
        entries = collect()
        if judge is not None:
            judge(entries)          # e.g. a reply to another message-id is why none arrived
        ctx.fail("rpc.reply", f"{err} (while the harness read the O-RU's YANG modules)",
                 clause=f"{RFC6022}; IETF RFC 6241 4.2, 4.4", rule=True,
                 evidence=tuple(e.index for e in entries))


def _findings(ctx: StepContext, step: Any, what: str, found: list[yang.Violation], evidence: tuple) -> None:
    out = [Finding(Verdict.FAIL, f"{what}.yang", f"{what} breaks the O-RU's YANG model at {v.path}: {v.message}",
                   clause=v.clause, ie_path=v.path, step=ctx.where(step), evidence=evidence) for v in found]
    ctx.add_all(out, rule=True)


def check_reply(ctx: StepContext, env: Any, step: Any, sent: etree._Element, reply: mc.Reply | None,
                evidence: tuple, collect: Callable[[], list]) -> None:
    """Validate a get (operational data) or get-config (configuration) reply against the O-RU's modules."""
    if reply is None or reply.errors or not isinstance(sent.tag, str):
        return
    op = etree.QName(sent).localname
    if op not in ("get", "get-config") or etree.QName(sent).namespace != mc.NC:
        return
    lib = library(ctx, env, collect)
    if lib is None:
        return
    data = reply.element.find(f"{{{mc.NC}}}data")
    _findings(ctx, step, "reply", lib.check_data(data, config_only=op == "get-config"), evidence)


def check_notification(ctx: StepContext, env: Any, step: Any, xml: str, evidence: tuple,
                       collect: Callable[[], list]) -> None:
    """Validate one notification (RFC 5277 envelope and its content) against the O-RU's modules."""
    lib = library(ctx, env, collect)
    if lib is not None:
        _findings(ctx, step, "notification", lib.check_notification(xml), evidence)


def namespaces(ctx: StepContext, env: Any, text: str, fixed: dict, collect: Callable[[], list]) -> dict:
    """Prefix -> namespace for a filter: the fixed ones, then every module name and prefix the O-RU announced.

    The O-RU's modules are loaded only when ``text`` uses a prefix the fixed ones lack; a prefix no
    module has is a spec error naming it (an ERROR, not the O-RU's FAIL).
    """
    wanted = {p for p in _PREFIX.findall(text) if p not in ("xmlns", "http", "https", "urn")}
    if wanted <= set(fixed):
        return dict(fixed)
    lib = library(ctx, env, collect)
    known = {**(lib.namespaces if lib is not None else {}), **fixed}
    unknown = sorted(wanted - set(known))
    if unknown:
        ctx.error("spec.filter", f"prefix {', '.join(unknown)} names no module the O-RU announced "
                  f"(known: {', '.join(sorted(known))})")
    return {p: known[p] for p in wanted | set(fixed)}


def subtree(text: str, ns: dict) -> list[etree._Element]:
    """A subtree filter's elements; prefixes the XML leaves undeclared take their module's namespace."""
    decl = " ".join(f'xmlns:{p}="{uri}"' for p, uri in ns.items())
    return list(etree.fromstring(f"<f {decl}>{text}</f>".encode()))


def yang_dir(dut: Any) -> Path | None:
    """The DUT profile's ``mplane.yang_dir`` (relative to the profile), or None."""
    given = (getattr(dut, "mplane", None) or {}).get("yang_dir")
    if not given:
        return None
    path = Path(str(given))
    return path if path.is_absolute() else Path(dut.where.file).resolve().parent / path
