"""Parallel runs across DUTs: one pytest session, one xdist worker per DUT (docs/parallel.md).

* `duts` names the DUTs of a run and the node ids that carry them;
* `scheduler` is the xdist scheduler that keeps each DUT's test cases on one worker, in order;
* `sessions` opens a harness session per DUT, writing results only where the DUT runs;
* `joint` compares and reports the per-DUT results folders afterwards.
"""
