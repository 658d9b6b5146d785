"""A pytest plugin for the parallel tests: records, on the xdist controller, which worker ran
which item and when, and what each worker collected (``--record-workers PATH``, a JSON file).

Independent of the harness plugin: it sees only what xdist reports back (``report.node``,
``report.start``/``report.stop``), so it checks the scheduler from the outside.
"""

from __future__ import annotations

import json
from pathlib import Path


def pytest_addoption(parser) -> None:
    parser.addoption("--record-workers", default=None, help="write worker/item/timing records here (JSON)")


class Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.runs: list[dict] = []
        self.collection: list[str] | None = None

    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        self.collection = list(ids)

    def pytest_runtest_logreport(self, report) -> None:
        node = getattr(report, "node", None)
        if node is None:
            return
        self.runs.append({"nodeid": report.nodeid, "when": report.when, "worker": node.gateway.id,
                          "start": report.start, "stop": report.stop, "outcome": report.outcome})

    def pytest_sessionfinish(self) -> None:
        self.path.write_text(json.dumps({"collection": self.collection, "runs": self.runs}, indent=1))


def pytest_configure(config) -> None:
    path = config.getoption("--record-workers")
    if path and not hasattr(config, "workerinput"):
        config.pluginmanager.register(Recorder(Path(path)), "record-workers")
