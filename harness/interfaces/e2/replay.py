"""Active replay: play one side of a captured E2 conversation to a DUT.

Theory of operation: the captured messages of one association are decoded
(statefully: the RAN functions learned at E2 Setup choose the E2SM) and split
by side: the E2 node is whoever sent the E2 Setup Request. The harness plays
the side that is not the DUT. Walking the capture in order, a message of the
harness's side is sent at its captured time (scaled by ``speed``), after the
DUT messages captured before it have arrived; a message of the DUT's side is
awaited (bounded) and compared with the captured one.

Identifiers the DUT chooses (its Transaction IDs, RIC Request IDs) differ from
the capture's; each one seen is mapped (captured -> live) and rewritten in the
harness's later messages, so the conversation stays consistent. Comparison
ignores what legitimately differs between two runs — the mapped identifiers,
node identities, time stamps, sequence numbers and measured values — plus any
IE paths the user adds.
"""

from __future__ import annotations

import copy
import json
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.capture import dispatch
from harness.capture.model import CapturedMessage
from harness.capture.pacing import SPIN, Pacer, TimingReport, report
from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.errors import CodecError
from harness.codec.jsonmap import to_json
from harness.core.errors import UserError
from harness.interfaces.e2.association import E2Association
from harness.interfaces.e2.view import E2Messages
from harness.transport.base import PeerClosed, Transport, TransportError

# IE paths (IE name, then components) whose values differ between two runs by nature.
DEFAULT_IGNORE = (
    "TransactionID", "RICrequestID.ricInstanceID", "GlobalRIC-ID", "GlobalE2node-ID", "RICindicationSN",
    "RICindicationHeader", "RICindicationMessage", "E2nodeComponentConfigAdditionAck",
    "E2nodeComponentConfigAddition", "RICsubscriptionStartTime", "RICsubscriptionEndTime",
)
# IEs whose values the DUT chooses and the other side echoes.
DYNAMIC = ("TransactionID", "RICrequestID")


class ReplayError(UserError):
    """The capture cannot be replayed as asked; the text says why (naming packet numbers)."""


@dataclass
class Item:
    side: str                 # 'harness' | 'dut'
    message: CapturedMessage
    name: str
    pdu: Any
    offset: float             # seconds since the first message of the association


@dataclass
class Comparison:
    captured: Item
    received_name: str | None
    differences: list = field(default_factory=list)   # 'IE.path: captured X, live Y'

    @property
    def ok(self) -> bool:
        return self.received_name == self.captured.name and not self.differences

    def line(self) -> str:
        where = f"packet {self.captured.message.packets[0]}"
        if self.received_name is None:
            return f"MISSING  {where} {self.captured.name}: the DUT sent nothing in time"
        if self.received_name != self.captured.name:
            return f"DIFFERS  {where} {self.captured.name}: the DUT sent {self.received_name}"
        if self.differences:
            return f"DIFFERS  {where} {self.captured.name}: " + "; ".join(self.differences)
        return f"SAME     {where} {self.captured.name}"


@dataclass
class ReplayResult:
    sent: int
    comparisons: list
    timing: TimingReport
    errors: list

    @property
    def ok(self) -> bool:
        return not self.errors and all(c.ok for c in self.comparisons)


def plan(messages: Iterable[CapturedMessage], dut_role: str, association: str | None = None,
         e2ap_version: str | None = None) -> list[Item]:
    """The items of one association, sides assigned, decoded statefully.

    Raises:
        ReplayError: no E2 association, or no E2 Setup Request to tell the roles.
    """
    chosen = [m for m in messages if dispatch.is_e2ap(m) and (association is None or m.association == association)]
    if not chosen:
        raise ReplayError(f"the capture has no E2AP message (SCTP PPID {dispatch.E2AP_PPID})" +
                          (f" on association {association}" if association else ""))
    first = chosen[0].association
    chosen = [m for m in chosen if m.association == first]
    assoc = _association(e2ap_version)
    items = []
    t0 = chosen[0].time
    for m in chosen:
        got = assoc.feed(m.data, m.src, m.time)
        if got.error is not None:
            raise ReplayError(f"packet {m.packets[0]}: cannot decode the captured message: {got.error}")
        items.append((m, got.name, got.pdu))
    if assoc.e2_node is None:
        raise ReplayError(f"association {first}: no E2 Setup Request, so the E2 node's side is unknown")
    harness_is_node = dut_role == "near-rt-ric"
    out = []
    for m, name, pdu in items:
        from_node = m.src == assoc.e2_node
        side = "harness" if from_node == harness_is_node else "dut"
        out.append(Item(side, m, name or "?", pdu, m.time - t0))
    return out


def _association(e2ap_version: str | None) -> E2Association:
    return E2Association(E2Codec() if e2ap_version is None else E2Codec(_versions(e2ap_version)))


def _versions(e2ap: str):
    return E2Versions(e2ap=e2ap)


def _ies(pdu: Any) -> list:
    return pdu[1]["value"][1]["protocolIEs"]


class Rewriter:
    """Captured -> live values of the identifiers the DUT chooses."""

    def __init__(self, view: E2Messages) -> None:
        self.view = view
        self.maps: dict[str, dict] = {name: {} for name in DYNAMIC}

    @staticmethod
    def _key(value: Any) -> Any:
        return tuple(sorted(value.items())) if isinstance(value, dict) else value

    def learn(self, captured: Any, live: Any) -> None:
        """Pair a captured DUT message with the live one the DUT sent in its place."""
        got = self.view.parse(live).ies
        for name, value in self.view.parse(captured).ies.items():
            if name in self.maps and name in got and got[name] != value:
                self.maps[name][self._key(value)] = got[name]

    def apply(self, pdu: Any) -> Any:
        out = copy.deepcopy(pdu)
        for f in _ies(out):
            name = self.view.ie_name(f["id"])
            if name in self.maps and isinstance(f["value"], tuple):
                type_name, value = f["value"]
                f["value"] = (type_name, self.maps[name].get(self._key(value), value))
        return out


def _strip(value: Any, path: list[str]) -> Any:
    if not path:
        return None
    if isinstance(value, dict) and path[0] in value:
        out = dict(value)
        if len(path) == 1:
            del out[path[0]]
        else:
            out[path[0]] = _strip(value[path[0]], path[1:])
        return out
    return value


def compare(codec: E2Codec, view: E2Messages, captured: Any, live: Any, ignore: tuple) -> list[str]:
    """IE-level differences between a captured and a live message, ignore rules applied."""
    a, b = view.parse(captured), view.parse(live)
    out = []
    for name in sorted(set(a.ies) | set(b.ies)):
        rules = [r.split(".")[1:] for r in ignore if r.split(".")[0] == name]
        if [] in rules:
            continue
        spec = view.spec(a.name or b.name or "")
        try:
            type_name = spec.ie(name).type_name
        except Exception:
            type_name = None
        ja = to_json(codec.codec_for_type, type_name, a.ies[name]) if name in a.ies and type_name else a.ies.get(name)
        jb = to_json(codec.codec_for_type, type_name, b.ies[name]) if name in b.ies and type_name else b.ies.get(name)
        for rule in rules:
            ja, jb = _strip(ja, rule), _strip(jb, rule)
        if ja != jb:
            out.append(f"{name}: captured {_short(ja)}, live {_short(jb)}")
    return out


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def replay(items: list[Item], transport: Transport, *, speed: float = 1.0, ignore: tuple = (),
           answer_timeout: float = 5.0, e2ap_version: str | None = None, spin: float = SPIN) -> ReplayResult:
    """Play the harness's side of ``items`` on ``transport`` and compare the DUT's answers."""
    # The live association starts with what the capture declared (its RAN functions, its E2 node),
    # so the DUT's answers decode with the E2SMs of the captured E2 Setup.
    assoc = _association(e2ap_version)
    for item in items:
        assoc.observe(item.pdu, item.message.src, item.message.time)
    codec, view = assoc.codec, assoc.view
    rewriter = Rewriter(view)
    inbox: queue.Queue = queue.Queue()
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            try:
                packet = transport.recv(0.05)
            except (PeerClosed, TransportError) as err:
                inbox.put(err)
                return
            if packet is not None:
                inbox.put(packet)
    reader = threading.Thread(target=receive, daemon=True, name="replay-recv")
    reader.start()
    pacer = Pacer(speed, spin)
    comparisons: list[Comparison] = []
    errors: list[str] = []
    sent = 0
    ignore = tuple(DEFAULT_IGNORE) + tuple(ignore)
    closed = None
    try:
        for item in items:
            if item.side == "harness":
                pdu = rewriter.apply(item.pdu)
                try:
                    data = codec.encode(pdu)
                except CodecError as err:
                    errors.append(f"packet {item.message.packets[0]}: cannot re-encode {item.name}: {err}")
                    continue
                pacer.wait(item.offset)
                try:
                    transport.send(data, stream=item.message.stream, ppid=item.message.ppid)
                    sent += 1
                except TransportError as err:
                    errors.append(f"packet {item.message.packets[0]}: sending {item.name} failed: {err}")
                    break
                continue
            if closed is not None:
                comparisons.append(Comparison(item, None))
                continue
            try:
                got = inbox.get(timeout=answer_timeout + max(0.0, item.offset / speed - _elapsed(pacer)))
            except queue.Empty:
                comparisons.append(Comparison(item, None))
                continue
            if isinstance(got, Exception):
                closed = got
                errors.append(f"the DUT's association ended: {got}")
                comparisons.append(Comparison(item, None))
                continue
            decoded = assoc.feed(got.data, item.message.src, got.time)     # in place of the captured one
            if decoded.error is not None:
                comparisons.append(Comparison(item, "undecodable", [decoded.error]))
                continue
            live, name = decoded.pdu, decoded.name
            if name == item.name:
                rewriter.learn(item.pdu, live)
                comparisons.append(Comparison(item, name, compare(codec, view, item.pdu, live, ignore)))
            else:
                comparisons.append(Comparison(item, name or "?"))
    finally:
        stop.set()
        reader.join(1.0)
    return ReplayResult(sent, comparisons, report(pacer.errors), errors)


def _elapsed(pacer: Pacer) -> float:
    return 0.0 if pacer.start is None else time.perf_counter() - pacer.start
