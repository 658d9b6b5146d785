"""Software management of the simulated O-RU (o-ran-software-management; O-RAN.WG4.MP.0 v08.00,
software management clause): inventory, download over SFTP, install into a slot, activate.

Each rpc answers STARTED (or FAILED with error-message) at once and its outcome
follows as a notification to subscribed sessions, as the clause has it:
download-event, install-event, activation-event. The package is fetched for
real from the lab's file server (sim/transfer.py); its build identity is read
from its ``build-version:`` / ``build-name:`` / ``build-id:`` lines (the
simulator's package format, fixtures/mplane/), else from its file name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from lxml import etree

from harness.interfaces.mplane.sim import transfer
from harness.sim.faultspec import Fault

SWM = "urn:o-ran:software-management:1.0"

FAULTS = (
    Fault("swm-download-failed", "download-event says INTEGRITY_ERROR although the package arrived whole", "value"),
    Fault("swm-no-download-event", "software-download answers STARTED and no download-event follows", "behaviour"),
    Fault("swm-inventory-unchanged", "activation-event says COMPLETED but the software inventory keeps the old "
          "active slot", "behaviour"),
)


def _q(name: str) -> str:
    return f"{{{SWM}}}{name}"


def inventory(software: str) -> str:
    """The initial software-inventory (state data): a read-only recovery slot, the running slot, an empty one."""
    slots = (("swRecoverySlot", "VALID", "false", "false", "READ_ONLY", software),
             ("swSlot1", "VALID", "true", "true", "READ_WRITE", software),
             ("swSlot2", "EMPTY", "false", "false", "READ_WRITE", ""))
    body = "".join(f"<software-slot><name>{n}</name><status>{s}</status><active>{a}</active><running>{r}</running>"
                   f"<access>{acc}</access>" + (f"<build-name>sim-o-ru</build-name><build-version>{v}</build-version>"
                                                if v else "") + "</software-slot>"
                   for n, s, a, r, acc, v in slots)
    return f'<software-inventory xmlns="{SWM}">{body}</software-inventory>'


def _password(op: etree._Element, ns: str) -> str:
    return (op.findtext(f"{{{ns}}}password/{{{ns}}}password") or "").strip()


def _out(**leaves: str) -> list[etree._Element]:
    out = []
    for name, text in leaves.items():
        el = etree.Element(_q(name.replace("_", "-")), nsmap={None: SWM})
        el.text = text
        out.append(el)
    return out


def _note(name: str, **leaves: str) -> etree._Element:
    body = etree.Element(_q(name), nsmap={None: SWM})
    for key, text in leaves.items():
        etree.SubElement(body, _q(key.replace("_", "-"))).text = text
    return body


class SoftwareManager:
    """The three rpcs; ``notify`` sends a notification to every subscribed session, ``spawn`` runs work aside."""

    def __init__(self, state: etree._Element, fault: str | None, notify: Callable[[etree._Element], None],
                 spawn: Callable[..., object], event: Callable[[str], None]) -> None:
        self.state, self.fault, self.notify, self.spawn, self.event = state, fault, notify, spawn, event
        self.files: dict[str, bytes] = {}

    def _slot(self, name: str) -> etree._Element | None:
        for slot in self.state.iter(_q("software-slot")):
            if (slot.findtext(_q("name")) or "").strip() == name:
                return slot
        return None

    def download(self, session, op: etree._Element) -> list[etree._Element]:
        uri = (op.findtext(_q("remote-file-path")) or "").strip()
        try:
            transfer.Remote.parse(uri)
        except transfer.TransferError as err:
            return _out(status="FAILED", error_message=str(err))
        self.spawn(self._download, "oru-swm-download", uri, _password(op, SWM))
        return _out(status="STARTED", notification_timeout="30")

    def _download(self, uri: str, password: str) -> None:
        name = PurePosixPath(transfer.Remote.parse(uri).path).name
        try:
            data = transfer.fetch(uri, password)
            status, message = "COMPLETED", ""
            if not data:
                status, message = "INTEGRITY_ERROR", "the package is empty"
            else:
                self.files[name] = data
        except transfer.TransferError as err:
            status, message = err.status, str(err)
        self.event(f"software-download of {name}: {status}")
        if self.fault == "swm-no-download-event":
            return
        if self.fault == "swm-download-failed":
            status, message = "INTEGRITY_ERROR", "simulated integrity failure (fault swm-download-failed)"
        self.notify(_note("download-event", file_name=name, status=status,
                          **({"error_message": message} if message else {})))

    def install(self, session, op: etree._Element) -> list[etree._Element]:
        slot_name = (op.findtext(_q("slot-name")) or "").strip()
        names = [(f.text or "").strip() for f in op.iter(_q("file-names"))]
        slot = self._slot(slot_name)
        if slot is None or slot.findtext(_q("access")) != "READ_WRITE" or slot.findtext(_q("running")) == "true":
            return _out(status="FAILED", error_message=f"slot {slot_name!r} is not a READ_WRITE slot out of use")
        missing = [n for n in names if n not in self.files] or ([] if names else ["(no file-names)"])
        if missing:
            return _out(status="FAILED", error_message="not downloaded: " + ", ".join(missing))
        self.spawn(self._install, "oru-swm-install", slot, slot_name, names)
        return _out(status="STARTED")

    def _install(self, slot: etree._Element, slot_name: str, names: list[str]) -> None:
        ident = {"build-name": "sim-o-ru", "build-version": PurePosixPath(names[0]).stem, "build-id": ""}
        for line in self.files[names[0]].decode("utf-8", "replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ident and value.strip():
                ident[key.strip()] = value.strip()
        slot.find(_q("status")).text = "VALID"
        for key in ("build-id", "build-name", "build-version"):
            el = slot.find(_q(key))
            if el is None:
                el = etree.SubElement(slot, _q(key))
            el.text = ident[key]
        self.event(f"software-install into {slot_name}: {ident['build-version']}")
        self.notify(_note("install-event", slot_name=slot_name, status="COMPLETED"))

    def activate(self, session, op: etree._Element) -> list[etree._Element]:
        slot_name = (op.findtext(_q("slot-name")) or "").strip()
        slot = self._slot(slot_name)
        if slot is None or slot.findtext(_q("status")) != "VALID":
            return _out(status="FAILED", error_message=f"slot {slot_name!r} holds no valid software")
        self.spawn(self._activate, "oru-swm-activate", slot_name)
        return _out(status="STARTED", notification_timeout="30")

    def _activate(self, slot_name: str) -> None:
        if self.fault != "swm-inventory-unchanged":
            for slot in self.state.iter(_q("software-slot")):
                slot.find(_q("active")).text = "true" if slot.findtext(_q("name")) == slot_name else "false"
        self.event(f"software-activate of {slot_name}")
        self.notify(_note("activation-event", slot_name=slot_name, status="COMPLETED", return_code="0"))

    def operations(self) -> dict[str, Callable]:
        return {"software-download": self.download, "software-install": self.install,
                "software-activate": self.activate}
