"""Console logging for the command line: the library logs, the CLI decides what is shown.

Library modules log through ``logging.getLogger(__name__)`` and never configure
logging; only the CLI does, here, once. Log lines go to stderr, so a command's
stdout (tables, verdict lines, JSON) stays exactly what the command prints.

Levels: by default warnings and errors are shown (a skipped wire capture, reports
not written); ``-v`` adds the harness's info lines, ``-vv`` its debug lines, and
``-vvv`` debug from every library (ncclient, paramiko, ...), which otherwise show
nothing below WARNING. ``ORAN_HARNESS_LOG=debug`` (or info, warning, error) sets the
harness's level without the flag, for runs started by scripts.
"""

from __future__ import annotations

import logging
import os
import sys

from harness.core.errors import UserError

ENV_VAR = "ORAN_HARNESS_LOG"
NOISY = ("ncclient", "paramiko", "asyncio", "urllib3")     # chatty at INFO: quiet unless -vvv
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
_HANDLER_NAME = "oran-harness-console"


class _Formatter(logging.Formatter):
    """``warning: text`` like the CLI's own ``error: text`` lines; debug lines name their module."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.exc_info and record.levelno <= logging.DEBUG:
            text += "\n" + self.formatException(record.exc_info)
        if record.levelno <= logging.DEBUG:
            return f"{record.levelname.lower()}: {record.name}: {text}"
        return f"{record.levelname.lower()}: {text}"


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest swaps it per test)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def harness_level(verbosity: int, environ: dict | None = None) -> int:
    """The level of the ``harness`` loggers for ``-v`` given ``verbosity`` times.

    Raises:
        UserError: the environment variable names no level.
    """
    given = (os.environ if environ is None else environ).get(ENV_VAR, "")
    env = given.strip().lower()
    if env and env not in _LEVELS:
        raise UserError(f"{ENV_VAR}={given}: not a log level; use one of {', '.join(_LEVELS)}")
    level = _LEVELS[env] if env else logging.WARNING
    if verbosity >= 2:
        return min(level, logging.DEBUG)
    if verbosity == 1:
        return min(level, logging.INFO)
    return level


def configure(verbosity: int = 0, environ: dict | None = None) -> None:
    """Send log records to stderr at the level ``-v``/``ORAN_HARNESS_LOG`` ask for (idempotent)."""
    level = harness_level(verbosity, environ)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(_Formatter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 3 else logging.WARNING)
    logging.getLogger("harness").setLevel(level)
    for name in NOISY:
        logging.getLogger(name).setLevel(logging.NOTSET if verbosity >= 3 else logging.WARNING)
