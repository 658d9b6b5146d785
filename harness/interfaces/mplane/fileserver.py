"""The lab's file server for M-plane file transfers: SFTP over SSH (paramiko), on one folder.

Why the harness runs it: O-RAN.WG4.MP.0 v08.00 software management (software-download)
and file management (file-upload, file-download) have the O-RU fetch from or push to a
server the lab names by an ``sftp://user@host:port/path`` URI, with password credentials
in the rpc. This is that server, real SFTP (RFC draft-ietf-secsh-filexfer v3 as paramiko
serves it), so a case runs the same against a real O-RU and the built-in simulator.

Each file written is recorded when its handle is closed (`closed`), so a check can tell a
file that arrived whole from one still being written or dropped half-way.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import paramiko

from harness.interfaces.mplane.sim.hostkey import fresh_key


class _Handle(paramiko.SFTPHandle):
    def __init__(self, server: SftpFileServer, path: Path, flags: int, fobj) -> None:
        super().__init__(flags)
        self._server, self._path, self._fobj = server, path, fobj
        self.readfile = fobj
        self.writefile = fobj if flags & (os.O_WRONLY | os.O_RDWR) else None

    def stat(self):
        return paramiko.SFTPAttributes.from_stat(os.fstat(self._fobj.fileno()))

    def close(self) -> None:
        super().close()
        if self.writefile is not None:
            self._server.closed[self._path.name] = self._path.stat().st_size


class _Files(paramiko.SFTPServerInterface):
    """Every path is a name inside the server's folder (no way out of it)."""

    def __init__(self, channel, server: SftpFileServer, *args, **kwargs) -> None:
        super().__init__(channel, *args, **kwargs)
        self._server = server

    def _local(self, path: str) -> Path:
        name = Path(path).name
        if not name or name in (".", ".."):
            raise PermissionError(path)
        return self._server.root / name

    def open(self, path, flags, attr):
        try:
            local = self._local(path)
            mode = "r+b" if flags & os.O_RDWR else "wb" if flags & os.O_WRONLY else "rb"
            if flags & os.O_APPEND:
                mode = "ab"
            fobj = open(local, mode)  # the handle owns it and closes it
        except (OSError, PermissionError) as err:
            return paramiko.SFTPServer.convert_errno(getattr(err, "errno", None) or 2)
        return _Handle(self._server, local, flags, fobj)

    def stat(self, path):
        try:
            return paramiko.SFTPAttributes.from_stat(os.stat(self._local(path)))
        except (OSError, PermissionError) as err:
            return paramiko.SFTPServer.convert_errno(getattr(err, "errno", None) or 2)

    lstat = stat

    def list_folder(self, path):
        out = []
        for item in sorted(self._server.root.iterdir()):
            attr = paramiko.SFTPAttributes.from_stat(item.stat())
            attr.filename = item.name
            out.append(attr)
        return out


class _Auth(paramiko.ServerInterface):
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        ok = (username, password) == (self.username, self.password)
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class SftpFileServer:
    """`start()`, then `uri(name)` for the rpcs; `closed` maps each completely written file to its size."""

    def __init__(self, root: Path, username: str = "lab", password: str = "lab-files",  # noqa: S107 -- test login
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.username, self.password, self.host, self.port = username, password, host, port
        self.closed: dict[str, int] = {}
        self.errors: list[str] = []
        self._key = fresh_key()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._transports: list[paramiko.Transport] = []
        self._thread: threading.Thread | None = None

    def start(self) -> SftpFileServer:
        self._listener = socket.create_server((self.host, self.port))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, name="lab-sftp", daemon=True)
        self._thread.start()
        return self

    def uri(self, name: str) -> str:
        return f"sftp://{self.username}@{self.host}:{self.port}/{name}"

    def _accept(self) -> None:
        listener = self._listener
        while listener is not None and not self._stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(sock)
            transport.add_server_key(self._key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Files, self)
            self._transports.append(transport)
            try:
                transport.start_server(server=_Auth(self.username, self.password))
            except (paramiko.SSHException, EOFError, OSError) as err:
                self.errors.append(f"SFTP session failed: {err}")

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        for t in self._transports:
            t.close()
        if self._thread is not None:
            self._thread.join(2.0)
