"""Moved to harness.fuzz.pycrate_ref (the fuzz CLI uses it too); kept so older imports work."""

from harness.fuzz.pycrate_ref import (PYCRATE_E2AP_NAMES, compile_modules, pycrate_decode, pycrate_encode,  # noqa: F401
                                      pycrate_roundtrip, reference_e2ap, reference_message_names, to_pycrate)
