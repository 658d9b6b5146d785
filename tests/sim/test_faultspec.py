"""The one fault registry (harness/sim/faultspec.py): every interface selects faults through it.

A fault that is accepted must be able to fire: an unknown name, an unknown or
misspelt message, a message the fault never bends or the simulator's role never
sends are user errors with the exact text a lab engineer reads.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from harness.core.errors import UserError
from harness.interfaces import BindingError, binding_for
from harness.profiles.loader import load_dut
from harness.interfaces.a1.sim.faults import NONRT_FAULTS, RIC_FAULTS, A1FaultError
from harness.interfaces.a1.sim.http import A1SimError
from harness.interfaces.e2.sim.faults import E2_FAULTS, FAULTS, RECOVERY, TNL
from harness.sim.faultspec import Fault, FaultError, FaultRegistry
from harness.interfaces.e2.sim.hostile import HOSTILE
from harness.interfaces.mplane.sim.oru import ORU_FAULTS, OruFaultError
from tests.conftest import ROOT

PROFILES = ROOT / "fixtures" / "profiles"
TOY = FaultRegistry("Toy", (Fault("late", "answers late", "timing"),
                            Fault("no-ack", "acks never leave", "timing", frozenset({"Ack"})),
                            Fault("only-a", "role a only", roles=frozenset({"a"}))),
                    messages=("Req", "Ack"), sent_by={"a": frozenset({"Req", "Ack"}), "b": frozenset({"Req"})})


def _free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _error(registry: FaultRegistry, text: str, role: str | None = None) -> str:
    with pytest.raises(FaultError) as err:
        registry.parse(text, role)
    return str(err.value)


def test_a_misspelt_message_is_a_user_error_naming_the_known_ones():
    text = _error(E2_FAULTS, "wrong-transaction-id@ResetRespons", "near-rt-ric")
    assert text.startswith("fault 'wrong-transaction-id@ResetRespons': unknown E2 message 'ResetRespons' "
                           "(did you mean 'ResetResponse'?); known: RICsubscriptionRequest, ")
    assert "ResetResponse, ErrorIndication" in text
    assert isinstance(FaultError(text), UserError)


def test_the_typo_is_refused_by_the_binding_check_and_the_standalone_command():
    ric = load_dut(PROFILES / "dut-sim-near-rt-ric.yaml")
    with pytest.raises(BindingError, match=r"^--sim-fault wrong-transaction-id@ResetRespons: fault "
                                           r"'wrong-transaction-id@ResetRespons': unknown E2 message"):
        binding_for("e2").check_fault(ric, "wrong-transaction-id@ResetRespons")
    binding_for("e2").check_fault(ric, "wrong-transaction-id@ResetResponse")
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "sim", "ric", "--listen",
                          f"127.0.0.1:{_free_port()}", "--fault", "wrong-transaction-id@ResetRespons"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: --fault wrong-transaction-id@ResetRespons: fault "
                                 "'wrong-transaction-id@ResetRespons': unknown E2 message 'ResetRespons' "
                                 "(did you mean 'ResetResponse'?)"), out.stderr


def test_unknown_names_list_faults_and_hostile_modes():
    assert _error(TOY, "lat") == "unknown Toy fault 'lat' (did you mean 'late'?); known: late, no-ack, only-a"
    assert _error(E2_FAULTS, "nope") == (
        f"unknown E2 fault 'nope'; known: {', '.join((*FAULTS, *RECOVERY, *TNL))}; hostile modes: {', '.join(HOSTILE)}")
    assert _error(ORU_FAULTS, "nope").startswith("unknown O-RU fault 'nope'; known: no-hello, bad-hello, ")


def test_a_scope_that_could_never_fire_is_refused():
    assert _error(TOY, "no-ack@Req") == "fault 'no-ack@Req': 'no-ack' never bends message 'Req'; it applies to: Ack"
    assert _error(TOY, "late@Ack", "b") == ("fault 'late@Ack': the b simulator never sends Ack, so the fault "
                                            "would never fire")
    assert _error(TOY, "only-a", "b") == "fault 'only-a': the b simulator cannot fire it; it is for a"
    assert _error(TOY, "late@") == "fault 'late@': no message after '@'"
    assert _error(E2_FAULTS, "wrong-transaction-id@E2setupResponse", "e2-node") == (
        "fault 'wrong-transaction-id@E2setupResponse': the e2-node simulator never sends E2setupResponse, so "
        "the fault would never fire")
    assert _error(RIC_FAULTS, "no-location@query-types") == (
        "fault 'no-location@query-types': 'no-location' never bends operation 'query-types'; it applies to: "
        "create-policy")
    assert _error(NONRT_FAULTS, "no-token@notify").startswith(
        "fault 'no-token@notify': unknown A1 operation 'notify'; known: query-types, ")
    assert _error(ORU_FAULTS, "hang@get") == "fault 'hang@get': O-RU faults take no '@message' scope"


def test_a_selected_fault_knows_where_it_applies():
    chosen = TOY.parse(" late @ Req , Ack", "a")
    assert (chosen.name, chosen.scope, str(chosen)) == ("late", frozenset({"Req", "Ack"}), "late@Ack,Req")
    assert TOY.parse("no-ack").applies("Ack") and not TOY.parse("no-ack").applies("Req")
    assert [f.name for f in RIC_FAULTS.parse_all(["slow@create-policy", "flood"])] == ["slow", "flood"]
    assert RIC_FAULTS.parse_all(None) == () and len(RIC_FAULTS.parse_all("hang")) == 1


def test_each_interface_raises_its_own_error_class():
    with pytest.raises(A1FaultError) as err:
        RIC_FAULTS.parse("nope")
    assert isinstance(err.value, A1SimError) and isinstance(err.value, FaultError)
    with pytest.raises(OruFaultError):
        ORU_FAULTS.parse("nope")


def test_hostile_modes_are_registry_entries_of_every_interface():
    for registry in (E2_FAULTS, RIC_FAULTS, ORU_FAULTS):
        assert registry.hostile(), registry.interface
        assert all(registry[name].stage == "hostile" for name in registry.hostile())
    assert set(E2_FAULTS.plain()) == set(FAULTS) | set(RECOVERY) | set(TNL)


def test_a_declaration_mistake_is_caught_at_import():
    with pytest.raises(ValueError, match="'late' is declared twice"):
        FaultRegistry("Toy", (Fault("late", "a"), Fault("late", "b")))
    with pytest.raises(ValueError, match="unknown message 'Nack'"):
        FaultRegistry("Toy", (Fault("x", "a", messages=frozenset({"Nack"})),), messages=("Ack",))
    with pytest.raises(ValueError, match="stage 'sideways'"):
        Fault("x", "a", "sideways")


def _usrsctp() -> list[str]:
    return ["--sctp-backend", "usrsctp", "--udp-port", str(_free_port(socket.SOCK_DGRAM)), "--remote-udp-port",
            str(_free_port(socket.SOCK_DGRAM))]


@pytest.mark.parametrize("role, first", [("ric", "listening"), ("e2-node", "ready"), ("a1-ric", "listening"),
                                         ("o-ru", "listening")])
def test_every_standalone_simulator_answers_a_control_line_and_quits(role, first):
    """The shared control loop (harness/sim/control.py) behind each ``oran-harness sim`` role."""
    argv = {"ric": ["ric", "--listen", f"127.0.0.1:{_free_port()}", *_usrsctp()],
            "e2-node": ["e2-node", "--ric", f"127.0.0.1:{_free_port()}", "--wait", *_usrsctp()],
            "a1-ric": ["a1-ric"], "o-ru": ["o-ru", "--port", "0"]}[role]
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", *argv], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdin is not None
        event = json.loads(proc.stdout.readline())
        assert event["event"] == first, event
        proc.stdin.write('{"cmd": "explode"}\n{"cmd": "quit"}\n')
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        assert answer["ack"] == 1 and not answer["ok"] and answer["error"].startswith("unknown command 'explode'")
        assert json.loads(proc.stdout.readline()) == {"ack": 2, "ok": True}
        assert json.loads(proc.stdout.readline())["event"] == "stopped"
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
