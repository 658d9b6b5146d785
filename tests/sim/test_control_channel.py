"""The control channel of the standalone simulators, driven as an operator does: real processes.

A trigger the simulator cannot carry out (a wrong type, a value the encoder
refuses, params that are not an object) answers ``ok: false`` with the
reason, and the simulator keeps running, so the next good trigger answers
``ok: true``; once a simulator has stopped, every trigger says why instead of
``ok: true`` (issue 16: a bad parameter used to kill the E2 simulator's
thread while later triggers still answered ``ok: true``).
"""

from __future__ import annotations

import json
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sim:
    """One ``oran-harness sim ...`` process; stdout lines are read on a thread so every wait is bounded."""

    def __init__(self, *argv: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", *argv],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, cwd=ROOT)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.sent = 0

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put(None)

    def next(self, timeout: float = 20.0) -> dict:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s") from None
        assert line is not None, f"the simulator ended: {self.proc.stderr.read() if self.proc.stderr else ''}"
        return line

    def event(self, name: str) -> dict:
        while True:
            line = self.next()
            if line.get("event") == name:
                return line

    def send(self, line: str) -> dict:
        """One control line; its answer (events in between are skipped)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        self.sent += 1
        while True:
            answer = self.next()
            if "ack" in answer:
                assert answer["ack"] == self.sent, answer
                return answer

    def quit(self) -> int:
        self.send('{"cmd": "quit"}')
        self.event("stopped")
        return self.proc.wait(15)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def _refused(answer: dict, *texts: str) -> str:
    assert answer["ok"] is False, answer
    for text in texts:
        assert text in answer["error"], answer
    return answer["error"]


@pytest.fixture
def e2_pair() -> Iterator[tuple[Sim, Sim]]:
    """A RIC simulator and an E2 node simulator associated over usrsctp (UDP encapsulation)."""
    port, ric_udp, node_udp = _free_port(), _free_port(socket.SOCK_DGRAM), _free_port(socket.SOCK_DGRAM)
    backend = ["--sctp-backend", "usrsctp"]
    ric = Sim("ric", "--listen", f"127.0.0.1:{port}", *backend, "--udp-port", str(ric_udp),
              "--remote-udp-port", str(node_udp))
    node = None
    try:
        ric.event("listening")
        node = Sim("e2-node", "--ric", f"127.0.0.1:{port}", *backend, "--udp-port", str(node_udp),
                   "--remote-udp-port", str(ric_udp))
        node.event("association")
        ric.event("association")
        yield ric, node
    finally:
        for sim in (node, ric):
            if sim is not None:
                sim.kill()


def test_a_bad_e2_trigger_says_why_and_the_simulator_runs_on(e2_pair):
    ric, node = e2_pair
    _refused(ric.send('reset {"cause": 12345}'), "trigger reset: bad parameter", "not iterable")
    assert ric.send("reset {}") == {"ack": 2, "ok": True}
    _refused(ric.send('subscribe {"period_ms": "soon"}'), "trigger subscribe: bad parameter", "'soon'")
    _refused(ric.send('subscribe {"period_ms": -5}'), "trigger subscribe:", "reportingPeriod")   # out of range
    _refused(ric.send('{"cmd": "trigger", "action": "subscribe", "params": [1000]}'),
             "'params' must be a JSON object, not list")
    _refused(ric.send("subscrbe {}"), "has no action 'subscrbe'")
    assert ric.send('subscribe {"period_ms": 1000}')["ok"] is True
    assert ric.send("service-query {}")["ok"] is True

    _refused(node.send('reset {"cause": ["misc", "no-such-cause"]}'), "trigger reset:", "no-such-cause")
    assert node.send("reset {}")["ok"] is True
    assert node.quit() == 0
    assert ric.quit() == 0


def test_a_stopped_e2_simulator_never_answers_ok_to_a_trigger(e2_pair):
    ric, node = e2_pair
    assert node.send("disconnect {}")["ok"] is True
    assert _refused(node.send("reset {}")) == "the simulator stopped: it closed the association"

    deadline = time.monotonic() + 15
    while True:                          # the RIC's thread notices the closed association on its next read
        answer = ric.send("reset {}")
        if not answer["ok"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answer["ok"] is False, answer     # refused once the RIC's thread has seen the association gone
    # the RIC simulator, like a real one, waits for the E2 node to associate again (it takes the next
    # association itself), so a trigger meanwhile is refused by the protocol state, never answered ok
    refused = _refused(ric.send("service-query {}"))
    assert "may not be sent in state DISCONNECTED" in refused, refused
    assert node.quit() == 0
    assert ric.quit() == 0


def test_a_bad_a1_trigger_says_why_and_the_simulator_runs_on():
    sim = Sim("a1-ric")
    try:
        sim.event("listening")
        _refused(sim.send('notify {"policy_type_id": "20008"}'), "policy_id")
        _refused(sim.send('{"cmd": "trigger", "action": "state", "params": "all"}'),
                 "'params' must be a JSON object, not str")
        assert sim.send("state {}")["ok"] is True
        assert sim.quit() == 0
    finally:
        sim.kill()


def test_a_bad_o_ru_trigger_says_why_and_the_simulator_runs_on():
    sim = Sim("o-ru", "--port", "0")
    try:
        sim.event("listening")
        _refused(sim.send('raise-alarm {"fault_id": "five"}'), "'five'")
        assert sim.send('raise-alarm {"fault_id": 5}') == {"ack": 2, "ok": True}
        assert sim.quit() == 0
    finally:
        sim.kill()
