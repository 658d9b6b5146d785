"""The visible text of a WeasyPrint PDF, for tests (no pdftotext or pypdf on these machines).

WeasyPrint (through pydyf) writes each font as a Type0 font whose glyphs are
2-byte ids shown by ``TJ`` arrays of hex strings, with a ``ToUnicode`` CMap per
font; most objects sit inside compressed object streams. This reads exactly that
much of ISO 32000-1 (7.3.8 streams, 7.5.7 object streams, 9.10.3 ToUnicode
CMaps): enough to read back the words a reviewer sees, not a general PDF parser.
Text runs are joined in drawing order; a new text line starts a new line.
"""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*")
_TEXT_OPS = re.compile(rb"/(\S+) [\d.]+ Tf|[-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ [-\d.]+ ([-\d.]+) Tm|\[([^\[\]]*)\] TJ")


def _objects(data: bytes) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """(object number -> dictionary text, object number -> decoded stream) of the whole file."""
    bodies: dict[int, bytes] = {}
    streams: dict[int, bytes] = {}
    for m in _OBJ.finditer(data):
        num, start = int(m.group(1)), m.end()
        end = data.find(b"endobj", start)
        head = data[start:end]
        s = head.find(b"stream")
        if s < 0:
            bodies[num] = head.strip()
            continue
        header = head[:s]
        length = int(re.search(rb"/Length (\d+)", header).group(1))
        raw_start = start + s + len(b"stream")
        raw_start += 2 if data[raw_start:raw_start + 2] == b"\r\n" else 1
        raw = data[raw_start:raw_start + length]
        content = zlib.decompress(raw) if b"/FlateDecode" in header else raw
        bodies[num], streams[num] = header, content
        if b"/ObjStm" in header:
            first = int(re.search(rb"/First (\d+)", header).group(1))
            pairs = [int(x) for x in content[:first].split()]
            offsets = list(zip(pairs[::2], pairs[1::2]))
            for i, (inner, off) in enumerate(offsets):
                stop = offsets[i + 1][1] if i + 1 < len(offsets) else len(content) - first
                bodies[inner] = content[first + off:first + stop].strip()
    return bodies, streams


def _cmap(text: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            base = int(dst, 16)
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(base + k)
    return table


def _fonts(bodies: dict[int, bytes], streams: dict[int, bytes]) -> dict[bytes, dict[int, str]]:
    fonts = {num: _cmap(streams[int(m.group(1))]) for num, body in bodies.items()
             if (m := re.search(rb"/ToUnicode (\d+) 0 R", body))}
    return {name: fonts[int(num)] for body in bodies.values()
            for name, num in re.findall(rb"/([^\s/<>\[\]]+) (\d+) 0 R", body) if int(num) in fonts}


def _content_lines(content: bytes, names: dict[bytes, dict[int, str]]) -> list[str]:
    lines: list[str] = []
    if b" TJ" not in content or b" Tf" not in content:
        return lines
    table: dict[int, str] = {}
    y, line = None, []
    for m in _TEXT_OPS.finditer(content):
        if m.group(1) is not None:
            table = names.get(m.group(1), {})
        elif m.group(2) is not None:
            if m.group(2) != y and line:
                lines.append("".join(line))
                line = []
            y = m.group(2)
        else:
            for hexa in re.findall(rb"<([0-9a-fA-F]*)>", m.group(3)):
                line.extend(table.get(int(hexa[i:i + 4], 16), "\ufffd") for i in range(0, len(hexa), 4))
    if line:
        lines.append("".join(line))
    return lines


def pdf_text(data: bytes) -> str:
    """Every text run of every content stream, decoded through its font's ToUnicode map."""
    bodies, streams = _objects(data)
    names = _fonts(bodies, streams)
    return "\n".join(line for content in streams.values() for line in _content_lines(content, names))


def page_texts(data: bytes) -> list[str]:
    """The text of each page, in page order (the /Pages tree's /Kids, ISO 32000-1 7.7.3)."""
    bodies, streams = _objects(data)
    names = _fonts(bodies, streams)
    root = next(body for body in bodies.values() if re.search(rb"/Type\s*/Pages\b", body)
                and b"/Parent" not in body)
    kids = [int(n) for n in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids\s*\[([^\]]*)\]", root).group(1))]
    out = []
    for kid in kids:
        contents = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", bodies[kid]).group(1)
        refs = [int(n) for n in re.findall(rb"(\d+) 0 R", contents)]
        out.append("\n".join(line for ref in refs for line in _content_lines(streams.get(ref, b""), names)))
    return out
