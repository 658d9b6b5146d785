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
    """Callable for `Exchange.on_add`; opens the file on the first message.

    Each association (its pair of addresses) is a flow of its own, with its own handshake: E2 over
    several TNL associations (E2AP v03.01 8.3.6) shows as that many SCTP associations in the file.
    """

    def __init__(self, path: Path, test_id: str, mode: str) -> None:
        self.path = Path(path)
        self.test_id = test_id
        self.mode = mode
        self.writer: PcapngWriter | None = None
        self.flows: dict[tuple, Flow] = {}
        self.synthetic = False

    @property
    def flow(self) -> Flow | None:
        """The first association's flow (None before the first message)."""
        return next(iter(self.flows.values()), None)

    def _flow(self, p) -> Flow:
        sent = p.direction == "sent"
        local = _endpoint(p.src if sent else p.dst)
        remote = _endpoint(p.dst if sent else p.src)
        if self.writer is None:
            self.synthetic = local is None or remote is None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            note = ("in-process simulator link: addresses are stand-ins" if self.synthetic
                    else "addresses as the transport saw them")
            self.writer = PcapngWriter(self.path, comment=f"{self.test_id} ({self.mode}; {note})")
        if self.synthetic or local is None or remote is None:
            # in-process ends are named, not addressed: each named pair gets the next stand-in port
            key: tuple = ("inproc", p.src, p.dst) if sent else ("inproc", p.dst, p.src)
            n = len(self.flows)
            local, remote = (SIM_HARNESS[0], SIM_HARNESS[1] + 10 * n), (SIM_DUT[0], SIM_DUT[1] + 10 * n)
        else:
            key = (local, remote)
        flow = self.flows.get(key)
        if flow is None:
            # Whoever spoke first opened the association (an E2 node DUT connects to the harness).
            flow = self.writer.association(local=local, remote=remote, time=p.time,
                                           initiator="local" if sent else "remote")
            self.flows[key] = flow
        return flow

    def __call__(self, entry) -> None:
        p = entry.packet
        flow = self._flow(p)
        label = entry.step if not entry.message or entry.message in entry.step else f"{entry.step} [{entry.message}]"
        flow.packet(p.data, direction=p.direction, time=p.time, stream=p.stream, ppid=p.ppid,
                    comment=f"#{entry.index} {label}")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
