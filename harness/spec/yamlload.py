"""YAML loading that remembers where every value came from.

Theory of operation: PyYAML's SafeLoader is subclassed so that mappings and
sequences become `LDict` / `LList` (plain dict / list subclasses) that carry the
line of the node itself and of each key and item. Scalars stay plain Python
values; their line is asked of the container holding them
(`LDict.value_line(key)`, `LList.item_line(i)`), so bools, None and numbers keep
working as themselves. Duplicate keys, which PyYAML silently merges, are an
error naming both lines. Syntax errors become `SpecError` with file:line, the
offending line and a caret.

Lines are 1-based everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from harness.spec.errors import SourceError, SpecError
from harness.spec.model import Where


class LDict(dict):
    """A mapping from YAML with the line of itself, its keys and its values."""

    line: int = 0
    column: int = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict = {}
        self.value_lines: dict = {}

    def key_line(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)

    def value_line(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_line(key))


class LList(list):
    """A sequence from YAML with the line of itself and of each item."""

    line: int = 0
    column: int = 0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []

    def item_line(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class Source:
    """One YAML text and its path: makes errors that quote the offending line."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()

    def line_text(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None

    def where(self, line: int) -> Where:
        return Where(self.path, line)

    def error(self, line: int, message: str, hint: str | None = None,
              cls: type[SourceError] = SpecError) -> SourceError:
        return cls(Where(self.path, line), message, hint, self.line_text(line))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _LineLoader(yaml.SafeLoader):
    """SafeLoader building LDict/LList and refusing duplicate keys."""

    source: Source


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode):
    out = LDict()
    out.line, out.column = _line(node), node.start_mark.column + 1
    yield out
    own = [(k, v) for k, v in node.value if k.tag != "tag:yaml.org,2002:merge"]
    own_ids = {id(k) for k, _ in own}      # a set, not a scan per key: loading stays linear in the keys
    loader.flatten_mapping(node)
    merged = [(k, v) for k, v in node.value if id(k) not in own_ids]
    seen: dict = {}
    for key_node, value_node in merged + own:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise loader.source.error(_line(key_node), "a mapping key must be a plain value") from None
        is_own = id(key_node) in own_ids
        if key in seen and is_own and seen[key][1]:
            raise loader.source.error(
                _line(key_node), f"duplicate key '{key}' (first at line {seen[key][0]})",
                "YAML keeps only the last of duplicate keys; remove or rename one")
        seen[key] = (_line(key_node), is_own)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = _line(key_node)
        out.value_lines[key] = _line(value_node)


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode):
    out = LList()
    out.line, out.column = _line(node), node.start_mark.column + 1
    yield out
    for item in node.value:
        out.append(loader.construct_object(item, deep=True))
        out.item_lines.append(_line(item))


def _construct_float(loader: _LineLoader, node: yaml.ScalarNode) -> float:
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if not math.isfinite(value):        # a NaN timer never expires; a NaN bound passes every test
        raise loader.source.error(_line(node), f"{node.value!r} is not a finite number",
                                  "NaN and infinities are not allowed; give a number")
    return value


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:                  # Python refuses to convert more than 4,300 digits
        raise loader.source.error(_line(node), f"integer of {len(node.value)} characters is too long") from None


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


MAX_EXPANDED_NODES = 100_000     # a spec or profile is a few thousand nodes; aliases may not multiply that


def _check_expansion(root: yaml.Node, source: Source, cls: type[SourceError]) -> None:
    """Refuse documents whose aliases expand to too many nodes ('billion laughs').

    Aliases share one node object in the composed graph, so the expanded size is
    counted with a memo in linear time, before anything walks the expansion.
    """
    sizes: dict = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1                   # a cycle counts once (PyYAML builds recursive objects)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        sizes[id(node)] = total
        return total

    if size(root) > MAX_EXPANDED_NODES:
        raise cls(Where(source.path, 1), f"the YAML aliases expand to more than {MAX_EXPANDED_NODES} values; "
                                         "refusing to expand them (a 'billion laughs' document?)")


def load_text(text: str, path: str, cls: type[SourceError] = SpecError) -> tuple[Any, Source]:
    """Parse one YAML document.

    Args:
        text: the YAML text.
        path: the name errors use for it (usually the file path as given).
        cls: the error class raised (SpecError or ProfileError).

    Returns:
        (document, source): the document with LDict/LList containers, and the
        Source that makes errors quoting its lines.

    Raises:
        SpecError (or ``cls``): a syntax error or duplicate key, with file:line.
    """
    source = Source(path, text)
    try:
        loader = _LineLoader(text)      # the reader rejects control characters here, before parsing
    except yaml.YAMLError as err:
        raise cls(Where(path, 1 + text.count("\n", 0, getattr(err, "position", 0) or 0)),
                  f"YAML error: {err}".replace("\n", " ")) from None
    loader.source = source
    try:
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_expansion(node, source, cls)
            doc = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark else 1
            column = mark.column + 1 if mark else None
            problem = err.problem or "invalid YAML"
            if err.context and err.context_mark and err.context_mark.line + 1 != line:
                problem = f"{problem} ({err.context} at line {err.context_mark.line + 1})"
            elif err.context:
                problem = f"{problem} ({err.context})"
            raise cls(Where(path, line), f"YAML syntax error: {problem}", None,
                      source.line_text(line), column) from None
        except yaml.YAMLError as err:
            raise cls(Where(path, 1), f"YAML error: {err}") from None
        except RecursionError:
            raise cls(Where(path, 1), "the YAML is nested too deeply to read") from None
        except SourceError as err:
            if cls is not SpecError and isinstance(err, SpecError):
                raise cls(err.where, err.message, err.hint, err.line_text, err.column) from None
            raise
    finally:
        loader.dispose()
    return doc, source


def load_file(path: str | Path, cls: type[SourceError] = SpecError) -> tuple[Any, Source]:
    """`load_text` on a file (an unreadable file is an error naming it)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise cls(Where(str(path), 0), f"cannot read: {err.__class__.__name__}: {err}") from None
    return load_text(text, str(path), cls)


LineOf = Callable[[Any], int]


def plain(value: Any) -> Any:
    """``value`` with LDict/LList replaced by plain dict/list (for the frozen models)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
