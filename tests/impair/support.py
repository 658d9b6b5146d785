"""Real-socket helpers for the impairment tests: a UDP and a TCP echo server on loopback."""

from __future__ import annotations

import socket
import threading
import time


class UdpEcho:
    """Echoes every datagram back to its sender until closed."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.received = 0
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(65535)
            except OSError:
                return
            self.received += 1
            self.sock.sendto(data, addr)

    def close(self) -> None:
        self.sock.close()


class UdpSink:
    """Keeps (in order, with arrival times) what arrives, read by its own thread as it comes."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.address = self.sock.getsockname()
        self.got: list[bytes] = []
        self.times: list[float] = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                data = self.sock.recv(65535)
            except OSError:
                return
            self.times.append(time.monotonic())
            self.got.append(data)

    def drain(self, quiet: float = 0.5) -> list[bytes]:
        """Everything received, once nothing more came for ``quiet`` seconds."""
        n = -1
        while n != len(self.got):
            n = len(self.got)
            time.sleep(quiet)
        return list(self.got)

    def close(self) -> None:
        self.sock.close()


class TcpEcho:
    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = self.server.getsockname()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)

    def close(self) -> None:
        self.server.close()
