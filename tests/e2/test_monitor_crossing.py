"""Reset and the RIC Indications that cross its answer on the wire (E2AP v03.01 8.3.2, 8.2.3).

Both sides end their subscriptions on the RESET RESPONSE. The E2 node that asked for the reset keeps
reporting until that answer reaches it, so indications it sent meanwhile arrive after the answer on
the RIC's side: legal, however long the path. Once the E2 node has sent anything else it has seen
the answer, and an indication for an ended subscription is then a logical error (10.4).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.codec.e2 import E2Codec
from harness.interfaces.e2.monitor import E2Monitor, MonitorFinding
from harness.interfaces.e2.sim import content
from harness.interfaces.e2.view import E2Messages

KEY = {"ricRequestorID": 7, "ricInstanceID": 1}


def wire_monitor() -> tuple[E2Codec, E2Messages, Callable[[str, bytes], list[MonitorFinding]]]:
    """A fresh monitor of an E2 node's association (KPM on RAN function 2) and `see(side, octets)`,
    which decodes one E2AP PDU as it came off the wire and returns the monitor's findings.
    Shared with test_monitor_crossing_pycrate.py, which feeds it octets pycrate encoded."""
    codec = E2Codec()
    codec.set_ran_function(2, "e2sm-kpm")
    messages = E2Messages(codec.e2ap)
    monitor = E2Monitor(codec, messages, "e2-node")

    def see(side: str, data: bytes) -> list[MonitorFinding]:
        return monitor.observe(messages.parse(codec.decode(data)), side)
    return codec, messages, see


@pytest.fixture()
def feed():
    codec, messages, see = wire_monitor()

    def send(side: str, name: str, ies: dict) -> list[str]:
        return [f.check for f in see(side, codec.encode(messages.build(name, ies)))]
    return send


def indication() -> dict:
    return {"RICrequestID": KEY, "RANfunctionID": 2, "RICactionID": 1, "RICindicationSN": 3,
            "RICindicationType": "report",
            "RICindicationHeader": content.kpm_indication_header(1_700_000_000.0),
            "RICindicationMessage": content.kpm_indication_message(["RRU.PrbUsedDl"], [5], 1000)}


def subscribed(feed) -> None:
    setup = content.e2_setup_request_ies()
    setup["TransactionID"] = 1
    assert feed("dut", "E2setupRequest", setup) == []
    assert feed("harness", "E2setupResponse", {"TransactionID": 1, "GlobalRIC-ID": content.global_ric_id(),
                                                "E2nodeComponentConfigAdditionAck":
                                                    content.component_addition_ack()}) == []
    assert feed("harness", "RICsubscriptionRequest", content.kpm_subscription_ies(7, 1, 1000)) == []
    admitted = [content.item("RICaction-Admitted-Item", {"ricActionID": 1})]
    assert feed("dut", "RICsubscriptionResponse", {"RICrequestID": KEY, "RANfunctionID": 2,
                                                   "RICactions-Admitted": admitted}) == []
    assert feed("dut", "RICindication", indication()) == []


def test_indications_crossing_the_reset_answer_are_legal(feed):
    subscribed(feed)
    assert feed("dut", "ResetRequest", {"TransactionID": 2, "Cause": ("misc", "om-intervention")}) == []
    assert feed("harness", "ResetResponse", {"TransactionID": 2}) == []
    assert feed("dut", "RICindication", indication()) == []       # on the wire before the answer arrived
    assert feed("dut", "RICindication", indication()) == []


def test_an_indication_after_the_node_has_moved_on_is_a_logical_error(feed):
    subscribed(feed)
    feed("dut", "ResetRequest", {"TransactionID": 2, "Cause": ("misc", "om-intervention")})
    feed("harness", "ResetResponse", {"TransactionID": 2})
    assert feed("dut", "E2nodeConfigurationUpdate", {"TransactionID": 3, **{
        k: v for k, v in content.configuration_update_ies().items() if k != "TransactionID"}}) == []
    assert feed("dut", "RICindication", indication()) == ["monitor.ric-request-id.deleted"]


def test_after_a_reset_the_ric_asked_for_the_node_may_not_report(feed):
    subscribed(feed)
    feed("harness", "ResetRequest", {"TransactionID": 2, "Cause": ("misc", "om-intervention")})
    feed("dut", "ResetResponse", {"TransactionID": 2})             # the node ended them when it answered
    assert feed("dut", "RICindication", indication()) == ["monitor.ric-request-id.deleted"]
