"""Replay fixtures/fuzz/<target>/: every input that once broke a parser now ends cleanly.

Each file was a crash or a hang before its fix (docs/robustness.md lists them);
the ones named below must also end in the exact documented rejection.
"""

from __future__ import annotations

import signal

import pytest

from harness.fuzz import corpus
from harness.fuzz.targets import TARGETS, probe

CASES = [(name, path, case) for name in TARGETS for path, case in corpus.load(name)]

# file name prefix -> text the outcome must contain (an error message or a capture issue)
EXPECTED = {
    "records__": None,                                            # reassembly: just no IndexError
    "pcap__": None,                                               # a chunkless SCTP packet: no IndexError
    "lab-sim.yaml__": "YAML error: unacceptable character #x0000",
    "reset.yaml__": "YAML error: unacceptable character #x001b",
    "alias-bomb.yaml__": "the YAML aliases expand to more than 100000 values",
    "dut-alias-bomb.yaml__": "the YAML aliases expand to more than 100000 values",
    "nested.yaml__": "the YAML is nested too deeply to read",
    "dut-nested.yaml__": "the YAML is nested too deeply to read",
    # fastper (differential): each was a disagreement between the fast decoder and asn1tools
    "e2sm-kpm+v02.03+E2SM-KPM-IndicationMessage__6687": None,    # empty SIZE(1..2^31-1) list accepted
    "e2sm-rc+v01.03+E2SM-RC-IndicationHeader__155f": None,        # unknown extension addition past the end
    "e2sm-rc+v01.03+E2SM-RC-EventTrigger__80fd": None,            # unknown CHOICE addition past the end
    "e2sm-rc+v01.03+E2SM-RC-ControlOutcome__8947": None,          # leftover octets vs asn1tools' earlier stop
    # a measurement label's mIMO-mode-Index extension addition sent in 2 octets where its complete
    # encoding takes 1 (X.691 11.2 with 11.1): the fast decoder took the value and skipped the
    # surplus octet, asn1tools only aligned and read it as the next measName (a character 160).
    # Both now reject it, naming the addition (harness/codec/perfix.py _close_open_type).
    "e2sm-kpm+v02.03+E2SM-KPM-IndicationMessage__a561": "the open type holds 2 octet(s) but the value's "
                                                         "encoding takes 1 (X.691 11.2)",
    "e2sm-kpm+v03.00+E2SM-KPM-IndicationMessage__d23a": "the open type holds 2 octet(s) but the value's "
                                                         "encoding takes 1 (X.691 11.2)",
}

# Found, not fixed yet (docs/robustness.md), each a strict xfail: none now.
OPEN: tuple[str, ...] = ()


def _alarm(_s, _f):
    raise TimeoutError("a corpus case ran for more than 20 s")


def _key(path) -> str | None:
    return next((k for k in EXPECTED if path.name.startswith(k)), None)


def test_the_corpus_holds_a_case_for_every_fixed_bug():
    assert {_key(p) for _, p, _ in CASES} >= set(EXPECTED)


def _param(name, path, case):
    marks = [pytest.mark.xfail(strict=True, reason="open fast-decoder disagreement")] \
        if path.name.startswith(OPEN) else []
    return pytest.param(name, path, case, id=f"{name}/{path.name}", marks=marks)


@pytest.mark.parametrize("name, path, case", [_param(*c) for c in CASES])
def test_a_corpus_case_ends_in_its_documented_outcome(name, path, case):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(20)
    try:
        outcome = probe(TARGETS[name], case)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    want = EXPECTED.get(_key(path))
    if want is None:
        return
    if name == "fastper":       # differential: both decoders gave this ("error", text)
        assert isinstance(outcome, tuple) and outcome[0] == "error", outcome
        outcome = outcome[1]
    else:
        assert isinstance(outcome, BaseException), outcome
    assert want in str(outcome).splitlines()[0]
