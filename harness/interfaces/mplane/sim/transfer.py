"""The simulated O-RU's side of file transfers: an SFTP client fetching or pushing one file.

O-RAN.WG4.MP.0 v08.00 software and file management name the remote file as
``sftp://user@host[:port]/path`` with the password in the rpc's credentials.
The simulator, like an O-RU, accepts the lab server's host key as offered (a
real O-RU checks it against its configured server keys; that list is not
modelled here).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import paramiko
from harness.core.errors import HarnessError


class TransferError(HarnessError):
    """A transfer that failed; `status` is the notification status it maps to."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Remote:
    host: str
    port: int
    username: str
    path: str

    @classmethod
    def parse(cls, uri: str) -> Remote:
        parts = urlsplit(uri.strip())
        if parts.scheme != "sftp" or not parts.hostname or not parts.username:
            raise TransferError("PROTOCOL_ERROR", f"{uri!r} is not an sftp://user@host[:port]/path URI")
        return cls(parts.hostname, parts.port or 22, parts.username, parts.path or "/")


def _session(remote: Remote, password: str, timeout: float):
    try:
        transport = paramiko.Transport((remote.host, remote.port))
        transport.banner_timeout = timeout
        transport.connect(username=remote.username, password=password)
    except paramiko.AuthenticationException as err:
        raise TransferError("AUTHENTICATION_ERROR", f"the file server refused the credentials: {err}") from None
    except (paramiko.SSHException, OSError, EOFError) as err:
        raise TransferError("PROTOCOL_ERROR", f"no SFTP session with {remote.host}:{remote.port}: {err}") from None
    return transport, paramiko.SFTPClient.from_transport(transport)


def fetch(uri: str, password: str, timeout: float = 10.0) -> bytes:
    """The remote file's bytes."""
    remote = Remote.parse(uri)
    transport, sftp = _session(remote, password, timeout)
    try:
        with sftp.open(remote.path, "rb") as f:
            return f.read()
    except OSError as err:
        raise TransferError("FILE_NOT_FOUND", f"{remote.path}: {err}") from None
    finally:
        transport.close()


def push(uri: str, password: str, data: bytes, timeout: float = 10.0) -> None:
    """Write ``data`` as the remote file."""
    remote = Remote.parse(uri)
    transport, sftp = _session(remote, password, timeout)
    try:
        with sftp.open(remote.path, "wb") as f:
            f.write(data)
    except OSError as err:
        raise TransferError("FAILURE", f"{remote.path}: {err}") from None
    finally:
        transport.close()
