"""``oran-harness sim a1-ric|a1-nonrt-ric``: the A1 simulators as a process.

The control is the shared loop of `harness.sim.control` (one JSON object per
line on stdin, one answer per line on stdout), plus the trigger's result:

    {"cmd": "trigger", "action": "create-policy", "params": {...}}
        -> {"ack": 1, "ok": true, "result": {...}}
    status-change {"policy_type_id": "20008", "policy_id": "p1", "status": {...}}   (shorthand)
    {"cmd": "quit"}

On start it prints {"event": "listening", "url": ...} (a1-ric) or
{"event": "ready", "target": ..., "callback_url": ...} (a1-nonrt-ric).
Notifications the Non-RT RIC simulator receives are printed as events.
"""

from __future__ import annotations

import sys

from harness.interfaces.a1.sim.http import A1SimError, TlsClient, TlsServer
from harness.interfaces.a1.sim.nonrt import A1NonRtRicSim
from harness.interfaces.a1.sim.ric import A1RicSim
from harness.sim.control import ControlLoop, run_until_signalled, trigger_request


class A1Standalone(ControlLoop):
    """An A1 simulator process: a trigger answers with its result; received notifications become events."""

    USER_ERRORS = (ValueError, KeyError, TypeError, A1SimError)

    def __init__(self, sim, out=None) -> None:
        super().__init__(out)
        self.sim = sim
        self._seen = 0

    def do_trigger(self, cmd: dict) -> dict:
        return {"result": self.sim.trigger(*trigger_request(cmd))}

    def begin(self) -> None:
        if hasattr(self.sim, "callback_url"):
            self.say(event="ready", target=self.sim.target_base_url, callback_url=self.sim.callback_url)
        else:
            self.say(event="listening", url=self.sim.base_url)

    def poll(self) -> None:
        notes = getattr(self.sim, "notifications", [])
        while self._seen < len(notes):
            note = notes[self._seen]
            self._seen += 1
            self.say(event="notification", path=note.path, body=note.body.decode("utf-8", "replace"))

    def end(self) -> None:
        self.sim.stop()


def _simulator(args) -> A1RicSim | A1NonRtRicSim:
    if args.sim_role == "a1-ric":
        server = TlsServer(args.cert, args.key, args.client_ca) if args.cert else None
        return A1RicSim(args.host, args.port, tuple(args.fault), args.policy_types, server, args.bearer_token,
                        slow_delay=args.slow_delay)
    client = TlsClient(args.ca, args.cert, args.key) if args.ca else None
    return A1NonRtRicSim(args.target, tuple(args.fault), client, args.bearer_token, args.host,
                         callback_port=args.port)


def main(args) -> int:
    try:
        sim = _simulator(args)
        sim.start()
    except (A1SimError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return run_until_signalled(A1Standalone(sim))


def register(roles) -> None:
    """Add the two A1 roles to ``oran-harness sim``."""
    r = roles.add_parser("a1-ric", help="the Near-RT RIC A1-P producer simulator (HTTP/HTTPS)")
    r.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    r.add_argument("--port", type=int, default=0, help="0: any free port (printed on start)")
    r.add_argument("--fault", action="append", default=[], help="an A1 fault, optionally @operation,... "
                                                               "(repeatable; harness/interfaces/a1/sim/faults.py)")
    r.add_argument("--policy-types", default=None, help="folder of <policyTypeId>.json")
    r.add_argument("--cert", default=None, help="server certificate (PEM): serve HTTPS")
    r.add_argument("--key", default=None, help="server private key (PEM)")
    r.add_argument("--client-ca", default=None, help="require client certificates signed by this CA")
    r.add_argument("--bearer-token", default=None, help="require this OAuth2 bearer token")
    r.add_argument("--slow-delay", type=float, default=2.0, help="seconds a 'slow' answer waits")
    r.set_defaults(handler=main)
    c = roles.add_parser("a1-nonrt-ric", help="the Non-RT RIC A1-P consumer simulator")
    c.add_argument("--target", required=True, help="the Near-RT RIC's apiRoot, e.g. http://127.0.0.1:8080")
    c.add_argument("--host", default="127.0.0.1", help="where the notification callback listens")
    c.add_argument("--port", type=int, default=0, help="callback port (0: any free port)")
    c.add_argument("--fault", action="append", default=[], help="an A1 fault, optionally @operation,...")
    c.add_argument("--ca", default=None, help="CA of the target's certificate (https targets)")
    c.add_argument("--cert", default=None, help="client certificate for mutual TLS")
    c.add_argument("--key", default=None, help="client private key")
    c.add_argument("--bearer-token", default=None, help="send this OAuth2 bearer token")
    c.set_defaults(handler=main)
