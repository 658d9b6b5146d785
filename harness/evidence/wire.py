"""Optional capture of the real wire with dumpcap, beside the transport's own pcapng.

The per-test pcapng the transport writes needs no privileges and always
exists; this one shows what really crossed the wire (retransmissions, SACKs,
UDP encapsulation) and needs dumpcap with capture rights. Asked for in the lab
profile (`transport: {wire_capture: {interface: lo, filter: "sctp or udp"}}`)
or with `--wire-capture IFACE`; when dumpcap is missing or refused, the run
goes on and says so once.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path


class WireCapture:
    def __init__(self, interface: str, path: Path, capture_filter: str = "sctp or udp") -> None:
        self.path = Path(path)
        self.notice = ""
        self.proc = None
        dumpcap = shutil.which("dumpcap")
        if dumpcap is None:
            self.notice = "wire capture skipped: dumpcap is not installed (Debian package wireshark-common)"
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([dumpcap, "-q", "-i", interface, "-f", capture_filter, "-w", str(self.path)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline and self.proc.poll() is None and not self.path.exists():
            time.sleep(0.05)
        time.sleep(0.5)                  # the file appears before the capture is armed
        if self.proc.poll() is not None:
            err = ((self.proc.stderr.read() if self.proc.stderr else "") or "").strip().splitlines()
            self.notice = f"wire capture on {interface} refused: {err[-1] if err else 'dumpcap exited'}"
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None
