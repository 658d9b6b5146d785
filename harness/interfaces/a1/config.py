"""The `a1:` block of a lab profile: where the DUT's A1-P API is, the harness's server, TLS, token.

Read once per run into a frozen `A1Lab`; every problem is an `A1ConfigError`
naming the profile file and key, so a lab mistake stops the run before any
test case instead of showing up as a red DUT. The bearer token is read from
the environment variable or file the profile *names*; the value itself lives
only in `A1Lab.token` (repr hidden) and is never written anywhere.

    a1:
      callback: {host: 127.0.0.1, port: 0, path: /a1-notify}   # the harness's server
      tls: {ca: pki/ca.pem, cert: pki/harness.pem, key: pki/harness.key}
      auth: {bearer_token_env: A1_TOKEN}    # or {bearer_token_file: /run/secrets/a1-token}
      max_body: 1048576                     # octets; larger bodies are cut and reported
      reply_timeout: 10                     # seconds the server holds a DUT's request
      policy_types_dir: my-policy-types     # relative to this profile; default: the bundled specs/a1/policy-types
      policy: {type_id: ID, body: {..}, updated_body: {..}, invalid_body: {..}}   # harness/interfaces/a1/policy.py
      sim: {cert: pki/server.pem, key: pki/server.key, client_ca: pki/ca.pem, ca: pki/ca.pem}

The Near-RT RIC DUT's A1-P apiRoot is not here: it is the DUT profile's
`endpoints: {a1: URL}` (a DUT played by the built-in simulator has none). Every key
and type was checked by the profile loader (harness/profiles/schema.py) with file:line.

`callback.tls` is the harness server's own material ({cert, key[, ca]}: a ca
requires client certificates), or `false` for plain HTTP; without it the server
uses `tls.cert`/`tls.key` when given. `sim` is read in sim mode only: the
built-in simulator's server certificate and key (it then serves HTTPS),
`client_ca` (it requires client certificates signed by it: mutual TLS) and
`ca` (what it trusts when it is the client: notifications, Non-RT RIC requests).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from harness.core.errors import UserError
from harness.http.client import DEFAULT_MAX_BODY, TlsConfig
from harness.interfaces.a1.policy import DEFAULT as DEFAULT_POLICY
from harness.interfaces.a1.policy import VARIABLES as POLICY_VARIABLES
from harness.interfaces.a1.policy import A1Policy, A1PolicyError, read_policy

KEYS = ("callback", "tls", "auth", "max_body", "reply_timeout", "policy_types_dir", "policy", "sim")


class A1ConfigError(UserError):
    """The lab profile's a1 block is unusable (ERROR before any test case)."""


@dataclass(frozen=True)
class A1Lab:
    dut_url: str | None
    callback_host: str
    callback_port: int
    callback_path: str
    tls: TlsConfig | None
    token: str | None = field(repr=False)
    token_source: str                # 'environment variable A1_TOKEN' (for messages; never the value)
    max_body: int
    reply_timeout: float
    policy_types_dir: Path | None
    callback_tls: TlsConfig | None = None     # None: tls (if it has a cert); TlsConfig() with no cert: plain HTTP
    sim: dict = field(default_factory=dict)    # sim mode: {cert, key, client_ca, ca} -> Path
    policy: A1Policy = DEFAULT_POLICY          # the type and bodies the A1TS cases use (a1.policy)

    def server_tls(self) -> TlsConfig | None:
        """The harness server's TLS material (None: plain HTTP)."""
        if self.callback_tls is not None:
            return self.callback_tls if self.callback_tls.cert else None
        return self.tls if self.tls and self.tls.cert else None

    @classmethod
    def from_lab(cls, lab, dut=None) -> A1Lab:
        """The lab's a1: block, with the DUT's A1-P URL from the DUT profile (None: no DUT given or none there)."""
        block = dict(getattr(lab, "a1", {}) or {})
        where = f"{lab.where.file}: a1"
        unknown = sorted(set(block) - set(KEYS))
        if unknown:
            raise A1ConfigError(f"{where}: unknown key '{unknown[0]}'; known: {', '.join(KEYS)}")
        base = Path(lab.where.file).resolve().parent
        cb = block.get("callback") or {}
        if not isinstance(cb, dict) or set(cb) - {"host", "port", "path", "tls"}:
            raise A1ConfigError(f"{where}.callback: expected {{host, port, path, tls}}")
        callback_tls = None
        if cb.get("tls") is False:
            callback_tls = TlsConfig()
        elif cb.get("tls") is not None:
            files = _files(cb["tls"], ("cert", "key", "ca"), f"{where}.callback.tls", base)
            if "cert" not in files or "key" not in files:
                raise A1ConfigError(f"{where}.callback.tls: give cert and key (and ca to require client "
                                    "certificates), or false for plain HTTP")
            callback_tls = TlsConfig(files.get("ca"), files["cert"], files["key"])
        sim = _files(block.get("sim") or {}, ("cert", "key", "client_ca", "ca"), f"{where}.sim", base)
        if ("cert" in sim) != ("key" in sim):
            raise A1ConfigError(f"{where}.sim: give both cert and key, or neither")
        tls = None
        if block.get("tls"):
            t = block["tls"]
            if not isinstance(t, dict) or set(t) - {"ca", "cert", "key", "server_name"}:
                raise A1ConfigError(f"{where}.tls: expected {{ca, cert, key}} (PEM file names)")
            files = {}
            for k in ("ca", "cert", "key"):
                if t.get(k):
                    p = Path(t[k]) if Path(t[k]).is_absolute() else base / t[k]
                    if not p.is_file():
                        raise A1ConfigError(f"{where}.tls.{k}: no such file {p}")
                    files[k] = p
            if ("cert" in files) != ("key" in files):
                raise A1ConfigError(f"{where}.tls: give both cert and key, or neither")
            tls = TlsConfig(files.get("ca"), files.get("cert"), files.get("key"), t.get("server_name"))
        token, source = _token(block.get("auth"), where, base)
        try:
            max_body = int(block.get("max_body", DEFAULT_MAX_BODY))
            reply_timeout = float(block.get("reply_timeout", 10.0))
            port = int(cb.get("port", 0))
        except (TypeError, ValueError):
            raise A1ConfigError(f"{where}: max_body, reply_timeout and callback.port are numbers") from None
        if max_body <= 0 or reply_timeout <= 0:
            raise A1ConfigError(f"{where}: max_body and reply_timeout must be more than 0")
        ptd = block.get("policy_types_dir")
        types_dir = (Path(ptd) if Path(ptd).is_absolute() else base / ptd) if ptd else None
        clash = sorted(set(POLICY_VARIABLES) & set(getattr(lab, "pixit", {}) or {}))
        if clash:
            raise A1ConfigError(f"{lab.where.file}: pixit: '{clash[0]}' comes from {where}.policy "
                                "(type_id, body, updated_body, invalid_body); give it there, not in pixit")
        try:
            policy = read_policy(block.get("policy"), where, types_dir)
        except A1PolicyError as err:
            raise A1ConfigError(str(err)) from None
        dut_url = (dut.endpoints.a1 or None) if dut is not None else None
        return cls(dut_url, str(cb.get("host", "127.0.0.1")), port, str(cb.get("path", "/a1-notify")),
                   tls, token, source, max_body, reply_timeout, types_dir, callback_tls, sim, policy)


def _files(block, keys: tuple, where: str, base: Path) -> dict:
    """PEM file names of a block, resolved against the profile's folder; each must exist."""
    if not isinstance(block, dict) or set(block) - set(keys):
        raise A1ConfigError(f"{where}: expected {{{', '.join(keys)}}} (PEM file names)")
    out = {}
    for k in keys:
        if block.get(k):
            p = Path(block[k]) if Path(block[k]).is_absolute() else base / block[k]
            if not p.is_file():
                raise A1ConfigError(f"{where}.{k}: no such file {p}")
            out[k] = p
    return out


def _token(auth, where: str, base: Path) -> tuple[str | None, str]:
    if not auth:
        return None, ""
    if not isinstance(auth, dict) or len(auth) != 1 or not set(auth) <= {"bearer_token_env", "bearer_token_file"}:
        raise A1ConfigError(f"{where}.auth: expected one of bearer_token_env: NAME or bearer_token_file: PATH "
                            "(the token itself never goes in a profile)")
    if "bearer_token_env" in auth:
        name = str(auth["bearer_token_env"])
        value = os.environ.get(name)
        if not value:
            raise A1ConfigError(f"{where}.auth.bearer_token_env: environment variable {name} is not set")
        return value.strip(), f"environment variable {name}"
    p = Path(auth["bearer_token_file"])
    p = p if p.is_absolute() else base / p
    try:
        value = p.read_text().strip()
    except OSError as err:
        raise A1ConfigError(f"{where}.auth.bearer_token_file: cannot read {p}: {err.strerror}") from None
    if not value:
        raise A1ConfigError(f"{where}.auth.bearer_token_file: {p} is empty")
    return value, f"file {p}"
