"""``oran-harness``: the command-line entry point.

Every command reports bad input as one line on stderr and exit status 2; no
traceback reaches the user for an error of theirs or of the DUT's.
"""

from __future__ import annotations

import argparse
import sys

from harness.cli import codec_commands
from harness.codec.errors import Asn1SourceError, CodecError


class UsageError(Exception):
    """The user's input is wrong; the message says where."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="oran-harness",
                                     description="O-RAN interoperability and conformance test harness")
    sub = parser.add_subparsers(dest="command", required=True)
    codec_commands.register(sub)
    from harness.cli import analyze_command, examples, replay_command, run_commands
    from harness.sim import standalone
    examples.register(sub)
    run_commands.register(sub)
    standalone.register(sub)
    replay_command.register(sub)
    from harness.cli import crosscheck_command; crosscheck_command.register(sub)
    analyze_command.register(sub)
    from harness.bench import cli as bench_cli
    bench_cli.register(sub)
    from harness.cli import fronthaul_commands
    fronthaul_commands.register(sub)
    from harness.cli import report_commands; report_commands.register(sub)
    from harness.cli import fuzz_commands; fuzz_commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (CodecError, Asn1SourceError, UsageError, codec_commands.InputError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
