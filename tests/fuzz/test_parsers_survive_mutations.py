"""Every parser that takes outside input, fed mutated valid inputs and random bytes.

Property (harness/fuzz/targets.py): each parse ends normally or with the
parser's documented error (CodecError, CaptureError, SpecError, ProfileError),
never anything else; the fast PER decoder agrees with asn1tools on every
input. Hypothesis draws the mutations through ``st.randoms``, so a failure
shrinks to a small case and prints the blob that replays it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from harness.fuzz import corpus, engine
from harness.fuzz.targets import TARGETS, Case, probe, warm_up
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.test_corpus_replay import OPEN

SCALE = {"spec": 0.125}
BYTE_TARGETS = [n for n, t in TARGETS.items() if t.kind == "bytes"]


@pytest.mark.parametrize("name", list(TARGETS))
def test_mutated_inputs_end_in_a_documented_error_or_a_value(name):
    target = TARGETS[name]
    seeds = target.seeds() + [c for p, c in corpus.load(name) if not p.name.startswith(OPEN)]
    warm_up(target)

    @fuzz_settings(SCALE.get(name, 1.0))
    @given(seed=st.sampled_from(seeds), rng=st.randoms(use_true_random=False))
    def check(seed, rng):
        case, _ = engine.case_from(target, seed, rng)
        probe(target, case)
    check()


@pytest.mark.parametrize("name", BYTE_TARGETS)
def test_random_bytes_end_in_a_documented_error_or_a_value(name):
    target = TARGETS[name]
    labels = sorted({c.label for c in target.seeds()})
    warm_up(target)

    @fuzz_settings(0.5)
    @given(label=st.sampled_from(labels), data=st.binary(max_size=600))
    def check(label, data):
        probe(target, Case(label, data))
    check()
