"""The console of `run`, `list` and `analyze` (issue 19, item 3): one line per test case, the verdict
table once without not-applicable rows, pytest's -k (id and title), -x, --json summaries, and two
standalone simulators on one host that do not collide."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from tests.conftest import ROOT

CLI = [sys.executable, "-m", "harness.cli.main"]
LINE = re.compile(r"^\[\s*(\d+)/(\d+)\] (PASS|FAIL|ERROR|INCONC)\s+(\S+)  (.+)  (\d+\.\d\d) s")


def _cli(*args, cwd, env=None, timeout=600):
    return subprocess.run([*CLI, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=env)


def test_run_prints_one_line_per_case_and_the_table_once(tmp_path):
    done = _cli("run", "-k", "setup and successful", "--results", tmp_path / "r", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [m for m in map(LINE.match, done.stdout.splitlines()) if m]
    assert lines, done.stdout
    assert [int(m.group(1)) for m in lines] == list(range(1, len(lines) + 1))
    assert {m.group(2) for m in lines} == {str(len(lines))}
    titles = {m.group(4): m.group(5) for m in lines}
    assert titles["E2TS-R003-v02.00:6.2.1.1.1"] == "E2 Setup, successful"         # -k matched the title
    assert all("setup" in t.lower() and "successful" in t.lower() for t in titles.values())
    table = done.stdout.split("O-RAN test case verdicts", 1)[1]
    assert done.stdout.count("O-RAN test case verdicts") == 1
    assert not re.search(r"^NOT-APPLICABLE\s+\S", table, re.M)          # a count, not rows
    assert re.search(r"NOT-APPLICABLE: \d+", table)
    for case in titles:                              # each case in the table once, not again in the summary
        assert table.count(case) == 1, case
    assert "\x1b[" not in done.stdout                # no colour when stdout is not a terminal


def test_run_json_and_exitfirst(tmp_path):
    done = _cli("run", "--json", "-x", "--fault", "wrong-transaction-id@ResetResponse", "-k", "reset",
                "--dut", ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml", "--results", tmp_path / "r",
                cwd=tmp_path)
    summary = json.loads(done.stdout)                 # stdout is only the JSON; progress went to stderr
    (dut,) = summary["duts"]
    assert dut["counts"].get("FAIL") == 1            # -x: stopped at the first failure ...
    assert dut["not_run"] and not dut["complete"]    # ... so a planned case never ran: INCOMPLETE, exit 3
    assert done.returncode == summary["exit_code"] == 3
    assert "O-RAN test case verdicts" in done.stderr


def test_list_and_analyze_json(tmp_path):
    listed = json.loads(_cli("list", "--json", cwd=tmp_path).stdout)
    assert listed["role"] == "e2-node" and listed["selected"] == sum(
        1 for c in listed["testcases"] if c["state"] == "selected") > 0
    assert all(c["reason"] for c in listed["testcases"] if c["state"] != "selected")
    done = _cli("analyze", ROOT / "fixtures/captures/e2-session.pcapng", "--dut",
                ROOT / "fixtures/profiles/dut-sim-e2-node.yaml", "--json", cwd=tmp_path)
    analyzed = json.loads(done.stdout)
    assert analyzed["exit_code"] == done.returncode
    assert analyzed["testcases"] and all(c["followed"] for c in analyzed["testcases"])
    assert sum(analyzed["counts"].values()) == len(analyzed["testcases"])


def test_two_standalone_simulators_on_one_host(tmp_path):
    """`sim ric` and `sim e2-node` as the README shows them, with their default UDP ports."""
    port = "36531"
    ric = subprocess.Popen([*CLI, "sim", "ric", "--listen", f"127.0.0.1:{port}"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "listening" in (ric.stdout.readline() if ric.stdout else "")
        node = subprocess.run([*CLI, "sim", "e2-node", "--ric", f"127.0.0.1:{port}"], input='{"cmd": "quit"}\n',
                              text=True, capture_output=True, timeout=60)
        events = [json.loads(line) for line in node.stdout.splitlines() if line.startswith("{")]
        assert any(e.get("event") == "association" for e in events), node.stdout + node.stderr
        deadline = time.monotonic() + 10
        seen = ""
        while "association" not in seen and time.monotonic() < deadline and ric.stdout:
            seen += ric.stdout.readline()
        assert '"association"' in seen
    finally:
        ric.terminate()
        ric.communicate(timeout=30)


def test_last_failed_reruns_only_the_failure(tmp_path):
    args = ["--dut", ROOT / "fixtures/profiles/dut-sim-near-rt-ric.yaml", "--fault",
            "wrong-transaction-id@ResetResponse", "-k", "reset or setup"]
    first = _cli("run", *args, "--results", tmp_path / "r1", cwd=tmp_path)
    ran = [m.group(3, 4) for m in map(LINE.match, first.stdout.splitlines()) if m]
    assert ("FAIL", "E2TS-R003-v02.00:5.2.1.2.1") in ran and len(ran) > 2, first.stdout
    again = _cli("run", *args, "--lf", "--results", tmp_path / "r2", cwd=tmp_path)
    assert [m.group(3, 4) for m in map(LINE.match, again.stdout.splitlines()) if m] == [
        ("FAIL", "E2TS-R003-v02.00:5.2.1.2.1")], again.stdout
