import pytest

from harness.spec.errors import ProfileError, SpecError
from harness.spec.yamlload import LDict, LList, load_text, plain


def test_lines_of_keys_values_and_items():
    doc, _ = load_text("a: 1\nb:\n  - x\n  - {c: 2}\n", "t.yaml")
    assert isinstance(doc, LDict) and isinstance(doc["b"], LList)
    assert (doc.line, doc.key_line("b"), doc.value_line("b")) == (1, 2, 3)
    assert doc["b"].item_line(1) == 4
    assert plain(doc) == {"a": 1, "b": ["x", {"c": 2}]} and type(plain(doc)["b"]) is list


def test_duplicate_key_names_both_lines():
    with pytest.raises(SpecError) as info:
        load_text("a: 1\nb: 2\na: 3\n", "t.yaml")
    assert str(info.value) == ("t.yaml:3: duplicate key 'a' (first at line 1)\n"
                               "    3 | a: 3\n"
                               "  hint: YAML keeps only the last of duplicate keys; remove or rename one")


def test_merge_keys_may_be_overridden():
    doc, _ = load_text("x: &a {p: 1, q: 2}\ny:\n  <<: *a\n  p: 3\n", "t.yaml")
    assert doc["y"] == {"p": 3, "q": 2}


def test_syntax_error_has_line_and_caret():
    with pytest.raises(SpecError) as info:
        load_text("a: [1\nb: 2\n", "t.yaml")
    assert str(info.value) == ("t.yaml:2: YAML syntax error: expected ',' or ']', but got ':' "
                               "(while parsing a flow sequence at line 1)\n"
                               "    2 | b: 2\n"
                               "         ^")


def test_bad_indentation():
    with pytest.raises(SpecError) as info:
        load_text("a:\n  b: 1\n c: 2\n", "t.yaml")
    assert str(info.value).splitlines()[0] == ("t.yaml:3: YAML syntax error: expected <block end>, but found "
                                               "'<block mapping start>' (while parsing a block mapping at line 1)")


def test_error_class_is_chosen_by_caller():
    with pytest.raises(ProfileError):
        load_text("a: 1\na: 2\n", "p.yaml", ProfileError)
