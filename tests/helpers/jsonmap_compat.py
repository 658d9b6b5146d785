"""JSON mapping entry points for the golden tests.

WORKAROUND (harness bug, reported; remove when fixed): ``harness.codec.jsonmap``
maps an E2SM payload only when it is a SEQUENCE component whose declared type
is a carrier (RANfunction-Item.ranFunctionDefinition). When the carrier type is
itself the value of an open type -- every RICindicationHeader/-Message,
RICcontrolHeader/-Message/-Outcome, RICcallProcessID IE and the
RICeventTriggerDefinition IE of RIC Subscription Modification Request --
``_Mapper.top`` goes straight to the carrier's OCTET STRING descriptor and
``to_json`` raises ``TypeError: 'str' object cannot be interpreted as an
integer`` (from_json: "expected a hex string for OCTET STRING"). This module
applies the one-line fix (check the hole types in ``top``) in a subclass, so
the vectors use the mapping documented in jsonmap's docstring. The strict
xfail test ``test_jsonmap_carrier_ie_bug`` in tests/codec/test_golden.py turns
red when the harness is fixed: then delete this module and use jsonmap directly.
"""

from __future__ import annotations

from typing import Any

from harness.codec import jsonmap


class _Mapper(jsonmap._Mapper):
    def top(self, type_name: str, value: Any, path: tuple) -> Any:
        codec = self.codec_for(type_name)
        if type_name in codec._hole_types:
            return self.hole(codec, type_name, value, path)
        return super().top(type_name, value, path)


def to_json(codec_for, type_name: str, value: Any) -> Any:
    return _Mapper(codec_for, True).top(type_name, value, (type_name,))


def from_json(codec_for, type_name: str, data: Any) -> Any:
    return _Mapper(codec_for, False).top(type_name, data, (type_name,))
