"""Every command, subcommand and option of `oran-harness` says what it is for (issue 19)."""

from __future__ import annotations

import argparse
import subprocess
import sys

from harness.cli.main import build_parser


def _walk(parser: argparse.ArgumentParser, path: str):
    """(where, action) for every option and positional of ``parser`` and its subcommands, and
    (where, None) for every subcommand that has no help line of its own."""
    for action in parser._actions:           # argparse offers no public way to walk its tree
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helped = {choice.dest for choice in action._choices_actions if choice.help}
            for name, sub in action.choices.items():
                if name not in helped and sub.description is None:
                    yield f"{path} {name}", None
                yield from _walk(sub, f"{path} {name}")
            continue
        yield path, action


def test_every_subcommand_and_option_has_help():
    missing = []
    for where, action in _walk(build_parser(), "oran-harness"):
        if action is None:
            missing.append(f"{where}: the subcommand has no help")
        elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
            name = "/".join(action.option_strings) or action.dest
            missing.append(f"{where} {name}: no help")
    assert not missing, "\n".join(missing)


def test_no_help_points_into_the_source_tree():
    bad = [f"{where} {'/'.join(a.option_strings) or a.dest}: {a.help}"
           for where, a in _walk(build_parser(), "oran-harness")
           if a is not None and a.help and ("harness/" in a.help or ".py" in a.help)]
    assert not bad, "\n".join(bad)


def test_version_and_list_faults():
    out = subprocess.run([sys.executable, "-m", "harness.cli.main", "--version"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.startswith("oran-harness ") and out.split()[1][0].isdigit()
    for argv, expect in ((["run", "--list-faults"], "wrong-transaction-id"),
                         (["sim", "e2-node", "--list-faults"], "late-response"),
                         (["sim", "a1-ric", "--list-faults"], "no-location"),
                         (["sim", "o-ru", "--list-faults"], "O-RU simulator")):
        done = subprocess.run([sys.executable, "-m", "harness.cli.main", *argv], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0 and expect in done.stdout, (argv, done.stderr)
