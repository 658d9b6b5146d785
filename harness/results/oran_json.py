"""O-RAN ALLIANCE test-results JSON (schemaVersion 1) from a results folder.

Theory of operation: everything comes from the results folder through
`harness.results.reader` (run.json for the profiles, results.jsonl for the rows, each
test's exchange.json for KPM values), so a killed run's folder exports as well as a finished
one. Test cases are grouped by their parent clause within their test specification (6.2.1.1.1
under 6.2.1.1); each check (finding) becomes a metric; durations, message counts and KPM values
become measurements; the per-test exchange.json and pcapng are artifacts, relative to the
results folder (the archive root).

Verdict mapping (docs/reports.md): PASS -> PASS; PASS with remarks -> WARN; INCONC -> WARN
(executed, undecided: never a pass); FAIL -> FAIL; ERROR/NONE -> SKIP with a note (the lab or
harness broke: not the DUT's failure, and the test must be re-run); NOT-APPLICABLE -> SKIP with
the reason. Overall: FAIL if any test FAILed; else WARN if any WARN, SKIP-by-ERROR, or the run
was cut short; PASS only when every executed test case passed.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.results.procedure import clause_number, parse_reference
from harness.results.reader import FindingRow, ResultsDir, ResultsDirError, TestRow, read_exchange
from harness.results.simulated import EXPLANATION, LABEL, is_simulated
from harness.results.atomic import write_atomic
from harness.core.verdict import OUTCOMES, Verdict

SPEC_PORTAL = "https://specifications.o-ran.org/specifications"
STATUS = {"mandatory": "mandatory", "conditional": "conditionally.mandatory", "optional": "optional"}
INTERFACES = {"o-ru.ofh", "o-ru.fhm", "o-du.ofh", "o-du.fhm", "o-du.e2", "o-du.f1-c", "o-du.f1-u", "o-du.o1",
              "o-cu.f1-c", "o-cu.f1-u", "o-cu.e2", "o-cu.e1", "o-cu.o1", "smo.fhm", "smo.o2", "smo.o1",
              "non-rt-ric.a1", "near-rt-ric.a1", "near-rt-ric.e2", "near-rt-ric.o1"}
# A metric is a requirement: it is met (PASS), not met (FAIL) or not evaluated (SKIP); the
# schema asks metrics not to use WARN.
METRIC_RESULT = {"PASS": "PASS", "FAIL": "FAIL", "INCONC": "SKIP", "ERROR": "SKIP", "NONE": "SKIP"}
# Units of the 3GPP TS 28.552 measurements the simulators report (others: count / text).
KPM_UNITS = {"DRB.UEThpDl": "kbps", "DRB.UEThpUl": "kbps"}
TS_28552 = {"displayName": "3GPP TS 28.552 (5G performance measurements)",
            "url": "https://www.3gpp.org/dynareport/28552.htm"}


def _date(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tag(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")


def _note(title: str, body: str) -> dict:
    return {"title": _cut(title, 255), "body": _cut(body, 4095)}


def _contacts(raw: Any) -> list[dict]:
    out = []
    for c in raw if isinstance(raw, list) else []:
        if isinstance(c, dict) and c.get("email"):
            item = {"firstName": c.get("first_name", ""), "lastName": c.get("last_name", ""), "email": c["email"]}
            if c.get("organisation"):
                item["organization"] = c["organisation"]
            if c.get("phone"):
                item["phone"] = str(c["phone"])
            out.append(item)
    return out


def _component(description: str, vendor: str, model: str, versions: dict, **extra: Any) -> dict:
    out = {"componentDescription": _cut(description, 255), "manufacturerName": vendor or "unknown",
           "manufacturerModel": model or "unknown"}
    for key, value in versions.items():
        if value:
            out[key] = str(value)
    if not any(k in out for k in ("softwareVersion", "hardwareVersion", "firmwareVersion")):
        out["softwareVersion"] = "unknown"
    out.update({k: v for k, v in extra.items() if v})
    return out


def _versions(d: dict) -> dict:
    return {"softwareVersion": d.get("sw_version"), "hardwareVersion": d.get("hw_version"),
            "firmwareVersion": d.get("fw_version")}


def _testbed(results: ResultsDir) -> list[dict]:
    meta = results.meta
    dut = meta.raw.get("dut")
    dut = dut if isinstance(dut, dict) else {}
    sim = f"{LABEL} " if is_simulated(meta.raw) else ""
    components = [_component(f"{sim}DUT: {meta.dut.role or 'device under test'} ({meta.dut.name})", meta.dut.vendor,
                             meta.dut.model, _versions(dut), serialNumber=meta.dut.serial_number,
                             testbedInventoryId=meta.dut.inventory_id, contacts=_contacts(dut.get("contacts")))]
    counterpart = {"e2-node": "Near-RT RIC", "near-rt-ric": "E2 node"}.get(meta.dut.role, "counterpart")
    components.append(_component(f"Test equipment: oran-harness playing the {counterpart} ({meta.mode} mode)",
                                 "oran-harness project", "oran-harness", {"softwareVersion": meta.harness}))
    for e in meta.lab.get("equipment") or []:
        if isinstance(e, dict):
            components.append(_component(f"Test equipment: {e.get('description', '')}", e.get("vendor", ""),
                                         e.get("model", ""), _versions(e), serialNumber=e.get("serial_number")))
    return components


def _lab(results: ResultsDir, notes: list) -> dict:
    lab = results.meta.lab
    contacts = _contacts(lab.get("contacts"))
    if not contacts:
        notes.append(_note("lab contact missing", "The lab profile names no contact; a placeholder stands in."))
        contacts = [{"firstName": lab.get("operator") or "unknown", "lastName": "(lab operator)",
                     "email": "unknown@example.invalid"}]
    address = lab.get("address") or ", ".join(x for x in (lab.get("site"), lab.get("country")) if x) or "not given"
    name = lab.get("name") or "unnamed lab"
    if lab.get("organisation"):
        name = f"{lab['organisation']}: {name}"
    return {"name": _cut(name, 255), "address": _cut(address, 512), "contacts": contacts}


def _specifications(rows: tuple) -> list[dict]:
    seen: dict = {}
    for row in rows:
        ref = parse_reference(row.reference)
        seen.setdefault((ref.document, ref.version), 0)
        seen[(ref.document, ref.version)] += 1
    return [{"name": _cut(doc, 255), "version": version or "unversioned",
             "description": f"{count} test case(s) of this run",
             "links": [{"displayName": _cut(f"{doc}-{version} (O-RAN specifications portal)", 255),
                        "url": SPEC_PORTAL}]}
            for (doc, version), count in seen.items()]


def _measure(f: FindingRow) -> dict:
    value = f.observed if f.observed is not None else f.message
    if not isinstance(value, str):
        value = json.dumps(value, default=str)
    return {"name": _cut(f.ie_path or f.check, 255), "values": [_cut(value, 1023)], "units": "text",
            "description": _cut(f"observed; expected {json.dumps(f.expected, default=str)}"
                                if f.expected is not None else "what the check saw", 1023)}


def _metrics(row: TestRow, status: str) -> list[dict]:
    if not row.applicable:
        return [{"description": _cut(f"applicability (PICS): {row.reason}", 1023), "status": status,
                 "result": "SKIP", "measurements": [{"name": "applicable", "values": [False], "units": "boolean"}]}]
    out = []
    for f in row.findings:
        if f.check.startswith("remark."):
            continue
        cite = f" [{f.clause}]" if f.clause else ""
        out.append({"description": _cut(f"{f.check}: {f.message}{cite}", 1023), "status": status,
                    "result": METRIC_RESULT.get(f.verdict, "SKIP"), "measurements": [_measure(f)]})
    if not out:
        out.append({"description": "no check was recorded for this test case", "status": status,
                    "result": "SKIP", "measurements": [{"name": "checks", "values": [0], "units": "count"}]})
    return out


def _kpm(results: ResultsDir, row: TestRow) -> list[dict]:
    """Per KPM measurement name, every value the DUT reported in RIC Indications."""
    values: dict[str, list] = {}
    try:
        entries = read_exchange(results, row)
    except ResultsDirError:
        return []
    for entry in entries:
        for fmt in _find(entry.decoded, "indicationMessage-Format1"):
            names = [m.get("measType", {}).get("measName") or f"measID {m.get('measType', {}).get('measID')}"
                     for m in fmt.get("measInfoList") or []]
            for data in fmt.get("measData") or []:
                for name, record in zip(names, data.get("measRecord") or [], strict=False):
                    value = record.get("integer", record.get("real")) if isinstance(record, dict) else None
                    if isinstance(value, (int, float)):
                        values.setdefault(name, []).append(value)
    out = []
    for name, vals in values.items():
        units = KPM_UNITS.get(name, "count" if all(isinstance(v, int) for v in vals) else "text")
        out.append({"name": _cut(name, 255), "values": vals if units != "text" else [str(v) for v in vals],
                    "units": units, "description": "values the DUT reported in E2SM-KPM indication format 1",
                    "references": [TS_28552]})
    return out


_RECOVERY_UNITS = {"ms": "millisecond", "count": "count"}


def _recovery(row: TestRow) -> list[dict]:
    """Each recovery figure as a measurement: the value in its units (text when never seen), the
    objective, the PIXIT and the verdict in the description."""
    out = []
    for r in row.recovery:
        value, units = r.get("value"), _RECOVERY_UNITS.get(str(r.get("units")), "text")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            value, units = "not seen within the time waited", "text"
        subject = f" {r.get('subject')}" if r.get("subject") else ""
        goal = r.get("objective")
        against = f"objective {goal} {r.get('units')} (PIXIT {r.get('pixit')})" if goal is not None \
            else "rule of the specification"
        out.append({"name": _cut(f"recovery {r.get('interface')} {r['figure']}{subject}", 255),
                    "values": [value], "units": units,
                    "description": _cut(f"{r.get('verdict')}: {against}; {r.get('clause')}", 1023)})
    return out


def _find(node: Any, key: str):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, dict):
                yield v
            else:
                yield from _find(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _find(v, key)


def _artifacts(results: ResultsDir, row: TestRow) -> list[dict]:
    out = []
    for path, what in ((row.exchange, "every message sent and received: decoded (JSON), hex, spec step, time"),
                       (row.pcap, "the messages as SCTP frames, one comment per spec step (open in Wireshark)")):
        if path and (results.path / path).is_file():
            out.append({"name": Path(path).name, "path": path, "description": what})
    return out


def _notes(row: TestRow) -> list[dict]:
    if not row.applicable:
        return [_note("not applicable", row.reason or "not applicable to this DUT")]
    verdict = Verdict.__members__.get(row.verdict)
    notes = [_note(f"harness verdict {row.verdict}", OUTCOMES[verdict].meaning if verdict else row.verdict)]
    for f in row.findings:
        if f.verdict in ("INCONC", "FAIL", "ERROR") or f.check.startswith("remark."):
            notes.append(_note(f"{f.verdict} {f.check}", f"{f.message}" + (f" [{f.clause}]" if f.clause else "")
                               + (f"; step: {f.step}" if f.step else "")))
    return notes


def _testcase(results: ResultsDir, row: TestRow) -> dict:
    ref = parse_reference(row.reference)
    status = STATUS.get(row.status, "optional")
    case: dict[str, Any] = {"number": clause_number(ref.clause) or "0", "name": _cut(f"{row.id}: {row.title}", 255),
            "description": _cut(" ".join(row.expected) or row.title or row.id, 1023),
            "result": row.oran if row.oran in ("PASS", "FAIL", "WARN", "SKIP") else "SKIP",
            "status": status, "metrics": _metrics(row, status), "notes": _notes(row)}
    measurements = []
    if row.applicable and row.duration is not None:
        measurements.append({"name": "duration", "values": [round(row.duration, 4)], "units": "second"})
        for direction in ("sent", "received"):
            if direction in row.messages:
                measurements.append({"name": f"messages {direction}", "values": [row.messages[direction]],
                                     "units": "count", "description": f"E2AP messages the harness {direction}"})
        measurements.extend(_kpm(results, row))
        measurements.extend(_recovery(row))
    if measurements:
        case["measurements"] = measurements
    artifacts = _artifacts(results, row)
    if artifacts:
        case["artifacts"] = artifacts
    if row.started is not None:
        case["startDate"] = _date(row.started)
        case["stopDate"] = _date(row.started + (row.duration or 0.0))
    return case


def _groups(results: ResultsDir) -> list[dict]:
    groups: dict = {}
    for row in results.rows:
        ref = parse_reference(row.reference)
        number = clause_number(ref.clause)
        parent = number.rpartition(".")[0] or number or "0"
        key = (ref.document, ref.version, parent)
        if key not in groups:
            groups[key] = {"number": parent, "name": _cut(f"{row.procedure or row.title} ({ref.short} {ref.version} "
                                                          f"clause {parent})", 255), "groupItems": []}
        groups[key]["groupItems"].append(_testcase(results, row))
    return list(groups.values())


def _interfaces(results: ResultsDir, notes: list) -> list[str]:
    out: list[str] = []
    for row in results.rows:
        if not row.applicable:
            continue
        role, _, iface = row.interface.partition(".")
        node = role
        if role == "e2-node":              # an E2 node is an O-DU or an O-CU: the DUT profile says which
            node = results.meta.dut.extra.get("oran_component") or role
        name = f"{node}.{iface}"
        if name in INTERFACES and name not in out:
            out.append(name)
        elif name not in INTERFACES and not any(n["title"] == f"interface {row.interface}" for n in notes):
            notes.append(_note(f"interface {row.interface}", "not in the schema's interfaceUnderTest list "
                               "(set oran_component in the DUT profile, e.g. o-du or o-cu)"))
    return out


def _overall(results: ResultsDir) -> str:
    ran = [r for r in results.rows if r.applicable]
    if any(r.oran == "FAIL" for r in ran):
        return "FAIL"
    if not ran or not results.complete or any(r.oran in ("WARN", "SKIP") for r in ran):
        return "WARN"
    return "PASS"


def _test_id(results: ResultsDir) -> str:
    run_id = results.meta.raw.get("run_id")
    try:
        return str(uuid.UUID(str(run_id)))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{results.path.resolve()}#{results.meta.started}"))


def oran_document(results: ResultsDir) -> dict:
    """The O-RAN test-results document of one results folder (a dict ready for json.dumps)."""
    meta = results.meta
    notes: list = []
    simulated = is_simulated(meta.raw)
    if simulated:          # first, where a reviewer reads: the schema has no field for it, so a note and a tag
        notes.append(_note(LABEL, EXPLANATION))
    if not results.complete:
        why = ("summary.json is missing: the run was stopped before its end" if results.summary is None
               else "the run was stopped before its end")
        never = [p.id for p in results.not_run]
        notes.append(_note("run incomplete", f"INCOMPLETE: {why}; " + (
            f"{len(never)} planned test case(s) never ran: {', '.join(never)}" if never
            else "test cases that had not ended are absent")))
    errors = [r.id for r in results.rows if r.verdict in ("ERROR", "NONE")]
    if errors:
        notes.append(_note("test cases to re-run", f"{len(errors)} test case(s) ended in ERROR (the lab, the "
                           f"transport or the harness broke; no judgement on the DUT): {', '.join(errors)}"))
    notes.extend(_note("reading the results folder", n) for n in results.notices)
    stop = (results.summary or {}).get("finished")
    if not isinstance(stop, (int, float)):
        ends = [r.started + (r.duration or 0.0) for r in results.rows if r.started is not None]
        stop = max(ends) if ends else None
    started = meta.started if meta.started is not None else min(
        (r.started for r in results.rows if r.started is not None), default=None)
    executed = [r for r in results.rows if r.applicable]
    metadata = {"startDate": _date(started) or _date(0.0), "dutName": _cut(meta.dut.name or "DUT", 255),
                "interfaceUnderTest": _interfaces(results, notes), "result": _overall(results),
                "testType": "interoperability" if executed and all(r.procedure == "Interoperability"
                                                                   for r in executed) else "conformance",
                "testId": _test_id(results)}
    if stop is not None:
        metadata["stopDate"] = _date(stop)
    specs = {parse_reference(r.reference).short for r in results.rows}
    doc = {"schemaVersion": 1, "testMetadata": metadata,
           "tags": sorted({"oran-harness", _tag(meta.mode or "run")} | {_tag(s) for s in specs if _tag(s)}
                          | ({"simulated"} if simulated else set())),
           "testbedComponents": _testbed(results), "testLab": _lab(results, notes),
           "testSpecifications": _specifications(results.rows), "testResults": _groups(results)}
    if not doc["testSpecifications"]:
        doc["testSpecifications"] = [{"name": "none", "version": "none", "links": [
            {"displayName": "O-RAN specifications portal", "url": SPEC_PORTAL}]}]
        notes.append(_note("no test case ended", "the run recorded no test case"))
    if not doc["testResults"]:
        doc["testResults"] = [{"number": "0", "name": "no test case ended", "description": "the run recorded none",
                               "result": "SKIP", "status": "optional", "metrics": [
                                   {"description": "no test case ended", "status": "optional", "result": "SKIP",
                                    "measurements": [{"name": "test cases", "values": [0], "units": "count"}]}]}]
    if notes:
        doc["notes"] = notes
    return doc


def write_oran_json(results: ResultsDir, path: Path) -> Path:
    write_atomic(Path(path), json.dumps(oran_document(results), indent=2, ensure_ascii=False) + "\n")
    return Path(path)
