"""The one reader of a results directory (what `harness.results.ResultsWriter` writes).

Contract (for every report built from a results folder: JUnit, O-RAN JSON, HTML, merges):

* ``read_results(path) -> ResultsDir``; nothing else in the harness parses these files.
* ``run.json`` must be there (it is written when the run starts); ``summary.json`` may be
  missing: that is a run that was killed, read as ``complete=False``, never an error.
  A run is complete only with ``summary.json`` saying so and a row for every test case
  ``run.json``'s ``planned`` lists; ``not_run`` names the others (``status``: INCOMPLETE).
* ``results.jsonl`` holds one JSON object per test case, in the order they ended. A line that
  is not a JSON object, or lacks ``id``/``verdict``, raises `ResultsDirError` naming
  ``results.jsonl:<line>``. The one exception is a cut last line (no newline at its end, as
  a kill in the middle of a write leaves it): it is skipped and reported in ``notices``.
* every path inside (``exchange``, ``pcap``) is relative to the results folder;
  ``ResultsDir.missing()`` lists the referenced files that are not there.
* ``read_exchange(results, row)`` reads one test's decoded messages, with the same errors.

* symlinks are never followed: a symlinked ``run.json`` is refused (`ResultsDirError`), a
  symlinked ``results.jsonl`` or ``summary.json`` is skipped with a notice, and `read_exchange`
  and `contained` refuse a path through a symlink. Nothing outside the folder is read.
* one bad value is a notice, not a stop: a field of the wrong type (a number where a list
  belongs), a number too big for a float or not finite, a file that is not UTF-8 (read with
  U+FFFD for the bad bytes), a nesting too deep for the JSON parser (in an exchange file). The
  notice names the file (and line) and the field; the value is read as absent.

Errors are one line: ``<file>[:<line>]: what is wrong``; no traceback reaches a user.
"""

from __future__ import annotations

import json
import math
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

    @property
    def recovery(self) -> tuple:
        """The recovery figures of the row (each a dict: interface, figure, value, units, objective,
        pixit, verdict, clause, subject, detail); rows that are not mappings are left out."""
        rows = self.raw.get("recovery")
        return tuple(r for r in rows if isinstance(r, dict) and isinstance(r.get("figure"), str)) \
            if isinstance(rows, list) else ()


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
class PlannedCase:
    """A test case the run meant to run (run.json ``planned``)."""

    id: str
    title: str = ""
    status: str = ""               # mandatory | conditional | optional


@dataclass(frozen=True)
class ResultsDir:
    path: Path
    meta: RunMeta
    rows: tuple                    # TestRow...
    summary: dict | None           # None: the run did not finish (killed)
    notices: tuple = ()            # things skipped while reading (a cut last line)
    planned: tuple = ()            # PlannedCase...: the applicable test cases when the run started

    @property
    def not_run(self) -> tuple:
        """The planned test cases without a row: they never ran, or were running when the run stopped."""
        done = {row.id for row in self.rows}
        return tuple(p for p in self.planned if p.id not in done)

    @property
    def complete(self) -> bool:
        """The run ended by itself and every planned test case has a row."""
        return (self.summary is not None and self.summary.get("status", "COMPLETE") == "COMPLETE"
                and not self.not_run)

    @property
    def status(self) -> str:
        return "COMPLETE" if self.complete else "INCOMPLETE"

    def missing(self) -> list[str]:
        """Referenced artifacts that are not in the folder ('results.jsonl:3: tests/x/exchange.json')."""
        return [f"results.jsonl:{r.line}: {p}" for r in self.rows for p in r.artifacts()
                if not (self.path / p).is_file()]


def contained(root: Path, relative: str) -> Path:
    """`root / relative`, checked: a relative path with no '..' that goes through no symlink.

    Raises:
        ResultsDirError: the path leaves the folder or a part of it is a symlink (named).
    """
    parts = relative.replace("\\", "/").split("/")
    if not relative or relative.startswith("/") or ":" in relative or any(p in ("", ".", "..") for p in parts):
        raise ResultsDirError(f"{root}: path {relative!r} leaves the results folder; ignored")
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise ResultsDirError(f"{path}: is a symlink; not followed out of the results folder")
    return path


def _text_of(path: Path, notices: list[str] | None) -> str:
    """The file's text; bytes that are not UTF-8 become U+FFFD with a notice (or an error without a list)."""
    if path.is_symlink():
        raise ResultsDirError(f"{path}: is a symlink; not followed out of the results folder")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ResultsDirError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        if notices is None:
            raise ResultsDirError(f"{path}: not UTF-8 text (byte {err.start})") from None
        notices.append(f"{path}: not UTF-8 text (byte {err.start}); bad bytes shown as U+FFFD")
        return data.decode("utf-8", errors="replace")


def _loads(text: str, where: str) -> Any:
    """json.loads with every way it can fail as one `ResultsDirError` naming `where`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ResultsDirError(f"{where}:{err.lineno}: not valid JSON: {err.msg}") from None
    except RecursionError:
        raise ResultsDirError(f"{where}: not readable JSON: nested too deep") from None
    except ValueError as err:                    # an integer of more than 4,300 digits
        raise ResultsDirError(f"{where}: not readable JSON: {err}") from None


def _json_file(path: Path, notices: list[str] | None = None) -> Any:
    return _loads(_text_of(path, notices), str(path))


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


def _meta(path: Path, notices: list[str]) -> RunMeta:
    file = path / "run.json"
    if file.is_symlink():
        raise ResultsDirError(f"{file}: is a symlink; not followed out of the results folder")
    if not file.is_file():
        raise ResultsDirError(f"{file}: missing; is {path} a results folder? (run.json is written when a run starts)")
    raw = _json_file(file, notices)
    if not isinstance(raw, dict):
        raise ResultsDirError(f"{file}:1: expected a JSON object, found {type(raw).__name__}")
    return RunMeta(_text(raw.get("harness")), _number(raw.get("started"), f"{file}: 'started'", notices),
                   _text(raw.get("mode")), raw.get("fault"), _text(raw.get("dut_profile")),
                   _text(raw.get("lab_profile")), _identity(raw.get("dut")),
                   lab if isinstance(lab := raw.get("lab"), dict) else {}, raw)


def _finding(data: Any, where: str, notices: list[str]) -> FindingRow:
    if not isinstance(data, dict) or "verdict" not in data or "check" not in data:
        raise ResultsDirError(f"{where}: a finding without 'verdict' and 'check'")
    return FindingRow(str(data["verdict"]), str(data["check"]), _text(data.get("message")), _text(data.get("clause")),
                      data.get("ie_path"), data.get("expected"), data.get("observed"), data.get("step"),
                      _list(data.get("evidence"), f"{where}: finding 'evidence'", notices))


def _number(value: Any, where: str = "", notices: list[str] | None = None) -> float | None:
    """A finite float, or None; a number too big for a float or not finite is a notice naming `where`."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if math.isfinite(number):
        return number
    if notices is not None:
        notices.append(f"{where}: {str(value)[:40]} is not a usable number; ignored")
    return None


def _list(value: Any, where: str, notices: list[str]) -> tuple:
    """A JSON list as a tuple; anything else (a number where a list belongs) is a notice and ()."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(value)
    notices.append(f"{where}: expected a list, found {type(value).__name__}; ignored")
    return ()


def _row(data: dict, line: int, where: str, notices: list[str]) -> TestRow:
    missing = [k for k in ("id", "verdict") if not isinstance(data.get(k), str)]
    if missing:
        raise ResultsDirError(f"{where}: a test row without {' and '.join(repr(m) for m in missing)}")
    findings = _list(data.get("findings"), f"{where}: 'findings'", notices)
    paths = {}
    for key in ("exchange", "pcap"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            notices.append(f"{where}: '{key}' is not a path (found {type(value).__name__}); ignored")
            value = None
        paths[key] = value
    return TestRow(line, data["id"], _text(data.get("title")), _text(data.get("reference")),
                   _text(data.get("interface")), _text(data.get("dut_role")), _text(data.get("status")),
                   _text(data.get("spec")), data["verdict"], _text(data.get("oran")),
                   _number(data.get("started"), f"{where}: 'started'", notices),
                   _number(data.get("duration"), f"{where}: 'duration'", notices),
                   tuple(_finding(f, where, notices) for f in findings),
                   paths["exchange"], paths["pcap"], _text(data.get("reason")),
                   messages if isinstance(messages := data.get("messages"), dict) else {},
                   _text(data.get("procedure")),
                   tuple(str(x) for x in _list(data.get("expected"), f"{where}: 'expected'", notices)),
                   tuple(str(x) for x in _list(data.get("tags"), f"{where}: 'tags'", notices)), data)


def _rows(path: Path) -> tuple[tuple, tuple]:
    file = path / "results.jsonl"
    if file.is_symlink():
        return (), (f"{file}: is a symlink; skipped (not followed out of the results folder)",)
    if not file.exists():
        return (), ()                       # killed before the first test case ended
    notices: list[str] = []
    text = _text_of(file, notices)
    lines = text.split("\n")
    rows = []
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
        except RecursionError:
            raise ResultsDirError(f"{where}: not readable JSON: nested too deep") from None
        except ValueError as err:            # an integer of more than 4,300 digits
            raise ResultsDirError(f"{where}: not readable JSON: {err}") from None
        if not isinstance(data, dict):
            raise ResultsDirError(f"{where}: expected a JSON object, found {type(data).__name__}")
        rows.append(_row(data, number, where, notices))
    return tuple(rows), tuple(notices)


def read_results(path: str | Path) -> ResultsDir:
    """Read a results folder, finished or not.

    Raises:
        ResultsDirError: one line naming the file (and line) that is wrong.
    """
    path = Path(path)
    if not path.is_dir():
        raise ResultsDirError(f"{path}: not a folder")
    notices: list[str] = []
    meta = _meta(path, notices)
    rows, row_notices = _rows(path)
    notices.extend(row_notices)
    summary = _summary(path / "summary.json", notices)
    planned = _planned(meta.raw.get("planned"), path / "run.json", notices)
    return ResultsDir(path, meta, rows, summary, tuple(notices), planned)


def _summary(file: Path, notices: list[str]) -> dict | None:
    """summary.json, or None (the run reads as not finished) when it is absent, a symlink or unreadable."""
    if file.is_symlink():
        notices.append(f"{file}: is a symlink; skipped (not followed out of the results folder)")
        return None
    if not file.is_file():
        return None
    try:
        summary = _json_file(file, notices)
    except ResultsDirError as err:
        notices.append(f"{err}; the run is read as not finished")
        return None
    if not isinstance(summary, dict):
        notices.append(f"{file}:1: expected a JSON object; the run is read as not finished")
        return None
    return summary


def _planned(data: Any, where: Path, notices: list[str]) -> tuple:
    if data is None:
        return ()
    if not isinstance(data, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str) for p in data):
        notices.append(f"{where}: 'planned' is not a list of test cases with an 'id'; ignored")
        return ()
    return tuple(PlannedCase(p["id"], _text(p.get("title")), _text(p.get("status"))) for p in data)


def read_exchange(results: ResultsDir, row: TestRow) -> tuple:
    """The messages of one test case (empty when it has none, e.g. not applicable).

    Raises:
        ResultsDirError: the exchange file is missing or malformed (named with the row's line).
    """
    if not row.exchange:
        return ()
    file = contained(results.path, row.exchange)
    if not file.is_file():
        raise ResultsDirError(f"{file}: missing (named by results.jsonl:{row.line})")
    data = _json_file(file)
    if not isinstance(data, list):
        raise ResultsDirError(f"{file}:1: expected a list of messages")
    out = []
    for i, e in enumerate(data):
        if not isinstance(e, dict):
            raise ResultsDirError(f"{file}: message {i + 1} is not an object")
        index = e.get("index", i + 1)
        out.append(ExchangeEntry(index if isinstance(index, int) and not isinstance(index, bool) else i + 1,
                                 _text(e.get("direction")), _number(e.get("time")) or 0.0,
                                 _text(e.get("hex")), _text(e.get("step")), e.get("message"), e.get("decoded"),
                                 e.get("error"), _text(e.get("role")), _text(e.get("protocol")),
                                 e["xml"] if isinstance(e.get("xml"), str) else None))
    return tuple(out)
