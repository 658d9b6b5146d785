"""The E2 protocol monitor: judges every message of one association, whether or not a test looks at it.

Theory of operation (sans-I/O, like `harness.interfaces.e2.procedures.E2Endpoint`, whose tables it reads):
the caller feeds every message of one E2 association in order, in both directions, saying
which side sent it ('dut', and 'harness' live or 'peer' in a capture); `observe` returns the
rules that message broke, each a `MonitorFinding` naming the side at fault (the sender), a
check id (the ids of fixtures/captures/corpus/manifest.yaml), an E2AP v03.01 clause and the
caller's reference (exchange index, capture packets). The monitor keeps what both peers must
agree on:

* the requests awaiting an answer, by procedure and Transaction ID / RIC request ID (8.2, 8.3,
  9.2.33): an answer echoes its request's key; an answer to nothing, a second answer, or an
  answer of another procedure to a pending request are findings;
* the RIC subscriptions (tables.SUBSCRIPTION_TABLE's states, simplified to pending, live,
  deleting and deleted): a RIC INDICATION or SUBSCRIPTION DELETE must name a live one;
* the RAN functions declared at E2 Setup / RIC Service Update with their E2SM (by OID): every
  E2SM payload must be an exact encoding in the declared E2SM version (decode and re-encode
  give back the same octets), else the version or RAN function it does fit is named;
* the IE rules of each message (ierules.py);
* the DUT profile's declarations: the RAN function ids and OIDs an E2 node DUT offers.

State findings (responses, subscriptions) are only made once the monitor has seen the
association's E2 Setup Request: before that, its history is unknown, and nothing is assumed.
Nothing here raises for what a peer sent; the caller maps findings to verdicts (`verdict_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.codec import catalog
from harness.codec.e2 import load_module_set
from harness.codec.e2sm import FAMILIES, builtin_oids, resolve_family
from harness.codec.errors import CodecError
from harness.interfaces.e2.procedures import correlation_key, describe_key, expects_answer
from harness.interfaces.e2.tables import BY_RIC_REQUEST, BY_TRANSACTION, MESSAGE_INDEX, PROCEDURES
from harness.interfaces.e2.ierules import E2AP_CLAUSE, clause_of, message_problems
from harness.core.verdict import Finding, Verdict

__all__ = ["DUT", "E2Monitor", "MonitorFinding", "verdict_for"]

DUT = "dut"
_CLEARING_ANSWERS = frozenset({"ResetResponse", "E2RemovalResponse"})


@dataclass(frozen=True)
class MonitorFinding:
    """One rule a message broke.

    Attributes:
        side: who is at fault: 'dut', or the other side as the caller names it ('harness', 'peer').
        check: the check id ('monitor.transaction-id.echo', 'ie.presence', ...).
        message: one line a lab engineer can act on.
        clause: 'O-RAN.WG3.E2AP v03.01 <clause> (...)'.
        ref: the caller's reference of the message (exchange index, message number).
        packets: capture packet numbers of the message, when it came from a capture.
        ie_path: the IE concerned, if any.
    """

    side: str
    check: str
    message: str
    clause: str
    ref: Any = None
    packets: tuple = ()
    ie_path: str | None = None

    def line(self) -> str:
        who = "" if self.side == DUT else f"({self.side}) "
        at = f" (packet {', '.join(map(str, self.packets))})" if self.packets else ""
        return f"{self.check}: {who}{self.message}{at} [{self.clause}]"


def verdict_for(finding: MonitorFinding, live: bool) -> Verdict:
    """A finding on the DUT is its FAIL; on the harness an ERROR (live); on the capture's peer INCONC."""
    if finding.side == DUT:
        return Verdict.FAIL
    return Verdict.ERROR if live else Verdict.INCONC


def as_finding(finding: MonitorFinding, live: bool, evidence: tuple = (), step: str | None = None) -> Finding:
    """The monitor finding as a test case `Finding` (the other side named in the text)."""
    who = "" if finding.side == DUT else f"({finding.side}) "
    return Finding(verdict_for(finding, live), finding.check, f"{who}{finding.message}", clause=finding.clause,
                   ie_path=finding.ie_path, step=step, evidence=evidence)


_OTHER_VERSIONS: dict = {}


def _version_codec(protocol: str, version: str, cache_dir):
    key = (protocol, version)
    if key not in _OTHER_VERSIONS:
        _OTHER_VERSIONS[key] = load_module_set(catalog.builtin(protocol, version), cache_dir)
    return _OTHER_VERSIONS[key]


class E2Monitor:
    """The monitor of one E2 association; see the module docstring.

    Args:
        codec: the association's `E2Codec` (it has learned the RAN functions); used for the
            E2SM round trip.
        messages: the `E2Messages` view of its E2AP.
        dut_role: 'e2-node' | 'near-rt-ric': which protocol role the 'dut' side plays.
        dut: the DUT profile (`DutProfile`), for the declaration checks; None skips them.
    """

    def __init__(self, codec, messages, dut_role: str, dut=None) -> None:
        self.codec, self.messages, self.dut_role, self.dut = codec, messages, dut_role, dut
        self.started = False                      # saw an E2 Setup Request: the history is complete
        self.pending: dict[tuple, tuple] = {}     # (initiator, procedure, key) -> (message name, ref)
        self.answered: dict[tuple, Any] = {}      # (initiator, procedure, key) -> ref of the answer
        self.wildcards: dict[str, int] = {}       # initiator -> requests sent unreadable on purpose
        self.subs: dict[tuple, str] = {}          # (requestor, instance, RAN function) -> state
        self.ran_functions: dict[int, str] = {}   # declared id -> OID
        self.last: dict[tuple, Any] = {}          # (RAN function, carrier) -> last accepted E2SM value
        # Subscriptions a clearing answer (Reset, E2 Removal) ended, by the side it was sent to: that side
        # may still send RIC Indications it emitted before the answer reached it (they cross on the wire;
        # 8.3.2 clears on the answer). Its first other message shows it has moved on.
        self.crossing: dict[str, set] = {}

    # ------------------------------------------------------------------ feeding
    def observe(self, parsed, side: str, *, data: bytes | None = None, notes=(), ref: Any = None,
                packets: tuple = (), judge: bool = True) -> list[MonitorFinding]:
        """Judge the next message of the association and update the state.

        Args:
            parsed: its `ParsedMessage` (None when undecodable: only the state is left as is).
            side: who sent it: 'dut', or the other side's name.
            data: its octets, for the E2SM round trip (no E2SM check without them).
            notes: the codec's notes of its decode.
            ref / packets: copied into the findings.
            judge: False for a message the harness breaks on purpose (a negative test's stimulus):
                it updates the state but gives no findings.

        Returns:
            The findings, in the order found.
        """
        out: list[MonitorFinding] = []
        if parsed is None or parsed.name is None:
            return out

        def add(check, text, clause, ie_path=None):
            if judge:
                out.append(MonitorFinding(side, check, text, clause, ref, tuple(packets), ie_path))

        name = parsed.name
        if name in self.messages.messages:
            spec = self.messages.spec(name)
            for p in message_problems(self.messages, parsed):
                add(p.check, p.text, clause_of(spec), p.ie)
        if name == "E2setupRequest":
            self.started = True
        proc, part = MESSAGE_INDEX.get(name, (None, None))
        if proc is not None and self.started:
            if part == "request":
                self._request(proc, parsed, side, ref)
            else:
                self._answer(proc, part, parsed, side, ref, add)
        if name in ("E2setupRequest", "RICserviceUpdate"):
            self._declarations(parsed, side, add)
        if self.started:
            self._subscriptions(name, parsed, side, add)
        if data is not None or notes:
            self._e2sm(parsed, data, notes, add)
        return out

    def unreadable_request(self, side: str) -> None:
        """The harness sent a request the peer cannot read (malformed on purpose): one answer of any
        key from the other side is then no finding."""
        self.wildcards[side] = self.wildcards.get(side, 0) + 1

    # ------------------------------------------------------------------ requests and answers
    def _request(self, proc, parsed, side, ref) -> None:
        key = correlation_key(proc, parsed.ies)
        if parsed.name == "E2setupRequest" and self.subs:
            self._clear_subscriptions()        # 8.3.1: a new E2 Setup ends what was agreed before
        if not expects_answer(proc, parsed.ies) or key is None:
            return
        self.pending[(side, proc.name, key)] = (parsed.name, ref)
        self.answered.pop((side, proc.name, key), None)

    def _answer(self, proc, part, parsed, side, ref, add) -> None:
        key = correlation_key(proc, parsed.ies)
        if key is None:                           # a key IE is missing: ie.presence says so
            stale = next((k for k in self.pending if k[0] != side and k[1] == proc.name), None)
            if stale is not None:
                self.answered[stale] = ref
                self.pending.pop(stale)
            return
        clause = f"{E2AP_CLAUSE} {proc.clause} ({proc.title}), 10.4 (logical error)"
        mine = [k for k in self.pending if k[0] != side]
        exact = next((k for k in mine if k[1] == proc.name and k[2] == key), None)
        if exact is not None:
            self.pending.pop(exact)
            self.answered[exact] = ref
            if parsed.name in _CLEARING_ANSWERS:
                live = {k for k, state in self.subs.items() if state in ("live", "deleting")}
                self._clear_subscriptions()
                self.crossing[exact[0]] = live      # the requester receives the answer last
            return
        other = next(iter(k for k in self.pending if k[0] != side), (None,))[0]
        if key is not None and any(k[1] == proc.name and k[2] == key for k in self.answered if k[0] != side):
            add("monitor.response.duplicate", f"{parsed.name} answers {describe_key(proc, key)} a second time",
                clause)
            return
        same_proc = [k for k in mine if k[1] == proc.name]
        if proc.correlation == BY_TRANSACTION and same_proc:
            k = same_proc[0]
            self.pending.pop(k)
            self.answered[k] = ref
            add("monitor.transaction-id.echo", f"{parsed.name} carries {describe_key(proc, key)}; the "
                f"{self.pending_name(k)} it answers carried TransactionID {k[2][0]}",
                f"{E2AP_CLAUSE} 9.2.33 (Transaction ID), {proc.clause} ({proc.title})", "TransactionID")
            return
        same_key = [k for k in mine if k[2] == key and key is not None]
        if same_key:
            k = same_key[0]
            wanted = PROCEDURES[k[1]]
            self.pending.pop(k)
            add("monitor.response.wrong-procedure", f"{parsed.name} ({proc.title}) answers the "
                f"{wanted.request} of {describe_key(wanted, key)}, a {wanted.title} request", clause)
            return
        if other is not None and self.wildcards.get(other):
            self.wildcards[other] -= 1
            return
        add("monitor.response.unsolicited", f"{parsed.name} answers {describe_key(proc, key)}, but no "
            f"{proc.request} with it is waiting for an answer", clause)

    @staticmethod
    def pending_name(k: tuple) -> str:
        return PROCEDURES[k[1]].request

    # ------------------------------------------------------------------ subscriptions
    def _clear_subscriptions(self) -> None:
        for key in self.subs:
            self.subs[key] = "deleted"

    def _subscriptions(self, name, parsed, side, add) -> None:
        if name != "RICindication":
            self.crossing.pop(side, None)
        proc, _ = MESSAGE_INDEX.get(name, (None, None))
        if proc is None or proc.correlation != BY_RIC_REQUEST:
            return
        key = correlation_key(proc, parsed.ies)
        if key is None:
            return
        state = self.subs.get(key)
        clause = f"{E2AP_CLAUSE} {proc.clause} ({proc.title}), 10.4 (logical error)"
        if name == "RICsubscriptionRequest":
            self.subs[key] = "pending"
        elif name == "RICsubscriptionResponse" and state == "pending":
            self.subs[key] = "live"
        elif name == "RICsubscriptionFailure" and state == "pending":
            self.subs.pop(key)
        elif name in ("RICindication", "RICsubscriptionDeleteRequest"):
            if state in ("live", "deleting"):
                if name == "RICsubscriptionDeleteRequest":
                    self.subs[key] = "deleting"
                return
            what = describe_key(proc, key)
            if state == "deleted" and name == "RICindication" and key in self.crossing.get(side, ()):
                return                              # sent before the clearing answer reached its sender
            if state == "deleted":
                add("monitor.ric-request-id.deleted", f"{name} names {what}, a subscription already deleted",
                    clause, "RICrequestID")
            elif state is None:
                add("monitor.ric-request-id.unknown", f"{name} names {what}, which no subscription has",
                    clause, "RICrequestID")
        elif name == "RICsubscriptionDeleteResponse" and state == "deleting":
            self.subs[key] = "deleted"
        elif name == "RICsubscriptionDeleteFailure" and state == "deleting":
            self.subs[key] = "live"
        elif name == "RICcontrolRequest" and self.ran_functions and key[2] not in self.ran_functions:
            add("monitor.ran-function.unknown", f"{name} names RAN function {key[2]}, which the E2 node never "
                "declared", clause, "RANfunctionID")

    # ------------------------------------------------------------------ declarations
    def _declarations(self, parsed, side, add) -> None:
        items = []
        for ie in ("RANfunctionsAdded", "RANfunctionsModified"):
            for single in parsed.ies.get(ie) or ():
                value = single.get("value") if isinstance(single, dict) else None
                item = value[1] if isinstance(value, tuple) else value
                if isinstance(item, dict) and "ranFunctionID" in item:
                    items.append(item)
        for item in items:
            self.ran_functions[item["ranFunctionID"]] = str(item.get("ranFunctionOID", ""))
        dut = self.dut
        if dut is None or side != DUT or self.dut_role != "e2-node" or not dut.ran_functions:
            return
        clause = f"{E2AP_CLAUSE} 8.3.1 ({parsed.name}: RAN functions and their OIDs), 9.2.23 (RAN function OID)"
        declared = {}
        for rf in dut.ran_functions:
            found = resolve_family(str(rf.e2sm))
            if found is not None:
                declared[rf.id] = (found[0], found[1] or dut.e2sm_versions.get(found[0]))
        for item in items:
            rf_id, oid = item["ranFunctionID"], str(item.get("ranFunctionOID", ""))
            offered = resolve_family(oid)
            if rf_id not in declared:
                same = [i for i, (p, _v) in declared.items() if offered and p == offered[0]]
                where = (f"the DUT profile declares {FAMILIES[offered[0]].short_name} as RAN function "
                         f"{', '.join(map(str, same))}") if same and offered else \
                    "the DUT profile declares no such RAN function"
                add("monitor.declaration.ran-function", f"RAN function {rf_id} (OID {oid}) is offered; {where}",
                    clause, "RANfunctionsAdded")
                continue
            protocol, version = declared[rf_id]
            want = builtin_oids().get((protocol, version))
            if want is not None and oid != want:
                add("monitor.declaration.oid", f"RAN function {rf_id} is offered with OID {oid}; the DUT profile "
                    f"declares {FAMILIES[protocol].short_name} {version}, OID {want}", clause, "ranFunctionOID")

    # ------------------------------------------------------------------ E2SM payloads
    def _e2sm(self, parsed, data, notes, add) -> None:
        rf = parsed.ies.get("RANfunctionID")
        protocol = self.codec.ran_functions.get(rf) if rf is not None else None
        if protocol is None:
            return
        version = self.codec.version_of(protocol)
        clause = (f"{E2AP_CLAUSE} 8.3.1 (the RAN function's OID names its E2SM), "
                  f"O-RAN.WG3.{FAMILIES[protocol].short_name.removeprefix('ORAN-')} {version}")
        raw = None
        if data is not None:
            try:
                raw = self.messages.parse(self.codec.decode(data, e2sm=False))
            except CodecError:
                raw = None
        errors = {n.path.rsplit("<", 1)[-1].rstrip(">"): n for n in notes if n.kind == "e2sm-error"}
        for ie, value in parsed.ies.items():
            fam_roles = FAMILIES[protocol].roles
            if ie not in fam_roles:
                continue
            octets = raw.ies.get(ie) if raw is not None else None
            octets = octets if isinstance(octets, (bytes, bytearray)) else None
            note = errors.get(ie)
            if note is None and octets is not None and isinstance(value, tuple):
                try:
                    exact = self.codec.e2sm(protocol).encode(value[0], value[1]) == bytes(octets)
                except (CodecError, ValueError, TypeError):
                    exact = False
                if exact:
                    other = self._ambiguous(protocol, version, ie, bytes(octets), value[1], (rf, ie))
                    if other is not None:
                        add("monitor.e2sm.version", f"{ie} of RAN function {rf} is in the "
                            f"{FAMILIES[protocol].short_name} {other} layout, not the declared {version} (it decodes "
                            f"in both; only the {other} reading agrees with the function's previous {ie})", clause, ie)
                    continue
            elif note is None:
                continue
            fits = self._fits(protocol, version, ie, octets) if octets is not None else None
            if fits is not None and fits[0] != protocol:
                add("monitor.e2sm.ran-function", f"{ie} of RAN function {rf} ({FAMILIES[protocol].short_name}) "
                    f"is an {FAMILIES[fits[0]].short_name} {fits[1]} payload", clause, ie)
            elif fits is not None:
                add("monitor.e2sm.version", f"{ie} of RAN function {rf} decodes as {FAMILIES[protocol].short_name} "
                    f"{fits[1]}, not as the declared {version}", clause, ie)
            elif note is not None:
                add("monitor.e2sm.version", f"{ie} of RAN function {rf} does not decode as the declared "
                    f"{FAMILIES[protocol].short_name} {version}: {note.text}", clause, ie)

    def _ambiguous(self, protocol: str, version: str, carrier: str, octets: bytes, value, last_key) -> str | None:
        """Another version of ``protocol`` whose reading of ``octets`` (an exact encoding in both)
        agrees better with the RAN function's previous payload of this carrier; None if none.

        PER has no tags: a payload in an older layout can be a valid, but meaningless, encoding
        in the declared one (E2SM-KPM v02 4-octet vs v03 8-octet TimeStamp). The previous payload
        of the same carrier tells which reading the sender meant.
        """
        previous = self.last.get(last_key)
        found = None
        for v in catalog.versions(protocol):
            if v == version or previous is None:
                continue
            codec = _version_codec(protocol, v, self.codec.cache_dir)
            type_name = FAMILIES[protocol].roles.get(carrier)
            try:
                other = codec.decode(type_name, octets)
                if codec.encode(type_name, other) != octets:
                    continue
            except (CodecError, ValueError, TypeError):
                continue
            if _agreement(other, previous) > _agreement(value, previous):
                found = v
                break
        if found is None:
            self.last[last_key] = value
        return found

    def _fits(self, protocol: str, version: str, carrier: str, octets: bytes | bytearray) -> tuple | None:
        """(protocol, version) of another known E2SM version or family that encodes ``octets`` exactly."""
        candidates = [(protocol, v) for v in catalog.versions(protocol) if v != version]
        candidates += [(p, v) for p in FAMILIES if p != protocol for v in catalog.versions(p)]
        for p, v in candidates:
            type_name = FAMILIES[p].roles.get(carrier)
            if type_name is None:
                continue
            codec = _version_codec(p, v, self.codec.cache_dir)
            try:
                value = codec.decode(type_name, bytes(octets))
                if codec.encode(type_name, value) == bytes(octets):
                    return p, v
            except (CodecError, ValueError, TypeError):
                continue
        return None



def _leaves(value, prefix: str = "") -> dict:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_leaves(v, f"{prefix}.{k}"))
        return out
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str):
        return _leaves(value[1], f"{prefix}<{value[0]}>")
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            out.update(_leaves(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _agreement(value, previous) -> int:
    """How many leaves of ``value`` equal the same leaf of ``previous``."""
    a, b = _leaves(value), _leaves(previous)
    return sum(1 for k, v in a.items() if k in b and b[k] == v)


def live_observe(ctx, monitor: E2Monitor | None, parsed, side: str, data: bytes | None, notes, entry, *,
                 judge: bool = True, step_checks_ies: bool = False) -> None:
    """Feed one live message to the run's monitor and record its findings in the test case.

    Args:
        ctx: the `StepContext`.
        side: 'dut' or 'harness'.
        judge: False for the harness's deliberate stimulus (a negative test's fields or omitted IEs).
        step_checks_ies: the message is the one an expect step matched: its IE rules are the step's
            to check (or, with ``check_ies: false``, to leave), so the monitor's IE findings are dropped.
    """
    if monitor is None:
        return
    found = monitor.observe(parsed, side, data=data, notes=notes, ref=entry.index, judge=judge)
    if step_checks_ies:
        found = [f for f in found if not f.check.startswith("ie.")]
    if found:
        ctx.add_all([as_finding(f, live=True, evidence=(entry.index,), step=ctx.where()) for f in found], stop=False,
                    rule=True)
