"""``oran-harness report keygen | sign | verify``: signed manifests of results folders.

Exit status: 0 verified (or done), 1 verification failed, 2 bad input or usage,
always with one line on stderr naming the file; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.core.terminal import safe
from harness.integrity import IntegrityError, VerifyResult, generate_key, sign_dir, verify_dir


def register(report_subparsers) -> None:
    """Add keygen, sign and verify to the ``report`` subparser group."""
    k = report_subparsers.add_parser("keygen", help="create an Ed25519 key pair (PEM) for signing results")
    k.add_argument("--private", type=Path, required=True, help="private key file to create (mode 0600)")
    k.add_argument("--public", type=Path, required=True, help="public key file to create, for reviewers")
    k.add_argument("--passphrase-env", metavar="NAME", help="environment variable holding a passphrase")
    k.set_defaults(handler=keygen)
    s = report_subparsers.add_parser("sign", help="write MANIFEST.json and MANIFEST.sig in a results folder")
    s.add_argument("directory", type=Path, metavar="DIR", help="the results folder to sign")
    s.add_argument("--key", type=Path, required=True, help="PEM private key")
    s.add_argument("--passphrase-env", metavar="NAME", help="environment variable holding the key passphrase")
    s.set_defaults(handler=sign)
    v = report_subparsers.add_parser("verify", help="check a results folder against its signed manifest")
    v.add_argument("directory", type=Path, metavar="DIR", help="the results folder to verify")
    v.add_argument("--trust", type=Path, action="append", default=[], metavar="PUB",
                   help="a trusted PEM public key (repeatable); without it any valid signer is accepted")
    v.set_defaults(handler=verify)


def _guarded(action):
    def run(args) -> int:
        try:
            return action(args)
        except IntegrityError as err:
            print(f"error: {safe(err)}", file=sys.stderr)
            return 2
    run.__doc__ = action.__doc__
    return run


@_guarded
def keygen(args) -> int:
    fp = generate_key(args.private, args.public, args.passphrase_env)
    print(f"created {args.private} (private, mode 0600) and {args.public}; fingerprint {fp}")
    return 0


@_guarded
def sign(args) -> int:
    fp = sign_dir(args.directory, args.key, args.passphrase_env)
    print(f"signed {args.directory} with key {fp}")
    return 0


@_guarded
def verify(args) -> int:
    result = verify_dir(args.directory, args.trust or None)
    print(render(args.directory, result, trust_checked=bool(args.trust)))
    return 0 if result.ok else 1


def render(directory: Path, result: VerifyResult, trust_checked: bool) -> str:
    """One headline, then one line per added, missing or altered file and per signature problem;
    names are escaped (harness.core.terminal.safe), so a file name cannot forge or erase a line."""
    lines = [f"{'OK' if result.ok else 'FAIL'} {safe(directory)}: {safe(result.message)}"]
    lines += [f"  added    {safe(p)}" for p in result.added]
    lines += [f"  missing  {safe(p)}" for p in result.missing]
    lines += [f"  altered  {safe(p)}" for p in result.altered]
    if result.bad_signature:
        lines.append(f"  bad signature (key {result.key_fingerprint or 'unknown'})")
    elif not result.signed:
        lines.append("  not signed")
    elif trust_checked and not result.trusted:
        lines.append(f"  untrusted key {result.key_fingerprint}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oran-harness report",
                                     description="sign and verify results folders")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
