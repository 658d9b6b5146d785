"""Specs written anywhere (issue 19, item 4): a folder outside specs/ and testcases/ works in
`validate` and `run` alike, with the bundled step groups; an IE path that is not in the E2AP
ASN.1 is a spec error with file:line and a did-you-mean in both, never a FAIL of the DUT."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "harness.cli.main"]

GOOD = """\
testcases:
  - id: E2TS-R003-v02.00:9.9.9.2
    title: written outside the tree, E2 setup
    interface: e2-node.e2
    dut: e2-node
    status: mandatory
    steps:
      - {use: e2-setup-as-ric}        # a bundled step group
      - {use: local-wait}             # a group of this folder
    expected: [the E2 setup works]
groups:
  local-wait:
    - wait: 0.01
"""

TYPO = """\
testcases:
  - id: E2TS-R003-v02.00:9.9.9.1
    title: a misspelled IE path inside an open type
    interface: e2-node.e2
    dut: e2-node
    status: mandatory
    steps:
      - {use: e2-setup-as-ric, precondition: true}
      - trigger: {action: configuration-update}
      - expect: E2nodeConfigurationUpdate
        match:
          E2nodeComponentConfigUpdate:
            - value:
                type: E2nodeComponentConfigUpdate-Item
                value:
                  e2nodeComponentInterfaceTyp: ng
    expected: [never run]
"""


def _cli(*args, cwd: Path):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_a_folder_anywhere_runs_as_it_validates(tmp_path):
    folder = tmp_path / "my-specs"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD)
    checked = _cli("validate", folder, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    ran = _cli("run", folder, "--results", tmp_path / "r", cwd=tmp_path)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "PASS    E2TS-R003-v02.00:9.9.9.2  written outside the tree, E2 setup" in ran.stdout
    assert ran.stdout.count("E2TS-R003-v02.00:9.9.9.") == 2          # its line and its table row, no other


def test_a_misspelled_ie_path_is_the_same_spec_error_in_validate_and_run(tmp_path):
    folder = tmp_path / "my-specs"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD)
    (folder / "typo.yaml").write_text(TYPO)
    problem = ("typo.yaml:16: match: E2nodeComponentConfigUpdate[0].value.value has no component "
               "'e2nodeComponentInterfaceTyp' (did you mean e2nodeComponentInterfaceType?)")
    checked = _cli("validate", folder, cwd=tmp_path)
    assert checked.returncode == 2 and problem in checked.stdout
    assert "1 problem(s)" in checked.stdout                      # good.yaml is fine in both
    ran = _cli("run", folder, "--results", tmp_path / "r", cwd=tmp_path)
    assert ran.returncode == 2 and problem in ran.stdout        # a usage error: nothing judged the DUT
    assert "FAIL" not in ran.stdout.replace("FAILURES", "")


def test_an_unknown_open_type_name_is_a_spec_error(tmp_path):
    (tmp_path / "typo.yaml").write_text(TYPO.replace("type: E2nodeComponentConfigUpdate-Item",
                                                     "type: E2nodeComponentConfigUpdate-Itme"))
    checked = _cli("validate", tmp_path / "typo.yaml", cwd=tmp_path)
    assert checked.returncode == 2
    assert "unknown E2AP type 'E2nodeComponentConfigUpdate-Itme' (did you mean E2nodeComponentConfigUpdate-Item?)" \
        in checked.stdout
