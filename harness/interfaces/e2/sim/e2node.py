"""E2 node simulator: the counterpart (or DUT stand-in) when the harness plays the RIC.

It offers RAN function 2 (E2SM-KPM v03.00, periodic report style 1) and RAN
function 3 (E2SM-RC v01.03, control style 2 action 6), opens with E2 Setup
(8.3.1), answers the RIC's requests and reports KPM measurements for every
active subscription at the subscription's reporting period (never faster than
`min_period`). Measurement values are drawn from the seeded generator:
throughputs around 50 Mbit/s (in kbit/s), PRB usage 0..100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.codec.e2 import E2Codec, E2Versions
from harness.interfaces.e2.events import MessageReceived
from harness.interfaces.e2.tables import E2_NODE
from harness.interfaces.e2 import tnl
from harness.interfaces.e2.sim import content
from harness.interfaces.e2.sim.base import Simulator
from harness.interfaces.e2.sim.content import KPM_RAN_FUNCTION, RC_RAN_FUNCTION, SIM_EPOCH, item, items_of

SUPPORTED_MEASUREMENTS = set(content.KPM_MEASUREMENTS)


@dataclass
class _Report:
    """Periodic reporting of one subscription."""

    key: tuple
    period: float                 # seconds
    actions: dict                 # action id -> (measurement names, granularity ms)
    due: float
    sn: int = 0


class E2NodeSimulator(Simulator):
    """Args: as `Simulator`, plus
        gnb_id: the gNB ID (22 bits) in the Global E2 node ID.
        auto_setup: send E2 Setup Request as soon as the thread starts.
        min_period: floor of the KPM reporting period, seconds.
    """

    role = E2_NODE
    ACTIONS = {"e2-setup": "do_e2_setup", "reset": "do_reset", "service-update": "do_service_update",
               "configuration-update": "do_configuration_update",
               "subscription-delete-required": "do_subscription_delete_required", "removal": "do_removal",
               "error-indication": "do_error_indication", "disconnect": "do_disconnect",
               "restart": "do_restart"}
    # Its RAN functions and identity survive a restart; its subscriptions do not: E2 Setup erases the
    # application level configuration (E2AP v03.01 8.3.1.1), the RIC re-creates them.
    SURVIVES_RESTART = ("gnb_id", "ran functions")
    DUPLICATED_FIRST = 3                # 'duplicate-indications': each subscription's first SNs, sent twice

    def __init__(self, transport, *, gnb_id: int = 3000, auto_setup: bool = True, min_period: float = 0.05,
                 offered: frozenset[int] | None = None, **kwargs) -> None:
        super().__init__(transport, **kwargs)
        self.gnb_id = gnb_id
        self.offered = offered              # RAN function ids to offer (None: KPM and RC)
        self.auto_setup = auto_setup
        self.min_period = min_period
        self.codec.set_ran_function(KPM_RAN_FUNCTION, "e2sm-kpm")
        self.codec.set_ran_function(RC_RAN_FUNCTION, "e2sm-rc")
        self.reports: dict[tuple, _Report] = {}
        self.controls: list = []            # RIC Control Requests acknowledged
        self.error_indications: list = []
        self._kpm_v2: E2Codec | None = None
        self.restarted = False

    # ------------------------------------------------------------------ triggers
    def on_start(self) -> None:
        if self.auto_setup:
            self.do_e2_setup({})

    def on_restart(self) -> None:
        self.reports.clear()
        self.restarted = True

    def on_back(self) -> None:
        if self.fault != "no-recover":        # 'no-recover': associated again, but never E2 Setup
            self.do_e2_setup({})

    def do_e2_setup(self, params: dict) -> None:
        self.request("E2setupRequest", content.e2_setup_request_ies(params.get("gnb_id", self.gnb_id),
                                                                    self.offered))

    def do_reset(self, params: dict) -> None:
        self.request("ResetRequest", {"Cause": tuple(params.get("cause", ("misc", "om-intervention")))})

    def do_service_update(self, params: dict) -> None:
        self.request("RICserviceUpdate", {"RANfunctionsModified": content.ran_functions(offered=self.offered)})

    def do_configuration_update(self, params: dict) -> None:
        self.request("E2nodeConfigurationUpdate", content.configuration_update_ies())

    def do_subscription_delete_required(self, params: dict) -> None:
        keys = [tuple(k) for k in params.get("keys", ())] or [
            k for k, s in self.endpoint.subscriptions.items() if s.state.value == "ACTIVE"]
        if not keys:
            raise ValueError("no active subscription to ask the RIC to delete")
        cause = tuple(params.get("cause", ("misc", "om-intervention")))
        self.transmit(self.endpoint.send_subscription_delete_required([(k, cause) for k in keys],
                                                                      now=self.clock()))

    def do_removal(self, params: dict) -> None:
        self.request("E2RemovalRequest", {})

    def do_error_indication(self, params: dict) -> None:
        self.error_indication(tuple(params.get("cause", ("misc", "unspecified"))))

    def do_disconnect(self, params: dict) -> None:
        self.close_link()

    # ------------------------------------------------------------------ answers
    def on_ResetRequest(self, msg: MessageReceived) -> None:
        self.respond(msg, "ResetResponse")

    def on_RICserviceQuery(self, msg: MessageReceived) -> None:
        known = {v["ranFunctionID"]: v["ranFunctionRevision"]
                 for v in items_of(msg.ies.get("RANfunctionsAccepted"))}
        ours = content.ran_functions(offered=self.offered)
        added = [f for f in ours if f["value"][1]["ranFunctionID"] not in known]
        deleted = [item("RANfunctionID-Item", {"ranFunctionID": rf, "ranFunctionRevision": rev})
                   for rf, rev in known.items() if rf not in (KPM_RAN_FUNCTION, RC_RAN_FUNCTION)]
        ies: dict = {}
        if added:
            ies["RANfunctionsAdded"] = added
        if deleted:
            ies["RANfunctionsDeleted"] = deleted
        self.request("RICserviceUpdate", ies)

    def on_E2connectionUpdate(self, msg: MessageReceived) -> None:
        """Set up each TNL association the RIC adds (E2AP v03.01 8.3.6.2), name this E2 node on it with an
        E2 Node Configuration Update carrying the Global E2 Node ID (8.3.5.2), then acknowledge on the
        association the update came on, listing what was set up and what failed."""
        setup, failed = [], []
        for value in items_of(msg.ies.get("E2connectionUpdateAdd")):
            info = value["tnlInformation"]
            joined = self._join_tnl(info)
            if joined is None:
                failed.append(tnl.failed_item(info))
            else:
                setup.append(item("E2connectionUpdate-Item", value))
        ies: dict = {}
        if setup:
            ies["E2connectionSetup"] = setup
        if failed:
            ies["E2connectionSetupFailed"] = failed
        self.respond(msg, "E2connectionUpdateAcknowledge", ies)

    def _join_tnl(self, info: dict) -> str | None:
        """A new TNL association to ``info``'s address, named with E2 Node Configuration Update; its label."""
        if self.fault == "tnl-no-dial":
            return "claimed"                   # the fault: listed as set up, never dialled
        if self.dial_tnl is None:
            return None                        # no way to dial here: listed as failed, with its cause
        try:
            where = tnl.address(info)
        except tnl.TnlError as err:
            self.errors.append(f"E2 Connection Update: {err}")
            return None
        transport = self.dial_tnl(where.host, where.port)
        if transport is None:
            return None
        label = self.transport.add(transport)
        if self.fault != "tnl-no-config-update":
            self.route = label
            try:
                self.request("E2nodeConfigurationUpdate", {"GlobalE2node-ID": content.global_gnb_id(self.gnb_id)})
            finally:
                self.route = None
        return label

    def on_E2RemovalRequest(self, msg: MessageReceived) -> None:
        self.respond(msg, "E2RemovalResponse")
        if self.fault is None or self.fault not in ("late-response", "no-response"):
            self.close_link()

    def on_E2RemovalResponse(self, msg: MessageReceived) -> None:
        self.close_link()

    def on_ErrorIndication(self, msg: MessageReceived) -> None:
        self.error_indications.append(msg.message)

    def on_RICsubscriptionRequest(self, msg: MessageReceived) -> None:
        rf = msg.ies["RANfunctionID"]
        if rf not in (KPM_RAN_FUNCTION, RC_RAN_FUNCTION):
            self.respond(msg, "RICsubscriptionFailure", {"Cause": ("ricRequest", "ran-function-id-invalid")})
            return
        details = msg.ies["RICsubscriptionDetails"]
        period_ms = self._reporting_period(details.get("ricEventTriggerDefinition")) if rf == KPM_RAN_FUNCTION \
            else None
        admitted, refused, actions = [], [], {}
        for action in items_of(details.get("ricAction-ToBeSetup-List")):
            ok = self._supported(rf, period_ms, action)
            if ok is None:
                admitted.append(item("RICaction-Admitted-Item", {"ricActionID": action["ricActionID"]}))
                actions[action["ricActionID"]] = self._measurements(action)
            else:
                refused.append(item("RICaction-NotAdmitted-Item", {"ricActionID": action["ricActionID"],
                                                                   "cause": ("ricRequest", ok)}))
        if not admitted:
            cause = "eventTriggerNotSupported" if rf == KPM_RAN_FUNCTION and period_ms is None \
                else "action-not-supported"
            self.respond(msg, "RICsubscriptionFailure", {"Cause": ("ricRequest", cause)})
            return
        ies = {"RICactions-Admitted": admitted}
        if refused:
            ies["RICactions-NotAdmitted"] = refused
        lost = self.restarted and self.fault == "lose-subscriptions"   # accepted, never served
        if self.respond(msg, "RICsubscriptionResponse", ies) is not None and period_ms is not None \
                and msg.key is not None and not lost:
            period = max(period_ms / 1000.0, self.min_period)
            self.reports[msg.key] = _Report(msg.key, period, actions, self.clock() + period)

    @staticmethod
    def _reporting_period(trigger) -> int | None:
        if not (isinstance(trigger, tuple) and trigger[0] == "E2SM-KPM-EventTriggerDefinition"):
            return None
        fmt, value = trigger[1]["eventDefinition-formats"]
        return value.get("reportingPeriod") if fmt == "eventDefinition-Format1" else None

    @staticmethod
    def _supported(rf: int, period_ms, action: dict) -> str | None:
        """None when the action can be admitted, else the cause value why not."""
        if rf != KPM_RAN_FUNCTION or action.get("ricActionType") != "report":
            return "action-not-supported"
        if period_ms is None:
            return "eventTriggerNotSupported"
        definition = action.get("ricActionDefinition")
        if not (isinstance(definition, tuple) and definition[0] == "E2SM-KPM-ActionDefinition"):
            return "action-not-supported"
        value = definition[1]
        fmt = value["actionDefinition-formats"][0]
        if value.get("ric-Style-Type") != 1 or fmt != "actionDefinition-Format1":
            return "action-not-supported"
        names = [m["measType"][1] for m in value["actionDefinition-formats"][1]["measInfoList"]]
        if not set(names) <= SUPPORTED_MEASUREMENTS:
            return "action-not-supported"
        return None

    @staticmethod
    def _measurements(action: dict) -> tuple[list[str], int]:
        fmt1 = action["ricActionDefinition"][1]["actionDefinition-formats"][1]
        return [m["measType"][1] for m in fmt1["measInfoList"]], fmt1["granulPeriod"]

    def on_RICsubscriptionDeleteRequest(self, msg: MessageReceived) -> None:
        if msg.key in self.endpoint.subscriptions:
            self.respond(msg, "RICsubscriptionDeleteResponse")
        elif msg.ies["RANfunctionID"] not in (KPM_RAN_FUNCTION, RC_RAN_FUNCTION):     # 8.2.2.4
            self.respond(msg, "RICsubscriptionDeleteFailure", {"Cause": ("ricRequest", "ran-function-id-invalid")})
        else:                                                                            # 8.2.2.3
            self.respond(msg, "RICsubscriptionDeleteFailure", {"Cause": ("ricRequest", "request-id-unknown")})

    def on_RICcontrolRequest(self, msg: MessageReceived) -> None:
        header = msg.ies.get("RICcontrolHeader")
        ok = msg.ies["RANfunctionID"] == RC_RAN_FUNCTION and isinstance(header, tuple) \
            and header[0] == "E2SM-RC-ControlHeader" \
            and header[1]["ric-controlHeader-formats"][1].get("ric-ControlAction-ID") == 6 \
            and isinstance(msg.ies.get("RICcontrolMessage"), tuple)
        if ok:
            self.controls.append(msg.message)
            if msg.ies.get("RICcontrolAckRequest") != "noAck":
                self.respond(msg, "RICcontrolAcknowledge")
        else:
            cause = "ran-function-id-invalid" if msg.ies["RANfunctionID"] not in (KPM_RAN_FUNCTION, RC_RAN_FUNCTION) \
                else "control-message-invalid"
            self.respond(msg, "RICcontrolFailure", {"Cause": ("ricRequest", cause)})

    # ------------------------------------------------------------------ indications
    def periodic(self, now: float) -> None:
        for key in list(self.reports):
            sub = self.endpoint.subscriptions.get(key)
            if sub is None:                       # deleted, reset or removed
                del self.reports[key]
                continue
            report = self.reports[key]
            if now < report.due or sub.state.value not in ("ACTIVE", "MODIFYING"):
                continue
            report.due = max(report.due + report.period, now)
            for action_id, (names, granularity) in sorted(report.actions.items()):
                ies = self._indication(report, action_id, names, granularity)
                self.transmit(self.endpoint.send_indication(ies, now=now))
                if self.fault == "duplicate-indications" and report.sn < self.DUPLICATED_FIRST:
                    self.transmit(self.endpoint.send_indication(ies, now=now))
                report.sn = (report.sn + 1) % 65536

    def _value(self, name: str) -> int:
        if name.startswith("DRB.UEThp"):
            return max(0, int(self.rng.gauss(50000 if name.endswith("Dl") else 20000, 5000)))
        if name.startswith("RRU.PrbUsed"):
            return self.rng.randint(0, 100)
        return self.rng.randint(5, 50)

    def _indication(self, report: _Report, action_id: int, names: list, granularity: int) -> dict:
        stamp = SIM_EPOCH + report.sn * report.period
        header: Any = content.kpm_indication_header(stamp)
        message: Any = content.kpm_indication_message(names, [self._value(n) for n in names], granularity)
        if self.fault == "wrong-e2sm-version":
            header = self._encode_v2(content.kpm_indication_header(stamp, int(stamp).to_bytes(4, "big")))
            message = self._encode_v2(message)
        return {"RICrequestID": {"ricRequestorID": report.key[0], "ricInstanceID": report.key[1]},
                "RANfunctionID": report.key[2], "RICactionID": action_id, "RICindicationSN": report.sn,
                "RICindicationType": "report", "RICindicationHeader": header, "RICindicationMessage": message}

    def flood_indications(self) -> list[bytes]:
        """One encoded RIC Indication per active report (for the 'flood' hostile mode); sent
        outside the endpoint, so its sequence numbers and state stay those of the real reports."""
        out = []
        for report in self.reports.values():
            for action_id, (names, granularity) in sorted(report.actions.items())[:1]:
                ies = self._indication(report, action_id, names, granularity)
                out.append(self.codec.encode(self.messages.build("RICindication", ies)))
        return out

    def _encode_v2(self, value: tuple) -> bytes:
        """An E2SM-KPM payload encoded as E2SM-KPM v02.03 (the 'wrong-e2sm-version' fault)."""
        if self._kpm_v2 is None:
            self._kpm_v2 = E2Codec(E2Versions(e2sm={"e2sm-kpm": "v02.03", "e2sm-rc": "v01.03"}))
        return self._kpm_v2.encode(value[1], value[0], protocol="e2sm-kpm")
