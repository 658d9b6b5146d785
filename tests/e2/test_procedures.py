"""Two sans-I/O endpoints joined in-process through the real codec (bytes in between)."""

from __future__ import annotations

import pytest

from harness.interfaces.e2.events import (ConnectionChanged, LocalMisuse, MessageReceived, ProcedureCompleted,
                               ProtocolViolation, TimerExpired)
from harness.interfaces.e2.procedures import E2Endpoint
from harness.interfaces.e2.tables import CONNECTION_TABLE, MESSAGE_INDEX, PROCEDURES, Conn, Sub
from harness.interfaces.e2.sim import content


class Link:
    """An E2 node and a RIC endpoint; `deliver` encodes, decodes and hands over."""

    def __init__(self, codec, messages):
        self.codec = codec
        self.node = E2Endpoint("e2-node", messages, timeouts={"E2setup": 1.0})
        self.ric = E2Endpoint("near-rt-ric", messages)

    def deliver(self, pdu, to):
        return to.receive(self.codec.decode(self.codec.encode(pdu)))

    def setup(self):
        events = self.deliver(self.node.start_e2_setup(content.e2_setup_request_ies()), self.ric)
        req = events[0]
        ans = self.ric.respond(req, "E2setupResponse", {
            "GlobalRIC-ID": content.global_ric_id(), "E2nodeComponentConfigAdditionAck": content.component_addition_ack()})
        return self.deliver(ans, self.node)

    def subscribe(self, instance=1):
        ev = self.deliver(self.ric.start_subscription(content.kpm_subscription_ies(1001, instance, 100)), self.node)
        ans = self.node.respond(ev[0], "RICsubscriptionResponse", {
            "RICactions-Admitted": [content.item("RICaction-Admitted-Item", {"ricActionID": 1})]})
        return self.deliver(ans, self.ric)


@pytest.fixture()
def link(codec, messages):
    return Link(codec, messages)


def kinds(events, cls=ProtocolViolation):
    return [e.kind for e in events if isinstance(e, cls)]


def test_tables_name_real_messages(messages):
    for proc in PROCEDURES.values():
        for name in proc.messages:
            assert messages.spec(name).procedure == proc.name
    assert len(MESSAGE_INDEX) == sum(len(p.messages) for p in PROCEDURES.values())
    assert all(isinstance(v[0], Conn) for v in CONNECTION_TABLE.values())


def test_e2_setup(link):
    events = link.setup()
    done = [e for e in events if isinstance(e, ProcedureCompleted)]
    assert done[0].procedure == "E2setup" and done[0].outcome == "success" and done[0].clause == "8.3.1"
    assert link.node.state == link.ric.state == Conn.CONNECTED
    assert not link.node.pending and not link.ric.awaiting
    assert not kinds(events)


def test_e2_setup_failure_returns_to_disconnected(link):
    req = link.deliver(link.node.start_e2_setup(content.e2_setup_request_ies()), link.ric)[0]
    events = link.deliver(link.ric.respond(req, "E2setupFailure", {"Cause": ("misc", "unspecified")}), link.node)
    assert [e.outcome for e in events if isinstance(e, ProcedureCompleted)] == ["failure"]
    assert link.node.state == link.ric.state == Conn.DISCONNECTED


@pytest.mark.parametrize("starter", ["node", "ric"])
def test_reset_either_side_clears_subscriptions(link, starter):
    link.setup()
    link.subscribe()
    assert link.node.subscription_state((1001, 1, 2)) == Sub.ACTIVE
    a, b = (link.node, link.ric) if starter == "node" else (link.ric, link.node)
    req = link.deliver(a.start_reset(), b)[0]
    events = link.deliver(b.respond(req, "ResetResponse"), a)
    assert [e.procedure for e in events if isinstance(e, ProcedureCompleted)] == ["Reset"]
    assert not link.node.subscriptions and not link.ric.subscriptions


def test_global_procedures_both_ways(link):
    link.setup()
    cases = [  # (initiator, request builder, answer name, answer IEs)
        ("node", lambda: link.node.start_service_update({"RANfunctionsModified": content.ran_functions()}),
         "RICserviceUpdateAcknowledge", {}),
        ("node", lambda: link.node.start_node_configuration_update(content.configuration_update_ies()),
         "E2nodeConfigurationUpdateAcknowledge", {}),
        ("ric", lambda: link.ric.start_connection_update(content.connection_update_ies()),
         "E2connectionUpdateAcknowledge", {}),
    ]
    for who, build, answer, ies in cases:
        a, b = (link.node, link.ric) if who == "node" else (link.ric, link.node)
        req = link.deliver(build(), b)[0]
        events = link.deliver(b.respond(req, answer, ies), a)
        assert [e.outcome for e in events if isinstance(e, ProcedureCompleted)] == ["success"], answer
    # RIC Service Query (class 2) answered by a new RIC Service Update
    query = link.deliver(link.ric.send_service_query(), link.node)
    assert query[0].name == "RICserviceQuery" and not kinds(query)
    ev = link.deliver(link.node.start_service_update({}), link.ric)
    assert not kinds(ev)
    # Error Indication, either way
    for a, b in ((link.node, link.ric), (link.ric, link.node)):
        ev = link.deliver(a.send_error_indication({"Cause": ("misc", "unspecified")}), b)
        assert ev[0].name == "ErrorIndication" and not kinds(ev)


def test_subscription_indication_control_delete(link):
    link.setup()
    events = link.subscribe()
    assert [e.procedure for e in events if isinstance(e, ProcedureCompleted)] == ["RICsubscription"]
    key = (1001, 1, 2)
    ind = {"RICrequestID": {"ricRequestorID": 1001, "ricInstanceID": 1}, "RANfunctionID": 2, "RICactionID": 1,
           "RICindicationType": "report", "RICindicationHeader": content.kpm_indication_header(0.0),
           "RICindicationMessage": content.kpm_indication_message(["RRU.PrbUsedDl"], [42], 100)}
    ev = link.deliver(link.node.send_indication(ind), link.ric)
    assert ev[0].name == "RICindication" and not kinds(ev)
    req = link.deliver(link.ric.start_control(content.rc_control_ies(1001, 9)), link.node)[0]
    ev = link.deliver(link.node.respond(req, "RICcontrolAcknowledge"), link.ric)
    assert [e.procedure for e in ev if isinstance(e, ProcedureCompleted)] == ["RICcontrol"]
    # modification, then delete required -> delete
    mod = link.deliver(link.ric.start_subscription_modification({
        "RICrequestID": {"ricRequestorID": 1001, "ricInstanceID": 1}, "RANfunctionID": 2,
        "RICeventTriggerDefinitionToBeModified": content.kpm_event_trigger(200)}), link.node)[0]
    assert link.node.subscription_state(key) == Sub.MODIFYING
    link.deliver(link.node.respond(mod, "RICsubscriptionModificationResponse"), link.ric)
    assert link.ric.subscription_state(key) == Sub.ACTIVE
    ev = link.deliver(link.node.send_subscription_delete_required([(key, ("misc", "om-intervention"))]), link.ric)
    assert not kinds(ev)
    req = link.deliver(link.ric.start_subscription_delete(key), link.node)[0]
    assert link.ric.subscription_state(key) == Sub.DELETING
    link.deliver(link.node.respond(req, "RICsubscriptionDeleteResponse"), link.ric)
    assert not link.node.subscriptions and not link.ric.subscriptions


def test_delete_of_unknown_subscription_is_answered_with_failure(link):
    link.setup()
    req = link.deliver(link.ric.start_subscription_delete((1001, 77, 2)), link.node)
    assert not kinds(req)
    ev = link.deliver(link.node.respond(req[0], "RICsubscriptionDeleteFailure",
                                        {"Cause": ("ricRequest", "request-id-unknown")}), link.ric)
    assert [e.outcome for e in ev if isinstance(e, ProcedureCompleted)] == ["failure"]


@pytest.mark.parametrize("starter", ["node", "ric"])
def test_removal_either_side_closes(link, starter):
    link.setup()
    a, b = (link.node, link.ric) if starter == "node" else (link.ric, link.node)
    req = link.deliver(a.start_removal(), b)[0]
    link.deliver(b.respond(req, "E2RemovalResponse"), a)
    assert link.node.state == link.ric.state == Conn.CLOSED
    with pytest.raises(LocalMisuse, match="may not be sent in state CLOSED"):
        a.start_reset()


# ---------------------------------------------------------------- the peer breaks the rules
def test_setup_response_with_unknown_transaction_id(link, messages):
    req = link.deliver(link.node.start_e2_setup(content.e2_setup_request_ies()), link.ric)[0]
    tid = req.ies["TransactionID"]
    bad = messages.build("E2setupResponse", {"TransactionID": tid + 5, "GlobalRIC-ID": content.global_ric_id(),
                                             "E2nodeComponentConfigAdditionAck": content.component_addition_ack()})
    events = link.deliver(bad, link.node)
    v = [e for e in events if isinstance(e, ProtocolViolation)]
    assert [x.kind for x in v] == ["unknown-transaction"]
    assert str(v[0]) == (f"E2AP v03.01 clause 8.3.1: E2setupResponse with TransactionID {tid + 5} answers no "
                         f"E2setupRequest of ours (ongoing: TransactionID {tid})")
    assert link.node.state == Conn.SETUP_PENDING


def test_indication_for_unknown_subscription(link, messages):
    link.setup()
    ind = messages.build("RICindication", {
        "RICrequestID": {"ricRequestorID": 1, "ricInstanceID": 9}, "RANfunctionID": 2, "RICactionID": 1,
        "RICindicationType": "report", "RICindicationHeader": content.kpm_indication_header(0.0),
        "RICindicationMessage": content.kpm_indication_message(["RRU.PrbUsedDl"], [1], 100)})
    events = link.deliver(ind, link.ric)
    assert kinds(events) == ["unknown-subscription"]
    assert isinstance(events[0], MessageReceived)


def test_message_before_setup_and_wrong_direction(link, messages):
    events = link.deliver(messages.build("ResetRequest", {"TransactionID": 1, "Cause": ("misc", "unspecified")}),
                          link.ric)
    assert kinds(events) == ["state"] and events[-1].clause == "10.4"
    events = link.deliver(messages.build("E2setupRequest", {"TransactionID": 1, **content.e2_setup_request_ies()}),
                          link.node)
    assert kinds(events) == ["wrong-direction"]


def test_missing_ie_and_wrong_criticality_are_reported(link, messages, codec):
    pdu = messages.build("E2setupRequest", {"TransactionID": 3, **content.e2_setup_request_ies()})
    pdu[1]["value"][1]["protocolIEs"] = [f for f in pdu[1]["value"][1]["protocolIEs"] if f["id"] != 3]
    pdu[1]["value"][1]["protocolIEs"][0]["criticality"] = "ignore"
    events = link.deliver(pdu, link.ric)
    v = [e for e in events if isinstance(e, ProtocolViolation)]
    assert sorted(x.kind for x in v) == ["criticality", "missing-ie"]
    assert next(x for x in v if x.kind == "missing-ie").ie == ("GlobalE2node-ID", 3, "reject")


def test_timer_expiry_is_data(link):
    link.node.start_e2_setup(content.e2_setup_request_ies(), now=10.0)
    assert link.node.next_deadline() == 11.0
    assert link.node.tick(10.5) == []
    events = link.node.tick(11.0)
    assert isinstance(events[0], TimerExpired) and events[0].procedure == "E2setup"
    assert any(isinstance(e, ConnectionChanged) and e.new == "DISCONNECTED" for e in events)
    assert not link.node.pending


# ---------------------------------------------------------------- we misuse the API
def test_local_misuse_is_an_exception_and_changes_nothing(link):
    with pytest.raises(LocalMisuse, match="RIC Subscription is started by the near-rt-ric, not the e2-node"):
        link.node.start_subscription(content.kpm_subscription_ies(1, 1, 100))
    with pytest.raises(LocalMisuse, match="may not be sent in state DISCONNECTED"):
        link.ric.start_reset()
    with pytest.raises(LocalMisuse, match="answers no ResetRequest"):
        link.node.send("ResetResponse", {"TransactionID": 4})
    with pytest.raises(LocalMisuse, match="E2setupRequest needs GlobalE2node-ID"):
        link.node.send("E2setupRequest", {"RANfunctionsAdded": [], "E2nodeComponentConfigAddition": []})
    assert link.node.state == Conn.DISCONNECTED and not link.node.pending
    pdu = link.ric.send("ResetRequest", {"TransactionID": 1, "Cause": ("misc", "unspecified")}, force=True)
    assert pdu[1]["procedureCode"] == 3
