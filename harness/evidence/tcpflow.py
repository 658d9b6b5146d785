"""Synthesised TCP connections in a pcapng: handshake, data segments, FIN, with real checksums.

Why: HTTP evidence must open in Wireshark as HTTP. tshark reassembles a TCP
stream only when sequence and acknowledgement numbers are consistent, so each
`TcpFlow` keeps both sides' numbers: SYN / SYN-ACK / ACK at the start, data cut
into segments of at most `mss` octets (each acknowledged by the peer), and
FIN / FIN-ACK / ACK at the end. The client is whoever opened the connection.
"""

from __future__ import annotations

import ipaddress
import os
import struct
from pathlib import Path
from typing import Literal

from harness.evidence.pcapng import PcapngWriter, ipv4_header, ipv6_header

_SYN, _ACK, _FIN, _PSH = 0x02, 0x10, 0x01, 0x08
_IPPROTO_TCP = 6
DEFAULT_MSS = 1460


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


class _Side:
    def __init__(self, ip: str, port: int) -> None:
        self.ip = ipaddress.ip_address(ip)
        self.port = port
        self.mac = b"\x02\x00" + self.ip.packed[-4:]
        self.seq = int.from_bytes(os.urandom(4), "big")


class TcpFlow:
    """One TCP connection between the harness (local) and the DUT (remote)."""

    def __init__(self, writer: PcapngWriter, local: tuple, remote: tuple, *,
                 client: Literal["local", "remote"] = "local", time: float, mss: int = DEFAULT_MSS) -> None:
        self.writer = writer
        self.local = _Side(*local)
        self.remote = _Side(*remote)
        if self.local.ip.version != self.remote.ip.version:
            raise ValueError("local and remote addresses must both be IPv4 or both IPv6")
        self.mss = mss
        self.closed = False
        self.last_time = time
        a, b = (self.local, self.remote) if client == "local" else (self.remote, self.local)
        self._client = client
        self._segment(a, b, _SYN, b"", time, "TCP handshake (synthesised)")
        a.seq += 1
        self._segment(b, a, _SYN | _ACK, b"", time, "")
        b.seq += 1
        self._segment(a, b, _ACK, b"", time, "")

    def _direction(self, src: _Side) -> Literal["sent", "received"]:
        return "sent" if src is self.local else "received"

    def _segment(self, src: _Side, dst: _Side, flags: int, data: bytes, time: float, comment: str) -> None:
        ack = dst.seq if flags & _ACK else 0
        header = struct.pack("!HHIIBBHHH", src.port, dst.port, src.seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                             5 << 4, flags, 65535, 0, 0)
        segment = header + data
        if src.ip.version == 4:
            pseudo = src.ip.packed + dst.ip.packed + struct.pack("!BBH", 0, _IPPROTO_TCP, len(segment))
            ip = ipv4_header(src.ip.packed, dst.ip.packed, len(segment), proto=_IPPROTO_TCP)
            ethertype = 0x0800
        else:
            pseudo = src.ip.packed + dst.ip.packed + struct.pack("!I3xB", len(segment), _IPPROTO_TCP)
            ip = ipv6_header(src.ip.packed, dst.ip.packed, len(segment), next_header=_IPPROTO_TCP)
            ethertype = 0x86DD
        csum = _checksum(pseudo + segment)
        segment = segment[:16] + struct.pack("!H", csum) + segment[18:]
        frame = dst.mac + src.mac + struct.pack("!H", ethertype) + ip + segment
        self.writer.write_frame(frame, time=max(time, self.last_time), comment=comment,
                                direction=self._direction(src))
        self.last_time = max(time, self.last_time)

    def send(self, data: bytes, *, direction: Literal["sent", "received"], time: float, comment: str = "") -> None:
        """``data`` from the harness ('sent') or the DUT ('received'), each segment acknowledged."""
        if self.closed:
            raise ValueError("the TCP flow is closed")
        src, dst = (self.local, self.remote) if direction == "sent" else (self.remote, self.local)
        for i in range(0, max(len(data), 1), self.mss):
            piece = data[i:i + self.mss]
            if not piece:
                break
            self._segment(src, dst, _ACK | _PSH, piece, time, comment if i == 0 else "")
            src.seq += len(piece)
            self._segment(dst, src, _ACK, b"", time, "")

    def close(self, *, time: float | None = None) -> None:
        if self.closed:
            return
        t = self.last_time if time is None else time
        a, b = (self.local, self.remote) if self._client == "local" else (self.remote, self.local)
        self._segment(a, b, _FIN | _ACK, b"", t, "")
        a.seq += 1
        self._segment(b, a, _FIN | _ACK, b"", t, "")
        b.seq += 1
        self._segment(a, b, _ACK, b"", t, "")
        self.closed = True


class TcpFlowRecorder:
    """What the HTTP and NETCONF evidence recorders share: a pcapng opened at the first
    message (a test that sends nothing leaves no file), one `TcpFlow` per connection key,
    and a close that ends every flow (FIN) and the file, whatever happened before.

    Subclasses are callables for `Exchange.on_add` and use `flow()` to reach a connection.
    """

    def __init__(self, path, test_id: str, mode: str) -> None:
        self.path = Path(path)
        self.test_id = test_id
        self.mode = mode
        self.writer: PcapngWriter | None = None
        self.flows: dict = {}

    def open(self, comment: str, **writer_options) -> PcapngWriter:
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = PcapngWriter(self.path, comment=comment, **writer_options)
        return self.writer

    def flow(self, key, make) -> tuple[TcpFlow, bool]:
        """The flow of connection *key*, made by ``make(writer)`` the first time; (flow, new)."""
        flow = self.flows.get(key)
        if flow is not None:
            return flow, False
        flow = self.flows[key] = make(self.writer)
        return flow, True

    def end(self, key, time: float) -> None:
        """One connection is over: its FIN goes in now, in time order."""
        flow = self.flows.pop(key, None)
        if flow is not None:
            flow.close(time=time)

    def close(self) -> None:
        try:
            for flow in self.flows.values():
                flow.close()
        finally:
            self.flows.clear()
            if self.writer is not None:
                self.writer.close()
                self.writer = None
