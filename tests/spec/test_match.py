import pytest

from harness.spec.errors import VariableError
from harness.spec.match import ABSENT, check_spec, match


def reasons(spec, observed, variables=None):
    return [str(m) for m in match(spec, observed, "X", variables)]


@pytest.mark.parametrize("spec, observed", [
    (5, 5), ("a", "a"), ([1, 2], [1, 2]), ({"a": 1}, {"a": 1, "b": 2}), ({"gNB": {"id": 1}}, {"gNB": {"id": 1}}),
    ({"$any": True}, ABSENT), ({"$present": True}, 0), ({"$present": False}, ABSENT), ({"$absent": True}, ABSENT),
    ({"$exact": {"a": 1}}, {"a": 1}), ({"$range": [0, 3]}, 3), ({"$range": [None, 3]}, -9),
    ({"$regex": "0+f1+0"}, "00f110"), ({"$one-of": [1, {"$range": [5, 9]}]}, 7), ({"$echo": "t"}, 17),
    ({"$len": 2}, [0, 0]), ({"$len": {"$range": [1, 3]}}, "ab"), ({"$present": True, "$range": [0, 9]}, 4),
])
def test_matches(spec, observed):
    assert match(spec, observed, "X", {"t": 17}) == []


@pytest.mark.parametrize("spec, observed, reason", [
    (5, 7, "X: expected 5, observed 7"),
    (1, True, "X: expected 1, observed true"),
    (5, ABSENT, "X: absent, expected 5"),
    ([1, 2], [1], "X: expected 2 item(s), observed 1"),
    ([1, 2], 3, "X: expected a list, observed 3"),
    ({"a": 1}, 3, "X: expected a mapping with a, observed 3"),
    ({"gNB": {"id": 1}}, {"eNB": {"id": 1}}, "X.gNB: absent, expected {\"id\": 1}"),
    ({"$present": True}, ABSENT, "X: absent, expected present"),
    ({"$present": False}, 3, "X: present (3), expected absent"),
    ({"$absent": True}, "x", "X: present (\"x\"), expected absent"),
    ({"$exact": {"a": 1}}, {"a": 1, "b": 2}, "X: expected exactly {\"a\": 1}, observed {\"a\": 1, \"b\": 2}"),
    ({"$range": [0, 3]}, 4, "X: 4 is outside [0, 3]"),
    ({"$range": [0, None]}, -1, "X: -1 is outside [0, inf]"),
    ({"$range": [0, 3]}, "a", "X: expected a number in [0, 3], observed \"a\""),
    ({"$range": [0, 3]}, ABSENT, "X: absent, expected $range [0, 3]"),
    ({"$regex": "a+"}, "ab", "X: \"ab\" does not match /a+/"),
    ({"$regex": "a+"}, 3, "X: expected a string matching /a+/, observed 3"),
    ({"$one-of": [1, 2]}, 3, "X: 3 is none of [1, 2]"),
    ({"$echo": "t"}, 18, "X: expected 17 (saved as t), observed 18"),
    ({"$len": 2}, [1], "X: length: expected 2, observed 1"),
    ({"$len": {"$range": [2, 3]}}, [1], "X: length: 1 is outside [2, 3]"),
])
def test_mismatches(spec, observed, reason):
    assert reasons(spec, observed, {"t": 17}) == [reason]


def test_all_mismatches_are_reported_with_paths():
    spec = {"A": 1, "B": {"$present": True}, "C": {"x": [{"y": 2}]}}
    assert [str(m) for m in match(spec, {"A": 2, "C": {"x": [{"y": 3}]}})] == [
        "A: expected 1, observed 2", "B: absent, expected present", "C.x[0].y: expected 2, observed 3"]


def test_echo_of_unknown_variable_is_a_harness_error():
    with pytest.raises(VariableError) as info:
        match({"$echo": "nope"}, 1, "X", {"a": 1})
    assert str(info.value) == "unknown variable 'nope'; known: a"


def test_check_spec():
    assert check_spec({"A": {"$rnge": [1, 2]}, "B": {"$len": "x"}, "C": {"$range": [1]},
                       "D": {"$regex": "("}, "E": {"$present": 1}, "F": {"$one-of": []},
                       "G": {"$any": True, "x": 1}}) == [
        ("A.$rnge", "unknown matcher operator '$rnge' (did you mean $range?); known: $any, $present, $absent, "
                    "$exact, $range, $regex, $one-of, $echo, $len, $contains, $each"),
        ("B.$len", "$len takes a count or an operator set such as {$range: [1, 4]}, not \"x\""),
        ("C.$range", "$range takes [low, high] (numbers, null for open), not [1]"),
        ("D.$regex", "$regex /(/ does not compile: missing ), unterminated subpattern at position 0"),
        ("E.$present", "$present takes true or false, not 1"),
        ("F.$one-of", "$one-of takes a non-empty list, not []"),
        ("G", "mixes operators ($any) with components (x)"),
    ]
