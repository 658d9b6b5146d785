"""Fuzzing HTTP from a hostile A1 peer: the capture framer and the live client.

1. `harness.capture.http` frames HTTP/1.1 out of captured TCP runs (A1 captures):
   mutated and random runs, split at random points and in both directions, end in
   messages and one-line `CaptureIssue`s naming a packet, never an exception, and the
   framed bodies never exceed what was captured.
2. `harness.http.client.HttpClient` reads a response from a raw socket server that
   sends hypothesis-drawn octets (mutated valid responses, garbage, cut heads, huge
   lengths) and then closes: it returns an exchange or raises `HttpDutError` /
   `HttpLabError` with a one-line message, within its timeout plus slack.
Inputs that once broke them are in fixtures/fuzz/http/ and replayed below.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from harness.capture.http import http_messages, pair
from harness.capture.model import CaptureIssue, CapturedMessage
from harness.fuzz.mutators import mutate
from harness.http.client import HttpClient, HttpDutError, HttpLabError
from tests.fuzz.conftest import fuzz_settings

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "fuzz" / "http"
CLIENT, SERVER = "10.0.0.1:40000", "10.0.0.2:9090"

REQUESTS = [
    b"PUT /A1-P/v2/policytypes/ORAN_QoSTarget_2.0.0/policies/p1 HTTP/1.1\r\nHost: ric\r\n"
    b"Content-Type: application/json\r\nContent-Length: 27\r\n\r\n{\"scope\": {\"ueId\": \"u1\"}}\n",
    b"GET /A1-P/v2/policytypes HTTP/1.1\r\nHost: ric\r\n\r\n",
    b"POST /a1-notify HTTP/1.1\r\nHost: nonrt\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"1b\r\n{\"enforceStatus\": \"ENFORCED\"}\r\n0\r\n\r\n",
]
RESPONSES = [
    b"HTTP/1.1 201 Created\r\nLocation: /A1-P/v2/policytypes/T/policies/p1\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n[\"ORAN_QoSTarget_2.0.0\"]",
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\n[\"a\",\r\n4\r\n\"b\"]\r\n0\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
]


def runs(chunks: list[tuple[int, bytes]]) -> list[CapturedMessage]:
    """TCP runs as tcp.py hands them over: one direction's in-order octets; empty data is a FIN."""
    out = []
    for i, (direction, data) in enumerate(chunks, 1):
        src, dst = (CLIENT, SERVER) if direction == 0 else (SERVER, CLIENT)
        out.append(CapturedMessage((i,), 1_700_000_000.0 + i, "tcp", src, dst, f"{CLIENT}-{SERVER}", 0, 0, data))
    return out


def frame_and_pair(chunks) -> list:
    issues: list = []
    messages = http_messages(runs(chunks), issues)
    pair(messages, issues)
    captured = sum(len(d) for _, d in chunks)
    assert sum(len(m.body) for m in messages) <= captured
    for issue in issues:
        assert isinstance(issue, CaptureIssue) and isinstance(issue.packet, int) and issue.packet >= 1, issue
        assert issue.message and "\n" not in issue.message, issue
    return messages


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0] + points, points + [len(data)]) if b > a]


@fuzz_settings()
@given(picks=st.lists(st.tuples(st.booleans(), st.integers(0, 99), st.randoms(use_true_random=False),
                                st.lists(st.integers(0, 400), max_size=3)), min_size=1, max_size=8),
       fin=st.booleans())
def test_mutated_http_streams_frame_into_messages_and_one_line_issues(picks, fin):
    chunks = []
    for is_response, i, rng, cuts in picks:
        pool = RESPONSES if is_response else REQUESTS
        data, _ = mutate(pool[i % len(pool)], rng)
        chunks += [(int(is_response), piece) for piece in split(data, cuts)]
    if fin:
        chunks += [(0, b""), (1, b"")]
    frame_and_pair(chunks)


@fuzz_settings(0.5)
@given(chunks=st.lists(st.tuples(st.integers(0, 1), st.binary(max_size=120)), max_size=8))
def test_random_tcp_runs_frame_without_raising(chunks):
    frame_and_pair(chunks)


class RawPeer:
    """A TCP server that answers every connection with fixed octets, then closes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.answer = b""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2.0)
                try:
                    conn.recv(65536)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture(scope="module")
def peer():
    p = RawPeer()
    yield p
    p.close()


def exchange(peer: RawPeer, answer: bytes, timeout: float = 2.0):
    peer.answer = answer
    client = HttpClient(f"http://127.0.0.1:{peer.port}", max_body=4096)
    t0 = time.monotonic()
    try:
        got = client.request("GET", "/A1-P/v2/policytypes", timeout=timeout)
    except (HttpDutError, HttpLabError) as err:
        assert str(err).startswith("GET /A1-P/v2/policytypes: ") and "\n" not in str(err), str(err)
        got = err
    assert time.monotonic() - t0 < timeout + 3
    return got


@fuzz_settings(0.5)
@given(i=st.integers(0, 99), rng=st.randoms(use_true_random=False))
def test_the_client_survives_mutated_responses(peer, i, rng):
    answer, _ = mutate(RESPONSES[i % len(RESPONSES)], rng)
    got = exchange(peer, answer)
    if not isinstance(got, Exception):
        assert len(got.response.body) <= 4096


@fuzz_settings(0.25)
@given(answer=st.binary(max_size=300))
def test_the_client_survives_random_octets(peer, answer):
    exchange(peer, answer)


def test_a_cut_head_is_not_taken_for_a_whole_response(peer):
    """Found by the hostile 'truncated' mode: http.client takes end of data as the end of the head."""
    got = exchange(peer, RESPONSES[1][:40])
    assert isinstance(got, HttpDutError) and got.check == "http.malformed"
    assert str(got).endswith("the response head ended before its blank line")


CASES = sorted(CORPUS.glob("*.bin")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_a_corpus_response_is_judged_cleanly(peer, path):
    exchange(peer, path.read_bytes())
    frame_and_pair([(1, path.read_bytes()), (1, b"")])
