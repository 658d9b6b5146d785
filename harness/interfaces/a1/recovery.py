"""A1 recovery after a Near-RT RIC restart: the `recover` and `notification-retry` steps.

Theory of operation: after a `restart` step (harness/runner/recovery.py; the simulator closes
its port for real) the `recover` step measures, black-box over A1-P:

* serve: from when the RIC was due back to its first 200 on GET policytypes (polled);
* policies: each policy the harness created in this test case before the restart (its last PUT
  answered 2xx, not deleted since) is GET again: the same body, and the same status as the last
  status the harness read before the restart. O-RAN.WG2.A1AP v03.01 clause 5 defines the policy
  procedures but says nothing of a restart, so whether policies must survive is the lab's to
  declare (PIXIT ``a1_policies_persist``: true or false), never a default.

`notification-retry` closes the harness's notification endpoint, makes the RIC change a
policy's status (trigger ``status-change``), reopens the endpoint after ``down_for`` and measures
how long the RIC took to deliver the notification after that: a RIC that tries once and gives
up never delivers it. A1AP leaves retries to the implementation: the objective is the lab's.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from harness.http.client import HttpDutError, HttpLabError
from harness.interfaces.a1 import model
from harness.interfaces.a1.executors import HttpEnv, record
from harness.runner.basic_steps import run_trigger
from harness.runner.context import StepContext
from harness.runner.recovery import judge, last_mark, lab_clause, objective, rule
from harness.runner.registry import register_executor
from harness.spec.model import TriggerStep, Where
from harness.spec.reader import Node
from harness.spec.recovery import duration, objectives
from harness.spec.yamlload import plain

FIGURES = ("serve", "policies")
A1AP = "O-RAN.WG2.A1AP v03.01"
API = model.API_ROOT      # /A1-P/v2
WINDOW = 5.0            # the harness waits this many times an objective before calling it 'never'
_POLICY = re.compile(r"/A1-P/v2/policytypes/([^/?]+)/policies/([^/?]+)(/status)?$")


@dataclass(frozen=True)
class A1RecoverStep:
    """Measure A1 recovery after the last restart: ``objectives`` figure -> PIXIT name."""

    objectives: dict
    where: Where
    kind: str = "recover"


@dataclass(frozen=True)
class NotificationRetryStep:
    """Endpoint down for ``down_for`` s while the RIC notifies ``status`` of a policy; objective PIXIT (ms)."""

    policy_type_id: Any
    policy_id: Any
    status: Any
    down_for: Any
    objective: str
    where: Where
    kind: str = "notification-retry"


def read_recover(node: Node, ctx: Any) -> list:
    """``recover: {serve: PIXIT (ms), policies: PIXIT (true|false)}``."""
    r = node.body("recover", FIGURES)
    named = objectives(r, FIGURES)
    if not named:
        raise r.error(r.line, f"'recover' judges nothing: name the PIXIT of at least one of {', '.join(FIGURES)}")
    return [A1RecoverStep(named, node.where())]


def read_notification_retry(node: Node, ctx: Any) -> list:
    """``notification-retry: {policy_type_id, policy_id, status, down_for, objective: PIXIT}``."""
    r = node.body("notification-retry", ["policy_type_id", "policy_id", "status", "down_for", "objective"])
    named = objectives(r, ("objective",))
    if not named:
        raise r.error(r.line, "'notification-retry' needs 'objective': the PIXIT (ms) of the delivery after the outage")
    return [NotificationRetryStep(r.get("policy_type_id", str, required=True, allow_var=True),
                                  r.get("policy_id", str, required=True, allow_var=True),
                                  plain(r.required("status")), duration(r, "down_for", required=True),
                                  named["objective"], node.where())]


# ------------------------------------------------------------------ recover
def _env(ctx: StepContext) -> HttpEnv:
    if not isinstance(ctx.env, HttpEnv) or ctx.env.client is None:
        ctx.error("http.env", "A1 recovery needs the Near-RT RIC's A1-P URL (endpoints.a1, or its simulator)")
    return ctx.env


def _get(env: HttpEnv, path: str, timeout: float):
    """(status, parsed JSON or None, the exchange) of GET ``path``; (None, None, None) when nothing answers."""
    if env.client is None:
        return None, None, None
    try:
        done = env.client.request("GET", path, timeout=timeout)
    except (HttpLabError, HttpDutError):
        return None, None, None
    try:
        body = json.loads(done.response.body) if done.response.body else None
    except ValueError:
        body = None
    return done.response.status, body, done


def held_policies(ctx: StepContext, before: float) -> dict[tuple[str, str], dict]:
    """(type, id) -> {body, status} for each policy the harness created before ``before`` (wall clock)."""
    held: dict[tuple[str, str], dict] = {}
    entries = [e for e in ctx.exchange.entries if hasattr(e, "http") and e.http.time <= before]
    for req, resp in zip(entries, entries[1:], strict=False):
        if req.http.kind != "request" or resp.http.kind != "response" or not 200 <= resp.http.status < 300:
            continue
        m = _POLICY.search(req.http.target.split("?")[0])
        if m is None:
            continue
        key = (m.group(1), m.group(2))
        if req.http.method == "DELETE":
            held.pop(key, None)
        elif req.http.method == "PUT" and not m.group(3):
            held[key] = {"body": json.loads(req.http.body or b"null")}
        elif req.http.method == "GET" and m.group(3) and key in held:
            held[key]["status"] = json.loads(resp.http.body or b"null")
    return held


def _persist(ctx: StepContext, pixit: str) -> bool:
    value = ctx.run_env.pixit.get(pixit)
    if not isinstance(value, bool):
        ctx.error("recovery.pixit", f"PIXIT '{pixit}' must be true or false (the policies survive a restart), "
                  f"not {value!r}")
    return value


def run_recover(ctx: StepContext, step: A1RecoverStep) -> None:
    env = _env(ctx)
    mark = last_mark(ctx)
    found = []
    names = step.objectives
    held = held_policies(ctx, mark.wall)
    serve_pixit = names.get("serve")
    wait = WINDOW * objective(ctx, serve_pixit) / 1000.0 if serve_pixit else ctx.timers.guard / 2
    served = None
    time.sleep(max(0.0, min(mark.back_at - time.time(), ctx.remaining())))   # not due back before then
    deadline = time.monotonic() + min(max(wait, 1.0), ctx.remaining())
    while time.monotonic() < deadline:
        status, _body, done = _get(env, f"{API}/policytypes", 1.0)
        if status == 200 and done is not None:
            served = done.response.time
            record(ctx, done.request, step, "sent")
            record(ctx, done.response, step, "matched")
            break
        time.sleep(0.05)
    value = None if served is None else max(0.0, (served - mark.back_at) * 1000.0)
    if serve_pixit:
        found.append(judge(ctx, "a1", "serve", value, serve_pixit, what="A1-P served again after the restart",
                           clause=f"{A1AP} clause 5 (the A1-P procedures the RIC serves)"))
    if "policies" in names and served is not None:
        must = _persist(ctx, names["policies"])
        for (tid, pid), was in held.items():
            found.append(_policy_kept(ctx, env, step, tid, pid, was, must, names["policies"]))
    ctx.add_all(found)


def _policy_kept(ctx: StepContext, env: HttpEnv, step, tid: str, pid: str, was: dict, must: bool, pixit: str):
    subject = f"policy {tid}/{pid}"
    status, body, done = _get(env, f"{API}/policytypes/{tid}/policies/{pid}", ctx.timers.expect)
    if done is not None:
        record(ctx, done.request, step, "sent")
        record(ctx, done.response, step, "matched")
    same_body = status == 200 and body == was["body"]
    now_status = None
    if same_body and "status" in was:
        s, now_status, d = _get(env, f"{API}/policytypes/{tid}/policies/{pid}/status", ctx.timers.expect)
        if d is not None:
            record(ctx, d.request, step, "sent")
            record(ctx, d.response, step, "matched")
    same = same_body and ("status" not in was or now_status == was["status"])
    if not same_body:
        seen = f"GET answers {status}" if status != 200 else "its body differs"
        text = f"{subject} after the restart: {seen} (the lab declares policies persist)"
    elif not same:
        text = f"{subject} after the restart: status {now_status!r}, before {was['status']!r}"
    else:
        text = f"{subject} kept with the same content" + (" and status" if "status" in was else "")
    ok = same or not must
    if not same and not must:
        text += " (the lab declares policies need not persist)"
    return rule(ctx, "a1", "policy-kept", ok, text, f"{lab_clause(pixit)} (A1AP v03.01 clause 5 is silent on restarts)",
                value=1.0 if same else 0.0, subject=subject,
                detail={"before": was, "after": {"status": status, "body": body, "policy_status": now_status}},
                expected={"kept": must})


# ------------------------------------------------------------------ notification retry
def run_notification_retry(ctx: StepContext, step: NotificationRetryStep) -> None:
    env = ctx.env
    if not isinstance(env, HttpEnv) or env.server is None:
        ctx.error("http.env", "notification-retry needs the harness's notification endpoint (an A1 run)")
    goal = objective(ctx, step.objective)
    down = ctx.seconds(step.down_for, 0.0)
    if down + WINDOW * goal / 1000.0 > ctx.remaining():
        ctx.error("notification-retry", f"down_for {down:g} s and the wait outlast the guard timer")
    tid, pid = ctx.resolve(step.policy_type_id), ctx.resolve(step.policy_id)
    env.server.pause()
    try:
        run_trigger(ctx, TriggerStep("status-change", {"policy_type_id": tid, "policy_id": pid,
                                                       "status": ctx.resolve(step.status)},
                                     f"Make the DUT change the status of policy {pid} (its notification "
                                     "destination is down)", None, step.where))
        time.sleep(down)
    finally:
        env.server.resume()
    up = time.time()
    ctx.add_idle(down)
    incoming = env.server.next_request(WINDOW * goal / 1000.0)
    value = None
    if incoming is not None:
        record(ctx, incoming.request, step, "matched")
        incoming.answer(204)
        value = max(0.0, (incoming.request.time - up) * 1000.0)
    finding = judge(ctx, "a1", "notification-retry", value, step.objective,
                    what=f"status notification of {pid} delivered after its destination was down {down:g} s",
                    clause=f"{A1AP} clause 5 (policy status notification) and 6.2 (notificationDestination)",
                    subject=f"policy {tid}/{pid}")
    ctx.add_all([finding])


register_executor(A1RecoverStep, run_recover)
register_executor(NotificationRetryStep, run_notification_retry)
