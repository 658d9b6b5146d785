"""The management CONF cases (software, file, performance management, U-plane configuration) against the
O-RU simulator over real SSH, with the lab's real SFTP server: PASS clean, and each fault mode FAILs the
right case with the right finding (tests/mplane/test_suite_faults.py pattern)."""

from __future__ import annotations

import pytest

from harness.core.verdict import Verdict
from harness.spec.errors import SpecError
from tests.mplane.test_suite_faults import LAB, SPECS, _bad, _run, _session

CASES = [("swm.yaml", "8/software-update"), ("filemgmt.yaml", "12/log-upload"), ("filemgmt.yaml", "12/round-trip"),
         ("pm.yaml", "10/rx-window"), ("pm.yaml", "10/result-file"),
         ("uplane.yaml", "9.1/uplane-readback")]


@pytest.mark.parametrize("file, clause", CASES, ids=[c[1] for c in CASES])
def test_management_case_passes_against_the_simulator(tmp_path, file, clause):
    result = _run(tmp_path, file, clause)
    assert result.verdict == Verdict.PASS, [f.line() for f in result.findings]
    checks = {f.check for f in result.findings}
    assert "yang.modules" in checks        # replies and notifications were validated against the subsets


FAULTS = [
    ("swm-download-failed", "swm.yaml", "8/software-update", "notification.match", 'observed "INTEGRITY_ERROR"'),
    ("swm-no-download-event", "swm.yaml", "8/software-update", "notification.timer", "no download-event"),
    ("swm-inventory-unchanged", "swm.yaml", "8/software-update", "reply.match", 'expected "true", observed "false"'),
    ("upload-corrupted", "filemgmt.yaml", "12/round-trip", "file.content",
     "returned.txt arrived with other bytes than the served reference.txt"),
    ("no-upload-notification", "filemgmt.yaml", "12/log-upload", "notification.timer",
     "no file-upload-notification"),
    ("pm-no-report", "pm.yaml", "10/rx-window", "notification.timer", "no measurement-result-stats"),
    ("pm-no-result-file", "pm.yaml", "10/result-file", "reply.match", "0 is outside [1, inf]"),
    ("pm-result-file-empty", "pm.yaml", "10/result-file", "file.size", "pm-result holds 0 octets, fewer than 1"),
    ("pm-result-file-unnamed", "pm.yaml", "10/result-file", "file.contains", "does not hold 'RX_ON_TIME'"),
    ("uplane-readback-differs", "uplane.yaml", "9.1/uplane-readback", "reply.match",
     'expected "256" (saved as eaxc_cc0), observed "257"'),
]


@pytest.mark.parametrize("fault, file, clause, check, words", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_management_fault_fails_the_right_case(tmp_path, fault, file, clause, check, words):
    result = _run(tmp_path, file, clause, fault)
    bad = _bad(result)
    assert result.verdict == Verdict.FAIL, [f.line() for f in result.findings]
    assert bad[0].check == check, bad[0].line()
    assert words in bad[0].message, bad[0].message
    if fault == "swm-inventory-unchanged":     # the inventory after activation names the slot
        assert bad[0].ie_path == "//swm:software-slot[swm:name='swSlot2']/swm:active", bad[0].line()
    if fault == "pm-no-result-file":           # the PM folder's listing is empty
        assert bad[0].ie_path == "count(fm2:file-list)", bad[0].line()


def test_uplane_configuration_differing_from_the_cuplane_profile_names_both_values(tmp_path):
    """The O-RU reads back what it was told (eAxC 258), but the lab's CU-plane checks expect 256 and 272."""
    lab = tmp_path / "lab.yaml"
    lab.write_text(LAB.read_text().replace("pixit:\n", 'pixit:\n  eaxc_cc0: "258"\n  prbs_cc1: "100"\n')
                   .replace("fronthaul_profile: lab-fronthaul-sim-o-ru.yaml",
                            f"fronthaul_profile: {LAB.parent / 'lab-fronthaul-sim-o-ru.yaml'}"))
    result = _run(tmp_path, "uplane.yaml", "9.1/uplane-readback", lab=lab)
    assert result.verdict == Verdict.FAIL
    lines = [f.message for f in _bad(result)]
    assert all(f.check.startswith("cuplane.") for f in _bad(result)), lines
    assert any("reports eAxC id 0x0102" in m and "configures 0x0100" in m for m in lines), lines
    assert any("reports 100 PRBs" in m and "CC 1 106 PRBs" in m for m in lines), lines
    assert any("configures eAxC id 0x0100" in m and "no endpoint of the O-RU has it" in m for m in lines), lines


def test_an_empty_text_for_expect_file_contains_is_refused_with_its_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text((SPECS / "pm.yaml").read_text().replace('contains: "${pm_object}"', 'contains: [""]'))
    session = _session(tmp_path)
    try:
        with pytest.raises(SpecError, match=r"bad\.yaml:\d+: expect-file contains: '' is not a non-empty text"):
            session.load(spec)
    finally:
        session.finish()
