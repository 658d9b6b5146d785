"""The simulated O-RU's NETCONF call home over TLS (IETF RFC 8071 clause 4.1, RFC 7589).

The O-RU opened TCP to the client (sim/supervision.py, as for SSH); here it is the TLS
*server* on that socket: it presents its certificate, asks for the client's and verifies
it against the CA it was given (RFC 7589 clause 3: mutual X.509 authentication), then
serves the very NETCONF session it serves over SSH. `_TlsChannel` gives the TLS socket
the few calls `_Session` makes on a paramiko channel (recv with a timeout, sendall,
settimeout, close); it serialises them because one TLS connection must not be read and
written by two threads at once (the session thread reads while notifications are sent).

Fault `tls-wrong-cert`: the O-RU presents a certificate from a freshly made CA the lab
does not know, so the client must refuse it.
"""

from __future__ import annotations

import select
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.sim.faultspec import Fault
from harness.sim.testpki import make_test_pki

FAULTS = (
    Fault("tls-wrong-cert", "in TLS call home, presents a certificate signed by a CA the lab does not know "
          "(RFC 7589 3)", "behaviour"),
)
SEND_TIMEOUT = 30.0


@dataclass(frozen=True)
class SimTls:
    """The simulated O-RU's TLS material (lab profile mplane.sim: cert, key, client_ca)."""

    cert: str
    key: str
    client_ca: str            # the CA that must have signed the NETCONF client's certificate


def server_context(tls: SimTls, fault: str | None) -> ssl.SSLContext:
    """The O-RU's TLS server context: its certificate, and the client's required and verified."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    cert, key = tls.cert, tls.key
    if fault == "tls-wrong-cert":
        stranger = make_test_pki(Path(tempfile.mkdtemp(prefix="oru-stranger-")))
        cert, key = str(stranger.server_cert), str(stranger.server_key)
    ctx.load_cert_chain(cert, key)
    ctx.load_verify_locations(cafile=tls.client_ca)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class _TlsChannel:
    """A TLS socket with the channel calls `_Session` uses; reads and writes never overlap."""

    def __init__(self, tls_sock: ssl.SSLSocket) -> None:
        self._sock = tls_sock
        self._timeout: float | None = None
        self._lock = threading.Lock()
        tls_sock.settimeout(SEND_TIMEOUT)

    def settimeout(self, timeout: float | None) -> None:
        self._timeout = timeout          # how long recv waits for data; sends keep SEND_TIMEOUT

    def recv(self, n: int) -> bytes:
        if not self._sock.pending():
            ready, _, _ = select.select([self._sock], [], [], self._timeout)
            if not ready:
                raise TimeoutError("no data")
        with self._lock:
            return self._sock.recv(n)

    def sendall(self, data: bytes) -> None:
        with self._lock:
            self._sock.sendall(data)

    def close(self) -> None:
        try:
            self._sock.close()
        except OSError:
            pass


def open_channel(sim, sock: socket.socket, tls: SimTls) -> _TlsChannel | None:
    """TLS server handshake on the socket the O-RU opened; None (and an event) when it failed."""
    try:
        ctx = server_context(tls, sim.cfg.fault)
    except (ssl.SSLError, OSError) as err:
        sim.errors.append(f"TLS call home: cannot load the O-RU's TLS material: {err}")
        sock.close()
        return None
    sock.settimeout(10.0)
    try:
        tls_sock = ctx.wrap_socket(sock, server_side=True)
    except (ssl.SSLError, OSError) as err:
        sim.event(f"TLS handshake failed: {err}")
        sock.close()
        return None
    cert: Any = tls_sock.getpeercert() or {}
    names = [pair for rdn in cert.get("subject", ()) for pair in rdn]
    sim.event(f"TLS call home: client certificate {dict(names).get('commonName', '?')!r} verified")
    return _TlsChannel(tls_sock)
