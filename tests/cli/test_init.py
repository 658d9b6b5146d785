"""`oran-harness init DIR` (issue 19, item 5): every template loads with the strict schema as written,
`validate` passes the folder, `list` works with each role's pair, and an existing folder is kept."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.cli.lab_templates import FILES
from harness.cli.validate_command import LOADERS

CLI = [sys.executable, "-m", "harness.cli.main"]
ROLES = ("e2-node", "near-rt-ric", "non-rt-ric", "o-ru")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab") / "my-lab"
    done = subprocess.run([*CLI, "init", str(folder)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return folder


def test_every_template_loads_with_its_loader(lab):
    kinds = {kind for kind, _text in FILES.values()}
    assert {"dut", "lab", "fronthaul", "project"} <= kinds
    for name, (kind, _text) in FILES.items():
        assert (lab / name).is_file(), name
        if kind is not None:
            LOADERS[kind](lab / name)                    # raises a ProfileError naming file:line if wrong


def test_validate_passes_the_new_folder(lab):
    done = subprocess.run([*CLI, "validate", str(lab)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout
    assert "10 file(s) valid (10 profile(s))" in done.stdout


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_pair_lists_test_cases(lab, role):
    done = subprocess.run([*CLI, "list", "--dut", str(lab / f"dut-{role}.yaml"), "--lab", str(lab / f"lab-{role}.yaml")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"({role})" in done.stdout.splitlines()[0]
    assert int(done.stdout.splitlines()[-1].split()[0]) > 0            # 'N selected, M not applicable'


def test_init_keeps_an_existing_lab(lab):
    (lab / "dut-o-ru.yaml").write_text("# edited\n")
    done = subprocess.run([*CLI, "init", str(lab)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "already there" in done.stderr and "--force" in done.stderr
    assert (lab / "dut-o-ru.yaml").read_text() == "# edited\n"
    forced = subprocess.run([*CLI, "init", "--force", str(lab)], capture_output=True, text=True, timeout=120)
    assert forced.returncode == 0 and (lab / "dut-o-ru.yaml").read_text() == FILES["dut-o-ru.yaml"][1]
