"""The CU-plane binding: Open Fronthaul control and user planes (eCPRI / O-RAN CUS), on captures.

It has no YAML test cases yet (no spec-engine protocol): its checks run over
a capture and a fronthaul lab profile (``oran-harness fronthaul check``,
harness/cli/fronthaul_commands.py). Its
pieces are all in this package: layers, checks, capture reader, generator, report.
"""

from __future__ import annotations

from harness.interfaces.cuplane.capture import check_capture
from harness.interfaces.base import Binding


class CuplaneBinding(Binding):
    name = "cuplane"
    title = "CU-plane"
    protocol = None

    #: The capture analyser: check_capture(path, fronthaul profile, workers=1) -> outcome.
    check_capture = staticmethod(check_capture)


BINDING = CuplaneBinding()
