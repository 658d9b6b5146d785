"""The CLI's top level: a UserError is one line and exit 2; logging goes to stderr, at -v's level."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.cli import logsetup
from harness.cli.main import main
from harness.core.errors import UserError
from harness.results import ResultsWriter

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness.cli.main", *args], text=True, capture_output=True,
                          cwd=ROOT, timeout=120, env={**os.environ, **(env or {})}, check=False)


@pytest.mark.parametrize("args, env, message", [
    # raised by the library (harness.cli.logsetup), caught only at the top level
    (["decode", "--hex", "00"], {"ORAN_HARNESS_LOG": "loud"},
     "error: ORAN_HARNESS_LOG=loud: not a log level; use one of debug, info, warning, error\n"),
    # a codec_commands.InputError
    (["-v", "decode", "--file", "/nonexistent.aper"], None, "error: /nonexistent.aper: No such file or directory\n"),
    # an Asn1SourceError from the codec catalogue
    (["decode", "--version", "v09.00", "--hex", "00"], None,
     ("error: no built-in ASN.1 for e2ap v09.00; known: e2ap v03.01, e2ap v02.03, e2sm-kpm v03.00, "
      "e2sm-kpm v02.03, e2sm-rc v01.03\n")),
])
def test_a_user_error_is_one_line_and_exit_2(args, env, message):
    out = run(*args, env=env)
    assert (out.returncode, out.stdout, out.stderr) == (2, "", message)


@pytest.fixture
def fresh_logging():
    """Put the root and harness loggers back as they were (configure changes process state)."""
    root, names = logging.getLogger(), ("harness", *logsetup.NOISY)
    saved = (root.level, list(root.handlers), {n: logging.getLogger(n).level for n in names})
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def test_by_default_warnings_show_on_stderr_and_info_does_not(fresh_logging, capsys):
    logsetup.configure(0, environ={})
    log = logging.getLogger("harness.results")
    log.info("not shown")
    log.warning("wire capture skipped: dumpcap is not installed")
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "warning: wire capture skipped: dumpcap is not installed\n")


def test_v_shows_info_and_vv_debug_with_the_module(fresh_logging, capsys):
    logsetup.configure(1, environ={})
    logging.getLogger("harness.x").info("one")
    logging.getLogger("harness.x").debug("hidden")
    logsetup.configure(2, environ={})          # again: one handler, not two
    logging.getLogger("harness.x").debug("two")
    assert capsys.readouterr().err == "info: one\ndebug: harness.x: two\n"


def test_the_environment_variable_sets_the_level_without_the_flag():
    assert logsetup.harness_level(0, {"ORAN_HARNESS_LOG": "DEBUG"}) == logging.DEBUG
    assert logsetup.harness_level(1, {}) == logging.INFO
    with pytest.raises(UserError, match="ORAN_HARNESS_LOG=x: not a log level"):
        logsetup.harness_level(0, {"ORAN_HARNESS_LOG": "x"})


def test_ncclient_and_paramiko_stay_quiet_below_warning_unless_vvv(fresh_logging):
    import harness.interfaces.mplane.client  # noqa: F401  (sets ncclient's wire loggers up for the evidence)
    logsetup.configure(2, environ={})
    for name in ("ncclient", "ncclient.operations.rpc", "paramiko", "paramiko.transport"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING, name
    # ...but the wire recording of harness.interfaces.mplane.client still gets every message
    assert logging.getLogger("ncclient.transport.session").getEffectiveLevel() <= logging.INFO
    assert logging.getLogger("ncclient.transport.ssh").getEffectiveLevel() <= logging.DEBUG
    logsetup.configure(3, environ={})
    assert logging.getLogger("paramiko.transport").getEffectiveLevel() == logging.DEBUG


def test_a_results_notice_is_logged_and_kept_for_the_summary(tmp_path, caplog):
    writer = ResultsWriter(tmp_path, {})
    with caplog.at_level(logging.INFO, logger="harness.results"):
        writer.notice("wire capture skipped: dumpcap is not installed")
    assert writer.notices == ["wire capture skipped: dumpcap is not installed"]
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("harness.results", "WARNING", "wire capture skipped: dumpcap is not installed")]


def test_main_in_process_maps_a_user_error_to_2(fresh_logging, capsys):
    assert main(["decode", "--hex", "zz"]) == 2
    err = capsys.readouterr().err
    assert err == "error: --hex: not a hex string\n"
