"""``oran-harness sim o-ru``: the built-in O-RU M-plane simulator as a process (NETCONF over SSH).

Events go to stdout as JSON lines ({"event": "listening", "port": N, "host_key": "ssh-ed25519 ..."}, ...;
the host key is generated at first use, see harness/interfaces/mplane/sim/hostkey.py);
control on stdin, one JSON object a line, through the loop all simulators share
(harness/sim/control.py):

    {"cmd": "trigger", "action": "raise-alarm", "params": {"fault_id": 5}}  -> {"ack": 1, "ok": true}
    {"cmd": "quit"}

SIGINT / SIGTERM stop it cleanly.
"""

from __future__ import annotations

import sys

from harness.sim.control import ControlLoop, run_until_signalled, trigger_request
from harness.sim.faultspec import FaultError
from harness.interfaces.mplane.sim.oru import OruConfig, OruSimulator, check_fault
from harness.interfaces.mplane.sim.hostkey import HostKeyError


class OruStandalone(ControlLoop):
    """The O-RU simulator process around a started `OruSimulator`."""

    def __init__(self, sim: OruSimulator, out=None) -> None:
        super().__init__(out)
        self.sim = sim

    def do_trigger(self, cmd: dict) -> None:
        self.sim.trigger(*trigger_request(cmd))

    def begin(self) -> None:
        cfg = self.sim.cfg
        self.say(event="listening" if cfg.call_home is None else "calling-home", host=cfg.host, port=self.sim.port,
                 fault=cfg.fault, host_key=self.sim.public_key)

    def end(self) -> None:
        try:
            self.sim.stop()
        except RuntimeError as err:
            self.say(event="error", detail=str(err))

    def stopped_details(self) -> dict:
        return {"errors": self.sim.errors}


def main(args) -> int:
    try:
        check_fault(args.fault)
        call_home = None
        if args.call_home:
            host, _, port = args.call_home.rpartition(":")
            call_home = (host or "127.0.0.1", int(port))
    except (FaultError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    cfg = OruConfig(host=args.host, port=args.port, username=args.username, password=args.password,
                    fault=args.fault, call_home=call_home)
    try:
        sim = OruSimulator(cfg).start()
    except HostKeyError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 2
    return run_until_signalled(OruStandalone(sim))


def register(roles) -> None:
    r = roles.add_parser("o-ru", help="the O-RU M-plane simulator (NETCONF over SSH, paramiko)")
    r.add_argument("--host", default="127.0.0.1", help="address to listen on")
    r.add_argument("--port", type=int, default=830, help="NETCONF/SSH port (0: any free port)")
    r.add_argument("--call-home", default=None, metavar="HOST:PORT",
                   help="RFC 8071: connect out to the NETCONF client at HOST:PORT instead of listening")
    r.add_argument("--fault", default=None, help="a fault mode (harness/interfaces/mplane/sim/oru.py ORU_FAULTS)")
    r.add_argument("--username", default="oran", help="the SSH user the O-RU accepts (default oran)")
    r.add_argument("--password", default="oran-sim", help="that user's password (default oran-sim)")
    r.set_defaults(handler=main)
