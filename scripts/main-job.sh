#!/usr/bin/env bash
# The main job: set up, then run the bundled E2 suite against the built-in simulators over real
# SCTP, both DUT roles (the Near-RT RIC simulator, then the E2 node simulator), each simulator in
# a process of its own. Where network namespaces can be made (root), the harness and the
# simulator sit in two namespaces joined by a veth pair and SCTP runs raw (IP protocol 132);
# elsewhere SCTP is encapsulated in UDP on loopback. Results (with a pcapng per test case) go
# under results/e2-live/; then the bundled example E2 messages are decoded (results/examples).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
cd "$here"
status=0
duts=(--dut fixtures/profiles/dut-sim-near-rt-ric.yaml --dut fixtures/profiles/dut-sim-e2-node.yaml)
if [ "$(id -u)" -eq 0 ] && bash scripts/netns.sh check 2>/dev/null; then
  echo "== SCTP raw (IP protocol 132) between network namespaces oranh-harness and oranh-dut"
  bash scripts/netns.sh up
  trap 'bash scripts/netns.sh down' EXIT
  ip netns exec oranh-harness .venv/bin/oran-harness run "${duts[@]}" \
    --lab fixtures/profiles/lab-live-raw.yaml --results results/e2-live "$@" || status=$?
else
  echo "== SCTP over UDP encapsulation (RFC 6951) on loopback (no network namespaces here)"
  .venv/bin/oran-harness run "${duts[@]}" \
    --lab fixtures/profiles/lab-live-udp.yaml --results results/e2-live "$@" || status=$?
fi
.venv/bin/oran-harness examples --out results/examples > results/examples.txt || status=$?
tail -n 1 results/examples.txt
exit $status
