"""A tiny, strict pcapng reader for the tests (independent of the writer's code)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field


@dataclass
class Block:
    type: int
    offset: int
    body: bytes
    options: list[tuple[int, bytes]] = field(default_factory=list)
    # Enhanced Packet Blocks only:
    interface_id: int = 0
    ts: int = 0
    data: bytes = b""

    def option(self, code: int) -> bytes | None:
        for c, v in self.options:
            if c == code:
                return v
        return None

    @property
    def comment(self) -> str | None:
        v = self.option(1)
        return None if v is None else v.decode()


def parse_options(raw: bytes) -> list[tuple[int, bytes]]:
    opts, i = [], 0
    while i < len(raw):
        code, length = struct.unpack_from("<HH", raw, i)
        i += 4
        if code == 0:
            assert length == 0
            assert i == len(raw), "data after opt_endofopt"
            break
        opts.append((code, raw[i:i + length]))
        i += length + (-length) % 4
    else:
        assert not raw, "options without opt_endofopt"
    return opts


def read_blocks(data: bytes, *, allow_truncated: bool = False) -> list[Block]:
    blocks, off = [], 0
    while off < len(data):
        if len(data) - off < 12:
            assert allow_truncated, f"trailing {len(data) - off} octets"
            break
        btype, length = struct.unpack_from("<II", data, off)
        assert length % 4 == 0 and length >= 12, (off, length)
        if off + length > len(data):
            assert allow_truncated, f"block at {off} cut short"
            break
        (trailer,) = struct.unpack_from("<I", data, off + length - 4)
        assert trailer == length, (off, length, trailer)
        body = data[off + 8:off + length - 4]
        b = Block(btype, off, body)
        if btype == 0x0A0D0D0A:
            magic, major, minor, seclen = struct.unpack_from("<IHHq", body)
            assert (magic, major, minor, seclen) == (0x1A2B3C4D, 1, 0, -1)
            b.options = parse_options(body[16:])
        elif btype == 1:
            b.options = parse_options(body[8:])
        elif btype == 6:
            iface, hi, lo, caplen, origlen = struct.unpack_from("<IIIII", body)
            assert caplen == origlen
            b.interface_id, b.ts = iface, hi << 32 | lo
            b.data = body[20:20 + caplen]
            b.options = parse_options(body[20 + caplen + (-caplen) % 4:])
        blocks.append(b)
        off += length
    return blocks


def packets(data: bytes, **kw) -> list[Block]:
    return [b for b in read_blocks(data, **kw) if b.type == 6]
