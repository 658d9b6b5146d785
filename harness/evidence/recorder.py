"""A pcapng per test case, written as the messages pass (a killed run keeps them).

The transport's own metadata (addresses, ports, stream, PPID, time) becomes
Ethernet/IP/SCTP frames; each frame's comment names the spec step. For the
in-process 'sim' link there are no addresses, so fixed loopback ones stand in
(and the file's comment says so).
"""

from __future__ import annotations

from pathlib import Path

from harness.evidence.pcapng import Flow, PcapngWriter

SIM_HARNESS = ("127.0.1.1", 36422)
SIM_DUT = ("127.0.1.2", 36421)


def _endpoint(text: str):
    host, sep, port = (text or "").rpartition(":")
    if not sep:
        return None
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        return None


class PcapRecorder:
    """Callable for `Exchange.on_add`; opens the file on the first message."""

    def __init__(self, path: Path, test_id: str, mode: str) -> None:
        self.path = Path(path)
        self.test_id = test_id
        self.mode = mode
        self.writer: PcapngWriter | None = None
        self.flow: Flow | None = None

    def __call__(self, entry) -> None:
        p = entry.packet
        if self.writer is None or self.flow is None:
            sent = p.direction == "sent"
            local = _endpoint(p.src if sent else p.dst)
            remote = _endpoint(p.dst if sent else p.src)
            synthetic = local is None or remote is None
            if synthetic:
                local, remote = SIM_HARNESS, SIM_DUT
            self.path.parent.mkdir(parents=True, exist_ok=True)
            note = ("in-process simulator link: addresses are stand-ins" if synthetic
                    else "addresses as the transport saw them")
            self.writer = PcapngWriter(self.path, comment=f"{self.test_id} ({self.mode}; {note})")
            # Whoever spoke first opened the association (an E2 node DUT connects to the harness).
            self.flow = self.writer.association(local=local, remote=remote, time=p.time,
                                                initiator="local" if sent else "remote")
        label = entry.step if not entry.message or entry.message in entry.step else f"{entry.step} [{entry.message}]"
        self.flow.packet(p.data, direction=p.direction, time=p.time, stream=p.stream, ppid=p.ppid,
                         comment=f"#{entry.index} {label}")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
