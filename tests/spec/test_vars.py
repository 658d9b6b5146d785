import pytest

from harness.spec.errors import VariableError
from harness.spec.model import Where
from harness.spec.vars import references, substitute

V = {"tid": 7, "plmn": "00f110", "ric": {"id": 5}, "a.b": "flat"}


def test_whole_value_keeps_its_type():
    assert substitute({"T": "${tid}", "L": ["${ric}"]}, V) == {"T": 7, "L": [{"id": 5}]}


def test_interpolation_and_dotted_names():
    assert substitute("plmn ${plmn}, ric ${ric.id}, ${a.b}, $${tid}", V) == "plmn 00f110, ric 5, flat, ${tid}"


def test_references():
    assert references({"x": ["${a}", "p ${b.c} $${d}"]}) == {"a", "b.c"}


def test_unknown_variable():
    with pytest.raises(VariableError) as info:
        substitute({"x": "${nope}"}, {"tid": 1}, Where("x.yaml", 4))
    assert str(info.value) == "x.yaml:4: unknown variable 'nope'; known: tid"
