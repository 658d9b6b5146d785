"""M-plane step kinds that involve the lab besides the O-RU: its file server and its CU-plane profile.

* `file-server`: start the lab's SFTP server for this test case (fileserver.py),
  serving `files` (name -> `{path: local file}` or `{text: ...}`); its URI, user and
  password become ``${file_server.uri}``, ``${file_server.username}``, ``${file_server.password}``;
* `expect-file`: a file `name` arrives on that server, completely written, within
  `timer`; `same-as` (a served file's name) or `sha256` says what its bytes must be,
  `min-size` how big it must at least be, `contains` (a text or a list) what text it
  must hold;
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
    contains: tuple = ()            # texts (or ${var}) the file must hold


@dataclass(frozen=True)
class ExpectCuplaneMatchStep:
    clause: str
    where: Any
    kind: str = "expect-cuplane-match"


def _file_server(node: Node, ctx) -> list:
    f = node.body("file-server", ["files"], empty=True)
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
    e = node.body("expect-file", ["name", "same-as", "sha256", "min-size", "contains"], besides=["timer", "clause"])
    digest = e.get("sha256", str, None, allow_var=True)
    if digest is not None and "${" not in digest and not _HEX64.match(digest):
        raise e.error(e.value_line("sha256"), f"sha256 {digest!r} is not 64 hexadecimal digits")
    timer = node.get("timer", float, None, allow_var=True)
    return [ExpectFileStep(e.get("name", str, required=True, allow_var=True), e.get("same-as", str, None),
                           digest, e.get("min-size", int, 1), timer, node.get("clause", str, ctx.clause),
                           node.where(), contains=_texts(e, "contains"))]


def _texts(e: Node, key: str) -> tuple:
    value = e.get(key, (str, list), [])
    texts = [value] if isinstance(value, str) else list(value)
    for text in texts:
        if not isinstance(text, str) or not text:
            raise e.error(e.value_line(key), f"expect-file {key}: {text!r} is not a non-empty text")
    return tuple(texts)


def _expect_cuplane_match(node: Node, ctx) -> list:
    node.body("expect-cuplane-match", [], besides=["clause"], empty=True)
    return [ExpectCuplaneMatchStep(node.get("clause", str, ctx.clause), node.where())]


LAB_KINDS = {"file-server": _file_server, "expect-file": _expect_file,
             "expect-cuplane-match": _expect_cuplane_match}
CHECKING_STEPS = (ExpectFileStep, ExpectCuplaneMatchStep)
