"""DUT adapters: the command and manual adapters fail as lab problems, with clear text."""

from __future__ import annotations

import io
import json

import pytest

from harness.runner.adapters import CommandAdapter, ManualAdapter, TriggerError


def test_command_adapter_runs_the_labs_command_with_parameters(tmp_path):
    marker = tmp_path / "done"
    CommandAdapter({"reset": "echo {cause} > " + str(marker)}).trigger("reset", {"cause": "misc unspecified"}, "", 5)
    assert marker.read_text() == "misc unspecified\n"


@pytest.mark.parametrize("commands, action, message", [
    ({}, "reset", "the lab profile has no command for 'reset' (it has: none)"),
    ({"reset": "echo {missing}"}, "reset", "command for 'reset' needs parameter 'missing'"),
    ({"reset": "echo oops >&2; exit 3"}, "reset", "command for 'reset' exited 3: oops"),
    ({"reset": "sleep 5"}, "reset", "command for 'reset' did not finish within 0.2 s"),
])
def test_command_adapter_failures(commands, action, message):
    with pytest.raises(TriggerError) as info:
        CommandAdapter(commands).trigger(action, {}, "", 0.2)
    assert str(info.value) == message


def test_manual_adapter_without_a_terminal_is_a_lab_error():
    with pytest.raises(TriggerError) as info:
        ManualAdapter(stream_in=io.StringIO(""), stream_out=io.StringIO()).trigger("reset", {}, "", 1)
    assert str(info.value) == "'reset' needs an operator, but there is no terminal to ask"


def test_command_adapter_passes_nested_parameters_as_json_or_by_field(tmp_path):
    """A nested trigger parameter reaches the lab's command as JSON ({status}) or one field ({status.state})."""
    out = tmp_path / "out.txt"
    status = {"state": "up", "carriers": [{"id": 1}, {"id": 2}]}
    CommandAdapter({"set": "printf '%s|%s|%s' {status} {status.state} {status.carriers.1.id} > " + str(out)}).trigger(
        "set", {"status": status}, "", 5)
    whole, state, carrier = out.read_text().split("|")
    assert json.loads(whole) == status and "{'state'" not in whole
    assert (state, carrier) == ("up", "2")
    with pytest.raises(TriggerError, match=r"needs parameter 'status.colour' \(the parameter has no such field\)"):
        CommandAdapter({"set": "echo {status.colour}"}).trigger("set", {"status": status}, "", 5)
