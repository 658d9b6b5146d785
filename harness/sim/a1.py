"""The A1 simulators' public API (re-exports; see docs/a1.md)."""

from harness.sim.a1_faults import NONRT_FAULTS, RIC_FAULTS
from harness.sim.a1_http import A1SimError, HttpRequest, TlsClient, TlsServer
from harness.sim.a1_nonrt import A1NonRtRicSim
from harness.sim.a1_ric import A1RicSim, NotificationAttempt

__all__ = ["A1RicSim", "A1NonRtRicSim", "TlsServer", "TlsClient", "A1SimError", "HttpRequest",
           "NotificationAttempt", "RIC_FAULTS", "NONRT_FAULTS"]
