"""File management of the simulated O-RU (o-ran-file-management; O-RAN.WG4.MP.0 v08.00, file
management clause): retrieve-file-list, file-upload and file-download over SFTP.

The O-RU's files are a dict of logical paths (``o-ran/log/...``) to bytes: its
log is the simulator's event list so far; the PM reporter adds its result
files under ``o-ran/pm`` (`store`). file-upload and file-download answer
at once and report the outcome as file-upload-notification / file-download-event
to subscribed sessions. The transfers are real SFTP to the lab's server.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from lxml import etree

from harness.interfaces.mplane.sim import transfer
from harness.sim.faultspec import Fault

FILE_MGMT = "urn:o-ran:file-management:1.0"
LOG = "o-ran/log/sim-o-ru.log"

FAULTS = (
    Fault("upload-corrupted", "file-upload sends the file with one byte changed (and says SUCCESS)", "value"),
    Fault("no-upload-notification", "file-upload answers SUCCESS and no file-upload-notification follows",
          "behaviour"),
)


def _q(name: str) -> str:
    return f"{{{FILE_MGMT}}}{name}"


def _leaves(parent: etree._Element | None, **leaves) -> list[etree._Element]:
    out = []
    for name, text in leaves.items():
        for value in text if isinstance(text, list) else [text]:
            el = etree.Element(_q(name.replace("_", "-")), nsmap={None: FILE_MGMT})
            el.text = value
            if parent is None:
                out.append(el)
            else:
                parent.append(el)
    return out


class FileManager:
    """The O-RU's files and the three rpcs."""

    def __init__(self, fault: str | None, log: Callable[[], bytes], notify: Callable[[etree._Element], None],
                 spawn: Callable[..., object], event: Callable[[str], None]) -> None:
        self.fault, self.log, self.notify, self.spawn, self.event = fault, log, notify, spawn, event
        self.files: dict[str, bytes] = {}

    def store(self, path: str, data: bytes) -> None:
        """Keep a file the O-RU wrote itself (a measurement result file, say) under its logical path."""
        self.files[path.strip("/")] = data
        self.event(f"file {path} written ({len(data)} octets)")

    def _all(self) -> dict[str, bytes]:
        return {LOG: self.log(), **self.files}

    def retrieve(self, session, op: etree._Element) -> list[etree._Element]:
        path = (op.findtext(_q("logical-path")) or "").strip().strip("/")
        pattern = (op.findtext(_q("file-name-filter")) or "*").strip()
        names = sorted(n for n in self._all() if n.rpartition("/")[0] == path
                       and fnmatch.fnmatchcase(n.rpartition("/")[2], pattern))
        return _leaves(None, status="SUCCESS", file_list=names)

    def _paths(self, op: etree._Element) -> tuple[str, str, str]:
        local = (op.findtext(_q("local-logical-file-path")) or "").strip().strip("/")
        remote = (op.findtext(_q("remote-file-path")) or "").strip()
        return local, remote, (op.findtext(f"{_q('password')}/{_q('password')}") or "").strip()

    def upload(self, session, op: etree._Element) -> list[etree._Element]:
        local, remote, password = self._paths(op)
        data = self._all().get(local)
        if data is None:
            return _leaves(None, status="FAILURE", reject_reason=f"no file {local!r}")
        try:
            transfer.Remote.parse(remote)
        except transfer.TransferError as err:
            return _leaves(None, status="FAILURE", reject_reason=str(err))
        if self.fault == "upload-corrupted":
            data = data[:-1] + bytes([data[-1] ^ 0x20])
        self.spawn(self._upload, "oru-file-upload", local, remote, password, data)
        return _leaves(None, status="SUCCESS")

    def _upload(self, local: str, remote: str, password: str, data: bytes) -> None:
        status, reason = "SUCCESS", ""
        try:
            transfer.push(remote, password, data)
        except transfer.TransferError as err:
            status, reason = "FAILURE", str(err)
        self.event(f"file-upload of {local}: {status}")
        if self.fault == "no-upload-notification":
            return
        note = etree.Element(_q("file-upload-notification"), nsmap={None: FILE_MGMT})
        _leaves(note, local_logical_file_path=local, remote_file_path=remote, status=status,
                **({"reject_reason": reason} if reason else {}))
        self.notify(note)

    def download(self, session, op: etree._Element) -> list[etree._Element]:
        local, remote, password = self._paths(op)
        try:
            transfer.Remote.parse(remote)
        except transfer.TransferError as err:
            return _leaves(None, status="FAILURE", reject_reason=str(err))
        self.spawn(self._download, "oru-file-download", local, remote, password)
        return _leaves(None, status="SUCCESS")

    def _download(self, local: str, remote: str, password: str) -> None:
        status, reason = "SUCCESS", ""
        try:
            self.files[local] = transfer.fetch(remote, password)
        except transfer.TransferError as err:
            status, reason = "FAILURE", str(err)
        self.event(f"file-download to {local}: {status}")
        note = etree.Element(_q("file-download-event"), nsmap={None: FILE_MGMT})
        _leaves(note, local_logical_file_path=local, remote_file_path=remote, status=status,
                **({"reject_reason": reason} if reason else {}))
        self.notify(note)

    def operations(self) -> dict[str, Callable]:
        return {"retrieve-file-list": self.retrieve, "file-upload": self.upload, "file-download": self.download}
