"""The A1 simulators' public API (re-exports; see docs/a1.md)."""

from harness.interfaces.a1.sim.faults import NONRT_FAULTS, RIC_FAULTS
from harness.interfaces.a1.sim.http import A1SimError, HttpRequest, TlsClient, TlsServer
from harness.interfaces.a1.sim.nonrt import A1NonRtRicSim
from harness.interfaces.a1.sim.ric import A1RicSim, NotificationAttempt

__all__ = ["A1RicSim", "A1NonRtRicSim", "TlsServer", "TlsClient", "A1SimError", "HttpRequest",
           "NotificationAttempt", "RIC_FAULTS", "NONRT_FAULTS"]
