"""The PICS catalogue (specs/pics/pics.yaml, bundled): every item a DUT may declare.

Loaded once per call to `catalogue()` (small, fast); the YAML is the single
place a new item is added. Profiles are checked against it, and so are the
applicability expressions of test cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import bundled
from harness.spec.errors import ProfileError
from harness.spec.reader import Node
from harness.spec.yamlload import load_file

PICS_FILE = bundled.pics_file()
_TYPES = {"bool": bool, "str": str, "int": int}


@dataclass(frozen=True)
class PicsItem:
    name: str                 # 'e2ap.procedures.e2-setup'
    type: str                 # bool | str | int
    description: str
    source: str               # 'O-RAN.WG3.E2AP v03.01 clause 8.3.1'
    values: tuple = ()        # allowed values (str items), () = any
    procedure: str | None = None
    initiator: str | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not valid for this item (None when it is)."""
        want = _TYPES[self.type]
        ok = isinstance(value, want) and (want is bool or not isinstance(value, bool))
        if not ok:
            return f"PICS item '{self.name}' is {self.type}, not {type(value).__name__} ({value!r})"
        if self.values and value not in self.values:
            return f"PICS item '{self.name}' is '{value}', not one of: {', '.join(self.values)}"
        return None


def catalogue(path: Path | str = PICS_FILE) -> dict[str, PicsItem]:
    """The PICS items by name.

    Raises:
        ProfileError: the catalogue file itself is malformed.
    """
    doc, source = load_file(path, ProfileError)
    top = Node.of(doc, source, 1, "PICS catalogue", ProfileError)
    top.only(["items"])
    items = Node.of(top.required("items"), source, top.value_line("items"), "items", ProfileError)
    out = {}
    for name in items.data:
        node = Node.of(items.data[name], source, items.value_line(name), f"PICS item '{name}'", ProfileError)
        node.only(["type", "description", "source", "values", "procedure", "initiator"])
        out[name] = PicsItem(name, node.get("type", str, required=True, choices=list(_TYPES)),
                             node.get("description", str, required=True), node.get("source", str, required=True),
                             node.strings("values"), node.get("procedure", str),
                             node.get("initiator", str, choices=["e2-node", "near-rt-ric", "either"]))
    return out
