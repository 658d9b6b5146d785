"""Realistic E2SM payload values shared by the benchmark, the golden-vector
generator and (later) the simulators, so all speak about the same RAN functions.

Measurement names follow 3GPP TS 28.552 (DRB.UEThpDl, RRU.PrbUsedDl, ...); the
RC control action is the slice-level PRB quota of E2SM-RC v01.03 clause 8.4.
"""

from __future__ import annotations

KPM_OID = {"v03.00": "1.3.6.1.4.1.53148.1.3.2.2", "v02.03": "1.3.6.1.4.1.53148.1.2.2.2"}
RC_OID = "1.3.6.1.4.1.53148.1.1.2.3"
KPM_MEASUREMENTS = ("DRB.UEThpDl", "DRB.UEThpUl", "RRU.PrbUsedDl", "RRU.PrbUsedUl", "RRC.ConnMean")


def kpm_ran_function_definition(version: str = "v03.00") -> tuple:
    """An E2SM-KPM RAN function definition: periodic reports, styles 1 and 2."""
    return ("E2SM-KPM-RANfunction-Description", {
        "ranFunction-Name": {"ranFunction-ShortName": "ORAN-E2SM-KPM",
                             "ranFunction-E2SM-OID": KPM_OID[version],
                             "ranFunction-Description": "KPM Monitor",
                             "ranFunction-Instance": 1},
        "ric-EventTriggerStyle-List": [{"ric-EventTriggerStyle-Type": 1,
                                        "ric-EventTriggerStyle-Name": "Periodic Report",
                                        "ric-EventTriggerFormat-Type": 1}],
        "ric-ReportStyle-List": [
            {"ric-ReportStyle-Type": 1, "ric-ReportStyle-Name": "E2 Node Measurement",
             "ric-ActionFormat-Type": 1,
             "measInfo-Action-List": [{"measName": m, "measID": i + 1} for i, m in enumerate(KPM_MEASUREMENTS)],
             "ric-IndicationHeaderFormat-Type": 1, "ric-IndicationMessageFormat-Type": 1},
            {"ric-ReportStyle-Type": 2, "ric-ReportStyle-Name": "E2 Node Measurement for a single UE",
             "ric-ActionFormat-Type": 2,
             "measInfo-Action-List": [{"measName": "DRB.UEThpDl", "measID": 1}],
             "ric-IndicationHeaderFormat-Type": 1, "ric-IndicationMessageFormat-Type": 1}],
    })


def rc_ran_function_definition() -> tuple:
    """An E2SM-RC RAN function definition with one control style."""
    return ("E2SM-RC-RANFunctionDefinition", {
        "ranFunction-Name": {"ranFunction-ShortName": "ORAN-E2SM-RC",
                             "ranFunction-E2SM-OID": RC_OID,
                             "ranFunction-Description": "RAN Control",
                             "ranFunction-Instance": 1},
        "ranFunctionDefinition-Control": {
            "ric-ControlStyle-List": [{
                "ric-ControlStyle-Type": 2, "ric-ControlStyle-Name": "Radio Resource Allocation Control",
                "ric-ControlHeaderFormat-Type": 1, "ric-ControlMessageFormat-Type": 1,
                "ric-CallProcessIDFormat-Type": 1, "ric-ControlOutcomeFormat-Type": 1,
                "ric-ControlAction-List": [{
                    "ric-ControlAction-ID": 6, "ric-ControlAction-Name": "Slice-level PRB quota",
                    "ran-ControlActionParameters-List": [
                        {"ranParameter-ID": 1, "ranParameter-name": "RRM Policy Ratio List"},
                        {"ranParameter-ID": 11, "ranParameter-name": "Min PRB Policy Ratio"},
                        {"ranParameter-ID": 12, "ranParameter-name": "Max PRB Policy Ratio"},
                    ]}],
            }],
        },
    })
