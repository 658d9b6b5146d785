"""The CU-plane binding: Open Fronthaul control and user planes (eCPRI / O-RAN CUS), on captures.

It has no YAML test cases yet (no spec-engine protocol): its checks run over
a capture and a fronthaul lab profile (``oran-harness fronthaul check``,
harness/cli/fronthaul_commands.py). Its
pieces are all in this package: layers, checks, capture reader, generator, report.
"""

from __future__ import annotations

from pathlib import Path

from harness.spec.errors import ProfileError
from harness.interfaces.base import Binding, BindingError
from harness.interfaces.cuplane.capture import check_capture
from harness.interfaces.cuplane.profile import load_fronthaul_profile


class CuplaneBinding(Binding):
    name = "cuplane"
    title = "CU-plane"
    protocol = None

    #: The capture analyser: check_capture(path, fronthaul profile, workers=1) -> outcome.
    check_capture = staticmethod(check_capture)

    def open(self, session):
        """The fronthaul profile the lab's ``mplane.fronthaul_profile`` names (relative to the lab profile), or
        None: the M-plane cross-checks the O-RU's U-plane configuration with it (session.states['cuplane'])."""
        given = (getattr(session.lab, "mplane", None) or {}).get("fronthaul_profile")
        if not given:
            return None
        path = Path(str(given))
        if not path.is_absolute():
            path = Path(session.lab.where.file).resolve().parent / path
        try:
            return load_fronthaul_profile(path)
        except (ProfileError, OSError) as err:
            raise BindingError(f"{session.lab.where.file}: mplane.fronthaul_profile: {err}") from None


BINDING = CuplaneBinding()
