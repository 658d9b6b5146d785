"""A time-boxed fuzz loop for one target (the ``oran-harness fuzz`` command).

Why beside hypothesis: the pytest fuzz tests run a fixed, modest number of
examples so the normal test run stays fast; a lab or a CI night wants "fuzz
this parser for N minutes", with every crashing input saved to the corpus
and a per-case hang guard (SIGALRM), which a plain seeded loop gives.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field

from harness.fuzz import corpus
from harness.fuzz.mutators import mutate, mutate_text
from harness.fuzz.targets import Case, Crash, Target, probe, warm_up


class Hang(BaseException):
    """A single case ran past the per-case deadline (a BaseException, so that no parser's
    ``except Exception`` can swallow it)."""


@dataclass
class FuzzReport:
    target: str
    cases: int = 0
    rejected: int = 0                    # ended in a documented error
    accepted: int = 0
    slowest: float = 0.0
    crashes: list = field(default_factory=list)     # (saved path, text)
    mutators: Counter = field(default_factory=Counter)


def _on_alarm(_signum, _frame):
    raise Hang()


def case_from(target: Target, seed: Case, rng: random.Random) -> tuple[Case, tuple]:
    if target.kind == "text":
        text, used = mutate_text(seed.data.decode("utf-8", "replace"), rng)
        return Case(seed.label, text.encode("utf-8", "surrogatepass")), used
    data, used = mutate(seed.data, rng)
    return Case(seed.label, data), used


def run(target: Target, seconds: float, seed: int = 0, deadline: float = 10.0, save: bool = True,
        progress=None, corpus_root=None) -> FuzzReport:
    """Mutate the target's seeds (and its corpus) for ``seconds``; save each crashing or hanging case.

    Args:
        deadline: seconds one case may take before it counts as a hang.
        progress: called with the report about every 5 seconds.
        corpus_root: where crashing cases go (default fixtures/fuzz).
    """
    rng = random.Random(seed)
    seeds = target.seeds() + [c for _, c in corpus.load(target.name)]
    if corpus_root is not None:
        seeds += [c for _, c in corpus.load(target.name, corpus_root)]
    report = FuzzReport(target.name)
    warm_up(target)                 # compiles codecs, so 'slowest' and the deadline measure parsing
    old = signal.signal(signal.SIGALRM, _on_alarm)
    end = time.monotonic() + seconds
    tick = time.monotonic() + 5
    try:
        while time.monotonic() < end:
            case, used = case_from(target, rng.choice(seeds), rng)
            report.mutators.update(used)
            t0 = time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, deadline)
            try:
                result = probe(target, case)
            except Hang:
                _found(report, target, case, f"no answer within {deadline:g} s", save, corpus_root)
                continue
            except Crash as err:
                _found(report, target, case, str(err), save, corpus_root)
                continue
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            report.slowest = max(report.slowest, time.monotonic() - t0)
            report.cases += 1
            if isinstance(result, BaseException):
                report.rejected += 1
            else:
                report.accepted += 1
            if progress and time.monotonic() > tick:
                tick = time.monotonic() + 5
                progress(report)
    finally:
        signal.signal(signal.SIGALRM, old)
    return report


def _found(report: FuzzReport, target: Target, case: Case, text: str, save: bool, root) -> None:
    report.cases += 1
    path = (corpus.save(target.name, case, root) if root else corpus.save(target.name, case)) if save else None
    report.crashes.append((path, text))
