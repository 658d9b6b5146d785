"""NETCONF call home over TLS: the O-RU opens TCP, the harness is the TLS client on it.

Theory of operation. IETF RFC 8071 lets a NETCONF server reach its client: the client
listens (clause 3.1; IANA port 4335 for TLS, clause 6), the server opens the TCP
connection (clause 4.1) and from then on the roles are the usual ones: the client runs
the TLS client handshake on the accepted socket and NETCONF over TLS follows IETF RFC
7589 (clause 3: both peers authenticate with X.509 certificates; the client checks the
server's certificate against the trust anchors it was given). ncclient 0.7.1's
`TLSSession.connect` dials its own socket, so `_session_class` subclasses it and replaces
only the dialling: the handshake is done here on the accepted socket, then the session
takes the TLS socket exactly as `connect` does after its handshake (`_host`, `_socket`,
`_connected`, then `_post_connect` for the hello). The socket under it is the client's
`_Budget` (the per-message size cap) over the TLS socket, and the rest of `MplaneClient`
(rpc, notifications, the wire log, evidence) works unchanged on the `Manager` built over
that session, as `ncclient.manager.connect_tls` builds it.

Relies on ncclient internals (pinned in pyproject.toml): `TLSSession.__init__(device_handler)`,
the attributes `_host`, `_socket`, `_connected`, `_post_connect(timeout)`, `_transport_read`,
`ncclient.transport.tls.BUF_SIZE`, `Manager(session, device_handler, timeout=...)` and
`make_device_handler`. tests/mplane/test_tls_callhome.py fails the day one of them changes.

Who is to blame: a handshake the O-RU breaks, or an O-RU certificate the lab's CA does not
verify, is `TlsCallHomeFailed` (a PeerError: FAIL); unreadable TLS material in the lab
profile is a LabError (ERROR). Both name host:port and the reason on one line.
"""

from __future__ import annotations

import functools
import socket
import ssl
from dataclasses import dataclass
from typing import Any

from harness.interfaces.mplane import client as mc

RFC8071 = "IETF RFC 8071"
RFC7589 = "IETF RFC 7589"


@dataclass(frozen=True)
class TlsMaterial:
    """The harness's TLS side of call home (from the lab profile's mplane.tls, paths resolved)."""

    ca: str                         # PEM trust anchors: the O-RU's certificate must chain to them
    cert: str                       # the harness's client certificate (RFC 7589 clause 3: mutual X.509)
    key: str                        # its private key
    server_name: str | None = None  # when given, the O-RU's certificate must name it (RFC 6125)


class TlsCallHomeFailed(mc.PeerError):
    """The O-RU's side of TLS call home failed: handshake, or a certificate the lab's CA does not verify."""


def client_context(tls: TlsMaterial, where: str = "lab profile mplane.tls") -> ssl.SSLContext:
    """The TLS client context: verify the O-RU against ``tls.ca``, present ``tls.cert``.

    Raises:
        LabError: a file is missing or is not what it should be (the lab's problem).
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2        # RFC 7589 is written for TLS 1.2 (RFC 5246) and later
    ctx.check_hostname = tls.server_name is not None
    ctx.verify_mode = ssl.CERT_REQUIRED
    for what, load in (("cert/key", lambda: ctx.load_cert_chain(tls.cert, tls.key)),
                       ("ca", lambda: ctx.load_verify_locations(cafile=tls.ca))):
        try:
            load()
        except FileNotFoundError as err:
            raise mc.LabError(f"{where}.{what}: {err.filename}: no such file") from None
        except (ssl.SSLError, OSError, ValueError) as err:
            raise mc.LabError(f"{where}.{what}: cannot load ({tls.cert}, {tls.key}, {tls.ca}): "
                              f"{getattr(err, 'reason', None) or err}") from None
    return ctx


@functools.cache
def _session_class() -> type:
    """ncclient's TLSSession, taking an accepted and handshaken socket instead of dialling one."""
    from ncclient.transport import tls as nc_tls  # noqa: PLC0415 - optional: ncclient is the mplane extra

    class CallHomeTlsSession(nc_tls.TLSSession):
        def start_on(self, sock: Any, host: str, timeout: float) -> None:
            """What TLSSession.connect does after its handshake, on ``sock``; then the hello."""
            self._host = host
            self._socket = sock
            self._connected = True
            self._post_connect(timeout)

        def _transport_read(self) -> bytes:
            # The selector sees the TCP socket only: decrypted octets left in the TLS buffer
            # after one recv would wait for the next record, so drain them now.
            data = self._socket.recv(nc_tls.BUF_SIZE)
            while data and self._socket.pending():
                data += self._socket.recv(self._socket.pending())
            return data

    return CallHomeTlsSession


def handshake(sock: socket.socket, tls: TlsMaterial, where: str, timeout: float) -> ssl.SSLSocket:
    """The TLS client handshake on the socket the O-RU opened.

    Raises:
        LabError: the lab's TLS material cannot be loaded.
        TlsCallHomeFailed: the handshake failed or the O-RU's certificate was not verified.
    """
    ctx = client_context(tls)
    sock.settimeout(timeout)
    try:
        tls_sock = ctx.wrap_socket(sock, server_side=False, server_hostname=tls.server_name,
                                   do_handshake_on_connect=False)
    except (ssl.SSLError, OSError, ValueError) as err:
        sock.close()
        raise mc.LabError(f"{where}: cannot start TLS: {err}") from None
    try:
        tls_sock.do_handshake()
    except ssl.SSLCertVerificationError as err:
        tls_sock.close()
        raise TlsCallHomeFailed(f"{where}: the O-RU's TLS certificate was not verified against the lab's CA "
                                f"{tls.ca}: {err.verify_message or err.reason}") from None
    except ssl.SSLError as err:
        tls_sock.close()
        raise TlsCallHomeFailed(f"{where}: TLS handshake failed: {err.reason or err}") from None
    except TimeoutError:
        tls_sock.close()
        raise TlsCallHomeFailed(f"{where}: no TLS handshake within {timeout:g} s") from None
    except OSError as err:
        tls_sock.close()
        raise TlsCallHomeFailed(f"{where}: the O-RU dropped the connection during the TLS handshake "
                                f"({err.strerror or err})") from None
    return tls_sock


def connect(target: mc.SshTarget, sock: socket.socket, tls: TlsMaterial) -> mc.MplaneClient:
    """TLS client handshake, then the NETCONF hello, on a socket the O-RU opened (call home).

    Raises:
        LabError, TlsCallHomeFailed, PeerError (the hello); ``frames`` hold what was exchanged.
    """
    client = mc.MplaneClient()
    try:
        return _connect(client, target, sock, tls)
    except mc.MplaneError as err:
        err.frames = tuple(client.frames)
        raise


def _connect(client: mc.MplaneClient, target: mc.SshTarget, sock: socket.socket,
             tls: TlsMaterial) -> mc.MplaneClient:
    from ncclient import manager  # noqa: PLC0415 - optional: ncclient is the mplane extra
    from ncclient.transport import errors as nc_errors  # noqa: PLC0415 - optional: the mplane extra

    where = target.address
    tls_sock = handshake(sock, tls, where, target.timeout)
    budget = client.prepare(target, tls_sock, call_home=True)
    handler = manager.make_device_handler(None)
    session = _session_class()(handler)
    client.follow(session)
    try:
        session.start_on(budget, target.host, target.timeout)
    except nc_errors.SessionCloseError as err:
        client.poll()
        raise mc.PeerError(f"{where}: the O-RU closed the TLS session during the hello exchange: "
                           f"{mc.first_line(err)}") from None
    except (nc_errors.SessionError, nc_errors.TransportError) as err:
        client.poll()
        session.close()
        text = mc.first_line(err)
        if "Capability exchange timed out" in text:
            raise mc.PeerError(f"{where}: no NETCONF hello from the server within {target.timeout:g} s") from None
        raise mc.PeerError(f"{where}: NETCONF over TLS failed: {text}") from None
    except OSError as err:          # TLS 1.3: an O-RU refusing the harness's certificate says so after the handshake
        client.poll()
        session.close()
        raise mc.PeerError(f"{where}: the O-RU ended the TLS session before its hello (did it refuse the harness's "
                           f"certificate {tls.cert}?): {getattr(err, 'reason', None) or err}") from None
    except UnicodeDecodeError as err:
        client.poll()
        session.close()
        raise mc.PeerError(f"{where}: the server's hello is not UTF-8 text ({err.reason})") from None
    return client.adopt(manager.Manager(session, handler, timeout=target.timeout))


def accept(listener: mc.CallHomeListener, target: mc.SshTarget, timeout: float,
           tls: TlsMaterial) -> mc.MplaneClient:
    """Wait for the O-RU on ``listener`` (RFC 8071 3.1), then TLS and NETCONF on its socket."""
    client_context(tls)             # the lab's material first: a missing key file is no O-RU's fault
    sock, called = listener.take(target, timeout)
    return connect(called, sock, tls)
