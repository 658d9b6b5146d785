"""The built-in O-RU simulator's SSH host key: generated at first use, never committed.

Why: a private key in the repository is a key everyone has. Instead the
simulator makes an Ed25519 key the first time it runs and keeps it in a
cache folder (default ``~/.cache/oran-harness/sim-o-ru-hostkey``, mode 0600),
so every later run, and every process of a parallel run, presents the same
key. A lab profile names it with ``known_host_key: simulator``; the M-plane
runner resolves that word to this key's public half, and the client still
checks the key the server offers against it (a simulator started with another
key is refused, as for any O-RU).

Creation is race-free across processes: the key is written to a private
temporary file, then hard-linked into place, which fails if another process
won; everyone then reads the one file that is there.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from harness.core.errors import LabError

SIMULATOR = "simulator"           # the lab profile's word for "the key the built-in simulator generated"
KEY_NAME = "sim-o-ru-hostkey"


class HostKeyError(LabError, OSError):
    """The cached key cannot be made or read; the text names the file."""


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "oran-harness"


def load_or_create(cache_dir: Path | None = None):
    """The simulator's host key (a paramiko Ed25519Key), made on first use.

    Raises:
        HostKeyError: the cache folder cannot be written, or the file there is not a key.
    """
    path = (cache_dir or default_cache_dir()) / KEY_NAME
    if not path.exists():
        _create(path)
    try:
        return paramiko.Ed25519Key.from_private_key_file(str(path))
    except (OSError, paramiko.SSHException) as err:
        raise HostKeyError(f"{path}: not a usable Ed25519 private key ({err}); delete it to have a new one "
                           "generated") from None


def public_line(key) -> str:
    """The OpenSSH public key line of ``key`` ('ssh-ed25519 AAAA...'), as a lab profile holds it."""
    return f"{key.get_name()} {key.get_base64()}"


def simulator_public_line(cache_dir: Path | None = None) -> str:
    return public_line(load_or_create(cache_dir))


def fresh_key():
    """A new Ed25519 key in memory (the wrong-host-key fault presents one)."""
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    return paramiko.Ed25519Key.from_private_key(io.StringIO(pem.decode()))


def _create(path: Path) -> None:
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".hostkey-", dir=path.parent)     # mode 0600
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass                    # another process made it first: use theirs
        finally:
            os.unlink(tmp)
    except OSError as err:
        raise HostKeyError(f"{path}: cannot create the simulator's host key: {err.strerror or err}") from None
