"""The one reader of a results directory (what `harness.results.ResultsWriter` writes).

Contract (for every report built from a results folder: JUnit, O-RAN JSON, HTML, merges):

* ``read_results(path) -> ResultsDir``; nothing else in the harness parses these files.
* ``run.json`` must be there (it is written when the run starts); ``summary.json`` may be
  missing: that is a run that was killed, read as ``complete=False``, never an error.
* ``results.jsonl`` holds one JSON object per test case, in the order they ended. A line that
  is not a JSON object, or lacks ``id``/``verdict``, raises `ResultsDirError` naming
  ``results.jsonl:<line>``. The one exception is a cut last line (no newline at its end, as
  a kill in the middle of a write leaves it): it is skipped and reported in ``notices``.
* every path inside (``exchange``, ``pcap``) is relative to the results folder;
  ``ResultsDir.missing()`` lists the referenced files that are not there.
* ``read_exchange(results, row)`` reads one test's decoded messages, with the same errors.

Errors are one line: ``<file>[:<line>]: what is wrong``; no traceback reaches a user.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.errors import UserError


class ResultsDirError(UserError):
    """A results folder that cannot be read; the text names the file (and line)."""


@dataclass(frozen=True)
class Identity:
    """Who a testbed component or lab is, as the profile (in run.json) says."""

    name: str = ""
    role: str = ""
    vendor: str = ""
    model: str = ""
    sw_version: str = ""
    hw_version: str = ""
    fw_version: str = ""
    serial_number: str = ""
    inventory_id: str = ""
    extra: dict = field(default_factory=dict)     # every other profile field, as written


@dataclass(frozen=True)
class RunMeta:
    harness: str
    started: float | None          # seconds since the epoch
    mode: str
    fault: str | None
    dut_profile: str
    lab_profile: str
    dut: Identity
    lab: dict                      # the lab profile, as written (name, site, operator, organisation, ...)
    raw: dict                      # run.json as written


@dataclass(frozen=True)
class FindingRow:
    verdict: str
    check: str
    message: str
    clause: str = ""
    ie_path: str | None = None
    expected: Any = None
    observed: Any = None
    step: str | None = None
    evidence: tuple = ()


@dataclass(frozen=True)
class TestRow:
    """One test case's outcome (a line of results.jsonl)."""

    __test__ = False               # not a pytest test class

    line: int                      # its line in results.jsonl
    id: str
    title: str
    reference: str                 # 'E2TS-R003-v02.00:6.2.1.1.1'
    interface: str
    dut_role: str
    status: str                    # mandatory | conditional | optional
    spec: str                      # the YAML file:line
    verdict: str                   # PASS | INCONC | FAIL | ERROR | NONE | NOT-APPLICABLE
    oran: str                      # PASS | FAIL | WARN | SKIP
    started: float | None
    duration: float | None
    findings: tuple                # FindingRow...
    exchange: str | None           # relative path of exchange.json
    pcap: str | None               # relative path of the pcapng
    reason: str = ""               # why it was not applicable
    messages: dict = field(default_factory=dict)   # {'sent': n, 'received': n}
    procedure: str = ""            # 'E2 Setup' (harness.results.procedure)
    expected: tuple = ()           # the expected results, in words
    tags: tuple = ()
    raw: dict = field(default_factory=dict)

    @property
    def applicable(self) -> bool:
        return self.verdict != "NOT-APPLICABLE"

    def artifacts(self) -> tuple:
        return tuple(p for p in (self.exchange, self.pcap) if p)


@dataclass(frozen=True)
class ExchangeEntry:
    index: int
    direction: str
    time: float
    hex: str
    step: str
    message: str | None
    decoded: Any
    error: str | None
    role: str
    protocol: str = ""             # 'netconf' | 'http' | '' (E2AP)
    xml: str | None = None         # NETCONF: the message as exchanged


@dataclass(frozen=True)
class ResultsDir:
    path: Path
    meta: RunMeta
    rows: tuple                    # TestRow...
    summary: dict | None           # None: the run did not finish (killed)
    notices: tuple = ()            # things skipped while reading (a cut last line)

    @property
    def complete(self) -> bool:
        return self.summary is not None

    def missing(self) -> list[str]:
        """Referenced artifacts that are not in the folder ('results.jsonl:3: tests/x/exchange.json')."""
        return [f"results.jsonl:{r.line}: {p}" for r in self.rows for p in r.artifacts()
                if not (self.path / p).is_file()]


def _json_file(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as err:
        raise ResultsDirError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ResultsDirError(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _identity(data: Any) -> Identity:
    data = data if isinstance(data, dict) else {}
    known = ("name", "role", "vendor", "model", "sw_version", "hw_version", "fw_version", "serial_number",
             "inventory_id")
    t = {k: _text(data.get(k)) for k in known}
    return Identity(t["name"], t["role"], t["vendor"], t["model"], t["sw_version"], t["hw_version"],
                    t["fw_version"], t["serial_number"], t["inventory_id"],
                    extra={k: v for k, v in data.items() if k not in known})


def _meta(path: Path) -> RunMeta:
    file = path / "run.json"
    if not file.is_file():
        raise ResultsDirError(f"{file}: missing; is {path} a results folder? (run.json is written when a run starts)")
    raw = _json_file(file)
    if not isinstance(raw, dict):
        raise ResultsDirError(f"{file}:1: expected a JSON object, found {type(raw).__name__}")
    started = raw.get("started")
    return RunMeta(_text(raw.get("harness")), float(started) if isinstance(started, (int, float)) else None,
                   _text(raw.get("mode")), raw.get("fault"), _text(raw.get("dut_profile")),
                   _text(raw.get("lab_profile")), _identity(raw.get("dut")),
                   lab if isinstance(lab := raw.get("lab"), dict) else {}, raw)


def _finding(data: Any, where: str) -> FindingRow:
    if not isinstance(data, dict) or "verdict" not in data or "check" not in data:
        raise ResultsDirError(f"{where}: a finding without 'verdict' and 'check'")
    return FindingRow(str(data["verdict"]), str(data["check"]), _text(data.get("message")), _text(data.get("clause")),
                      data.get("ie_path"), data.get("expected"), data.get("observed"), data.get("step"),
                      tuple(data.get("evidence") or ()))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _row(data: dict, line: int, where: str) -> TestRow:
    missing = [k for k in ("id", "verdict") if not isinstance(data.get(k), str)]
    if missing:
        raise ResultsDirError(f"{where}: a test row without {' and '.join(repr(m) for m in missing)}")
    findings = data.get("findings") or []
    if not isinstance(findings, list):
        raise ResultsDirError(f"{where}: 'findings' is not a list")
    return TestRow(line, data["id"], _text(data.get("title")), _text(data.get("reference")),
                   _text(data.get("interface")), _text(data.get("dut_role")), _text(data.get("status")),
                   _text(data.get("spec")), data["verdict"], _text(data.get("oran")), _number(data.get("started")),
                   _number(data.get("duration")), tuple(_finding(f, where) for f in findings),
                   data.get("exchange"), data.get("pcap"), _text(data.get("reason")),
                   messages if isinstance(messages := data.get("messages"), dict) else {},
                   _text(data.get("procedure")), tuple(str(x) for x in data.get("expected") or ()),
                   tuple(str(x) for x in data.get("tags") or ()), data)


def _rows(path: Path) -> tuple[tuple, tuple]:
    file = path / "results.jsonl"
    if not file.exists():
        return (), ()                       # killed before the first test case ended
    try:
        text = file.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise ResultsDirError(f"{file}: cannot read: {err}") from None
    lines = text.split("\n")
    rows, notices = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{file}:{number}"
        cut = number == len(lines)          # the last piece had no newline after it
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            if cut:
                notices.append(f"{where}: skipped a cut last line (the run was killed while writing it)")
                continue
            raise ResultsDirError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
        if not isinstance(data, dict):
            raise ResultsDirError(f"{where}: expected a JSON object, found {type(data).__name__}")
        rows.append(_row(data, number, where))
    return tuple(rows), tuple(notices)


def read_results(path: str | Path) -> ResultsDir:
    """Read a results folder, finished or not.

    Raises:
        ResultsDirError: one line naming the file (and line) that is wrong.
    """
    path = Path(path)
    if not path.is_dir():
        raise ResultsDirError(f"{path}: not a folder")
    meta = _meta(path)
    rows, notices = _rows(path)
    summary = None
    if (path / "summary.json").is_file():
        summary = _json_file(path / "summary.json")
        if not isinstance(summary, dict):
            raise ResultsDirError(f"{path / 'summary.json'}:1: expected a JSON object")
    return ResultsDir(path, meta, rows, summary, notices)


def read_exchange(results: ResultsDir, row: TestRow) -> tuple:
    """The messages of one test case (empty when it has none, e.g. not applicable).

    Raises:
        ResultsDirError: the exchange file is missing or malformed (named with the row's line).
    """
    if not row.exchange:
        return ()
    file = results.path / row.exchange
    if not file.is_file():
        raise ResultsDirError(f"{file}: missing (named by results.jsonl:{row.line})")
    data = _json_file(file)
    if not isinstance(data, list):
        raise ResultsDirError(f"{file}:1: expected a list of messages")
    out = []
    for i, e in enumerate(data):
        if not isinstance(e, dict):
            raise ResultsDirError(f"{file}: message {i + 1} is not an object")
        out.append(ExchangeEntry(int(e.get("index", i + 1)), _text(e.get("direction")), _number(e.get("time")) or 0.0,
                                 _text(e.get("hex")), _text(e.get("step")), e.get("message"), e.get("decoded"),
                                 e.get("error"), _text(e.get("role")), _text(e.get("protocol")),
                                 e["xml"] if isinstance(e.get("xml"), str) else None))
    return tuple(out)
