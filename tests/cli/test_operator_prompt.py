"""The manual (operator) adapter through `oran-harness run` (issue 19, item 4): the prompt reaches
the user's terminal although the pytest child has none of its own, Enter answers it, the lab's
prompt_timeout bounds the wait, and a run without a terminal is refused before it starts."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

CLI = [sys.executable, "-m", "harness.cli.main"]
PROMPT = "Press-Enter-for-the-operator-test"

SPEC = f"""\
testcases:
  - id: OPER-R001-v01.00:1.1
    title: an operator acts when asked
    interface: near-rt-ric.a1
    dut: near-rt-ric
    status: mandatory
    steps:
      - trigger: {{action: status-change, prompt: {PROMPT}, timeout: 60}}
      - request: {{method: GET, path: /A1-P/v2/policytypes}}
        expect: {{status: 200}}
    expected: [the operator's answer is taken]
"""


@pytest.fixture
def a1_ric():
    """The A1 Near-RT RIC simulator as real equipment would be: its own process, reached over HTTP."""
    proc = subprocess.Popen([*CLI, "sim", "a1-ric", "--port", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        first = json.loads(proc.stdout.readline() if proc.stdout else "{}")
        yield first["url"]
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def _setup(tmp_path: Path, prompt_timeout: float, url: str = "http://127.0.0.1:9") -> tuple[Path, Path, Path]:
    """The spec, a DUT profile of real equipment at ``url`` and the live A1 lab with a manual adapter."""
    (tmp_path / "operator.yaml").write_text(SPEC)
    dut = (ROOT / "fixtures/profiles/dut-live-a1-ric.yaml").read_text().replace("http://127.0.0.1:18080", url)
    (tmp_path / "dut.yaml").write_text(dut)
    lab = (ROOT / "fixtures/profiles/lab-live-a1.yaml").read_text()
    lab = lab[:lab.index("adapter:")] + f"adapter:\n  kind: manual\n  prompt_timeout: {prompt_timeout}\n" + \
        lab[lab.index("a1:\n"):]
    (tmp_path / "lab-manual.yaml").write_text(lab)
    return tmp_path / "operator.yaml", tmp_path / "dut.yaml", tmp_path / "lab-manual.yaml"


# Starts ``argv`` in a new session whose controlling terminal is its stdin (the pty's slave end).
# subprocess forks and execs in C, so no Python code runs between fork and exec in this (threaded)
# pytest process: pty.fork() here once deadlocked the child on a lock another thread held.
_ON_TTY = "import fcntl, os, sys, termios; os.setsid(); fcntl.ioctl(0, termios.TIOCSCTTY, 0); " \
          "os.execv(sys.argv[1], sys.argv[1:])"


def _run_on_a_terminal(argv: list[str], cwd: Path, answer: bool, limit: float = 120) -> str:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal; press Enter at the prompt."""
    master, slave = pty.openpty()
    child = subprocess.Popen([sys.executable, "-c", _ON_TTY, *argv], cwd=cwd, stdin=slave, stdout=slave,
                             stderr=slave, close_fds=True)
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + limit
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:                          # the child closed the terminal: it ended
                    break
                if not chunk:
                    break
                seen += chunk
            if answer and not answered and b"press Enter when done" in seen:
                os.write(master, b"\n")
                answered = True
    finally:
        os.close(master)
        try:
            code = child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            code = child.wait()
    assert time.monotonic() < deadline, seen.decode(errors="replace")
    return seen.decode(errors="replace") + f"\nEXIT {code}"


def _row(results: Path) -> dict:
    return json.loads((results / "results.jsonl").read_text().splitlines()[-1])


def test_the_operator_answers_at_the_terminal(tmp_path, a1_ric):
    spec, dut, lab = _setup(tmp_path, 60, a1_ric)
    out = _run_on_a_terminal([*CLI, "run", str(spec), "--dut", str(dut), "--lab", str(lab), "--results", "r"],
                             tmp_path, answer=True)
    assert PROMPT in out and "(60 s)" in out, out                  # prompt_timeout, not the step's timeout
    assert "EXIT 0" in out, out
    assert _row(tmp_path / "r")["verdict"] == "PASS"


def test_no_answer_within_prompt_timeout_is_an_error(tmp_path, a1_ric):
    spec, dut, lab = _setup(tmp_path, 1, a1_ric)
    out = _run_on_a_terminal([*CLI, "run", str(spec), "--dut", str(dut), "--lab", str(lab), "--results", "r"],
                             tmp_path, answer=False)
    row = _row(tmp_path / "r")
    assert row["verdict"] == "ERROR", out
    assert "no operator answer within 1 s for 'status-change'" in json.dumps(row)


def test_without_a_terminal_the_run_is_refused_before_it_starts(tmp_path):
    spec, dut, lab = _setup(tmp_path, 5)
    done = subprocess.run(["setsid", "-w", *CLI, "run", str(spec), "--dut", str(dut), "--lab", str(lab),
                           "--results", "r"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "the adapter is 'manual'" in done.stderr and "no terminal" in done.stderr
    assert not (tmp_path / "r").exists()
