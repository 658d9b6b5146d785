"""An xdist scheduler that gives each DUT to exactly one worker, its test cases in spec order.

Theory of operation. A DUT takes one test case at a time, and a test case may
leave state behind that the next one expects (spec order is the run order), so a
DUT's items must never be split across workers. xdist 3.8's ``--dist loadgroup``
would do it with ``xdist_group`` marks, but under pytest 9.2 it ignores them (see
ARCHITECTURE.md), and ``loadscope``/``loadfile`` group by file or class, which for
YAML specs would split a DUT over files. So this scheduler groups by what
`harness.parallel.duts.scope_of` reads from the node id (DUT for spec items, file
for Python tests) and hands out whole groups: one group goes to one worker in a
single batch, in collection order; a worker asks for the next group only when it
has nearly run out. It implements xdist's documented `Scheduling` protocol
(xdist/scheduler/protocol.py) with public worker calls only
(``send_runtest_some``, ``shutdown``, ``shutting_down``).

Invariants: every collected index is sent to exactly one live worker; a group's
indexes are sent together and in ascending order; if a worker dies, the rest of
its group (minus the item that crashed, which xdist reports) goes to one other
worker, still in order.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

import pytest
from xdist.remote import Producer
from xdist.report import report_collection_diff
from xdist.workermanage import WorkerController, parse_tx_spec_config

from harness.parallel.duts import scope_of

# A worker holds back its last item until it has another one or is told to stop,
# so a worker with this many or fewer items left is given its next group.
LOW_WATER = 2


class DutScheduling:
    """Whole DUTs (or test files) as work units, one unit per worker at a time."""

    def __init__(self, config: pytest.Config, log: Producer | None = None) -> None:
        self.config = config
        self.numnodes = len(parse_tx_spec_config(config))
        self.log = (log or Producer("dutsched")).dutsched
        self.collection: list[str] | None = None
        self.units: OrderedDict[str, list[int]] = OrderedDict()       # not yet sent
        self.assigned: dict[WorkerController, dict[int, bool]] = {}   # index -> done, in send order
        self.scopes_of: dict[WorkerController, list[str]] = {}        # what each worker was given
        self.registered: dict[WorkerController, list[str]] = {}

    # ------------------------------------------------------------- protocol: state
    @property
    def nodes(self) -> list[WorkerController]:
        return list(self.assigned)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.registered) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.units:
            return False
        return all(self._pending(node) < 2 for node in self.assigned)

    @property
    def has_pending(self) -> bool:
        return bool(self.units) or any(self._pending(node) for node in self.assigned)

    # ------------------------------------------------------------- protocol: events
    def add_node(self, node: WorkerController) -> None:
        if node in self.assigned:
            raise RuntimeError(f"pytest-xdist added worker {node.gateway.id} twice")
        self.assigned[node] = {}
        self.scopes_of[node] = []

    def add_node_collection(self, node: WorkerController, collection: Sequence[str]) -> None:
        if node not in self.assigned:
            raise RuntimeError(f"pytest-xdist sent the collection of unknown worker {node.gateway.id}")
        if self.collection_is_completed and self.collection is not None and list(collection) != self.collection:
            first = next(iter(self.registered))
            self.log(report_collection_diff(self.collection, list(collection), first.gateway.id, node.gateway.id))
            return
        self.registered[node] = list(collection)

    def mark_test_complete(self, node: WorkerController, item_index: int, duration: float = 0) -> None:
        self.assigned[node][item_index] = True
        self._reschedule(node)

    def mark_test_pending(self, item: str) -> None:
        raise NotImplementedError("the DUT scheduler does not re-queue single items")

    def remove_pending_tests_from_node(self, node: WorkerController, indices: Sequence[int]) -> None:
        raise NotImplementedError("the DUT scheduler does not steal work: a DUT stays on its worker")

    def remove_node(self, node: WorkerController) -> str | None:
        """Drop a worker; the rest of its unit goes back to the front of the queue, in order."""
        work = self.assigned.pop(node)
        self.scopes_of.pop(node, None)
        pending = [i for i, done in work.items() if not done]
        if not pending:
            return None
        if self.collection is None:
            raise RuntimeError("pytest-xdist removed a worker with work before the collection was known")
        crashed = pending.pop(0)
        if pending:
            scope = "requeued:" + scope_of(self.collection[pending[0]])
            self.units[scope] = pending
            self.units.move_to_end(scope, last=False)
            for other in self.nodes:
                self._reschedule(other)
        return self.collection[crashed]

    def schedule(self) -> None:
        if not self.collection_is_completed:
            raise RuntimeError("pytest-xdist asked for a schedule before every worker collected")
        if self.collection is not None:          # a node joined later: give it work
            for node in self.nodes:
                self._reschedule(node)
            return
        collections = list(self.registered.values())
        first = collections[0]
        for node, other in list(self.registered.items())[1:]:
            if other != first:
                self._report_different_collections(node, other)
                return
        self.collection = list(first)
        if not self.collection:
            return
        grouped: dict[str, list[int]] = {}
        for index, nodeid in enumerate(self.collection):
            grouped.setdefault(scope_of(nodeid), []).append(index)
        # Longest unit first, so the slowest DUT starts at once; ties keep collection order.
        for scope, indexes in sorted(grouped.items(), key=lambda kv: -len(kv[1])):
            self.units[scope] = indexes
        spare = len(self.nodes) - len(self.units)
        for node in self.nodes[len(self.nodes) - max(spare, 0):]:
            self.log(f"shutting down unused worker {node.gateway.id}")
            self.assigned.pop(node)
            self.scopes_of.pop(node, None)
            node.shutdown()
        for node in self.nodes:
            self._send_unit(node)

    # ------------------------------------------------------------- inner workings
    def _pending(self, node: WorkerController) -> int:
        return sum(1 for done in self.assigned[node].values() if not done)

    def _send_unit(self, node: WorkerController) -> None:
        scope, indexes = self.units.popitem(last=False)
        self.scopes_of[node].append(scope)
        for index in indexes:
            self.assigned[node][index] = False
        node.send_runtest_some(indexes)

    def _reschedule(self, node: WorkerController) -> None:
        if node.shutting_down:
            return
        if not self.units:
            node.shutdown()
            return
        if self._pending(node) <= LOW_WATER:
            self._send_unit(node)

    def _report_different_collections(self, node: WorkerController, other: list[str]) -> None:
        first_node = next(iter(self.registered))
        msg = report_collection_diff(self.registered[first_node], other, first_node.gateway.id, node.gateway.id)
        self.log("**Different tests collected, aborting run**")
        report = pytest.CollectReport(node.gateway.id, "failed", longrepr=msg, result=[])
        self.config.hook.pytest_collectreport(report=report)
