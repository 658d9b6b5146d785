"""``oran-harness init DIR``: a new lab folder with commented DUT, lab and project templates.

Why: a new lab's first question is which keys go where; the templates answer it per role
(E2 node, Near-RT RIC, Non-RT RIC, O-RU, fronthaul) and load with the strict profile schema
as written (tests/cli/test_init.py), so `oran-harness validate DIR` passes before any edit.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.cli.lab_templates import FILES
from harness.core.verdict import EXIT_USAGE


def register(sub) -> None:
    p = sub.add_parser("init", help="write a lab folder with commented DUT, lab and project file templates",
                       description="Write DIR with one commented DUT profile and one lab profile per DUT role "
                                   "(E2 node, Near-RT RIC, Non-RT RIC, O-RU), a fronthaul lab profile, a "
                                   "project file and a README saying what goes where.")
    p.add_argument("directory", type=Path, metavar="DIR", help="the folder to create (new or empty)")
    p.add_argument("--force", action="store_true", help="overwrite files of the same names in DIR")
    p.set_defaults(handler=run)


def run(args) -> int:
    folder: Path = args.directory
    if folder.exists() and not folder.is_dir():
        print(f"error: {folder}: not a folder", file=sys.stderr)
        return EXIT_USAGE
    clash = [name for name in FILES if (folder / name).exists()]
    if clash and not args.force:
        print(f"error: {folder}: {', '.join(clash)} already there; give another folder, or --force to "
              "overwrite them", file=sys.stderr)
        return EXIT_USAGE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, (_kind, text) in FILES.items():
            (folder / name).write_text(text, encoding="utf-8")
    except OSError as err:
        print(f"error: {folder}: {err.strerror or err}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {len(FILES)} files to {folder}: {', '.join(FILES)}")
    print(f"next: edit the profiles for your DUT's role, then `oran-harness validate {folder}` "
          f"({folder / 'README.md'} says what goes where)")
    return 0
