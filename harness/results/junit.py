"""JUnit XML from a results folder, keeping the verdict meaning (harness.core.verdict.OUTCOMES).

CI servers read JUnit; they know only pass, failure, error and skipped. The mapping
keeps what matters: FAIL (the DUT broke the spec) is a <failure> with its findings and
clauses; ERROR (the lab or harness broke) is an <error>, never a failure; INCONC is
<skipped message="INCONC: ...">, never a pass; NOT-APPLICABLE is skipped with its reason.
A killed run still gives a valid file (properties complete=false, status=INCOMPLETE), with
each planned test case that never ran as an <error type="INCOMPLETE">.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.results.procedure import parse_reference
from harness.results.reader import FindingRow, ResultsDir, TestRow
from harness.results.simulated import EXPLANATION, LABEL, is_simulated
from harness.results.atomic import write_atomic
from harness.core.verdict import OUTCOMES, Verdict


def _kind(row: TestRow) -> str:
    """'' | 'failure' | 'error' | 'skipped' for one row."""
    if row.verdict == "NOT-APPLICABLE":
        return "skipped"
    verdict = Verdict.__members__.get(row.verdict)
    return OUTCOMES[verdict].junit if verdict is not None else "error"


def _worst(row: TestRow) -> FindingRow | None:
    for f in row.findings:
        if f.verdict == row.verdict:
            return f
    return row.findings[-1] if row.findings else None


def _line(f: FindingRow) -> str:
    where = f" at {f.ie_path}" if f.ie_path else ""
    cite = f" [{f.clause}]" if f.clause else ""
    return f"{f.verdict}: {f.check}{where}: {f.message}{cite}"


def _detail(row: TestRow) -> str:
    out = [f"{row.id}  {row.title}", f"spec: {row.spec}", f"reference: {row.reference}"]
    for f in row.findings:
        if f.verdict == "PASS":
            continue
        out.append(_line(f))
        if f.step:
            out.append(f"  step: {f.step}")
        if f.expected is not None or f.observed is not None:
            out.append(f"  expected: {f.expected!r}")
            out.append(f"  observed: {f.observed!r}")
    out.extend(f"evidence: {p}" for p in row.artifacts())
    return "\n".join(out)


def _testcase(row: TestRow, parent: ET.Element) -> str:
    ref = parse_reference(row.reference)
    case = ET.SubElement(parent, "testcase", {
        "classname": f"{ref.document} {ref.version}".strip() or row.interface or "oran-harness",
        "name": f"{row.id}: {row.title}" if row.title else row.id,
        "time": f"{row.duration or 0.0:.3f}"})
    spec_file, _, spec_line = row.spec.rpartition(":")
    if spec_line.isdigit():
        case.set("file", spec_file)
        case.set("line", spec_line)
    props = ET.SubElement(case, "properties")
    for name, value in (("verdict", row.verdict), ("oran", row.oran), ("clause", ref.clause),
                        ("status", row.status), ("interface", row.interface)):
        if value:
            ET.SubElement(props, "property", {"name": name, "value": value})
    kind = _kind(row)
    worst = _worst(row)
    if row.verdict == "NOT-APPLICABLE":
        ET.SubElement(case, "skipped", {"message": f"NOT-APPLICABLE: {row.reason}"})
    elif kind == "skipped":
        ET.SubElement(case, "skipped", {"message": f"INCONC: {worst.message if worst else ''}"}).text = _detail(row)
    elif kind in ("failure", "error"):
        message = _line(worst) if worst else f"{row.verdict}: no finding recorded"
        ET.SubElement(case, kind, {"message": message, "type": row.verdict}).text = _detail(row)
    if row.artifacts():
        ET.SubElement(case, "system-out").text = "\n".join(f"[[ATTACHMENT|{p}]]" for p in row.artifacts())
    return kind


def junit_tree(results: ResultsDir) -> ET.ElementTree:
    """The JUnit document of one results folder (one <testsuite> per run)."""
    return ET.ElementTree(_junit_root(results))


def _junit_root(results: ResultsDir) -> ET.Element:
    meta = results.meta
    root = ET.Element("testsuites", {"name": "oran-harness"})
    simulated = is_simulated(meta.raw)
    name = f"{meta.dut.name or 'DUT'} ({meta.mode or 'run'})" + (f" [{LABEL}]" if simulated else "")
    suite = ET.SubElement(root, "testsuite", {"name": name})
    props = ET.SubElement(suite, "properties")
    if simulated:          # CI dashboards show the suite name and properties: neither may pass for a product
        ET.SubElement(props, "property", {"name": "simulated", "value": "true"})
        ET.SubElement(props, "property", {"name": LABEL, "value": EXPLANATION})
    for name, value in (("harness", meta.harness), ("dut", meta.dut.name), ("dut_profile", meta.dut_profile),
                        ("lab_profile", meta.lab_profile), ("mode", meta.mode), ("fault", meta.fault or ""),
                        ("complete", "true" if results.complete else "false"), ("status", results.status)):
        if value:
            ET.SubElement(props, "property", {"name": name, "value": value})
    counts = {"failure": 0, "error": 0, "skipped": 0}
    total = 0.0
    for row in results.rows:
        kind = _testcase(row, suite)
        counts[kind] = counts.get(kind, 0) + 1
        total += row.duration or 0.0
    for planned in results.not_run:       # never an empty or all-green file for a run that stopped early
        case = ET.SubElement(suite, "testcase", {"classname": "oran-harness", "time": "0.000",
                                                 "name": f"{planned.id}: {planned.title}" if planned.title
                                                 else planned.id})
        ET.SubElement(case, "error", {"type": "INCOMPLETE", "message": "NOT RUN: the run stopped before this "
                                      "test case ended"})
        counts["error"] += 1
    attrs = {"tests": str(len(results.rows) + len(results.not_run)), "failures": str(counts["failure"]),
             "errors": str(counts["error"]),
             "skipped": str(counts["skipped"]), "time": f"{total:.3f}"}
    for element in (root, suite):
        for key, value in attrs.items():
            element.set(key, value)
    ET.indent(root)
    return root


def write_junit(results: ResultsDir, path: Path) -> Path:
    text = ET.tostring(_junit_root(results), encoding="unicode", xml_declaration=True)
    write_atomic(Path(path), text + "\n")
    return Path(path)


def keep_verdicts(path: Path) -> int:
    """Correct pytest's own --junitxml file so it keeps the verdict meaning.

    pytest writes every call-phase exception as a <failure>; a test case whose verdict
    property is ERROR (or NONE) becomes an <error>, and FAIL/ERROR messages become the
    deciding finding with its clause. Returns how many test cases were changed.
    """
    try:
        tree = ET.parse(path)  # noqa: S314 - pytest's own --junitxml file of this run
    except (OSError, ET.ParseError):
        return 0                               # not ours to repair: pytest reported it already
    changed = 0
    for suite in tree.getroot().iter("testsuite"):
        moved = 0
        for case in suite.iter("testcase"):
            props = {p.get("name"): p.get("value") for p in case.iter("property")}
            verdict = props.get("verdict")
            failure = case.find("failure")
            if verdict is None or failure is None:
                continue
            finding = props.get("finding")
            if finding:
                failure.set("message", finding)
            failure.set("type", verdict)
            if verdict in ("ERROR", "NONE"):
                failure.tag = "error"
                moved += 1
            changed += 1
        if moved:
            suite.set("failures", str(int(suite.get("failures", "0")) - moved))
            suite.set("errors", str(int(suite.get("errors", "0")) + moved))
    if changed:
        text = ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=True)
        write_atomic(Path(path), text + "\n")
    return changed
