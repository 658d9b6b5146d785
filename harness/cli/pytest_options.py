"""The pytest options `oran-harness run` takes as its own: -k, -m, -x, --lf, --alluredir.

Why: an engineer used to pytest types ``-k setup -x`` and expects it to work, without the
``--pytest=`` escape. They are passed to the pytest child as they are; the harness plugin makes
``-k`` match a test case's title as well as its id (harness/pytest_plugin.py). pytest's cache is
kept in ``.pytest_cache`` of the working folder, so ``--lf`` reruns what failed in the last run
made from there.
"""

from __future__ import annotations

from pathlib import Path


def register(r) -> None:
    """Add the pytest options to the `run` parser."""
    g = r.add_argument_group("pytest options (passed to pytest as they are)")
    g.add_argument("-k", dest="keyword", default=None, metavar="EXPR",
                   help="only the test cases whose id or title matches EXPR (pytest's -k: substrings, "
                        "and/or/not), e.g. -k 'setup and not failure'")
    g.add_argument("-m", dest="markexpr", default=None, metavar="MARKEXPR",
                   help="only the test cases with these markers, e.g. -m mandatory, -m 'e2 and not optional' "
                        "(markers: mandatory, conditional, optional, e2, a1, mplane, dut_<role>)")
    g.add_argument("-x", "--exitfirst", action="store_true",
                   help="stop at the first test case that does not PASS")
    g.add_argument("--lf", "--last-failed", dest="last_failed", action="store_true",
                   help="run only the test cases that failed in the last run from this folder")
    g.add_argument("--alluredir", default=None, type=Path, metavar="DIR",
                   help="also write Allure results to DIR (view them: docs/reports.md)")


def passed_on(args) -> list[str]:
    """The pytest arguments the options given stand for."""
    out: list[str] = []
    if args.keyword is not None:
        out += ["-k", args.keyword]
    if args.markexpr is not None:
        out += ["-m", args.markexpr]
    if args.exitfirst:
        out.append("-x")
    if args.last_failed:
        out.append("--lf")
    if args.alluredir is not None:
        out += ["--alluredir", str(args.alluredir)]
    return out


def fixed() -> list[str]:
    """The pytest arguments every run has: no ini ``addopts`` (a project's ``-p no:cacheprovider``
    would make --lf forget), pytest's cache in the working folder, no [100%] after the case lines,
    and no pytest log capture: pytest 9 hooks its handler onto every non-propagating logger too, so
    it would print ncclient's and paramiko's DEBUG wire log (kept in ``<results>/logs/netconf.log``)
    under each FAIL, burying its finding."""
    return ["-o", "addopts=", "-o", f"cache_dir={Path.cwd() / '.pytest_cache'}",
            "-o", "console_output_style=classic", "-p", "no:logging"]
