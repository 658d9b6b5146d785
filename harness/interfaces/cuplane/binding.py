"""The CU-plane binding: Open Fronthaul control and user planes (eCPRI / O-RAN CUS), on captures.

It has no YAML test cases yet (no spec-engine protocol): its checks run over
a capture and a fronthaul lab profile (``oran-harness fronthaul check``,
harness/cli/fronthaul_commands.py). Its
pieces are all in this package: layers, checks, capture reader, generator, report.
"""

from __future__ import annotations

from pathlib import Path

from harness.spec.errors import ProfileError
from harness import bundled
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
        """The fronthaul profile the lab's ``mplane.fronthaul_profile`` names (relative to the lab profile; a bare
        name not found there: a bundled profile), or None. The M-plane cross-checks the O-RU's U-plane
        configuration with it (session.states['cuplane']; harness/interfaces/mplane/labexec.py)."""
        given = (getattr(session.lab, "mplane", None) or {}).get("fronthaul_profile")
        if not given:
            return None
        path = Path(str(given))
        if not path.is_absolute():
            near = Path(session.lab.where.file).resolve().parent / path
            # a bare name that is not next to the lab profile: a bundled profile (copies of the bundled labs work)
            path = near if near.exists() or len(path.parts) > 1 else bundled.profile(str(path))
        try:
            return load_fronthaul_profile(path)
        except (ProfileError, OSError, bundled.BundledDataError) as err:
            raise BindingError(f"{session.lab.where.file}: mplane.fronthaul_profile: {err}") from None


BINDING = CuplaneBinding()
