"""Hostile peer modes of the E2 simulators: what a broken or malicious E2 peer does to the link.

The value and byte faults of `harness.interfaces.e2.sim.faults` bend single responses; these
modes attack the harness itself (volume, size, timing, the association). They
are selected like faults (``--fault flood``, ``flood@ResetResponse``) and hit
the same messages (every response, or the scoped ones); they are listed apart
(`HOSTILE`, the shared `HostileTable` of harness/sim/hostilespec.py) so that the
fault baseline (fixtures/baselines/e2-sim.yaml), which proves each value/byte
fault fails some test case, is not widened. Random octets instead of a response
are the byte fault 'garbage'.

What each mode makes the harness see, and the verdict it must give, is in
docs/robustness.md; tests/hostile/ runs the bundled E2 spec cases against each.
"""

from __future__ import annotations

from harness.sim.hostilespec import Attack, HostileMode, HostileTable

OVERSIZE_OCTETS = 20 * 1024 * 1024     # padding after an 'oversized' response
FLOOD_COUNT = 2000                     # unsolicited messages before a 'flood' response
STORM_COUNT = 25                       # Reset Requests before a 'reset-storm' response
SLOW_FRACTION = 0.4                    # 'slow-peer' delay, as a fraction of late_delay's expect timer

HOSTILE = HostileTable("E2", (
    HostileMode("oversized", Attack.OVERSIZED, f"responses are followed, in the same message, by "
                                               f"{OVERSIZE_OCTETS >> 20} MiB of zero octets"),
    HostileMode("flood", Attack.FLOOD, f"{FLOOD_COUNT} unsolicited messages (RIC Indications of an active "
                                       "subscription, else Error Indications) go out before each response"),
    HostileMode("slow-peer", Attack.SLOW, "every response leaves after 0.4 of the expect timer (late, but in "
                                          "time)"),
    HostileMode("disconnect", Attack.DISCONNECT, "the association is closed instead of answering "
                                                 "(mid-procedure)"),
    HostileMode("disconnect-mid-message", Attack.DISCONNECT, "the first half of the response is sent, then the "
                                                             "association is closed"),
    HostileMode("reset-storm", Attack.RESET_STORM, f"{STORM_COUNT} Reset Requests go out before each response"),
))


def slow_delay(late_delay: float) -> float:
    """'slow-peer' delay: late_delay is 1.5 x the expect timer (see .factory), so 0.4 of the timer."""
    return late_delay / 1.5 * SLOW_FRACTION


def before_response(sim, name: str) -> None:
    """Volume modes: the burst that precedes a faulted response (runs on the simulator's thread)."""
    if sim.fault == "flood":
        pdus = _flood_pdus(sim)
        for i in range(FLOOD_COUNT):
            sim.transport.send(pdus[i % len(pdus)])
    elif sim.fault == "reset-storm":
        for i in range(STORM_COUNT):
            pdu = sim.messages.build("ResetRequest", {"TransactionID": (200 + i) % 256,
                                                      "Cause": ("misc", "unspecified")})
            sim.transport.send(sim.codec.encode(pdu))


def _flood_pdus(sim) -> list[bytes]:
    build = getattr(sim, "flood_indications", None)
    pdus = build() if build is not None else []
    if not pdus:
        pdu = sim.messages.build("ErrorIndication", {"TransactionID": 250, "Cause": ("misc", "unspecified")})
        pdus = [sim.codec.encode(pdu)]
    return pdus
