"""Passive conformance for A1: judge captured HTTP exchanges with the same YAML specs.

Theory of operation (the HTTP twin of harness/capture/analyze.py): the capture's
TCP runs are framed into HTTP messages (harness/capture/http.py) and paired into
transactions. Which side is the DUT follows from the A1-P architecture
(O-RAN.WG2.A1AP v03.01 clause 6: the A1-P resources under /A1-P/ are served by
the Near-RT RIC; the notification destination by the Non-RT RIC): a request to an
A1-P path is made by the Non-RT RIC, any other request by the Near-RT RIC.
Requests the tester makes and requests the DUT makes are two queues, each in
capture order, as the live runner sees them (its client, and its server's queue):

* a `request` step is matched by the tester's next request: same method and
  path (the API root may carry a prefix), same query parameter names; else the
  capture does not follow this test case (INCONC). Its response gets every
  check of a live run, its timer measured on capture time;
* an `expect-request` step is matched by the DUT's next request with every
  check of a live run; one with another method or path means the capture does
  not follow this test case (INCONC: whatever made the DUT send it is not seen);
* a `respond` step (or inline respond) is the tester's reply: one with another
  status means the capture does not follow the test case (INCONC);
* a capture that ends before an answer or before a timer ran out is INCONC.

Findings carry the packet numbers of the messages they judge.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Iterable

from harness.capture.http import MAX_BODY, CapturedHttp, HttpTransaction
from harness.http.evidence import HttpEntry
from harness.http.messages import HttpMessage
from harness.runner import http_steps
from harness.runner.runner import Runner, TestResult, _Stop, _where
from harness.spec.model import (ExpectRequestStep, HttpRequestStep, RepeatStep, RespondStep, SaveStep, TriggerStep,
                                WaitStep)
from harness.verdict import Finding, Verdict

A1P_ROOT = "/A1-P/"


def tester_initiated(t: HttpTransaction, dut_role: str) -> bool:
    """Whether the tester (not the DUT) made this request, from who serves A1-P (see the module doc)."""
    to_producer = A1P_ROOT in t.request.path
    return to_producer if dut_role == "near-rt-ric" else not to_producer


class HttpObserverRunner(Runner):
    """The runner, with a capture's HTTP transactions in the place of the DUT and the harness."""

    def __init__(self, testcase, env, transactions: list[HttpTransaction], dut_role: str, end_time: float,
                 variables: dict | None = None) -> None:
        super().__init__(testcase, env)
        self.vars.update(variables or {})
        self.tester = [t for t in transactions if tester_initiated(t, dut_role)]
        self.dut = [t for t in transactions if not tester_initiated(t, dut_role)]
        self.ti = self.di = 0
        self.end_time = end_time
        self.clock = transactions[0].request.time if transactions else 0.0
        self.packets: dict[int, tuple] = {}
        self.connections: dict[str, int] = {}
        self.pending: tuple | None = None     # (transaction, step): a DUT request whose reply is the next respond

    # ------------------------------------------------------------------ evidence
    def _message(self, m: CapturedHttp, tester_sent: bool) -> HttpMessage:
        conn = self.connections.setdefault(m.connection, len(self.connections) + 1)
        tester, dut = (m.src, m.dst) if tester_sent else (m.dst, m.src)
        return HttpMessage(m.kind, "sent" if tester_sent else "received", m.method, m.target, m.status, m.reason,
                           m.headers, m.body, m.time, _pair(tester), _pair(dut), conn, m.truncated)

    def _record(self, m: CapturedHttp, tester_sent: bool, step, role: str) -> tuple[HttpEntry, HttpMessage]:
        msg = self._message(m, tester_sent)
        entry = http_steps._record(self, msg, step, role)
        entry.notes = [f"packets {', '.join(map(str, m.packets))}"]
        self.packets[entry.index] = m.packets
        return entry, msg

    def _cite(self, found: list, m: CapturedHttp) -> list:
        at = f" (packet {', '.join(map(str, m.packets))})"
        return [dataclasses.replace(f, message=f.message + at) for f in found]

    def _inconc(self, text: str, step) -> None:
        self._finding(Verdict.INCONC, "observe.diverges" if "follow" in text else "observe.end", text, step)
        raise _Stop

    # ------------------------------------------------------------------ steps
    def _steps(self, steps) -> None:
        for step in steps:
            if isinstance(step, HttpRequestStep):
                self._flush_pending()
                self._observe_request(step)
            elif isinstance(step, ExpectRequestStep):
                self._flush_pending()
                self._observe_expect_request(step)
            elif isinstance(step, RespondStep):
                if self.pending is None:
                    self._finding(Verdict.ERROR, "spec.respond", "no request to respond to", step)
                t, _ = self.pending
                self.pending = None
                self._observe_reply(t, step.reply, step)
            elif isinstance(step, (TriggerStep, WaitStep)):
                continue
            elif isinstance(step, SaveStep):
                self.vars.update(self._resolve(dict(step.variables), step))
            elif isinstance(step, RepeatStep):
                for _ in range(int(self._resolve(step.count, step))):
                    self._steps(step.steps)
        self._flush_pending()

    def _flush_pending(self) -> None:
        if self.pending is not None:             # live: answered 204 when the next step starts
            t, step = self.pending
            self.pending = None
            if t.response is not None:
                self._record(t.response, True, step, "sent")

    def _observe_request(self, step: HttpRequestStep) -> None:
        path = self._resolve(step.path, step)
        query = self._resolve(dict(step.query), step)
        wanted = f"{step.method} {path}"
        if self.ti >= len(self.tester):
            self._inconc(f"the capture ends before the tester sends {wanted}", step)
        t = self.tester[self.ti]
        req = t.request
        if req.method != step.method or not (req.path == path or req.path.endswith(path)):
            self._inconc(f"the capture does not follow this test case: expected the tester to send {wanted}, "
                         f"found {req.method} {req.path} (packet {req.first_packet})", step)
        from urllib.parse import parse_qs, urlsplit
        names = set(parse_qs(urlsplit(req.target).query, keep_blank_values=True))
        if set(query) - names:
            self._inconc(f"the capture does not follow this test case: {req.method} {req.path} (packet "
                         f"{req.first_packet}) has no query parameter {sorted(set(query) - names)[0]}", step)
        self.ti += 1
        self.clock = req.time
        self._record(req, True, step, "sent")
        where = f"{req.method} {req.target}"
        timer = self._seconds(step.timer, self.env.timers.expect, step)
        resp = t.response
        if resp is None:
            if self.end_time < req.time + timer:
                self._inconc(f"{where}: the capture ends before the response (and before the {timer:g} s timer "
                             f"ran out; request in packet {req.first_packet})", step)
            self._finding(Verdict.FAIL, "http.timeout", f"{where}: no response within {timer:g} s (request in "
                                                       f"packet {req.first_packet})", step)
        entry, msg = self._record(resp, False, step, "matched")
        self.clock = resp.time
        if resp.time - req.time > timer:
            self._finding(Verdict.FAIL, "http.timeout", f"{where}: the response came {resp.time - req.time:.3f} s "
                          f"after the request, over the {timer:g} s timer (packet {resp.first_packet})", step,
                          evidence=(entry.index,))
        found = http_steps.judge_response(self, step, where, msg, entry, getattr(self.env.http, "max_body", MAX_BODY))
        for f in self._cite(found, resp):
            self.keeper.add(f)
        if found:
            raise _Stop

    def _observe_expect_request(self, step: ExpectRequestStep) -> None:
        pattern = self._resolve(step.path, step)
        wanted = f"{step.method} {pattern}"
        timer = self._seconds(step.timer, self.env.timers.expect, step)
        deadline = self.clock + timer
        if self.di >= len(self.dut) or self.dut[self.di].request.time > deadline:
            if self.end_time < deadline:
                self._inconc(f"the capture ends before a request {wanted} from the DUT (and before the "
                             f"{timer:g} s timer ran out)", step)
            self._finding(Verdict.FAIL, "http.expect-request.timer",
                          f"no request {wanted} from the DUT within {timer:g} s", step)
        t = self.dut[self.di]
        req = t.request
        self.di += 1
        self.clock = max(self.clock, req.time)
        entry, msg = self._record(req, False, step, "matched")
        m, found, _ = http_steps.judge_request(self, step, msg, entry, pattern)
        if m is None:
            entry.role = "unexpected"
            self._inconc(f"the capture does not follow this test case: the DUT sent {req.method} {req.path} "
                         f"(packet {req.first_packet}) where {wanted} was expected", step)
        for f in self._cite(found, req):
            self.keeper.add(f)
        if found:
            raise _Stop
        if step.respond is not None:
            self._observe_reply(t, step.respond, step)
        else:
            self.pending = (t, step)

    def _observe_reply(self, t: HttpTransaction, reply, step) -> None:
        resp = t.response
        if resp is None:
            self._inconc(f"the capture ends before the tester answers {t.request.method} {t.request.path}", step)
        self._record(resp, True, step, "sent")
        self.clock = max(self.clock, resp.time)
        if resp.status != reply.status:
            self._inconc(f"the capture does not follow this test case: the tester answered {resp.status} (packet "
                         f"{resp.first_packet}) where the test case responds {reply.status}", step)


def _pair(endpoint: str) -> tuple:
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port or 0)


def analyze_http(transactions: Iterable[HttpTransaction], testcases: list, env_factory, dut_role: str,
                 end_time: float, variables: dict | None = None) -> list[TestResult]:
    """Every test case walked over the capture's transactions; one TestResult each."""
    items = list(transactions)
    results = []
    for tc in testcases:
        runner = HttpObserverRunner(tc, env_factory(), items, dut_role, end_time, variables)
        t0 = time.monotonic()
        try:
            runner._steps(tc.steps)
        except _Stop:
            pass
        except Exception as err:  # noqa: BLE001 -- a harness bug still gives a verdict, not a traceback
            runner.keeper.add(Finding(Verdict.ERROR, "harness.internal",
                                      f"the analysis failed: {type(err).__name__}: {err}"))
        if runner.keeper.checks == 0 and runner.keeper.verdict < Verdict.ERROR:
            runner.keeper.add(Finding(Verdict.INCONC, "observe.nothing",
                                      "nothing in the capture could be checked for this test case"))
        result = TestResult(tc, runner.keeper.final() if runner.keeper.checks else Verdict.INCONC,
                            list(runner.keeper.findings), runner.exchange,
                            items[0].request.time if items else 0.0, time.monotonic() - t0, dict(runner.vars))
        servers = sorted({t.server for t in runner.tester[:runner.ti]} | {t.client for t in runner.dut[:runner.di]})
        result.association = ", ".join(servers) or "-"
        result.packets = runner.packets
        results.append(result)
    return results


def capture_variables(transactions: list[HttpTransaction], dut_role: str, callback_path: str) -> dict:
    """dut_url / harness_url / callback_url as the capture shows them (for ${vars} in the specs)."""
    out = {}
    for t in transactions:
        a1p_server = "http://" + t.server
        if A1P_ROOT in t.request.path:
            out.setdefault("dut_url" if dut_role == "near-rt-ric" else "harness_url", a1p_server)
        else:
            out.setdefault("harness_url" if dut_role == "near-rt-ric" else "dut_url", a1p_server)
    if "harness_url" in out:
        out["callback_url"] = out["harness_url"] + callback_path
    out.setdefault("harness_url", "http://harness.invalid")
    out.setdefault("callback_url", out["harness_url"] + callback_path)
    out.setdefault("dut_url", "http://dut.invalid")
    return out


__all__ = ["HttpObserverRunner", "analyze_http", "capture_variables", "tester_initiated", "_where"]
