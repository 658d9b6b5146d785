"""``oran-harness sim a1-ric|a1-nonrt-ric``: the A1 simulators as a process.

The control is that of `harness.sim.standalone` (one JSON object per line on
stdin, one answer per line on stdout), plus the trigger's result:

    {"cmd": "trigger", "action": "create-policy", "params": {...}}
        -> {"ack": 1, "ok": true, "result": {...}}
    status-change {"policy_type_id": "20008", "policy_id": "p1", "status": {...}}   (shorthand)
    {"cmd": "quit"}

On start it prints {"event": "listening", "url": ...} (a1-ric) or
{"event": "ready", "target": ..., "callback_url": ...} (a1-nonrt-ric).
Notifications the Non-RT RIC simulator receives are printed as events.
"""

from __future__ import annotations

import json
import queue
import sys
import threading

from harness.sim.standalone import parse_command, run_until_signalled
from harness.sim.a1_http import A1SimError, TlsClient, TlsServer


class A1Standalone:
    def __init__(self, sim, out=None) -> None:
        self.sim = sim
        self.out = out or sys.stdout
        self.stopping = threading.Event()
        self.commands: queue.Queue = queue.Queue()

    def say(self, **event) -> None:
        self.out.write(json.dumps(event, default=_jsonable) + "\n")
        self.out.flush()

    def handle(self, line: str, n: int) -> None:
        line = line.strip()
        if not line:
            return
        try:
            cmd = parse_command(line)
            kind = cmd.get("cmd")
            if kind == "trigger":
                result = self.sim.trigger(cmd["action"], cmd.get("params") or {})
                self.say(ack=n, ok=True, result=result)
            elif kind == "quit":
                self.stopping.set()
                self.say(ack=n, ok=True)
            else:
                raise ValueError(f"unknown command {kind!r}; known: trigger, quit")
        except (ValueError, KeyError, TypeError, A1SimError) as err:
            self.say(ack=n, ok=False, error=str(err))
        except Exception as err:          # the target broke: report, keep running
            self.say(ack=n, ok=False, error=f"{type(err).__name__}: {err}")

    def _stdin(self) -> None:
        for line in sys.stdin:
            self.commands.put(line)
        self.commands.put(None)

    def run(self) -> int:
        threading.Thread(target=self._stdin, daemon=True, name="control").start()
        self.sim.start()
        try:
            if hasattr(self.sim, "callback_url"):
                self.say(event="ready", target=self.sim.target_base_url, callback_url=self.sim.callback_url)
            else:
                self.say(event="listening", url=self.sim.base_url)
            n, seen = 0, 0
            while not self.stopping.is_set():
                notes = getattr(self.sim, "notifications", [])
                while seen < len(notes):
                    note = notes[seen]
                    seen += 1
                    self.say(event="notification", path=note.path, body=note.body.decode("utf-8", "replace"))
                try:
                    line = self.commands.get(timeout=0.05)
                except queue.Empty:
                    continue
                if line is None:
                    continue
                n += 1
                self.handle(line, n)
        finally:
            self.sim.stop()
            self.say(event="stopped")
        return 0


def _jsonable(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def main(args) -> int:
    from harness.sim.a1 import A1NonRtRicSim, A1RicSim
    try:
        if args.sim_role == "a1-ric":
            tls = TlsServer(args.cert, args.key, args.client_ca) if args.cert else None
            sim = A1RicSim(args.host, args.port, tuple(args.fault), args.policy_types, tls, args.bearer_token,
                           slow_delay=args.slow_delay)
        else:
            tls = TlsClient(args.ca, args.cert, args.key) if args.ca else None
            sim = A1NonRtRicSim(args.target, tuple(args.fault), tls, args.bearer_token, args.host,
                                callback_port=args.port)
    except (A1SimError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return run_until_signalled(A1Standalone(sim))


def register(roles) -> None:
    """Add the two A1 roles to ``oran-harness sim``."""
    r = roles.add_parser("a1-ric", help="the Near-RT RIC A1-P producer simulator (HTTP/HTTPS)")
    r.add_argument("--host", default="127.0.0.1")
    r.add_argument("--port", type=int, default=0, help="0: any free port (printed on start)")
    r.add_argument("--fault", action="append", default=[], help="an A1 fault, optionally @operation,... "
                                                               "(repeatable; harness/sim/a1_faults.py)")
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
    c.add_argument("--bearer-token", default=None)
    c.set_defaults(handler=main)
