"""Errors of the codec layer.

Two families, kept apart on purpose: `Asn1SourceError` means the ASN.1 given to
the harness is unusable (a lab or harness problem), `CodecError` means bytes or
values do not fit the ASN.1 (usually the DUT's problem, judged by the caller).
"""

from __future__ import annotations

from typing import Self

from harness.core.errors import DutError, HarnessError, UserError


def render_path(path) -> str:
    """'E2AP-PDU.protocolIEs[2].value' from path parts; indexes bind to their list."""
    out = ""
    for part in path:
        out += part if (part.startswith("[") or not out) else "." + part
    return out


class Asn1SourceError(UserError):
    """The ASN.1 source cannot be lowered or compiled; the text names file:line."""


class CodecError(HarnessError):
    """Bytes or values do not fit the ASN.1 type.

    Attributes:
        path: the IE path, outermost first (type, components, open-type names).
        bit_offset: bit position in the outermost PDU where decoding failed,
            or None for encode errors.
        reason: what went wrong at that place.
        hint: an optional second opinion (for example another version that
            decodes the same bytes cleanly).
    """

    def __init__(self, reason: str, path: tuple[str, ...] = (), bit_offset: int | None = None,
                 hint: str | None = None, value_start: bool = False) -> None:
        self.reason = reason
        self.path = tuple(path)
        self.bit_offset = bit_offset
        self.hint = hint
        # True when the offset is where the enclosing value starts (a constraint
        # found violated after decoding), not the exact failing bit.
        self.value_start = value_start
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = render_path(self.path) or "<top>"
        at = ""
        if self.bit_offset is not None:
            at = (f" (in the value starting at bit offset {self.bit_offset})" if self.value_start
                  else f" (bit offset {self.bit_offset})")
        text = f"{where}{at}: {self.reason}"
        return f"{text}; {self.hint}" if self.hint else text

    def __str__(self) -> str:
        return self.message

    def with_hint(self, hint: str) -> Self:
        return type(self)(self.reason, self.path, self.bit_offset, hint, self.value_start)


class DecodeError(CodecError, DutError):
    """Bytes do not decode as the requested type."""


class EncodeError(CodecError, UserError):
    """A value cannot be encoded as the requested type (constraints are always checked)."""
