"""The lab's named links at run time: what each is (relay, netem, a device to flap) and its state.

The lab profile's `links:` (checked by harness/profiles/schema.py) names each link and its
mechanism:

    links:
      e2: {relay: udp, listen: 127.0.0.1:39900, upstream: 127.0.0.1:9900}
      a1: {relay: tcp, listen: 127.0.0.1:38080, upstream: 127.0.0.1:8080}
      fh: {mechanism: netem, dev: eth1}
      cable: {mechanism: link, dev: imp-a0, netns: imp-a}

`LabLinks` starts the relays (on first use), applies and clears impairments, flaps links,
and keeps every link's timeline for the evidence. `problem()` answers, before a run, whether
a step can act on a link here (unknown link, netem missing, loss on a TCP stream), so a spec
that cannot fire is refused up front, never run as a silent no-op.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.errors import LabError
from harness.impair.model import NONE, Impairment, impairment_from
from harness.impair.netem import Netem, flap, netem_available
from harness.impair.relay import TcpRelay, TimelineEntry, UdpRelay

MECHANISMS = ("udp-relay", "tcp-relay", "netem", "link")


@dataclass(frozen=True)
class LinkSpec:
    """One named link of the lab profile."""

    name: str
    mechanism: str                      # one of MECHANISMS
    listen: tuple[str, int] | None = None
    upstream: tuple[str, int] | None = None
    dev: str = ""
    netns: str | None = None
    impairment: Any = None              # standing impairment: 'none', a path profile name or fields (campaigns)

    @classmethod
    def from_dict(cls, name: str, d: Mapping[str, Any], parse_address: Any) -> LinkSpec:
        """From the (schema-checked) profile mapping; ``parse_address`` turns 'HOST:PORT' into a tuple."""
        if "relay" in d:
            return cls(name, f"{d['relay']}-relay", parse_address(d.get("listen", "127.0.0.1:0")),
                       parse_address(d["upstream"]), impairment=d.get("impairment"))
        return cls(name, str(d.get("mechanism", "")), dev=str(d.get("dev", "")), netns=d.get("netns"),
                   impairment=d.get("impairment"))


class LabLinks:
    """The lab's links, their mechanisms (started lazily) and the timeline of what was applied."""

    def __init__(self, specs: Mapping[str, LinkSpec], paths: Mapping[str, Impairment] | None = None) -> None:
        self.specs = dict(specs)
        self.paths = dict(paths or {})
        self._live: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._events: list[TimelineEntry] = []
        self._netem: tuple[bool, str] | None = None

    # ------------------------------------------------------------------ before the run
    def problem(self, link: str, imp: Impairment | None = None, *, action: str = "impair") -> str:
        """Why ``action`` ('impair', 'flap', 'partition', 'clear') cannot act on ``link`` here; '' if it can."""
        spec = self.specs.get(link)
        if spec is None:
            known = ", ".join(sorted(self.specs)) or "none (add links: to the lab profile)"
            return f"unknown link '{link}' (the lab profile's links: {known})"
        if spec.mechanism == "tcp-relay" and imp is not None and imp.datagram_only:
            return (f"link '{link}' relays a TCP byte stream: {', '.join(imp.datagram_only)} apply to datagrams only; "
                    "use delay, jitter, rate, partition or blackhole")
        if spec.mechanism == "link" and action == "impair":
            return f"link '{link}' is a device to flap (mechanism: link): it takes link-flap and partition only"
        if spec.mechanism == "netem":
            if self._netem is None:
                self._netem = netem_available(spec.dev, spec.netns)
            if not self._netem[0]:
                return f"link '{link}': {self._netem[1]}"
        return ""

    def resolve(self, profile: str | None, inline: Impairment | None) -> Impairment:
        if profile is None:
            return inline or NONE
        if profile not in self.paths:
            raise LabError(f"unknown path profile '{profile}' (known: {', '.join(sorted(self.paths)) or 'none'})")
        return self.paths[profile]

    # ------------------------------------------------------------------ acting
    def mechanism(self, link: str) -> Any:
        """The running relay or netem of ``link`` (started on first use)."""
        with self._lock:
            if link in self._live:
                return self._live[link]
            spec = self.specs.get(link)
            if spec is None:
                raise LabError(self.problem(link))
            if spec.mechanism == "udp-relay":
                mech: Any = UdpRelay(link, spec.listen or ("127.0.0.1", 0), spec.upstream or ("127.0.0.1", 0))
            elif spec.mechanism == "tcp-relay":
                mech = TcpRelay(link, spec.listen or ("127.0.0.1", 0), spec.upstream or ("127.0.0.1", 0))
            elif spec.mechanism == "netem":
                mech = Netem(link, spec.dev, spec.netns)
            else:
                mech = None
            self._live[link] = mech
            base = self.standing(link)
            if mech is not None and base != NONE:      # from its first packet on: the path as the lab declares it
                mech.apply(base, "standing impairment (lab profile)")
                self._record(link, "apply", base, "standing impairment (lab profile)")
            return mech

    def standing(self, link: str) -> Impairment:
        """The link's standing impairment (its `impairment:` in the lab profile; a campaign row's): NONE if none."""
        value = self.specs[link].impairment if link in self.specs else None
        if value is None or value == "none":
            return NONE
        if isinstance(value, str):
            return self.resolve(value, None)
        return impairment_from(value, f"links: {link}: impairment")

    def start(self) -> None:
        """Start every relay now (before the peers connect through them)."""
        for name, spec in self.specs.items():
            if spec.mechanism.endswith("relay"):
                self.mechanism(name)

    def apply(self, link: str, imp: Impairment, note: str = "") -> None:
        why = self.problem(link, imp)
        if why:
            raise LabError(why)
        self.mechanism(link).apply(imp, note)
        self._record(link, "apply" if imp != NONE else "clear", imp, note)

    def clear(self, link: str, note: str = "") -> None:
        """Back to the link's standing impairment (none unless the lab profile gives one)."""
        base = self.standing(link)
        if base != NONE:
            self.apply(link, base, f"{note}: back to the standing impairment" if note else
                       "back to the standing impairment")
            return
        mech = self.mechanism(link)
        if mech is not None:
            mech.clear(note)
        self._record(link, "clear", NONE, note)

    def flap(self, link: str, down_for: float, note: str = "") -> None:
        """Down for ``down_for`` seconds, then up: `ip link` on a device link, a partition on a relay."""
        spec = self.specs.get(link)
        if spec is None:
            raise LabError(self.problem(link))
        if spec.mechanism in ("link", "netem") and spec.dev:
            self._record(link, "down", NONE, note)
            flap(spec.dev, down_for, spec.netns)
            self._record(link, "up", NONE, note)
            return
        self.partition(link, down_for, note or "link flap")

    def partition(self, link: str, seconds: float, note: str = "", *, block: bool = True) -> threading.Timer | None:
        """Drop everything on ``link`` for ``seconds``, then restore what was applied before.

        ``block=False`` returns at once with the timer that ends the partition (cancel it to keep the
        partition), so the caller can watch the association while the path is cut; a device link
        (``ip link`` down/up) always blocks.
        """
        spec = self.specs.get(link)
        if spec is not None and spec.mechanism == "link":
            self.flap(link, seconds, note or "partition")
            return None
        mech = self.mechanism(link)
        before = getattr(mech, "impairment", NONE)
        self.apply(link, Impairment(partition=True), note or "partition")
        if not block:
            timer = threading.Timer(seconds, self.apply, args=(link, before, "partition over"))
            timer.daemon = True
            timer.start()
            return timer
        try:
            time.sleep(seconds)
        finally:
            self.apply(link, before, "partition over")
        return None

    def _record(self, link: str, action: str, imp: Impairment, note: str) -> None:
        self._events.append(TimelineEntry(time.monotonic(), time.time(), link, action,
                                          imp.as_dict() if imp != NONE else {}, note))

    # ------------------------------------------------------------------ evidence
    def timeline(self) -> list[dict]:
        return [e.as_dict() for e in self._events]

    def counters(self) -> dict[str, dict]:
        return {name: m.counters() for name, m in self._live.items() if hasattr(m, "counters")}

    def sctp_inits(self, link: str, direction: str, since: float) -> list[float]:
        """Wall-clock times an SCTP INIT entered ``link``'s UDP relay in ``direction`` ('a->b' | 'b->a')
        at or after ``since``; empty for a link that is no running UDP relay."""
        mech = self._live.get(link)
        return [t for t, d in getattr(mech, "inits", ()) if d == direction and t >= since]

    def relay_for(self, link: str, kind: str) -> bool:
        """Whether the lab names ``link`` as a ``kind`` ('udp' | 'tcp') relay (what a run routes through)."""
        spec = self.specs.get(link)
        return spec is not None and spec.mechanism == f"{kind}-relay"

    def route(self, link: str, upstream: tuple[str, int]) -> tuple[str, int]:
        """Point ``link``'s relay at ``upstream`` (a simulator the run has just started on its own
        port) and return where a peer must send to go through it. New flows go there; flows
        already relayed keep theirs."""
        mech = self.mechanism(link)
        mech.upstream = (str(upstream[0]), int(upstream[1]))
        self._record(link, "route", NONE, f"upstream {upstream[0]}:{upstream[1]}")
        return self.address(link)

    def mark(self) -> float:
        """Now, on the timeline's clock: `write_evidence(since=mark)` keeps what came after."""
        return time.monotonic()

    def address(self, link: str) -> tuple[str, int]:
        """Where a peer must send to go through ``link``'s relay."""
        host, port = self.mechanism(link).listen
        return host, port

    def write_evidence(self, folder: Path, since: float | None = None) -> Path:
        """impairments.json: every change of every link (from ``since``, a `mark()`, when given), and
        each relay's counters (running totals of the session)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "impairments.json"
        timeline = [e for e in self.timeline() if since is None or e["monotonic"] >= since]
        links = {}
        for name, spec in self.specs.items():
            live = self._live.get(name)
            listen, upstream = getattr(live, "listen", spec.listen), getattr(live, "upstream", spec.upstream)
            links[name] = {"mechanism": spec.mechanism, "listen": f"{listen[0]}:{listen[1]}" if listen else None,
                           "upstream": f"{upstream[0]}:{upstream[1]}" if upstream else None, "dev": spec.dev or None}
        path.write_text(json.dumps({"links": links, "timeline": timeline, "counters": self.counters()}, indent=1))
        return path

    def close(self) -> None:
        with self._lock:
            live, self._live = self._live, {}
        for mech in live.values():
            if mech is not None:
                mech.close()

    def __enter__(self) -> LabLinks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
