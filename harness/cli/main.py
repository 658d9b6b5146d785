"""``oran-harness``: the command-line entry point.

Every command reports bad input as one line on stderr and exit status 2; no
traceback reaches the user for an error of theirs or of the DUT's. The rule lives
here, once: a `harness.core.errors.UserError` (a spec, a profile, an argument, a file)
that reaches this level is ``error: <message>`` and exit status 2. A `LabError` or
`DutError` that escapes a command (a file that does not decode, a host that does
not answer) is printed the same way, since the command could not do what was asked;
verdicts about a DUT are a command's own output and exit status, never an exception.

``-v`` shows the harness's info log lines on stderr, ``-vv`` its debug lines
(harness.cli.logsetup); stdout is left to the commands. Whatever a command prints, on stdout or
stderr, passes through `harness.core.terminal`: an ESC or other control character from a file
name, a capture or a result is shown escaped (``\\x1b``), never sent raw to the terminal.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata

from harness.bench import cli as bench_cli
from harness.cli import campaign_command
from harness.cli import (analyze_command, codec_commands, crosscheck_command, examples, fronthaul_commands,
                         fuzz_commands, init_command, logsetup, replay_command, report_commands, run_commands,
                         sim_command)
from harness.core.errors import HarnessError, UserError
from harness.core.terminal import guarded


class UsageError(UserError):
    """The user's input is wrong; the message says where."""


def _version() -> str:
    """The installed distribution's version ('unknown' when run from a tree that was never installed)."""
    try:
        return metadata.version("oran-harness")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oran-harness",
                                     description="O-RAN interoperability and conformance test harness")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                        help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log more on stderr: -v info, -vv debug, -vvv debug from every library "
                             f"(or set {logsetup.ENV_VAR}=info|debug)")
    sub = parser.add_subparsers(dest="command", required=True)
    codec_commands.register(sub)
    examples.register(sub)
    init_command.register(sub)
    run_commands.register(sub)
    campaign_command.register(sub)
    sim_command.register(sub)
    replay_command.register(sub)
    crosscheck_command.register(sub)
    analyze_command.register(sub)
    bench_cli.register(sub)
    fronthaul_commands.register(sub)
    report_commands.register(sub)
    fuzz_commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every line it prints has its control characters escaped (harness.core.terminal)."""
    with guarded():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        logsetup.configure(args.verbose)
        return int(args.handler(args) or 0)
    except HarnessError as err:      # UserError above all; see the module docstring
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
