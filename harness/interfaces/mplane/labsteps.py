"""M-plane step kinds that involve the lab besides the O-RU: its file server and its CU-plane profile.

* `file-server`: start the lab's SFTP server for this test case (fileserver.py),
  serving `files` (name -> `{path: local file}` or `{text: ...}`); its URI, user and
  password become ``${file_server.uri}``, ``${file_server.username}``, ``${file_server.password}``;
* `expect-file`: a file `name` arrives on that server, completely written, within
  `timer`; `same-as` (a served file's name) or `sha256` says what its bytes must be,
  `min-size` how big it must at least be;
* `expect-cuplane-match`: the last reply's o-ran-uplane-conf low-level endpoints
  (eaxc-id, number-of-prb) equal what the lab's fronthaul profile (the CU-plane
  capture checks' eAxC ids and carrier PRBs) configures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from harness.spec.reader import Node

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class FileServerStep:
    files: dict                     # name -> {'path': str} | {'text': str}
    where: Any
    kind: str = "file-server"


@dataclass(frozen=True)
class ExpectFileStep:
    name: str
    same_as: str | None
    sha256: str | None
    min_size: int
    timer: Any
    clause: str
    where: Any
    kind: str = "expect-file"


@dataclass(frozen=True)
class ExpectCuplaneMatchStep:
    clause: str
    where: Any
    kind: str = "expect-cuplane-match"


def _file_server(node: Node, ctx) -> list:
    node.only(["file-server"])
    value = node.data["file-server"]
    f = Node.of(value if value is not None else {}, node.source, node.value_line("file-server"), "file-server")
    f.only(["files"])
    files = f.get("files", dict, {})
    out = {}
    for name, item in files.items():
        line = f.value_line("files")
        if not isinstance(name, str) or "/" in name or name in (".", ".."):
            raise f.error(line, f"file-server files: {name!r} is not a plain file name")
        spec = Node.of(item, f.source, line, f"file {name}")
        spec.only(["path", "text"])
        if spec.has("path") == spec.has("text"):
            raise spec.error(line, f"file-server file {name}: give either 'path' (a local file) or 'text'")
        out[name] = {k: spec.get(k, str, allow_var=True) for k in ("path", "text") if spec.has(k)}
    return [FileServerStep(out, node.where())]


def _expect_file(node: Node, ctx) -> list:
    node.only(["expect-file", "timer", "clause"])
    value = node.data["expect-file"]
    e = Node.of(value, node.source, node.value_line("expect-file"), "expect-file")
    e.only(["name", "same-as", "sha256", "min-size"])
    digest = e.get("sha256", str, None, allow_var=True)
    if digest is not None and "${" not in digest and not _HEX64.match(digest):
        raise e.error(e.value_line("sha256"), f"sha256 {digest!r} is not 64 hexadecimal digits")
    timer = node.get("timer", float, None, allow_var=True)
    return [ExpectFileStep(e.get("name", str, required=True, allow_var=True), e.get("same-as", str, None),
                           digest, e.get("min-size", int, 1), timer, node.get("clause", str, ctx.clause),
                           node.where())]


def _expect_cuplane_match(node: Node, ctx) -> list:
    node.only(["expect-cuplane-match", "clause"])
    value = node.data["expect-cuplane-match"]
    Node.of(value if value is not None else {}, node.source, node.value_line("expect-cuplane-match"),
            "expect-cuplane-match").only([])
    return [ExpectCuplaneMatchStep(node.get("clause", str, ctx.clause), node.where())]


LAB_KINDS = {"file-server": _file_server, "expect-file": _expect_file,
             "expect-cuplane-match": _expect_cuplane_match}
CHECKING_STEPS = (ExpectFileStep, ExpectCuplaneMatchStep)
