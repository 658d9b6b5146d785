"""Passive conformance for A1: judge captured HTTP exchanges with the same YAML specs.

Theory of operation (the HTTP twin of harness/interfaces/e2/observe.py): the capture's
TCP runs are framed into HTTP messages (harness/capture/http.py) and paired into
transactions. Which side is the DUT follows from the A1-P architecture
(O-RAN.WG2.A1AP v03.01 clause 6: the A1-P resources under /A1-P/ are served by
the Near-RT RIC; the notification destination by the Non-RT RIC): a request to an
A1-P path is made by the Non-RT RIC, any other request by the Near-RT RIC.
Requests the tester makes and requests the DUT makes are two queues, each in
capture order, as the live runner sees them (its client, and its server's queue);
the runner runs in observe mode over an `HttpCapture` cursor, with the observe
executors registered here:

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
from collections.abc import Iterable
from typing import NoReturn
from urllib.parse import parse_qs, urlsplit

from harness.capture.http import MAX_BODY, CapturedHttp, HttpTransaction
from harness.http.evidence import HttpEntry
from harness.http.messages import HttpMessage
from harness.interfaces.a1 import executors as http_steps
from harness.runner.context import StepContext
from harness.runner.runner import OBSERVE, Runner, TestResult, register_observer
from harness.spec.model import ExpectRequestStep, HttpRequestStep, RespondStep

A1P_ROOT = "/A1-P/"


def tester_initiated(t: HttpTransaction, dut_role: str) -> bool:
    """Whether the tester (not the DUT) made this request, from who serves A1-P (see the module doc)."""
    to_producer = A1P_ROOT in t.request.path
    return to_producer if dut_role == "near-rt-ric" else not to_producer


class HttpCapture:
    """The capture cursor of the A1 observer (``ctx.capture``): the two request queues, the capture
    clock, the request awaiting the tester's reply, and the packet numbers behind each entry."""

    kind = "http"

    def __init__(self, transactions: list[HttpTransaction], dut_role: str, end_time: float) -> None:
        self.tester = [t for t in transactions if tester_initiated(t, dut_role)]
        self.dut = [t for t in transactions if not tester_initiated(t, dut_role)]
        self.ti = self.di = 0
        self.end_time = end_time
        self.clock = transactions[0].request.time if transactions else 0.0
        self.start = self.clock
        self.packets: dict[int, tuple] = {}
        self.connections: dict[str, int] = {}
        self.pending: tuple | None = None     # (transaction, step): a DUT request whose reply is the next respond

    def message(self, m: CapturedHttp, tester_sent: bool) -> HttpMessage:
        conn = self.connections.setdefault(m.connection, len(self.connections) + 1)
        tester, dut = (m.src, m.dst) if tester_sent else (m.dst, m.src)
        return HttpMessage(m.kind, "sent" if tester_sent else "received", m.method, m.target, m.status, m.reason,
                           m.headers, m.body, m.time, _pair(tester), _pair(dut), conn, m.truncated)

    def record(self, ctx: StepContext, m: CapturedHttp, tester_sent: bool, step,
               role: str) -> tuple[HttpEntry, HttpMessage]:
        msg = self.message(m, tester_sent)
        entry = http_steps.record(ctx, msg, step, role)
        entry.notes = [f"packets {', '.join(map(str, m.packets))}"]
        self.packets[entry.index] = m.packets
        return entry, msg

    def servers(self) -> list[str]:
        """The endpoints the followed part of the capture involved (the result's 'association')."""
        return sorted({t.server for t in self.tester[:self.ti]} | {t.client for t in self.dut[:self.di]})


def _cite(found: list, m: CapturedHttp) -> list:
    at = f" (packet {', '.join(map(str, m.packets))})"
    return [dataclasses.replace(f, message=f.message + at) for f in found]


def _inconc(ctx: StepContext, text: str) -> NoReturn:
    ctx.inconc("observe.diverges" if "follow" in text else "observe.end", text, stop=True)


def _cursor(ctx: StepContext) -> HttpCapture:
    """The cursor, with the end-of-steps flush of a request still awaiting its reply set up once."""
    cap: HttpCapture = ctx.capture
    ctx.state("http-observe", lambda: ctx.add_finisher(lambda: _flush_pending(ctx, cap)))
    return cap


def _flush_pending(ctx: StepContext, cap: HttpCapture) -> None:
    if cap.pending is not None:             # live: answered 204 when the next step starts
        t, step = cap.pending
        cap.pending = None
        if t.response is not None:
            cap.record(ctx, t.response, True, step, "sent")


def observe_request(ctx: StepContext, step: HttpRequestStep) -> None:
    """The tester's next request, then its response judged as live, the timer on capture time.

    A `precondition: true` step whose request is not the capture's next one is skipped: the capture
    began after the set-up (a capture of the test purpose alone is still judged).
    """
    cap = _cursor(ctx)
    _flush_pending(ctx, cap)
    path = ctx.resolve(step.path)
    query = ctx.resolve(dict(step.query))
    wanted = f"{step.method} {path}"
    if cap.ti >= len(cap.tester):
        _inconc(ctx, f"the capture ends before the tester sends {wanted}")
    t = cap.tester[cap.ti]
    req = t.request
    if req.method != step.method or not (req.path == path or req.path.endswith(path)):
        if ctx.preamble:            # a set-up step the capture does not hold (taken before it began): skipped
            return
        _inconc(ctx, f"the capture does not follow this test case: expected the tester to send {wanted}, "
                f"found {req.method} {req.path} (packet {req.first_packet})")
    names = set(parse_qs(urlsplit(req.target).query, keep_blank_values=True))
    if set(query) - names:
        _inconc(ctx, f"the capture does not follow this test case: {req.method} {req.path} (packet "
                f"{req.first_packet}) has no query parameter {sorted(set(query) - names)[0]}")
    cap.ti += 1
    cap.clock = req.time
    _, sent = cap.record(ctx, req, True, step, "sent")
    where = f"{req.method} {req.target}"
    timer = ctx.seconds(step.timer, ctx.timers.expect)
    resp = t.response
    if resp is None:
        if cap.end_time < req.time + timer:
            _inconc(ctx, f"{where}: the capture ends before the response (and before the {timer:g} s timer "
                    f"ran out; request in packet {req.first_packet})")
        ctx.fail("http.timeout", f"{where}: no response within {timer:g} s (request in packet {req.first_packet})")
    entry, msg = cap.record(ctx, resp, False, step, "matched")
    cap.clock = resp.time
    if resp.time - req.time > timer:
        ctx.fail("http.timeout", f"{where}: the response came {resp.time - req.time:.3f} s after the request, "
                 f"over the {timer:g} s timer (packet {resp.first_packet})", evidence=(entry.index,))
    found = http_steps.judge_response(ctx, step, where, msg, entry, getattr(ctx.env, "max_body", MAX_BODY),
                                      request=sent, uri=http_steps.request_uri("http://" + t.server, req.target))
    ctx.add_all(_cite(found, resp))


def observe_expect_request(ctx: StepContext, step: ExpectRequestStep) -> None:
    """The DUT's next request, judged as live; its reply is the tester's (inline or the next respond)."""
    cap = _cursor(ctx)
    _flush_pending(ctx, cap)
    pattern = ctx.resolve(step.path)
    wanted = f"{step.method} {pattern}"
    timer = ctx.seconds(step.timer, ctx.timers.expect)
    deadline = cap.clock + timer
    if cap.di >= len(cap.dut) or cap.dut[cap.di].request.time > deadline:
        if cap.end_time < deadline:
            _inconc(ctx, f"the capture ends before a request {wanted} from the DUT (and before the "
                    f"{timer:g} s timer ran out)")
        ctx.fail("http.expect-request.timer", f"no request {wanted} from the DUT within {timer:g} s")
    t = cap.dut[cap.di]
    req = t.request
    cap.di += 1
    cap.clock = max(cap.clock, req.time)
    entry, msg = cap.record(ctx, req, False, step, "matched")
    if step.name:
        ctx.vars[step.name] = {"request": http_steps.message_view(msg), "response": None}
    m, found, _ = http_steps.judge_request(ctx, step, msg, entry, pattern)
    if m is None:
        entry.role = "unexpected"
        _inconc(ctx, f"the capture does not follow this test case: the DUT sent {req.method} {req.path} "
                f"(packet {req.first_packet}) where {wanted} was expected")
    ctx.add_all(_cite(found, req))
    if step.respond is not None:
        _observe_reply(ctx, cap, t, step.respond, step)
    else:
        cap.pending = (t, step)


def observe_respond(ctx: StepContext, step: RespondStep) -> None:
    """The tester's reply to the request the last expect-request matched."""
    cap = _cursor(ctx)
    if cap.pending is None:
        ctx.error("spec.respond", "no request to respond to")
    t, _ = cap.pending
    cap.pending = None
    _observe_reply(ctx, cap, t, step.reply, step)


def _observe_reply(ctx: StepContext, cap: HttpCapture, t: HttpTransaction, reply, step) -> None:
    resp = t.response
    if resp is None:
        _inconc(ctx, f"the capture ends before the tester answers {t.request.method} {t.request.path}")
    cap.record(ctx, resp, True, step, "sent")
    cap.clock = max(cap.clock, resp.time)
    if resp.status != reply.status:
        _inconc(ctx, f"the capture does not follow this test case: the tester answered {resp.status} (packet "
                f"{resp.first_packet}) where the test case responds {reply.status}")


register_observer(HttpRequestStep, HttpCapture.kind, observe_request)
register_observer(ExpectRequestStep, HttpCapture.kind, observe_expect_request)
register_observer(RespondStep, HttpCapture.kind, observe_respond)


def _pair(endpoint: str) -> tuple:
    host, _, port = endpoint.rpartition(":")
    return host.strip("[]"), int(port or 0)


def analyze_http(transactions: Iterable[HttpTransaction], testcases: list, env_factory, dut_role: str,
                 end_time: float, variables: dict | None = None) -> list[TestResult]:
    """Every test case walked over the capture's transactions; one TestResult each.

    ``env_factory()`` gives a RunEnv whose interface is an `HttpEnv` (policy types; no client, no server).
    """
    items = list(transactions)
    results = []
    for tc in testcases:
        capture = HttpCapture(items, dut_role, end_time)
        result = Runner(tc, env_factory(), mode=OBSERVE, capture=capture, variables=variables).run()
        result.association = ", ".join(capture.servers()) or "-"
        result.packets = capture.packets
        results.append(result)
    return results


def capture_variables(transactions: list[HttpTransaction], dut_role: str, callback_path: str) -> dict:
    """dut_url / harness_url / callback_url as the capture shows them (for ${vars} in the specs)."""
    out: dict[str, str] = {}
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


__all__ = ["HttpCapture", "analyze_http", "capture_variables", "tester_initiated"]
