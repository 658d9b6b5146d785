import textwrap
from pathlib import Path

import pytest

from harness.profiles.loader import load_dut, load_lab
from harness.spec.pics import catalogue
from harness.spec.errors import ProfileError

ROOT = Path(__file__).resolve().parents[2]


def test_pics_catalogue_covers_every_e2ap_procedure(tmp_path):
    from harness.codec.e2 import E2Codec
    from harness.interfaces.e2.view import E2Messages
    procedures = {m.procedure for m in E2Messages(E2Codec().e2ap).messages.values()}
    covered = {i.procedure for i in catalogue().values() if i.procedure}
    assert procedures - covered == set()


def test_fixture_profiles():
    e2node = load_dut(ROOT / "fixtures/profiles/dut-sim-e2-node.yaml")
    assert (e2node.role, e2node.e2ap_version, e2node.e2sm_versions) == (
        "e2-node", "v03.01", {"e2sm-kpm": "v03.00", "e2sm-rc": "v01.03"})
    assert [(r.id, r.e2sm) for r in e2node.ran_functions] == [(2, "e2sm-kpm"), (3, "e2sm-rc")]
    assert e2node.pics["e2sm.kpm.version"] == "v03.00" and e2node.pics["e2ap.procedures.ric-query"] is True
    assert load_dut(ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml").role == "near-rt-ric"
    lab = load_lab(ROOT / "fixtures/profiles/lab-sim.yaml")
    assert (lab.mode, lab.adapter.kind, lab.timers.expect, lab.timers.guard) == ("sim", "simulator", 2.0, 20.0)


DUT = """\
name: d
role: e2-node
vendor: v
model: m
e2ap: v03.01
e2sm: {e2sm-kpm: v03.00}
ran_functions:
  - {id: 2, e2sm: e2sm-kpm}
pics:
  e2ap.procedures.e2-setup: true
"""


def error(tmp_path, monkeypatch, text, loader=load_dut):
    monkeypatch.chdir(tmp_path)
    Path("p.yaml").write_text(textwrap.dedent(text))
    with pytest.raises(ProfileError) as info:
        loader("p.yaml")
    return str(info.value)


def test_minimal_dut_derives_version_items(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("p.yaml").write_text(DUT)
    d = load_dut("p.yaml")
    assert d.pics == {"e2ap.procedures.e2-setup": True, "e2ap.version": "v03.01", "e2sm.kpm.version": "v03.00",
                      "e2sm.kpm": True}


@pytest.mark.parametrize("change, text", [
    (("pics:\n  e2ap.procedures.e2-setup: true", "pics:\n  e2ap.procedures.e2-stup: true"),
     "p.yaml:10: unknown PICS item 'e2ap.procedures.e2-stup' (did you mean e2ap.procedures.e2-setup?)\n"
     "    10 |   e2ap.procedures.e2-stup: true\n"
     "  hint: the items are listed in specs/pics/pics.yaml"),
    (("e2ap.procedures.e2-setup: true", "e2ap.procedures.e2-setup: yes-please"),
     "p.yaml:10: PICS item 'e2ap.procedures.e2-setup' is bool, not str ('yes-please')\n"
     "    10 |   e2ap.procedures.e2-setup: yes-please"),
    (("role: e2-node", "role: e2node"),
     "p.yaml:2: 'role' is 'e2node', not one of: e2-node, near-rt-ric, non-rt-ric, o-ru (did you mean e2-node?)\n"
     "    2 | role: e2node"),
    (("vendor: v\n", "vendr: v\n"),
     "p.yaml:3: unknown key 'vendr' in DUT profile (did you mean vendor?)\n"
     "    3 | vendr: v\n"
     "  hint: allowed keys: name, role, vendor, model, sw_version, hw_version, fw_version, serial_number, "
     "inventory_id, contacts, oran_component, simulator, endpoints, e2ap, e2sm, ran_functions, pics, a1, mplane"),
    (("model: m\n", ""),
     "p.yaml:1: DUT profile has no 'model'\n"
     "    1 | name: d"),
    (("{id: 2, e2sm: e2sm-kpm}", "{id: 2, e2sm: e2sm-kmp}"),
     "p.yaml:8: unknown E2SM 'e2sm-kmp' (did you mean e2sm-kpm?)\n"
     "    8 |   - {id: 2, e2sm: e2sm-kmp}\n"
     "  hint: a short name (e2sm-kpm, e2sm-rc) or an OID"),
    (("e2ap: v03.01", "e2ap: 3"),
     "p.yaml:5: 'e2ap' must be a string, not a number (3)\n"
     "    5 | e2ap: 3"),
])
def test_dut_errors(tmp_path, monkeypatch, change, text):
    assert error(tmp_path, monkeypatch, DUT.replace(*change)) == text


LAB = """\
name: l
mode: live
timers: {expect: 3, guard: 40, trigger: 9}
adapter:
  kind: command
  commands: {reset: "ssh dut reset"}
"""


def test_lab(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("p.yaml").write_text(LAB)
    lab = load_lab("p.yaml")
    assert (lab.timers.expect, lab.timers.guard, lab.timers.named) == (3.0, 40.0, {"trigger": 9.0})
    assert lab.adapter.commands == {"reset": "ssh dut reset"}


@pytest.mark.parametrize("change, text", [
    (("mode: live", "mode: sim"),
     "p.yaml:5: mode 'sim' needs adapter kind 'simulator', not 'command'\n"
     "    5 |   kind: command"),
    (("guard: 40", "guard: -1"),
     "p.yaml:3: 'timers.guard' must be more than 0 seconds, not -1\n"
     "    3 | timers: {expect: 3, guard: -1, trigger: 9}"),
    (('  commands: {reset: "ssh dut reset"}\n', ""),
     "p.yaml:5: adapter kind 'command' needs 'commands': trigger action -> shell command\n"
     "    5 |   kind: command"),
    (("name: l", "name: l\nname: m"),
     "p.yaml:2: duplicate key 'name' (first at line 1)\n"
     "    2 | name: m\n"
     "  hint: YAML keeps only the last of duplicate keys; remove or rename one"),
])
def test_lab_errors(tmp_path, monkeypatch, change, text):
    assert error(tmp_path, monkeypatch, LAB.replace(*change), load_lab) == text
