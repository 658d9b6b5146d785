"""The one HTTP core (h11, harness/http/wire.py) against hostile framing, over real sockets.

A negative Content-Length or chunk size must never make the harness read without
limit: the harness's server, the A1 simulators' server, the client and the capture
framer all reject them with a one-line error naming the request or packet.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from harness.capture.http import http_messages, pair
from harness.capture.model import CapturedMessage
from harness.http.client import HttpClient, HttpDutError
from harness.http.server import HttpServer
from harness.interfaces.a1.sim import A1RicSim

NEGATIVE_LENGTH = b"POST /cb HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}"
NEGATIVE_CHUNK = (b"POST /cb HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"-1\r\n{}\r\n0\r\n\r\n")


def _raw(host: str, port: int, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection and read the answer until the server closes."""
    with socket.create_connection((host, port), timeout=5) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


@pytest.fixture
def server():
    srv = HttpServer(reply_timeout=2.0, read_timeout=5.0).start()
    yield srv
    srv.stop()


@pytest.mark.parametrize("data, reason", [(NEGATIVE_LENGTH, "bad Content-Length"),
                                          (NEGATIVE_CHUNK, "illegal chunk header: b'-1\\r\\n'")])
def test_the_harness_server_refuses_negative_lengths(server, data, reason):
    answer = _raw(server.host, server.port, data)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    item = server.next_request(2)
    assert (item.request.method, item.request.path, item.check, item.status) == ("POST", "/cb", "http.malformed", 400)
    assert item.problem.startswith(f"the request is not valid HTTP/1.1: {reason}"), item.problem
    assert "\n" not in item.problem
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["title"] == item.problem


def test_the_harness_server_still_serves_after_a_hostile_request(server):
    _raw(server.host, server.port, NEGATIVE_CHUNK)
    server.next_request(2)
    threading.Thread(target=lambda: server.next_request(5).answer(204), daemon=True).start()
    got = HttpClient(server.base_url).request("DELETE", "/cb/1", timeout=5)
    assert got.response.status == 204 and got.response.body == b""


@pytest.mark.parametrize("data, reason", [(NEGATIVE_LENGTH, "bad Content-Length"),
                                          (NEGATIVE_CHUNK, "illegal chunk header")])
def test_the_simulator_server_refuses_negative_lengths(data, reason):
    with A1RicSim() as ric:
        host, port = ric.base_url.split("//")[1].rsplit(":", 1)
        answer = _raw(host, int(port), data)
        assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer[:80]
        assert reason in json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"]
        assert len(ric._server.protocol_errors) == 1 and reason in ric._server.protocol_errors[0]
        ok = HttpClient(ric.base_url, keep_alive=True)
        first = ok.request("GET", "/A1-P/v2/policytypes")
        second = ok.request("GET", "/A1-P/v2/policytypes")
        ok.close()
        assert first.response.status == second.response.status == 200
        assert first.request.connection == second.request.connection      # one keep-alive connection


class OnePeer:
    """Answers one connection with fixed octets, then closes."""

    def __init__(self, answer: bytes) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(self.answer)
        self.sock.close()


@pytest.mark.parametrize("answer, reason", [
    (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n[]", "bad Content-Length"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n[]\r\n0\r\n\r\n", "illegal chunk header"),
])
def test_the_client_refuses_negative_lengths(answer, reason):
    peer = OnePeer(answer)
    with pytest.raises(HttpDutError) as err:
        HttpClient(f"http://127.0.0.1:{peer.port}").request("GET", "/A1-P/v2/policytypes", timeout=3)
    assert err.value.check == "http.malformed"
    assert str(err.value).startswith(f"GET /A1-P/v2/policytypes: the response is not valid HTTP/1.1: {reason}")


def test_a_close_delimited_response_is_read_to_the_close():
    peer = OnePeer(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[\"a\"]")
    got = HttpClient(f"http://127.0.0.1:{peer.port}").request("GET", "/x", timeout=3)
    assert got.response.body == b'["a"]' and got.response.headers[0] == ("Content-Type", "application/json")


def _runs(chunks):
    client, server = "10.0.0.1:40000", "10.0.0.2:9090"
    return [CapturedMessage((i,), 1000.0 + i, "tcp", *((client, server) if d == 0 else (server, client)),
                            f"{client}-{server}", 0, 0, data) for i, (d, data) in enumerate(chunks, 1)]


def test_capture_negative_chunk_size_is_an_issue_naming_the_packet():
    issues: list = []
    msgs = http_messages(_runs([(0, NEGATIVE_CHUNK[:60]), (0, NEGATIVE_CHUNK[60:])]), issues)
    assert msgs == []
    assert [(i.packet, i.message) for i in issues] == [
        (1, "HTTP 10.0.0.1:40000 -> 10.0.0.2:9090: illegal chunk header: b'-1\\r\\n' (POST /cb, body incomplete)")]


def test_capture_close_delimited_response_ends_at_the_fin():
    issues: list = []
    tr = pair(http_messages(_runs([(0, b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n"), (1, b"HTTP/1.1 200 OK\r\n\r\nab"),
                                   (1, b"cd"), (1, b"")]), issues), issues)
    assert issues == []
    assert (tr[0].response.body, tr[0].response.framing, tr[0].response.packets) == (b"abcd", "close", (2, 3))
