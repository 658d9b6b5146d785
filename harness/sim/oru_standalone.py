"""``oran-harness sim o-ru``: the built-in O-RU M-plane simulator as a process (NETCONF over SSH).

Events go to stdout as JSON lines ({"event": "listening", "port": N, "host_key": "ssh-ed25519 ..."}, ...;
the host key is generated at first use, see harness/sim/oru_hostkey.py);
control on stdin, one JSON object a line, like the E2 simulators:

    {"cmd": "trigger", "action": "raise-alarm", "params": {"fault_id": 5}}  -> {"ack": 1, "ok": true}
    {"cmd": "quit"}

SIGINT / SIGTERM stop it cleanly.
"""

from __future__ import annotations

import json
import signal
import sys
import threading


def main(args) -> int:
    from harness.sim.oru import OruConfig, OruFaultError, OruSimulator, check_fault
    try:
        check_fault(args.fault)
        call_home = None
        if args.call_home:
            host, _, port = args.call_home.rpartition(":")
            call_home = (host or "127.0.0.1", int(port))
    except (OruFaultError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    cfg = OruConfig(host=args.host, port=args.port, username=args.username, password=args.password,
                    fault=args.fault, call_home=call_home)
    from harness.sim.oru_hostkey import HostKeyError
    try:
        sim = OruSimulator(cfg).start()
    except HostKeyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 2
    say = lambda **e: (sys.stdout.write(json.dumps(e) + "\n"), sys.stdout.flush())  # noqa: E731
    say(event="listening" if call_home is None else "calling-home", host=args.host, port=sim.port,
        fault=args.fault, host_key=sim.public_key)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def control() -> None:
        for n, line in enumerate(sys.stdin, 1):
            try:
                cmd = json.loads(line)
                if cmd.get("cmd") == "quit":
                    stop.set()
                elif cmd.get("cmd") == "trigger":
                    sim.trigger(cmd["action"], cmd.get("params") or {})
                else:
                    raise ValueError(f"unknown command {cmd.get('cmd')!r}; known: trigger, quit")
                say(ack=n, ok=True)
            except (ValueError, KeyError, TypeError) as err:
                say(ack=n, ok=False, error=str(err))
    threading.Thread(target=control, daemon=True, name="control").start()
    stop.wait()
    try:
        sim.stop()
    except RuntimeError as err:
        say(event="error", detail=str(err))
    say(event="stopped", errors=sim.errors)
    return 0


def register(roles) -> None:
    r = roles.add_parser("o-ru", help="the O-RU M-plane simulator (NETCONF over SSH, paramiko)")
    r.add_argument("--host", default="127.0.0.1", help="address to listen on")
    r.add_argument("--port", type=int, default=830, help="NETCONF/SSH port (0: any free port)")
    r.add_argument("--call-home", default=None, metavar="HOST:PORT",
                   help="RFC 8071: connect out to the NETCONF client at HOST:PORT instead of listening")
    r.add_argument("--fault", default=None, help="a fault mode (harness/sim/oru.py ORU_FAULTS)")
    r.add_argument("--username", default="oran")
    r.add_argument("--password", default="oran-sim")
    r.set_defaults(handler=main)
