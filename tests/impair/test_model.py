"""Impairment values: what is accepted, and the error for each kind of bad value."""

import math

import pytest

from harness.core.errors import UserError
from harness.impair.model import NONE, Impairment, ImpairmentError, impairment_from


@pytest.mark.parametrize(("kw", "text"), [
    ({"delay_ms": -1}, "delay_ms must be 0 or more, not -1"),
    ({"jitter_ms": math.nan}, "jitter_ms must be a finite number, not nan"),
    ({"loss": 1.5}, "loss must be a probability between 0 and 1, not 1.5"),
    ({"duplicate": -0.1}, "duplicate must be a probability between 0 and 1, not -0.1"),
    ({"reorder": math.nan}, "reorder must be a probability between 0 and 1, not nan"),
    ({"loss": "lots"}, "loss must be a probability (0..1), not 'lots'"),
    ({"blackhole": "a-b"}, "blackhole is 'a-b', not one of: a->b, b->a"),
    ({"jitter_distribution": "pareto"}, "jitter_distribution is 'pareto', not one of: uniform, normal"),
    ({"reorder_gap": 0}, "reorder_gap must be 1 or more, not 0"),
    ({"rate_kbps": math.inf}, "rate_kbps must be a finite number, not inf"),
])
def test_bad_values_are_refused_naming_the_field(kw, text):
    with pytest.raises(ImpairmentError) as err:
        Impairment(**kw)
    assert str(err.value) == text
    assert isinstance(err.value, UserError)


def test_from_mapping_names_where_and_unknown_fields():
    with pytest.raises(ImpairmentError, match=r"^step 3: unknown impairment field 'delay' \(fields: delay_ms"):
        impairment_from({"delay": 5}, "step 3")
    with pytest.raises(ImpairmentError, match=r"^p: delay_ms must be a number, not True$"):
        impairment_from({"delay_ms": True}, "p")
    imp = impairment_from({"delay_ms": 10, "loss": 0.5})
    assert imp.delay_ms == 10.0 and imp.loss == 0.5
    assert imp.describe() == "delay_ms=10.0, loss=0.5"
    assert NONE.describe() == "none"


def test_direction_helpers():
    assert Impairment(partition=True).drops("a->b") and Impairment(partition=True).drops("b->a")
    assert Impairment(blackhole="b->a").drops("b->a") and not Impairment(blackhole="b->a").drops("a->b")
    assert Impairment(loss=0.1, duplicate=0.1, delay_ms=3).datagram_only == ("loss", "duplicate")
