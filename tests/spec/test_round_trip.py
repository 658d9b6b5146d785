"""Every step kind read into its typed model."""

from harness.spec.loader import check_unique_ids, load_library, load_spec_file
from harness.spec import model
from harness.spec.model import (ExpectStep, Malform, RepeatStep, SaveStep, SendStep, TriggerStep,
                                WaitStep, Where)
from tests.spec.conftest import HEAD

FULL = HEAD.replace("status: mandatory", "status: conditional") + """\
    applicability: e2ap.procedures.e2-setup and e2sm.kpm
    pixit:
      transaction_id: {default: 7, description: the transaction ID}
      plmn: "00f110"
    preconditions: [SCTP is up]
    guard: 30
    ignore: [RICindication]
    steps:
      - use: setup
      - send: E2setupRequest
        fields:
          TransactionID: "${transaction_id}"
          GlobalE2node-ID.gNB.global-gNB-ID.plmn-id: "${plmn}"
        omit: [E2nodeComponentConfigAddition]
        malform: {kind: insert-bits, ie: GlobalE2node-ID, field: gNB.global-gNB-ID.plmn-id, bits: "1111"}
        stream: 1
      - send: garbage
        raw: "deadbeef"
      - expect: [E2setupResponse, E2setupFailure]
        timer: 5
        match: {TransactionID: "${transaction_id}", GlobalRIC-ID: {$present: true}}
        check_ies: false
        ignore: [ErrorIndication]
        strict: false
        save: {ric_id: GlobalRIC-ID.ric-ID}
        clause: E2AP v03.01 8.3.1.2
      - trigger: reset
      - trigger: {action: service-update, params: {added: [4]}, prompt: Add RAN function 4, timeout: 30}
      - wait: 0.5
      - save: {x: 3}
      - repeat:
          count: 2
          steps:
            - expect: nothing
              timer: 1
    expected: ["The DUT answers"]
    evidence: [decoded-messages, pcap]
    tags: [smoke]
"""


def test_every_step_kind(load):
    f = load(FULL)
    tc, = f.testcases
    assert isinstance(tc, model.TestCase)
    assert (tc.id, str(tc.reference), tc.dut_role, tc.harness_role, tc.status) == (
        "E2TS-R003-v02.00:5.2.1.1.1", "E2TS-R003-v02.00:5.2.1.1.1", "near-rt-ric", "e2-node", "conditional")
    assert tc.applicability == "e2ap.procedures.e2-setup and e2sm.kpm"
    assert [(p.name, p.default, p.description) for p in tc.pixit] == [
        ("transaction_id", 7, "the transaction ID"), ("plmn", "00f110", "")]
    assert (tc.guard, tc.ignore, tc.preconditions, tc.expected, tc.evidence, tc.tags) == (
        30, ("RICindication",), ("SCTP is up",), ("The DUT answers",), ("decoded-messages", "pcap"), ("smoke",))
    kinds = [s.kind for s in tc.steps]
    assert kinds == ["send", "expect", "send", "send", "expect", "trigger", "trigger", "wait", "save", "repeat"]
    group_send, group_expect, send, raw, expect, t1, t2, wait, save, repeat = tc.steps
    assert group_send.where == Where("lib.yaml", 20) and group_send.template.message == "E2setupRequest"
    assert group_expect.ignore == ("RICindication",)       # the test case's, since the step has none
    assert group_expect.clause == "E2TS-R003-v02.00:5.2.1.1.1"
    assert send == SendStep("E2setupRequest", {"TransactionID": "${transaction_id}",
                                               "GlobalE2node-ID.gNB.global-gNB-ID.plmn-id": "${plmn}"},
                            ("E2nodeComponentConfigAddition",),
                            Malform("insert-bits", "id-GlobalE2node-ID", "gNB.global-gNB-ID.plmn-id", None, "1111",
                                    Where("x.yaml", 21)),
                            None, 1, Where("x.yaml", 16), template=send.template)
    assert type(send.fields) is dict
    assert (raw.message, raw.raw, raw.template) == ("garbage", "deadbeef", None)
    assert expect == ExpectStep(("E2setupResponse", "E2setupFailure"), False,
                                {"TransactionID": "${transaction_id}", "GlobalRIC-ID": {"$present": True}},
                                False, 5, ("ErrorIndication",), False, {"ric_id": "GlobalRIC-ID.ric-ID"},
                                "E2AP v03.01 8.3.1.2", Where("x.yaml", 25))
    assert t1 == TriggerStep("reset", {}, "Make the DUT perform: reset", None, Where("x.yaml", 33))
    assert t2 == TriggerStep("service-update", {"added": [4]}, "Add RAN function 4", 30, Where("x.yaml", 34))
    assert wait == WaitStep(0.5, Where("x.yaml", 35))
    assert save == SaveStep({"x": 3}, Where("x.yaml", 36))
    assert isinstance(repeat, RepeatStep) and repeat.count == 2
    assert repeat.steps == (ExpectStep((), True, {}, True, 1, ("RICindication",), True, {},
                                       "E2TS-R003-v02.00:5.2.1.1.1", Where("x.yaml", 40)),)


def test_library_groups_and_templates_belong_to_their_file(load):
    f = load(HEAD + "    steps: [{expect: nothing}]\n")
    assert f.templates == () and f.groups == {}
    lib = load_spec_file("lib.yaml", None)
    assert [t.name for t in lib.templates] == ["E2setupRequest"]
    assert [s.kind for s in lib.groups["setup"]] == ["send", "expect"]


def test_duplicate_ids_across_files(tmp_path, monkeypatch, codec):
    monkeypatch.chdir(tmp_path)
    text = HEAD + "    steps: [{expect: nothing}]\n"
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    lib = load_library(["a.yaml", "b.yaml"], codec)
    errors = check_unique_ids([load_spec_file("a.yaml", lib), load_spec_file("b.yaml", lib)])
    assert [str(e) for e in errors] == [
        "b.yaml:2: duplicate test case id 'E2TS-R003-v02.00:5.2.1.1.1' (first at a.yaml:2)\n"
        "    2 |   - id: E2TS-R003-v02.00:5.2.1.1.1\n"
        "  hint: test case ids are unique across all spec files"]
