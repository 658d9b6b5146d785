"""NETCONF message framing over SSH (RFC 6242 clause 4): 1.0 end-of-message and 1.1 chunks.

Sans-I/O: `Deframer.feed(bytes)` returns whole messages; the caller moves the
bytes. A broken chunk header is a `FramingError` naming the offset, so a
peer's framing bug is reported, never guessed around.
"""

from __future__ import annotations

import re

from harness.core.errors import DutError

EOM = b"]]>]]>"
MAX_CHUNK = 4294967295
_CHUNK = re.compile(rb"\n#([1-9][0-9]{0,9})\n")
_END = b"\n##\n"


class FramingError(DutError, ValueError):
    """The peer broke RFC 6242 framing."""


def frame(message: bytes, version: str) -> bytes:
    """One message framed for base:1.0 ('1.0') or base:1.1 ('1.1', one chunk)."""
    if version == "1.0":
        return message + EOM
    return b"\n#%d\n" % len(message) + message + _END


class Deframer:
    """Splits a byte stream into NETCONF messages; `version` may switch after hello."""

    def __init__(self, version: str = "1.0") -> None:
        self.version = version
        self.buffer = b""
        self.offset = 0           # stream offset of buffer[0], for error messages
        self._parts: list[bytes] = []

    def feed(self, data: bytes) -> list[bytes]:
        self.buffer += data
        out: list[bytes] = []
        while True:
            msg = self._eom() if self.version == "1.0" else self._chunk()
            if msg is None:
                return out
            out.append(msg)

    def _take(self, n: int) -> bytes:
        head, self.buffer = self.buffer[:n], self.buffer[n:]
        self.offset += n
        return head

    def _eom(self) -> bytes | None:
        i = self.buffer.find(EOM)
        if i < 0:
            return None
        msg = self._take(i)
        self._take(len(EOM))
        return msg

    def _chunk(self) -> bytes | None:
        while True:
            if self.buffer.startswith(_END):
                self._take(len(_END))
                msg, self._parts = b"".join(self._parts), []
                return msg
            m = _CHUNK.match(self.buffer)
            if m is None:
                if not _could_be_header(self.buffer):
                    raise FramingError(f"bad chunk header at octet {self.offset}: {self.buffer[:16]!r}")
                return None
            size = int(m.group(1))
            if size > MAX_CHUNK:
                raise FramingError(f"chunk size {size} at octet {self.offset} exceeds {MAX_CHUNK}")
            if len(self.buffer) < m.end() + size:
                return None
            self._take(m.end())
            self._parts.append(self._take(size))


_PARTIAL = re.compile(rb"^(\n(#(#|[1-9][0-9]{0,9})?)?)?$")


def _could_be_header(buf: bytes) -> bool:
    """True while ``buf`` is an incomplete but still valid chunk or end-of-chunks header."""
    return bool(_PARTIAL.match(buf[:13])) and len(buf) < 13
