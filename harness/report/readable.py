"""Recorded values as text a reviewer reads, and no local path in a shared report.

`readable` turns what run.json records (transport settings, E2SM versions, equipment) into
one line of text instead of raw JSON. `Scrubber` removes the absolute paths of the machine
that built the report: a results folder becomes its label, a spec file is shown relative to
its spec folder (the nearest ``testcases``/``specs`` folder above it, else its own folder),
and any other absolute path under the working folder or the home folder becomes relative.
A report is sent to other labs; ``/tmp/...`` or ``/home/<user>/...`` means nothing there and
says more than it should.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

NOT_GIVEN = "not given"
SPEC_FOLDERS = ("testcases", "specs")
# Version-like keys read better upper-cased: e2sm-kpm -> E2SM-KPM.
_UPPER = re.compile(r"^(e2sm|e2ap|a1ap)([-_].*)?$", re.IGNORECASE)


def _key(key: object) -> str:
    text = str(key)
    return text.upper() if _UPPER.match(text) else text.replace("_", " ")


def readable(value: object, depth: int = 0) -> str:
    """One line of text for a recorded value: a mapping as 'key value, ...', 'kind' first."""
    if value is None or value == "":
        return NOT_GIVEN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        if depth > 3:
            return "..."
        items = [(k, v) for k, v in value.items() if k != "where" and v not in (None, "", {}, [])]
        head = ""
        if "kind" in value and isinstance(value["kind"], str):
            head = value["kind"]
            items = [(k, v) for k, v in items if k != "kind"]
        body = ", ".join(f"{_key(k)} {readable(v, depth + 1)}" if not isinstance(v, dict)
                         else f"{_key(k)} ({readable(v, depth + 1)})" for k, v in items)
        if head and body:
            return f"{head}: {body}"
        return head or body or NOT_GIVEN
    if isinstance(value, list):
        return "; ".join(readable(v, depth + 1) for v in value) or NOT_GIVEN
    return str(value)


@dataclass(frozen=True)
class Scrubber:
    """Replaces local absolute paths in report text (see the module docstring)."""

    prefixes: tuple[tuple[str, str], ...] = ()    # (absolute prefix, shown instead), longest first
    fallbacks: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def for_runs(cls, runs: Iterable[tuple[Path, str]], out_dir: Path | None = None) -> Scrubber:
        pairs: dict[str, str] = {}
        for path, label in runs:
            for form in {str(path), str(Path(path).absolute()), str(Path(path).resolve())}:
                pairs[form] = label
            parent = Path(path).absolute().parent
            pairs.setdefault(str(parent), parent.name or ".")
        if out_dir is not None:
            pairs.setdefault(str(Path(out_dir).resolve()), ".")
        fallbacks = tuple(p for p in {str(Path.cwd()), str(Path.home())} if p not in ("/", ""))
        return cls(tuple(sorted(pairs.items(), key=lambda kv: -len(kv[0]))), fallbacks)

    def __call__(self, text: str) -> str:
        if not text or "/" not in text:
            return text
        for prefix, shown in self.prefixes:
            if prefix and prefix != "/":
                text = text.replace(prefix + "/", shown + "/").replace(prefix, shown)
        for prefix in self.fallbacks:
            text = text.replace(prefix + "/", "")
        return text

    def spec(self, where: str) -> str:
        """'/x/y/testcases/e2ts/a.yaml:4' -> 'testcases/e2ts/a.yaml:4' (relative to the spec folder)."""
        path, sep, line = where.rpartition(":")
        if not sep or not line.isdigit():
            path, line = where, ""
        if not os.path.isabs(path):
            return self(where)
        parts = Path(path).parts
        cut = max((i for i, part in enumerate(parts) if part in SPEC_FOLDERS), default=len(parts) - 2)
        shown = "/".join(parts[max(cut, 1):])
        return f"{shown}:{line}" if line else shown
