"""Near-RT RIC simulator: the counterpart (or DUT stand-in) when the harness plays the E2 node.

It accepts E2 Setup (8.3.1) for RAN functions whose OID names an E2SM the
harness knows (E2SM-KPM, E2SM-RC), acknowledges service and configuration
updates, confirms Subscription Delete Required by deleting, stores RIC
Indications, and on request subscribes to KPM reports, deletes, controls
(E2SM-RC), queries, resets, removes and updates connections.
"""

from __future__ import annotations

import itertools
from typing import Any

from harness.codec.e2 import E2Codec, E2Versions
from harness.codec.e2sm import resolve_family
from harness.interfaces.e2.events import MessageReceived, ProcedureCompleted
from harness.interfaces.e2.tables import NEAR_RT_RIC
from harness.interfaces.e2 import tnl
from harness.interfaces.e2.sim import content
from harness.interfaces.e2.sim.base import Simulator
from harness.interfaces.e2.sim.content import KPM_RAN_FUNCTION, RC_RAN_FUNCTION, item, items_of

KNOWN_E2SM = ("e2sm-kpm", "e2sm-rc")


class RicSimulator(Simulator):
    """Args: as `Simulator`, plus
        ric_id: the 20-bit RIC ID of the Global RIC ID.
        requestor_id: the RIC Requestor ID of its subscriptions and controls.
    """

    role = NEAR_RT_RIC
    ACTIONS = {"subscribe": "do_subscribe", "subscription-delete": "do_subscription_delete",
               "control": "do_control", "service-query": "do_service_query", "reset": "do_reset",
               "removal": "do_removal", "connection-update": "do_connection_update",
               "error-indication": "do_error_indication", "disconnect": "do_disconnect",
               "restart": "do_restart"}
    # What its xApps asked for survives a restart: after E2 Setup again it re-creates every
    # subscription it held (unless 'lose-subscriptions'); the accepted RAN functions do not.
    SURVIVES_RESTART = ("ric_id", "subscriptions (re-created after E2 Setup)")

    def __init__(self, transport, *, ric_id: int = 1, requestor_id: int = 1001, **kwargs) -> None:
        super().__init__(transport, **kwargs)
        self.ric_id = ric_id
        self.requestor_id = requestor_id
        self._instances = itertools.count(1)
        self.ran_functions: dict[int, dict] = {}     # accepted: id -> RANfunction-Item value
        self.indications: list = []                  # ParsedMessage of every RIC Indication
        self.error_indications: list = []
        self.completed: list[ProcedureCompleted] = []
        self._kpm_v2: E2Codec | None = None
        self.held: dict[int, dict] = {}              # instance -> the subscribe params (what survives)
        self._resubscribe: list[dict] = []

    def learn(self, pdu: Any) -> None:
        self.codec.learn(pdu)

    # ------------------------------------------------------------------ answers
    def _judge(self, functions: list[dict]) -> tuple[list, list]:
        accepted, rejected = [], []
        for f in functions:
            found = resolve_family(str(f.get("ranFunctionOID", "")))
            if found and found[0] in KNOWN_E2SM:
                self.ran_functions[f["ranFunctionID"]] = f
                accepted.append(item("RANfunctionID-Item", {"ranFunctionID": f["ranFunctionID"],
                                                            "ranFunctionRevision": f["ranFunctionRevision"]}))
            else:
                rejected.append(item("RANfunctionIDcause-Item", {
                    "ranFunctionID": f["ranFunctionID"], "cause": ("ricService", "ran-function-not-supported")}))
        return accepted, rejected

    def on_E2setupRequest(self, msg: MessageReceived) -> None:
        self.ran_functions.clear()
        accepted, rejected = self._judge(items_of(msg.ies.get("RANfunctionsAdded")))
        acks = [item("E2nodeComponentConfigAdditionAck-Item", {
            "e2nodeComponentInterfaceType": c["e2nodeComponentInterfaceType"],
            "e2nodeComponentID": c["e2nodeComponentID"],
            "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}})
            for c in items_of(msg.ies.get("E2nodeComponentConfigAddition"))]
        ies: dict = {"GlobalRIC-ID": content.global_ric_id(self.ric_id), "E2nodeComponentConfigAdditionAck": acks}
        if accepted:
            ies["RANfunctionsAccepted"] = accepted
        if rejected:
            ies["RANfunctionsRejected"] = rejected
        self.respond(msg, "E2setupResponse", ies)
        again, self._resubscribe = self._resubscribe, []
        if self.fault != "lose-subscriptions":
            for params in again:
                self.do_subscribe(params)

    def on_restart(self) -> None:
        self.ran_functions.clear()
        self._resubscribe = list(self.held.values())

    def on_ResetRequest(self, msg: MessageReceived) -> None:
        self.respond(msg, "ResetResponse")

    def on_RICserviceUpdate(self, msg: MessageReceived) -> None:
        accepted, rejected = self._judge(items_of(msg.ies.get("RANfunctionsAdded"))
                                         + items_of(msg.ies.get("RANfunctionsModified")))
        for f in items_of(msg.ies.get("RANfunctionsDeleted")):
            self.ran_functions.pop(f["ranFunctionID"], None)
        ies: dict = {}
        if accepted:
            ies["RANfunctionsAccepted"] = accepted
        if rejected:
            ies["RANfunctionsRejected"] = rejected
        self.respond(msg, "RICserviceUpdateAcknowledge", ies)

    def on_E2nodeConfigurationUpdate(self, msg: MessageReceived) -> None:
        ies: dict = {}
        for request_ie, ack_ie, ack_item in (
                ("E2nodeComponentConfigAddition", "E2nodeComponentConfigAdditionAck",
                 "E2nodeComponentConfigAdditionAck-Item"),
                ("E2nodeComponentConfigUpdate", "E2nodeComponentConfigUpdateAck",
                 "E2nodeComponentConfigUpdateAck-Item")):
            acks = [item(ack_item, {"e2nodeComponentInterfaceType": c["e2nodeComponentInterfaceType"],
                                    "e2nodeComponentID": c["e2nodeComponentID"],
                                    "e2nodeComponentConfigurationAck": {"updateOutcome": "success"}})
                    for c in items_of(msg.ies.get(request_ie))]
            if acks:
                ies[ack_ie] = acks
        via = self.transport.via
        if self.fault == "tnl-no-config-ack" and via is not None and via.label != "TNL 1":
            self.withheld.append("E2nodeConfigurationUpdateAcknowledge")
            return
        self.respond(msg, "E2nodeConfigurationUpdateAcknowledge", ies)

    def on_E2RemovalRequest(self, msg: MessageReceived) -> None:
        self.respond(msg, "E2RemovalResponse")
        if self.fault not in ("late-response", "no-response"):
            self.close_link()

    def on_E2RemovalResponse(self, msg: MessageReceived) -> None:
        self.close_link()

    def on_RICsubscriptionDeleteRequired(self, msg: MessageReceived) -> None:
        for value in items_of(msg.ies.get("RICsubscriptionToBeRemoved")):
            key = (value["ricRequestID"]["ricRequestorID"], value["ricRequestID"]["ricInstanceID"],
                   value["ranFunctionID"])
            if key in self.endpoint.subscriptions:
                self.transmit(self.endpoint.start_subscription_delete(key, now=self.clock()))

    def on_RICindication(self, msg: MessageReceived) -> None:
        self.indications.append(msg.message)

    def on_ErrorIndication(self, msg: MessageReceived) -> None:
        self.error_indications.append(msg.message)

    def on_completed(self, event: ProcedureCompleted) -> None:
        self.completed.append(event)

    # ------------------------------------------------------------------ triggers
    def do_subscribe(self, params: dict) -> None:
        """params: period_ms (1000), ran_function_id (2), measurements, instance, actions."""
        period = int(params.get("period_ms", 1000))
        instance = int(params.get("instance", next(self._instances)))
        self.held[instance] = {**params, "instance": instance}
        names = tuple(params.get("measurements", content.KPM_MEASUREMENTS[:3]))
        actions = [(a["id"], a.get("type", "report"), content.kpm_action_definition(
                    names, period, a.get("style", 1))) for a in params["actions"]] if "actions" in params \
            else [(1, "report", content.kpm_action_definition(names, period))]
        ies = content.kpm_subscription_ies(self.requestor_id, instance, period,
                                           ran_function_id=int(params.get("ran_function_id", KPM_RAN_FUNCTION)),
                                           actions=actions)
        if self.fault == "wrong-e2sm-version":
            details = ies["RICsubscriptionDetails"]
            details["ricEventTriggerDefinition"] = self._encode_v2(details["ricEventTriggerDefinition"])
            for entry in details["ricAction-ToBeSetup-List"]:
                value = entry["value"][1]
                value["ricActionDefinition"] = self._encode_v2(value["ricActionDefinition"])
        self.request("RICsubscriptionRequest", ies)

    def _encode_v2(self, value: tuple) -> bytes:
        if self._kpm_v2 is None:
            self._kpm_v2 = E2Codec(E2Versions(e2sm={"e2sm-kpm": "v02.03", "e2sm-rc": "v01.03"}))
        return self._kpm_v2.encode(value[1], value[0], protocol="e2sm-kpm")

    def _key(self, params: dict) -> tuple:
        if "instance" in params:
            return (int(params.get("requestor", self.requestor_id)), int(params["instance"]),
                    int(params.get("ran_function_id", KPM_RAN_FUNCTION)))
        active = [k for k, s in self.endpoint.subscriptions.items() if s.state.value == "ACTIVE"]
        if not active:
            raise ValueError("no active subscription to delete; give 'instance'")
        return active[-1]

    def do_subscription_delete(self, params: dict) -> None:
        """params: instance (and requestor, ran_function_id); default: the newest active subscription."""
        key = self._key(params)
        self.held.pop(key[1], None)
        self.request("RICsubscriptionDeleteRequest", {
            "RICrequestID": {"ricRequestorID": key[0], "ricInstanceID": key[1]}, "RANfunctionID": key[2]})

    def do_control(self, params: dict) -> None:
        """params: min_prb (10), max_prb (80), ran_function_id (3), ack ('ack')."""
        self.request("RICcontrolRequest", content.rc_control_ies(
            self.requestor_id, int(params.get("instance", next(self._instances))),
            min_prb=int(params.get("min_prb", 10)), max_prb=int(params.get("max_prb", 80)),
            ran_function_id=int(params.get("ran_function_id", RC_RAN_FUNCTION)), ack=params.get("ack", "ack")))

    def do_service_query(self, params: dict) -> None:
        accepted = [item("RANfunctionID-Item", {"ranFunctionID": rf, "ranFunctionRevision": f["ranFunctionRevision"]})
                    for rf, f in sorted(self.ran_functions.items())]
        self.request("RICserviceQuery", {"RANfunctionsAccepted": accepted} if accepted else {})

    def do_reset(self, params: dict) -> None:
        self.request("ResetRequest", {"Cause": tuple(params.get("cause", ("misc", "om-intervention")))})

    def do_removal(self, params: dict) -> None:
        self.request("E2RemovalRequest", {})

    def do_connection_update(self, params: dict) -> None:
        """params: address (4 octets) and port: the TNL address to add; default: every further TNL
        address this simulator listens on (E2AP v03.01 8.3.6), else the example 10.0.2.16:36422."""
        if "address" in params or not (self.tnl_listeners or self.fault == "tnl-not-listening"):
            self.request("E2connectionUpdate", content.connection_update_ies(
                bytes(params.get("address", b"\x0a\x00\x02\x10")), int(params.get("port", 36422))))
            return
        offered = [tnl.TnlAddress(host, port) for (host, port), _ in self.tnl_listeners]
        if self.fault == "tnl-not-listening":
            for _, listener in self.tnl_listeners:
                listener.close()
            self.tnl_listeners = []
        self.request("E2connectionUpdate", {"E2connectionUpdateAdd": tnl.update_items(
            offered, params.get("usage", "both"))})

    def do_error_indication(self, params: dict) -> None:
        self.error_indication(tuple(params.get("cause", ("misc", "unspecified"))))

    def do_disconnect(self, params: dict) -> None:
        self.close_link()
