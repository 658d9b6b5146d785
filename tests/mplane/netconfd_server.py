"""An independent NETCONF server for interop tests: Debian's netconfd (yuma123) behind a private sshd.

Why: a client tested only against our own simulator may share its author's
misreadings of RFC 6241/6242. netconfd is another implementation.

How: sshd runs on an ephemeral loopback port with its own config, host key,
authorized key and pid file in a temporary folder, and hands the `netconf`
subsystem to /usr/sbin/netconf-subsystem, which joins netconfd over its unix
socket. netconfd accepts only sessions that arrived on an SSH port it was
told (`--port=N`, else "access denied"). Each server has its own unix socket in
its folder: netconfd `--ncxserver-sockname=PATH`, and netconf-subsystem
`--ncxserver-sockname=SSHPORT@PATH` (2.13 honours only that form, matching the
SSH port the session came in on), so several servers can run on one host.
Needs root (sshd, and netconfd's superuser) and the Debian packages netconfd
and openssh-server; `unavailable()` says why not, for a skip.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

SSHD = Path("/usr/sbin/sshd")
NETCONFD = Path("/usr/sbin/netconfd")
SUBSYSTEM = Path("/usr/sbin/netconf-subsystem")


def unavailable() -> str | None:
    """Why the server cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (sshd and netconfd's superuser)"
    missing = [str(p) for p in (SSHD, NETCONFD, SUBSYSTEM) if not p.exists()]
    if missing:
        return f"missing {', '.join(missing)} (Debian packages openssh-server, netconfd)"
    return None


@dataclass(frozen=True)
class NetconfdServer:
    host: str
    port: int
    username: str
    client_key: Path                 # private key the client authenticates with
    host_key_line: str               # sshd's public host key, OpenSSH line
    log: Path                        # netconfd's log


def _keypair(path: Path) -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, ready, proc: subprocess.Popen, log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}: {log.read_text(errors='replace')[-400:]}")
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready within {timeout:g} s")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class running:
    """Context manager: start sshd + netconfd in ``folder``; yields a `NetconfdServer`; stops both."""

    def __init__(self, folder: Path, modules: tuple[Path, ...] = ()) -> None:
        self.folder = Path(folder)
        self.modules = tuple(Path(m) for m in modules)     # extra YANG files netconfd loads (--module=PATH)
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> NetconfdServer:
        try:
            return self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def _start(self) -> NetconfdServer:
        d = self.folder
        d.mkdir(parents=True, exist_ok=True)
        host_pub = _keypair(d / "host_key")
        (d / "authorized_keys").write_text(_keypair(d / "client_key") + "\n")
        (d / "authorized_keys").chmod(0o600)
        port = _free_port()
        sock = d / "ncxserver.sock"
        (d / "sshd_config").write_text("\n".join([
            f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {d / 'host_key'}", f"PidFile {d / 'sshd.pid'}",
            f"AuthorizedKeysFile {d / 'authorized_keys'}", "PubkeyAuthentication yes",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "PermitRootLogin prohibit-password",
            "StrictModes no", "UsePAM no",
            f"Subsystem netconf {SUBSYSTEM} --ncxserver-sockname={port}@{sock}", ""]))
        Path("/run/sshd").mkdir(exist_ok=True)           # sshd's privilege separation folder
        log = d / "netconfd.log"
        ncd = subprocess.Popen([str(NETCONFD), f"--port={port}", "--no-startup", "--superuser=root",
                                f"--log={log}", "--log-level=info",
                                f"--ncxserver-sockname={sock}", *(f"--module={m}" for m in self.modules)],
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=d)
        self.procs.append(ncd)
        _wait("netconfd", sock.exists, ncd, log)
        sshd_log = d / "sshd.log"
        sshd = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(d / "sshd_config")], stdout=subprocess.DEVNULL,
                                stderr=open(sshd_log, "w"), cwd=d)
        self.procs.append(sshd)
        _wait("sshd", lambda: _listening(port), sshd, sshd_log)
        return NetconfdServer("127.0.0.1", port, "root", d / "client_key", host_pub.strip(), log)

    def __exit__(self, *exc) -> None:
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
        self.procs.clear()
