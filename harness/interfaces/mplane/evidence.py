"""The pcapng of an M-plane test case: the decrypted NETCONF conversation over synthesised TCP.

Why: NETCONF runs inside SSH, so a capture of the wire shows only ciphertext.
What a reviewer needs is the application layer, so this recorder writes each
NETCONF message (hello, rpc, rpc-reply, notification) as the harness sent or
received it, as TCP payload of a synthesised connection with consistent
sequence and acknowledgement numbers (harness/evidence/tcpflow.py). The file
comment and each connection's first frame say so plainly: this is the
decrypted application layer reconstructed by the harness, not the SSH bytes.

Choices, so that Wireshark shows XML (``tshark -d tcp.port==830,xml``):
- one message per TCP segment (segments up to ``MSS`` octets), the RFC 6242
  framing (``]]>]]>`` or chunks) left out: it is transport, and it would hide
  the XML from the dissector;
- the O-RU's port is written as 830 (NETCONF over SSH, RFC 6242 clause 2) and,
  for call home, the harness's as 4334 (RFC 8071 clause 3.1); the real ports
  are in the connection's first frame comment. Addresses are the real ones.
"""

from __future__ import annotations

from pathlib import Path

from harness.evidence.tcpflow import TcpFlow, TcpFlowRecorder
from harness.interfaces.mplane.client import Connection

NETCONF_SSH_PORT = 830
CALL_HOME_SSH_PORT = 4334
MSS = 65000                       # one message per segment up to ~63 KiB (the IPv4 datagram limit)
STAND_IN = Connection(0, ("127.0.1.1", 49152), ("127.0.1.2", NETCONF_SSH_PORT), False)
NOTICE = ("decrypted NETCONF application layer reconstructed by the harness from the messages it sent and "
          "received; not the SSH bytes on the wire. TCP is synthesised, RFC 6242 framing removed, one message "
          "per segment; O-RU port shown as 830 (call home: harness port 4334)")


class NetconfPcapRecorder(TcpFlowRecorder):
    """Callable for `Exchange.on_add`: NETCONF entries become TCP segments, written as they happen."""

    def __init__(self, path: Path, test_id: str, mode: str) -> None:
        super().__init__(path, test_id, mode)
        self.closing: set = set()         # connections whose close-session is awaiting its reply
        self.messages = 0

    def __call__(self, entry) -> None:
        frame = getattr(entry, "frame", None)
        if frame is None or not hasattr(frame, "xml"):
            return
        self.open(f"{self.test_id} ({self.mode}): {NOTICE}",
                  interface_description="synthesised TCP carrying decrypted NETCONF")
        conn = frame.connection or STAND_IN

        def make(writer) -> TcpFlow:
            local, remote = _shown_ports(conn)
            return TcpFlow(writer, local=local, remote=remote, client="remote" if conn.call_home else "local",
                           time=frame.time, mss=MSS)
        flow, new = self.flow(conn.ident, make)
        first = f"#{entry.index} {frame.kind} {entry.step}"
        if new:
            real = f"real TCP {conn.local[0]}:{conn.local[1]} (harness) <-> {conn.remote[0]}:{conn.remote[1]} (O-RU)"
            note = (f"{'call home; ' if conn.call_home else ''}{real}" if conn is not STAND_IN
                    else "addresses are stand-ins")
            first += f" [decrypted NETCONF, not SSH bytes; {note}]"
        data = frame.xml.encode("utf-8")
        if data:
            flow.send(data, direction=frame.direction, time=frame.time, comment=first)
            self.messages += 1
        self._after(conn.ident, frame)

    def _after(self, ident: int, frame) -> None:
        """A close-session answered ends the connection there (FIN in time order, not at the file's end)."""
        if frame.direction == "sent" and frame.kind == "rpc" and "close-session" in frame.xml:
            self.closing.add(ident)
        elif frame.direction == "received" and frame.kind == "rpc-reply" and ident in self.closing:
            self.closing.discard(ident)
            self.end(ident, frame.time)


def _shown_ports(conn: Connection) -> tuple[tuple[str, int], tuple[str, int]]:
    """(harness, O-RU) endpoints with the well-known server port in place of the real one."""
    if conn.call_home:
        return (conn.local[0], CALL_HOME_SSH_PORT), conn.remote
    return conn.local, (conn.remote[0], NETCONF_SSH_PORT)
