"""The client's evidence equals what the server really sent and received, message for message.

`MplaneClient` records frames from ncclient's own "Sending:" / "Received:" log
records (ncclient offers no public hook for sent messages, and its listener
API drops received messages that do not parse). That depends on ncclient's
internals, so ncclient is pinned in pyproject's `mplane` extra and this test
fails the day upstream changes what it logs or how.
"""

from __future__ import annotations

import time
from importlib.metadata import version

from harness.interfaces.mplane.client import MplaneClient, SshTarget
from harness.interfaces.mplane.sim.oru import OruConfig, OruSimulator

GET = ('<get xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><filter type="subtree">'
       '<hardware xmlns="urn:ietf:params:xml:ns:yang:ietf-hardware"><component><name/></component></hardware>'
       '</filter></get>')
SUBSCRIBE = '<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0"/>'
BAD_OP = '<no-such-operation xmlns="urn:example:x"/>'


def _session(tmp_path):
    sim = OruSimulator(OruConfig(host_key_dir=tmp_path)).start()
    target = SshTarget("127.0.0.1", sim.port, "oran", "oran-sim", sim.public_key, timeout=10)
    return sim, MplaneClient().connect(target)


def _first_difference(captured: list, server: list) -> str | None:
    """Per direction (the two directions interleave by thread timing), the first message that differs."""
    for direction in ("sent", "received"):
        ours = [x for d, x in captured if d == direction]
        theirs = [x for d, x in server if d == direction]
        for n, (a, b) in enumerate(zip(ours, theirs), 1):
            if a != b:
                return f"{direction} message {n} differs: captured {a[:80]!r}, server {b[:80]!r}"
        if len(ours) != len(theirs):
            return f"{direction}: {len(ours)} messages captured, the server has {len(theirs)}"
    return None


def test_ncclient_is_the_pinned_version():
    assert version("ncclient") == "0.7.1", "re-check harness/interfaces/mplane/client.py _WireLog, then move the pin"


def test_captured_frames_equal_the_servers_own_record(tmp_path):
    sim, client = _session(tmp_path)
    try:
        assert client.rpc(GET).element is not None
        assert client.rpc(BAD_OP).errors[0].tag == "operation-not-supported"
        assert client.rpc(SUBSCRIBE).ok
        sim.trigger("raise-alarm", {"fault_id": 3})
        assert client.notification(5.0) is not None
        client.close()
        deadline = time.monotonic() + 5
        while not sim.sessions[0].closed.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        client.poll()
        server = [("received" if d == "sent" else "sent", m.decode()) for d, m in sim.sessions[0].wire]
        captured = [(f.direction, f.xml) for f in client.frames]
        assert _first_difference(captured, server) is None, _first_difference(captured, server)
        doctored = captured[:-1] + [(captured[-1][0], captured[-1][1].replace("<ok/>", "<ok/><x/>"))]
        assert _first_difference(doctored, server).startswith("received message 6 differs")   # the check can fail
        assert _first_difference(captured[:-1], server) == "received: 5 messages captured, the server has 6"
        kinds = [(f.direction, f.kind) for f in client.frames]
        assert kinds[:2] in ([("sent", "hello"), ("received", "hello")], [("received", "hello"), ("sent", "hello")])
        assert ("received", "notification") in kinds and kinds[-1] == ("received", "rpc-reply")
        assert len(captured) == len(server) == 11
    finally:
        client.close()
        sim.stop()
