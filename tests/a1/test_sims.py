"""Both A1 simulators over real loopback HTTP(S): every endpoint, error, fault, TLS, token.

Every fault mode is shown to produce its wrong behaviour on the wire. Waits
are bounded and generous (the CI machine is shared).
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time

import pytest

from harness.interfaces.a1 import model, schemas
from harness.interfaces.a1.testpki import make_test_pki
from harness.http.client import HttpDutError, HttpLabError
from harness.interfaces.a1.sim import A1NonRtRicSim, A1RicSim, A1SimError, TlsClient, TlsServer

T = "20008"
GOOD = {"threshold": 7}
QOS = "ORAN_QoSTarget_2.0.0"


@pytest.fixture
def ric():
    sim = A1RicSim()
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture
def nonrt(ric):
    sim = A1NonRtRicSim(ric.base_url)
    sim.start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def call(base_url, method, path, body=None, headers=None, timeout=10.0):
    host, port = base_url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers={**hdrs, **(headers or {})})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def create(nonrt, pid="p1", body=GOOD, type_id=T, **extra):
    return nonrt.trigger("create-policy", {"policy_type_id": type_id, "policy_id": pid, "body": body, **extra})


def assert_problem(status, headers, raw, expected_status, detail_part):
    assert status == expected_status
    assert headers["content-type"] == "application/problem+json"
    value = json.loads(raw)
    assert schemas.validate(value, schemas.PROBLEM_DETAILS) == ()
    assert value["status"] == expected_status and detail_part in value["detail"]


# ---------------------------------------------------------------------- endpoints
def test_every_endpoint_and_the_notification(ric, nonrt):
    r = nonrt.trigger("query-types", {})
    assert r["status"] == 200 and r["body"] == ["20008", QOS, "ORAN_TrafficSteeringPreference_2.0.0"]
    r = nonrt.trigger("query-type", {"policy_type_id": QOS})
    assert r["status"] == 200 and schemas.check_policy_type(r["body"]) == ()
    r = create(nonrt)
    assert r["status"] == 201 and r["body"] == GOOD
    assert r["headers"]["location"] == ric.base_url + model.policy_path(T, "p1")
    notes = nonrt.wait_notifications(1)
    assert len(notes) == 1 and notes[0].method == "POST" and notes[0].json() == {"enforceStatus": "ENFORCED"}
    assert notes[0].header("content-type") == "application/json"
    assert ric.policies[(T, "p1")].notification_destination == nonrt.callback_url
    r = nonrt.trigger("update-policy", {"policy_type_id": T, "policy_id": "p1", "body": {"threshold": 9}})
    assert r["status"] == 200 and r["body"] == {"threshold": 9}
    assert nonrt.trigger("query-policies", {"policy_type_id": T})["body"] == ["p1"]
    assert nonrt.trigger("query-policy", {"policy_type_id": T, "policy_id": "p1"})["body"] == {"threshold": 9}
    assert nonrt.trigger("query-status", {"policy_type_id": T, "policy_id": "p1"})["body"] == \
        {"enforceStatus": "ENFORCED"}
    r = ric.trigger("status-change", {"policy_type_id": T, "policy_id": "p1",
                                      "status": {"enforceStatus": "NOT_ENFORCED", "enforceReason": "OTHER_REASON"}})
    assert r["notification"]["status"] == 204
    assert nonrt.wait_notifications(2)[1].json()["enforceStatus"] == "NOT_ENFORCED"
    r = nonrt.trigger("delete-policy", {"policy_type_id": T, "policy_id": "p1"})
    assert r["status"] == 204 and r["raw"] == b""
    r = nonrt.trigger("query-policy", {"policy_type_id": T, "policy_id": "p1"})
    assert r["status"] == 404
    # all on one keep-alive connection
    assert len({req.peer for req in ric.requests}) == 1


def test_error_answers_are_problem_details(ric):
    base, pol = ric.base_url, model.policy_path(T, "p1")
    assert_problem(*call(base, "GET", model.policy_type_path("nope")), 404, "no policy type 'nope'")
    assert_problem(*call(base, "GET", pol), 404, "no policy 'p1' of type '20008'")
    assert_problem(*call(base, "GET", "/A1-P/v2/whatever"), 404, "names no A1-P resource")
    assert_problem(*call(base, "PUT", pol, {"threshold": 101}), 400, "$.threshold: 101 is greater than")
    assert_problem(*call(base, "PUT", pol, b'{"threshold": '), 400, "not JSON at line 1 column 15")
    assert_problem(*call(base, "PUT", pol, GOOD, {"Content-Type": "text/plain"}), 415, "application/json")
    assert_problem(*call(base, "PUT", pol + "?notificationDestination=nowhere", GOOD), 400,
                   "'nowhere' is not an absolute http(s) URI")
    assert_problem(*call(base, "PUT", pol, b"[" + b"1," * 600_000 + b"1]"), 413, "larger than")
    status, headers, raw = call(base, "POST", model.policies_path(T), GOOD)
    assert_problem(status, headers, raw, 405, "POST is not allowed")
    assert headers["allow"] == "GET"
    ric.trigger("set-available", {"available": False})
    status, headers, raw = call(base, "GET", model.policy_types_path())
    assert_problem(status, headers, raw, 503, "unavailable")
    assert headers["retry-after"] == "1"
    assert ric.policies == {} and ric.errors == []


def test_chunked_request_body(ric):
    host, port = ric.base_url.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("PUT", model.policy_path(T, "c1"), body=iter([b'{"thres', b'hold": 3}']),
                 headers={"Content-Type": "application/json"}, encode_chunked=True)
    assert conn.getresponse().status == 201
    conn.close()
    assert ric.policies[(T, "c1")].body == {"threshold": 3}


def test_triggers_misuse_and_dead_destination(ric, nonrt):
    with pytest.raises(A1SimError, match="no action 'explode'; known: status-change"):
        ric.trigger("explode", {})
    with pytest.raises(A1SimError, match="no policy 'zz'"):
        ric.trigger("notify", {"policy_type_id": T, "policy_id": "zz"})
    with pytest.raises(A1SimError, match="missing parameter 'policy_id'"):
        nonrt.trigger("query-policy", {"policy_type_id": T})
    with pytest.raises(A1SimError, match="unknown A1 fault 'nope'"):
        A1RicSim(faults=("nope",))
    with pytest.raises(A1SimError, match="unknown A1 operation 'explode'"):
        A1RicSim(faults=("slow@explode",))
    dead = socket.socket()
    dead.bind(("127.0.0.1", 0))
    port = dead.getsockname()[1]
    dead.close()
    assert create(nonrt, notification_destination=f"http://127.0.0.1:{port}/cb")["status"] == 201
    r = ric.trigger("notify", {"policy_type_id": T, "policy_id": "p1"})
    assert r["notification"]["status"] is None and "refused" in r["notification"]["error"]


def test_policy_types_can_be_added_and_removed(ric, nonrt):
    ric.trigger("add-policy-type", {"policy_type_id": "t9", "definition": {"policySchema": {"type": "object"}}})
    assert create(nonrt, type_id="t9", body={"free": 1})["status"] == 201
    with pytest.raises(A1SimError, match=r"not a PolicyTypeObject: \$.policySchema"):
        ric.trigger("add-policy-type", {"policy_type_id": "t8", "definition": {}})
    assert ric.trigger("remove-policy-type", {"policy_type_id": "t9"})["removed"] is True
    assert nonrt.trigger("query-policy", {"policy_type_id": "t9", "policy_id": "p1"})["status"] == 404


# ---------------------------------------------------------------------- Near-RT RIC faults
def run_with_fault(fault, client_timeout=10.0, **kw):
    ric = A1RicSim(faults=(fault,), **kw)
    ric.start()
    nonrt = A1NonRtRicSim(ric.base_url, timeout=client_timeout)
    nonrt.start()
    return ric, nonrt


@pytest.fixture
def faulty(request):
    made = []

    def make(fault, **kw):
        pair = run_with_fault(fault, **kw)
        made.append(pair)
        return pair
    yield make
    for ric, nonrt in made:
        nonrt.stop()
        ric.stop()


def test_fault_wrong_status(faulty):
    ric, nonrt = faulty("wrong-status")
    assert create(nonrt)["status"] == 200
    assert nonrt.trigger("update-policy", {"policy_type_id": T, "policy_id": "p1", "body": GOOD})["status"] == 201
    assert nonrt.trigger("delete-policy", {"policy_type_id": T, "policy_id": "p1"})["status"] == 200
    assert nonrt.trigger("query-policy", {"policy_type_id": T, "policy_id": "p1"})["status"] == 404  # errors kept


def test_fault_scope_limits_it(faulty):
    ric, nonrt = faulty("wrong-status@delete-policy")
    assert create(nonrt)["status"] == 201
    assert nonrt.trigger("delete-policy", {"policy_type_id": T, "policy_id": "p1"})["status"] == 200


def test_fault_no_location(faulty):
    ric, nonrt = faulty("no-location")
    r = create(nonrt)
    assert r["status"] == 201 and "location" not in r["headers"]


def test_fault_bad_body(faulty):
    ric, nonrt = faulty("bad-body")
    r = create(nonrt)
    assert r["status"] == 201 and schemas.check_policy(r["body"], ric.policy_types[T].definition) != ()
    assert schemas.validate(nonrt.trigger("query-types", {})["body"], schemas.ID_LIST) != ()
    assert schemas.check_policy_type(nonrt.trigger("query-type", {"policy_type_id": T})["body"]) != ()
    status = nonrt.trigger("query-status", {"policy_type_id": T, "policy_id": "p1"})["body"]
    assert schemas.check_status(status) != ()
    assert schemas.check_status(nonrt.wait_notifications(1)[0].json()) != ()


def test_fault_no_notification(faulty):
    ric, nonrt = faulty("no-notification")
    assert create(nonrt)["status"] == 201
    assert ric.trigger("notify", {"policy_type_id": T, "policy_id": "p1"})["notification"] is None
    assert nonrt.wait_notifications(1, timeout=0.5) == [] and ric.notifications_sent == []


def test_fault_wrong_content_type(faulty):
    ric, nonrt = faulty("wrong-content-type")
    r = create(nonrt)
    assert r["status"] == 201 and r["headers"]["content-type"] == "text/plain"
    assert nonrt.wait_notifications(1)[0].header("content-type") == "text/plain"


def test_fault_slow(faulty):
    ric, nonrt = faulty("slow@query-types", slow_delay=0.6)
    start = time.monotonic()
    assert nonrt.trigger("query-types", {})["status"] == 200
    assert time.monotonic() - start >= 0.55
    start = time.monotonic()
    nonrt.trigger("query-type", {"policy_type_id": T})
    assert time.monotonic() - start < 0.55


def test_fault_hang(faulty):
    ric, nonrt = faulty("hang", client_timeout=0.5)
    with pytest.raises(HttpDutError, match="no complete response within 0.5 s"):
        nonrt.trigger("query-types", {})
    start = time.monotonic()
    ric.stop()                      # releases the hanging handler promptly
    assert time.monotonic() - start < 3.0


def test_fault_malformed_json(faulty):
    ric, nonrt = faulty("malformed-json")
    r = create(nonrt)
    assert r["status"] == 201
    with pytest.raises(ValueError):
        json.loads(r["raw"])
    with pytest.raises(ValueError):
        nonrt.wait_notifications(1)[0].json()


def test_fault_huge_body(faulty):
    ric, nonrt = faulty("huge-body", huge_size=1 << 20)
    r = nonrt.trigger("query-types", {})
    assert r["status"] == 200 and len(r["raw"]) >= 1 << 20 and isinstance(r["body"], list)
    assert len(nonrt.trigger("query-type", {"policy_type_id": T})["raw"]) >= 1 << 20


def test_fault_redirect(faulty):
    ric, nonrt = faulty("redirect")
    r = create(nonrt)
    assert r["status"] == 307 and r["headers"]["location"] == \
        ric.base_url + "/moved" + model.policy_path(T, "p1") + "?notificationDestination=" + \
        nonrt.callback_url.replace(":", "%3A").replace("/", "%2F")
    assert ric.policies == {}              # nothing done at the first address
    status, _, _ = call(ric.base_url, "PUT", r["headers"]["location"].split(ric.base_url)[1], GOOD)
    assert status == 201 and (T, "p1") in ric.policies


# ---------------------------------------------------------------------- Non-RT RIC faults
@pytest.mark.parametrize("fault, status, detail", [
    ("bad-policy", 400, "$: ["),
    ("wrong-method", 405, "POST is not allowed"),
    ("wrong-content-type", 415, "not text/plain"),
    ("malformed-json", 400, "not JSON"),
    ("wrong-version", 404, "is not below /A1-P/v2"),
])
def test_nonrt_faults_are_refused(ric, fault, status, detail):
    with A1NonRtRicSim(ric.base_url, faults=(fault,)) as nonrt:
        r = create(nonrt)
    assert r["status"] == status and detail in r["body"]["detail"]
    assert ric.policies == {}


def test_nonrt_no_callback(ric):
    with A1NonRtRicSim(ric.base_url, faults=("no-callback",)) as nonrt:
        assert create(nonrt)["status"] == 201
        assert "notificationDestination" not in ric.requests[-1].path
        assert ric.policies[(T, "p1")].notification_destination is None
        assert nonrt.wait_notifications(1, timeout=0.5) == []


# ---------------------------------------------------------------------- token and TLS
def test_bearer_token():
    with A1RicSim(bearer_token="s3cret") as ric:
        with A1NonRtRicSim(ric.base_url, bearer_token="s3cret") as good:
            assert good.trigger("query-types", {})["status"] == 200
        with A1NonRtRicSim(ric.base_url, bearer_token="s3cret", faults=("no-token",)) as none:
            r = none.trigger("query-types", {})
            assert r["status"] == 401 and r["headers"]["www-authenticate"] == 'Bearer realm="A1-P"'
        with A1NonRtRicSim(ric.base_url, bearer_token="guess") as wrong:
            r = wrong.trigger("query-types", {})
            assert r["status"] == 401 and 'error="invalid_token"' in r["headers"]["www-authenticate"]


def test_tls_and_https_notifications(pki):
    tls = TlsServer(pki.server_cert, pki.server_key)
    with A1RicSim(tls=tls, notify_tls=TlsClient(pki.ca_file)) as ric:
        assert ric.base_url.startswith("https://127.0.0.1:")
        with A1NonRtRicSim(ric.base_url, tls=TlsClient(pki.ca_file), callback_tls=tls) as nonrt:
            assert nonrt.callback_url.startswith("https://")
            assert create(nonrt)["status"] == 201
            assert nonrt.wait_notifications(1)[0].json() == {"enforceStatus": "ENFORCED"}


def test_tls_wrong_ca_is_refused(pki):
    with A1RicSim(tls=TlsServer(pki.server_cert, pki.server_key)) as ric:
        with A1NonRtRicSim(ric.base_url, tls=TlsClient(pki.other_ca_file)) as nonrt:
            with pytest.raises(HttpLabError, match="TLS handshake .* failed: CERTIFICATE_VERIFY_FAILED"):
                nonrt.trigger("query-types", {})
        assert ric.requests == []


def test_mutual_tls(pki):
    with A1RicSim(tls=TlsServer(pki.server_cert, pki.server_key, client_ca_file=pki.ca_file)) as ric:
        with A1NonRtRicSim(ric.base_url, tls=TlsClient(pki.ca_file, pki.client_cert, pki.client_key)) as ok:
            assert ok.trigger("query-types", {})["status"] == 200
        for client in (TlsClient(pki.ca_file), TlsClient(pki.ca_file, pki.other_client_cert, pki.other_client_key)):
            with A1NonRtRicSim(ric.base_url, tls=client) as refused:
                with pytest.raises((HttpLabError, HttpDutError)):
                    refused.trigger("query-types", {})
        assert len(ric.requests) == 1 and len(ric.tls_errors) == 2


# ---------------------------------------------------------------------- standalone process
def test_standalone_process_prints_url_and_obeys_triggers():
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", "a1-ric", "--fault",
                             "no-location@create-policy"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        event = json.loads(proc.stdout.readline())
        assert event["event"] == "listening"
        with A1NonRtRicSim(event["url"]) as nonrt:
            r = create(nonrt)
            assert r["status"] == 201 and "location" not in r["headers"]
        proc.stdin.write('state\n')
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        assert answer == {"ack": 1, "ok": True, "result": {"ok": True, "policy_types": [
            "20008", QOS, "ORAN_TrafficSteeringPreference_2.0.0"], "policies": [[T, "p1"]]}}
        proc.stdin.write('explode {}\n{"cmd": "quit"}\n')
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["error"].startswith("A1RicSim has no action 'explode'")
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def test_tls_files_errors_name_the_file(tmp_path):
    with pytest.raises(A1SimError) as err:
        A1RicSim(tls=TlsServer(tmp_path / "none.pem", tmp_path / "none.key"))
    assert str(err.value) == (f"TLS: cannot load server certificate {tmp_path / 'none.pem'} / key "
                              f"{tmp_path / 'none.key'}: No such file or directory")


def test_standalone_nonrt_process_reports_results_and_notifications(ric):
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli.main", "sim", "a1-nonrt-ric", "--target",
                             ric.base_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        event = json.loads(proc.stdout.readline())
        assert event["event"] == "ready" and event["callback_url"].startswith("http://127.0.0.1:")
        proc.stdin.write(json.dumps({"cmd": "trigger", "action": "create-policy", "params": {
            "policy_type_id": T, "policy_id": "s1", "body": GOOD}}) + "\n")
        proc.stdin.flush()
        lines = [json.loads(proc.stdout.readline()) for _ in range(2)]
        answer = next(x for x in lines if "ack" in x)
        note = next(x for x in lines if x.get("event") == "notification")
        assert answer["ok"] and answer["result"]["status"] == 201 and answer["result"]["body"] == GOOD
        assert json.loads(note["body"]) == {"enforceStatus": "ENFORCED"}
        proc.stdin.write('{"cmd": "quit"}\n')
        proc.stdin.flush()
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
