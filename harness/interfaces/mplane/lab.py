"""The lab profile's `mplane:` block -> typed NETCONF/SSH settings (PIXIT of the M-plane).

    mplane:
      username: oran
      password: secret            # or password_env: NAME (read from the environment of the run)
      key_file: path              # or an SSH private key (public-key authentication; relative to the profile)
      known_host_key: "ssh-ed25519 AAAA..."   # or known_host_key_file: path (OpenSSH .pub line);
                                              # 'simulator': the built-in simulator's generated key (sim mode)
      call_home_port: 4334        # where the harness listens for RFC 8071 call home (SSH)
      call_home_tls_port: 4335    # ... and for call home over TLS (DUT profile call_home: tls; IANA 4335)
      tls: {ca: PATH, cert: PATH, key: PATH, server_name: NAME}   # TLS call home: the CA that signed the
                                  # O-RU's certificate, the harness's client certificate and key (RFC 7589);
                                  # server_name, when given, must be named by the O-RU's certificate
      sim: {cert: PATH, key: PATH, client_ca: PATH}   # sim mode, TLS call home: the simulated O-RU's own
      timeout: 10                 # SSH connect + hello, seconds
      fronthaul_profile: path     # the lab's fronthaul profile: U-plane configuration is cross-checked with it

The O-RU's NETCONF address is the DUT profile's `endpoints: {mplane: HOST:PORT}`
(none for the built-in simulator, which the harness starts). Keys and types were
checked by the profile loader (harness/profiles/schema.py) with file:line.

A wrong or missing value is a `MplaneLabError` naming the key: a lab problem
(ERROR), never a DUT failure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from harness.core.errors import UserError
from harness.interfaces.mplane.sim.tlscallhome import SimTls
from harness.interfaces.mplane.tls_callhome import TlsMaterial

KEYS = ("username", "password", "password_env", "key_file", "known_host_key", "known_host_key_file",
        "call_home_port", "call_home_host", "timeout", "call_home_tls_port", "tls", "sim",
        "fronthaul_profile")     # read by the CU-plane binding (its eAxC ids and carriers), cross-checked here


class MplaneLabError(UserError, ValueError):
    """The lab profile's mplane block is unusable; the text names the key."""


@dataclass(frozen=True)
class MplaneLab:
    host: str
    port: int
    username: str
    password: str | None
    known_host_key: str
    call_home_port: int
    call_home_host: str
    timeout: float
    key_file: str | None = None
    call_home_tls_port: int = 4335
    tls: TlsMaterial | None = None         # the harness's TLS call-home material (mplane.tls)
    sim_tls: SimTls | None = None          # the simulated O-RU's (mplane.sim)

    @classmethod
    def from_lab(cls, lab, dut) -> MplaneLab:
        """The lab's mplane: block with the O-RU's address from the DUT profile (the simulator's: filled in later)."""
        block = dict(getattr(lab, "mplane", None) or {})
        where = f"{lab.where.file}: mplane"
        if not block:
            raise MplaneLabError(f"{where}: the lab profile has no 'mplane:' block (host, port, credentials, "
                                 "known host key)")
        unknown = sorted(set(block) - set(KEYS))
        if unknown:
            raise MplaneLabError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(KEYS)}")
        key = block.get("known_host_key")
        if key is None and "known_host_key_file" in block:
            path = Path(block["known_host_key_file"])
            if not path.is_absolute():
                path = Path(lab.where.file).resolve().parent / path
            try:
                key = path.read_text().strip()
            except OSError as err:
                raise MplaneLabError(f"{where}.known_host_key_file: cannot read {path}: {err.strerror}") from None
        if not key:
            raise MplaneLabError(f"{where}: needs known_host_key (an OpenSSH public key line) or known_host_key_file")
        password = block.get("password")
        if "password_env" in block:
            password = os.environ.get(str(block["password_env"]))
            if password is None:
                raise MplaneLabError(f"{where}.password_env: environment variable {block['password_env']} is not set")
        host, port = dut.endpoints.mplane or ("127.0.0.1", 830)
        if not dut.simulated and dut.endpoints.mplane is None:
            raise MplaneLabError(f"{dut.where.file}: {dut.name} names real equipment (no simulator:) but gives no "
                                 "M-plane address for it: add endpoints: {mplane: HOST:PORT} (its NETCONF server)")
        ch_port, timeout = int(block.get("call_home_port", 4334)), float(block.get("timeout", 10))
        key_file = None
        if block.get("key_file"):
            path = Path(str(block["key_file"]))
            if not path.is_absolute():
                path = Path(lab.where.file).resolve().parent / path
            if not path.is_file():
                raise MplaneLabError(f"{where}.key_file: {path} is not a file")
            key_file = str(path)
        return cls(host, port, str(block.get("username", "oran")), password,
                   str(key), ch_port, str(block.get("call_home_host", "0.0.0.0")), timeout, key_file,
                   int(block.get("call_home_tls_port", 4335)), _tls(block, lab, where), _sim_tls(block, lab, where))


def _files(block: dict, name: str, keys: tuple[str, ...], lab, where: str) -> dict[str, str] | None:
    """The PEM files of ``block[name]``, relative to the profile, each checked to exist."""
    sub = block.get(name)
    if sub is None:
        return None
    out = {}
    for k in keys:
        if not sub.get(k):
            raise MplaneLabError(f"{where}.{name}: needs {', '.join(keys)} (PEM files); {k} is missing")
        path = Path(str(sub[k]))
        if not path.is_absolute():
            path = Path(lab.where.file).resolve().parent / path
        if not path.is_file():
            raise MplaneLabError(f"{where}.{name}.{k}: {path} is not a file")
        out[k] = str(path)
    return out


def _tls(block: dict, lab, where: str) -> TlsMaterial | None:
    files = _files(block, "tls", ("ca", "cert", "key"), lab, where)
    if files is None:
        return None
    name = block["tls"].get("server_name")
    return TlsMaterial(files["ca"], files["cert"], files["key"], str(name) if name else None)


def _sim_tls(block: dict, lab, where: str) -> SimTls | None:
    files = _files(block, "sim", ("cert", "key", "client_ca"), lab, where)
    return None if files is None else SimTls(files["cert"], files["key"], files["client_ca"])
