"""Golden error texts: one per class of bad input (the lab engineer's interface)."""

from tests.spec.conftest import HEAD


def steps(text):
    return HEAD + "    steps:\n" + "".join("      " + line + "\n" for line in text.strip("\n").splitlines())


def test_unknown_message(error):
    assert error(steps("- send: E2setupReqest\n- expect: E2setupResponse")) == (
        "x.yaml:8: unknown message 'E2setupReqest' (did you mean E2setupRequest?); no template has that name either\n"
        "    8 |       - send: E2setupReqest\n"
        "  hint: templates: E2setupRequest")


def test_unknown_expected_message(error):
    assert error(steps("- expect: [E2setupResponse, E2setupFailur]")) == (
        "x.yaml:8: unknown message 'E2setupFailur' (did you mean E2setupFailure?)\n"
        "    8 |       - expect: [E2setupResponse, E2setupFailur]\n"
        "  hint: or 'nothing' to expect silence")


def test_unknown_testcase_key(error):
    text = HEAD.replace("    status: mandatory\n", "    status: mandatory\n    gaurd: 3\n") + \
        "    steps: [{expect: nothing}]\n"
    assert error(text) == (
        "x.yaml:7: unknown key 'gaurd' in test case (did you mean guard?)\n"
        "    7 |     gaurd: 3\n"
        "  hint: allowed keys: id, title, interface, dut, status, applicability, pixit, preconditions, guard, "
        "ignore, steps, expected, evidence, tags")


def test_missing_key(error):
    text = HEAD.replace("    title: t\n", "") + "    steps: [{expect: nothing}]\n"
    assert error(text) == ("x.yaml:2: test case E2TS-R003-v02.00:5.2.1.1.1 has no 'title'\n"
                           "    2 |   - id: E2TS-R003-v02.00:5.2.1.1.1")


def test_wrong_type(error):
    assert error(steps("- expect: nothing\n  timer: soon")) == (
        "x.yaml:9: 'timer' must be a number or a ${variable}, not a string ('soon')\n"
        "    9 |         timer: soon")


def test_bad_choice(error):
    text = HEAD.replace("status: mandatory", "status: mandatry") + "    steps: [{expect: nothing}]\n"
    assert error(text) == ("x.yaml:6: 'status' is 'mandatry', not one of: mandatory, conditional, optional "
                           "(did you mean mandatory?)\n"
                           "    6 |     status: mandatry")


def test_bad_id(error):
    text = HEAD.replace("E2TS-R003-v02.00:5.2.1.1.1", "E2TS:5.2") + "    steps: [{expect: nothing}]\n"
    assert error(text) == ("x.yaml:2: test case id 'E2TS:5.2' is not document-version:clause\n"
                           "    2 |   - id: E2TS:5.2\n"
                           "  hint: for example E2TS-R003-v02.00:5.2.1.1.1 (optionally with '/suffix')")


def test_interface_must_be_the_duts(error):
    text = HEAD.replace("dut: near-rt-ric", "dut: e2-node") + "    steps: [{expect: nothing}]\n"
    assert error(text) == ("x.yaml:4: interface 'near-rt-ric.e2' is not the interface of the DUT 'e2-node'\n"
                           "    4 |     interface: near-rt-ric.e2\n"
                           "  hint: a e2-node DUT is tested on e2-node.e2")


def test_unknown_ie_in_fields(error):
    assert error(steps("- send: E2setupRequest\n  fields: {TransactionId: 3}\n- expect: nothing")) == (
        "x.yaml:9: E2setupRequest has no IE 'TransactionId' (did you mean TransactionID?); it has: TransactionID, "
        "GlobalE2node-ID, RANfunctionsAdded, E2nodeComponentConfigAddition\n"
        "    9 |         fields: {TransactionId: 3}")


def test_field_path_that_does_not_exist(error):
    text = steps("- send: E2setupRequest\n  fields:\n    GlobalE2node-ID.gNB.global-gNB-ID.plmnid: \"00f110\"\n"
                 "- expect: nothing")
    assert error(text) == (
        "x.yaml:10: GlobalE2node-ID.gNB.global-gNB-ID has no component 'plmnid' (did you mean plmn-id?); "
        "components: plmn-id, gnb-id\n"
        "    10 |           GlobalE2node-ID.gNB.global-gNB-ID.plmnid: \"00f110\"")


def test_field_value_that_does_not_fit(error):
    text = steps("- send: E2setupRequest\n  fields:\n    GlobalE2node-ID.gNB.global-gNB-ID.plmn-id: \"00f1\"\n"
                 "- expect: nothing")
    assert error(text) == (
        "x.yaml:10: GlobalE2node-ID.gNB.global-gNB-ID.plmn-id: Expected between 3 and 3 bytes, but got 2.\n"
        "    10 |           GlobalE2node-ID.gNB.global-gNB-ID.plmn-id: \"00f1\"")


def test_enumerated_value(error):
    text = steps("- send: ResetRequest\n  fields: {TransactionID: 1, Cause: {misc: om-interventon}}\n"
                 "- expect: nothing")
    assert error(text) == (
        "x.yaml:9: Cause.misc: 'om-interventon' is not one of: control-processing-overload, hardware-failure, "
        "om-intervention, unspecified (did you mean om-intervention?)\n"
        "    9 |         fields: {TransactionID: 1, Cause: {misc: om-interventon}}")


def test_bare_message_needs_mandatory_ies(error):
    assert error(steps("- send: ResetRequest\n  fields: {TransactionID: 1}\n- expect: nothing")) == (
        "x.yaml:8: ResetRequest needs its mandatory IE(s) Cause: there is no template named ResetRequest\n"
        "    8 |       - send: ResetRequest\n"
        "  hint: give them in 'fields', leave them out on purpose with 'omit', or define a template")


def test_unknown_matcher_operator(error):
    text = steps("- expect: E2setupResponse\n  match:\n    TransactionID: {$rnge: [0, 3]}")
    assert error(text) == (
        "x.yaml:10: match TransactionID.$rnge: unknown matcher operator '$rnge' (did you mean $range?); known: "
        "$any, $present, $absent, $exact, $range, $regex, $one-of, $echo, $len, $contains, $each\n"
        "    10 |           TransactionID: {$rnge: [0, 3]}")


def test_unknown_component_in_match_points_at_its_line(error):
    text = steps("- expect: E2setupResponse\n  match:\n    GlobalRIC-ID:\n      ric: {$present: true}")
    assert error(text) == (
        "x.yaml:11: match: GlobalRIC-ID has no component 'ric' (did you mean ric-ID?); components: "
        "pLMN-Identity, ric-ID\n"
        "    11 |             ric: {$present: true}")


def test_match_on_nothing(error):
    assert error(steps("- expect: nothing\n  match: {TransactionID: 1}")) == (
        "x.yaml:9: 'expect: nothing' takes no 'match': no message is there to check\n"
        "    9 |         match: {TransactionID: 1}")


def test_save_path(error):
    assert error(steps("- expect: E2setupResponse\n  save: {ric: GlobalRIC-ID.ricID}")) == (
        "x.yaml:9: GlobalRIC-ID has no component 'ricID' (did you mean ric-ID?); components: pLMN-Identity, ric-ID\n"
        "    9 |         save: {ric: GlobalRIC-ID.ricID}")


def test_malform_kind(error):
    text = steps("- send: E2setupRequest\n  malform: {kind: insert-bit, ie: GlobalE2node-ID}\n- expect: nothing")
    assert error(text) == (
        "x.yaml:9: 'kind' is 'insert-bit', not one of: drop-ie, violate, flip-bits, truncate-bits, insert-bits "
        "(did you mean insert-bits?)\n"
        "    9 |         malform: {kind: insert-bit, ie: GlobalE2node-ID}")


def test_malform_insert_bits_needs_bits(error):
    text = steps("- send: E2setupRequest\n  malform: {kind: insert-bits, ie: GlobalE2node-ID}\n- expect: nothing")
    assert error(text) == (
        "x.yaml:9: malform kind 'insert-bits' needs 'bits': a string of 0 and 1, such as \"1111\"\n"
        "    9 |         malform: {kind: insert-bits, ie: GlobalE2node-ID}")


def test_step_without_kind(error):
    assert error(steps("- sned: E2setupRequest\n- expect: nothing")) == (
        "x.yaml:8: a step needs one of: send, expect, restart, recover, indication-flow, tnl-add, tnl-join, impair, "
        "clear-impairment, link-flap, partition, trigger, wait, save, repeat, use; found 'sned' "
        "(did you mean send?)\n"
        "    8 |       - sned: E2setupRequest")


def test_step_with_two_kinds(error):
    assert error(steps("- send: E2setupRequest\n  wait: 1\n- expect: nothing")) == (
        "x.yaml:9: a step has one kind; this one has send and wait\n"
        "    9 |         wait: 1\n"
        "  hint: split it into one step per kind")


def test_group_recursion(error):
    lib = "groups:\n  a:\n    - use: b\n  b:\n    - use: a\n"
    assert error(steps("- use: a\n- expect: nothing"), lib) == (
        "lib.yaml:5: step group 'a' uses itself: a -> b -> a\n"
        "    5 |     - use: a")


def test_unknown_group(error):
    assert error(steps("- use: setpu\n- expect: nothing")) == (
        "x.yaml:8: unknown step group 'setpu' (did you mean setup?)\n"
        "    8 |       - use: setpu\n"
        "  hint: groups: setup")


def test_test_case_that_checks_nothing(error):
    assert error(steps("- send: E2setupRequest")) == (
        "x.yaml:8: test case E2TS-R003-v02.00:5.2.1.1.1 has no expect step: it would check nothing\n"
        "    8 |       - send: E2setupRequest\n"
        "  hint: add an expect step (or 'expect: nothing' to check silence)")


def test_unknown_pics_item(error):
    text = HEAD.replace("    status: mandatory\n", "    status: conditional\n"
                        "    applicability: e2ap.procedures.e2-setp and e2sm.kpm\n") + "    steps: [{expect: nothing}]\n"
    assert error(text) == (
        "x.yaml:7: unknown PICS item 'e2ap.procedures.e2-setp' in applicability (did you mean "
        "e2ap.procedures.e2-setup?)\n"
        "    7 |     applicability: e2ap.procedures.e2-setp and e2sm.kpm\n"
        "  hint: close items: e2ap.procedures.e2-setup, e2ap.procedures.ric-query, "
        "e2ap.procedures.e2-connection-update, e2ap.procedures.ric-control; "
        "all items are in specs/pics/pics.yaml")


def test_conditional_needs_applicability(error):
    text = HEAD.replace("status: mandatory", "status: conditional") + "    steps: [{expect: nothing}]\n"
    assert error(text) == (
        "x.yaml:2: test case E2TS-R003-v02.00:5.2.1.1.1 is conditional but has no 'applicability'\n"
        "    2 |   - id: E2TS-R003-v02.00:5.2.1.1.1\n"
        "  hint: say which PICS items it depends on, e.g. applicability: e2ap.procedures.e2-setup")


def test_template_value_that_does_not_fit(error):
    lib = "templates:\n  T:\n    message: ResetRequest\n    ies: {TransactionID: x}\n"
    assert error(steps("- expect: nothing"), lib) == (
        "lib.yaml:4: TransactionID: expected an integer, not 'x'\n"
        "    4 |     ies: {TransactionID: x}")


def test_template_defined_twice(tmp_path, monkeypatch, codec):
    import pytest
    from harness.spec.errors import SpecError
    from harness.spec.loader import load_library
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("groups:\n  g: [{wait: 1}]\n")
    (tmp_path / "b.yaml").write_text("groups:\n  other: [{wait: 1}]\n  g: [{wait: 2}]\n")
    with pytest.raises(SpecError) as info:
        load_library(["a.yaml", "b.yaml"], codec)
    assert str(info.value) == ("b.yaml:3: group 'g' is defined twice (first at a.yaml:2)\n"
                               "    3 |   g: [{wait: 2}]")
