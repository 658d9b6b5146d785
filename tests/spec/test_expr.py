import pytest

from harness.spec.errors import SpecError
from harness.spec.expr import compile
from harness.spec.model import Where

W = Where("x.yaml", 3)
KNOWN = ["a", "b", "c", "e2ap.version", "e2ap.procedures.e2-setup", "n"]


@pytest.mark.parametrize("text, shown", [
    ("not a or b and c", "not a or (b and c)"),
    ("(not a or b) and c", "(not a or b) and c"),
    ("a and not b == c", "a and not (b == c)"),
    ("e2ap.version in ['v03.01', 'v02.03']", "e2ap.version in ['v03.01', 'v02.03']"),
    ("n >= 2 and e2ap.version not in ['x']", "(n >= 2) and (e2ap.version not in ['x'])"),
])
def test_precedence(text, shown):
    assert str(compile(text, W, KNOWN)) == shown


@pytest.mark.parametrize("text, pics, result", [
    ("e2ap.procedures.e2-setup and (a or b)", {"e2ap.procedures.e2-setup": True, "a": False, "b": False},
     (False, "a is false and b is false")),
    ("e2ap.procedures.e2-setup and (a or b)", {"e2ap.procedures.e2-setup": True, "b": True},
     (True, "e2ap.procedures.e2-setup is true and b is true")),
    ("not a", {"a": True}, (False, "a is true")),
    ("a", {}, (False, "a is not declared in the DUT profile")),
    ("e2ap.version == 'v03.01'", {"e2ap.version": "v02.03"},
     (False, "e2ap.version == 'v03.01' is false (e2ap.version is 'v02.03')")),
    ("n > 2", {"n": 3}, (True, "n > 2 is true (n is 3)")),
    ("n > 2", {"n": "x"}, (False, "n > 2 cannot be compared (n is 'x')")),
])
def test_evaluate_with_reasons(text, pics, result):
    assert compile(text, W, KNOWN).evaluate(pics) == result


@pytest.mark.parametrize("text, message", [
    ("a and", "bad applicability expression: expected a PICS item, a value or '(', found the end at column 6"),
    ("a == b == c", "bad applicability expression: comparisons do not chain; use 'and', found '==' at column 8"),
    ("(a", "bad applicability expression: expected ')', found the end at column 3"),
    ("a & b", "bad applicability expression: unexpected character '&' at column 3"),
    ("a b", "bad applicability expression: expected 'and', 'or' or the end, found 'b' at column 3"),
    ("e2ap.procedures.e2-stup", "unknown PICS item 'e2ap.procedures.e2-stup' in applicability "
                                "(did you mean e2ap.procedures.e2-setup?)"),
])
def test_errors(text, message):
    with pytest.raises(SpecError) as info:
        compile(text, W, KNOWN, "    applicability: " + text)
    assert info.value.message == message
    assert str(info.value).splitlines()[1] == "    3 |     applicability: " + text


def test_no_eval():
    with pytest.raises(SpecError):
        compile("__import__('os')", W, None)
