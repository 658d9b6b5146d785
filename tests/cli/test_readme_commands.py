"""Every command in the README's runnable block works as written (issue 19, item 5).

The block follows a ``<!-- runnable -->`` line. Each command is parsed by the real argument
parser and its fixture paths must exist; the ones without a ``# slow`` or ``# until Ctrl-C``
note are run, in order, in a scratch folder that sees the repository's fixtures, test cases and
virtual environment, and must exit 0 (or the status a ``# exits N`` note gives).
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from harness.cli.main import build_parser
from tests.conftest import ROOT

NOTE = re.compile(r"\s+#\s+(slow|until Ctrl-C|exits (\d+))$")


def _commands() -> list[tuple[str, str | None, int]]:
    """(command, note, expected exit status) for each line of the runnable block."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- runnable -->\n```sh\n(.*?)\n```", text, re.S)
    assert match, "README.md has no runnable block"
    out = []
    for line in match.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        note = NOTE.search(line)
        command = line[:note.start()] if note else line
        out.append((command, note.group(1) if note else None, int(note.group(2)) if note and note.group(2) else 0))
    return out


COMMANDS = _commands()


def test_every_command_parses_and_names_files_that_exist():
    parser = build_parser()
    for command, _note, _code in COMMANDS:
        for stage in command.split("|"):
            argv = shlex.split(stage)
            for arg in argv:
                if arg.startswith(("fixtures/", "testcases/", "scripts/")):
                    assert (ROOT / arg).exists(), f"{command}: {arg} does not exist"
            if argv[0] != ".venv/bin/oran-harness":
                assert argv[:3] == [".venv/bin/python", "-m", "pytest"], command
                continue
            try:
                parser.parse_args(argv[1:])
            except SystemExit as stop:           # --version and --list-faults exit 0 on purpose
                assert stop.code == 0, f"{command}: the parser refused it"


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("fixtures", "testcases", ".venv"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def test_the_cheap_commands_run_as_written_in_order(scratch):
    """One test, not one per command: a later command uses what an earlier one wrote (results/...)."""
    ran = 0
    for command, note, code in COMMANDS:
        if note is not None and not note.startswith("exits"):
            continue
        done = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=scratch, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == code, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        ran += 1
    assert ran >= 15
