"""Errors of the spec and profile layer.

Every error a user sees names the place in the user's own file:

    specs/e2ts/x.yaml:12: unknown message 'E2setupReqest' (did you mean E2setupRequest?)
        12 |       - send: E2setupReqest
      hint: message names are E2AP message types, templates are listed in templates: blocks

`SpecError` is a broken test specification, `ProfileError` a broken DUT or lab
profile; both are "the harness was told something wrong", never a DUT verdict.
`VariableError` is raised when a step runs and a `${name}` has no value: the
runner reports it as ERROR.
"""

from __future__ import annotations

from harness.core.errors import UserError
from harness.spec.model import Where


class SourceError(UserError):
    """A problem at a place in a YAML file.

    Attributes:
        where: file and line (line 0: the file as a whole).
        message: one line saying what is wrong.
        hint: an optional line saying what to do about it.
        line_text: the text of the offending line, when known.
        column: 1-based column for a caret under the line (syntax errors).
    """

    def __init__(self, where: Where, message: str, hint: str | None = None,
                 line_text: str | None = None, column: int | None = None) -> None:
        self.where = where
        self.message = message
        self.hint = hint
        self.line_text = line_text
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.where}: {self.message}" if self.where.line else f"{self.where.file}: {self.message}"
        out = [head]
        if self.line_text is not None:
            gutter = f"    {self.where.line} | "
            out.append(gutter + self.line_text.rstrip())
            if self.column:
                out.append(" " * (len(gutter) + self.column - 1) + "^")
        if self.hint:
            out.append(f"  hint: {self.hint}")
        return "\n".join(out)


class SpecError(SourceError):
    """A test specification (or template/group library) is wrong."""


class ProfileError(SourceError):
    """A DUT or lab profile is wrong."""


class VariableError(UserError):
    """A `${name}` that has no value when the step runs (the runner reports ERROR)."""

    def __init__(self, name: str, known: list[str], where: Where | None = None) -> None:
        self.name = name
        self.known = sorted(known)
        self.where = where
        place = f"{where}: " if where else ""
        known_text = ", ".join(self.known) if self.known else "none"
        super().__init__(f"{place}unknown variable '{name}'; known: {known_text}")
