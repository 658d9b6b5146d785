"""Issue 16: NaN / infinities, quadratic YAML mappings and deep applicability expressions."""

from __future__ import annotations

import time

import pytest

from harness.spec.errors import SpecError
from harness.spec.expr import compile as compile_expr
from harness.spec.match import match
from harness.spec.model import Where
from harness.spec.yamlload import load_text


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "1.0e+999"])
def test_nan_and_infinity_are_rejected_at_load_with_the_line(value):
    with pytest.raises(SpecError) as err:
        load_text(f"name: t\ntimer: {value}\n", "s.yaml")
    assert str(err.value).startswith(f"s.yaml:2: {value!r} is not a finite number")


def test_a_mapping_of_many_keys_loads_in_linear_time():
    text = "".join(f"k{i}: {i}\n" for i in range(40_000))
    t0 = time.process_time()
    doc, _ = load_text(text, "big.yaml")
    assert len(doc) == 40_000 and doc.key_line("k39999") == 40_000
    with pytest.raises(SpecError, match="big.yaml:1: the YAML aliases expand"):
        load_text(text + "".join(f"j{i}: {i}\n" for i in range(10_000)), "big.yaml")
    assert time.process_time() - t0 < 10      # was 234 s for a 648 KB spec (quadratic)


@pytest.mark.parametrize("text", ["(" * 3000 + "A" + ")" * 3000, "not " * 3000 + "A", "A in " + "[" * 3000])
def test_a_deep_applicability_expression_is_a_clean_error(text):
    with pytest.raises(SpecError, match=r"^s.yaml:7: bad applicability expression: expression nested more than 50"):
        compile_expr(text, Where("s.yaml", 7))


@pytest.mark.parametrize("observed", [float("nan"), float("inf"), float("-inf")])
def test_a_non_finite_observed_value_fails_range(observed):
    misses = match({"kpm": {"$range": [0, 100]}}, {"kpm": observed})
    assert [m.path for m in misses] == ["kpm"]
    assert "not a finite number" in misses[0].reason
