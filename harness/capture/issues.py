"""A capped issue log: a hostile capture cannot grow memory one `CaptureIssue` per bad packet.

Theory of operation: `CappedIssues` wraps the caller's list.  The first `MAX_ISSUES`
issues go into it as they come; after that an issue is only counted, under its *kind*
(its text with numbers, hex ids and addresses blanked out), keeping the first one of
each kind as the example.  `summary()` then appends one issue per kind that was cut:
"N more issues of this kind not listed ...", so the output still says how much was
wrong.  The number of kinds is capped too (text carried over from the file could make
every kind new); overflow kinds are counted together.
"""

from __future__ import annotations

import re

from harness.capture.model import CaptureIssue

__all__ = ["CappedIssues", "MAX_ISSUES", "capped"]

MAX_ISSUES = 1000
MAX_KINDS = 256
_VARIABLE = re.compile(r"0x[0-9a-fA-F]+|[0-9a-fA-F]*:[0-9a-fA-F:.]+|\d+")


class CappedIssues:
    """An append-only issue sink holding at most *limit* issues plus counts per kind.

    Attributes:
        target: the caller's list the kept issues go to.
        total: every issue appended, kept or not.
    """

    def __init__(self, target: list | None = None, limit: int = MAX_ISSUES) -> None:
        self.target: list = target if target is not None else []
        self.limit = limit
        self.kept = 0
        self.total = 0
        self._dropped: dict[str, list] = {}     # kind -> [count, first dropped issue]
        self._kind_of: dict[str, str] = {}      # message -> kind, a bounded cache (floods repeat one text)

    def append(self, issue: CaptureIssue) -> None:
        self.total += 1
        if self.kept < self.limit:
            self.kept += 1
            self.target.append(issue)
            return
        kind = self._kind_of.get(issue.message)
        if kind is None:
            kind = _VARIABLE.sub("#", issue.message)
            if len(self._kind_of) >= 4096:
                self._kind_of.clear()
            self._kind_of[issue.message] = kind
        entry = self._dropped.get(kind)
        if entry is None:
            if len(self._dropped) >= MAX_KINDS:
                kind = "\x00other"
                entry = self._dropped.get(kind)
            if entry is None:
                entry = self._dropped[kind] = [0, issue]
        entry[0] += 1

    def __len__(self) -> int:
        return self.total

    def summary(self) -> None:
        """Append one issue per kind that was cut (once; later calls add nothing new)."""
        for kind, (count, first) in self._dropped.items():
            what = ("issues of other kinds" if kind == "\x00other" else "issues of this kind")
            self.target.append(CaptureIssue(first.packet, f"{count} more {what} not listed "
                                                          f"(the first at packet {first.packet}): "
                                                          f"{first.message}"))
        self._dropped.clear()


def capped(issues: list | CappedIssues | None, limit: int = MAX_ISSUES) -> CappedIssues:
    """*issues* as a `CappedIssues` (an existing one is shared, a list is wrapped)."""
    if isinstance(issues, CappedIssues):
        return issues
    return CappedIssues(issues, limit)
