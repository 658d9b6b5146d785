"""The protocol libraries' logs (ncclient, paramiko, libyang) go to a file in the results, never the console.

Why: at DEBUG, ncclient logs every NETCONF message and paramiko every SSH step,
hundreds of lines per test case; on the console (or in pytest's captured-log
section) they bury the one FAIL line a reviewer needs. They are still worth
keeping when an exchange goes wrong, so a session with a results folder sends
them to ``<results>/logs/netconf.log`` (created on the first record) and keeps
them from the console for as long as it runs.
"""

from __future__ import annotations

import logging
from pathlib import Path

# The top of each library's logger tree, and the ncclient loggers that do not propagate (the wire log).
LIBRARIES = ("ncclient", "paramiko", "libyang")
_NON_PROPAGATING = ("ncclient.transport.session", "ncclient.transport.ssh")
FILE = Path("logs") / "netconf.log"


class ProtocolLog:
    """A file handler on the protocol libraries' loggers; `close` puts the loggers back as they were."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handler = logging.FileHandler(path, encoding="utf-8", delay=True)
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        self._saved: list[tuple[logging.Logger, bool, int]] = []
        for name in (*LIBRARIES, *_NON_PROPAGATING):
            logger = logging.getLogger(name)
            self._saved.append((logger, logger.propagate, logger.level))
            logger.addHandler(self.handler)
            if name in LIBRARIES:
                logger.propagate = False               # not to the console, nor pytest's captured log
                logger.setLevel(logging.DEBUG)

    def close(self) -> None:
        for logger, propagate, level in self._saved:
            logger.removeHandler(self.handler)
            if logger.name in LIBRARIES:
                logger.propagate = propagate
                logger.setLevel(level)
        self._saved.clear()
        self.handler.close()
