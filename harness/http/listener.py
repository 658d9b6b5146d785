"""A threaded TCP (or TLS) listener that hands each connection, as an h11 `Wire`, to a serve function.

Both HTTP servers of the harness sit on it: `harness.http.server.HttpServer` (requests a
DUT sends to the harness) and the A1 simulators' `A1HttpServer`. Framing is h11's (see
wire.py); this module only accepts, does the TLS handshake in the connection's own
thread with a timeout (a client that never speaks cannot stall the accept loop), and
keeps the listen backlog deep enough for a burst of DUT connections.
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import sys
import threading
from collections.abc import Callable

import h11

from harness.http.wire import Wire

Serve = Callable[[Wire, tuple], None]


class Listener(socketserver.ThreadingTCPServer):
    """Accepts on ``address`` and runs ``serve(wire, client_address)`` per connection in its own thread.

    Raises:
        OSError: the address cannot be bound (the caller names it in its own error).
    """

    daemon_threads = True
    allow_reuse_address = True
    # The stdlib's backlog of 5 drops the SYNs of a burst of DUT connections (a flood of notifications
    # took 33 s to get in, by SYN retransmits); 128 takes bursts in at once.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], serve: Serve, *, ssl_context: ssl.SSLContext | None = None,
                 handshake_timeout: float = 10.0) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.serve = serve
        self.ssl_context = ssl_context
        self.handshake_timeout = handshake_timeout
        self.tls_errors: list[str] = []
        self.errors: list[str] = []
        self._thread: threading.Thread | None = None
        super().__init__(address, socketserver.BaseRequestHandler)   # never made: finish_request is ours

    def finish_request(self, request, client_address) -> None:
        sock = request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.ssl_context is not None:
            sock.settimeout(self.handshake_timeout)
            try:
                sock = self.ssl_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as err:
                self.tls_errors.append(f"{client_address[0]}:{client_address[1]}: {err}")
                return
        wire = Wire(sock, h11.SERVER)
        try:
            self.serve(wire, client_address)
        finally:
            wire.close()

    def handle_error(self, request, client_address) -> None:
        err = sys.exc_info()[1]
        if not isinstance(err, (ConnectionError, TimeoutError, ssl.SSLError, socket.timeout)):
            self.errors.append(f"{client_address[0]}:{client_address[1]}: {type(err).__name__}: {err}")

    def start(self, name: str) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(5.0)
        self.server_close()
