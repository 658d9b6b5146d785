#!/usr/bin/env bash
# The main job: set up, then run every bundled suite against the built-in simulators and write
# the reports.
#  1. E2 (E2TS) over real SCTP, both DUT roles (the Near-RT RIC simulator, then the E2 node
#     simulator), each simulator in a process of its own. Where network namespaces can be made
#     (root), the harness and the simulator sit in two namespaces joined by a veth pair and SCTP
#     runs raw (IP protocol 132); elsewhere SCTP is encapsulated in UDP on loopback.
#     -> results/e2-live/
#  2. A1 (A1TS) over HTTP, both DUT roles (Near-RT RIC and Non-RT RIC simulators). -> results/a1/
#  3. Open Fronthaul M-plane (WG4 CONF 3.1) over NETCONF/SSH against the O-RU simulator.
#     -> results/mplane/
#  4. Open Fronthaul CU-plane checks on a generated fronthaul capture. -> results/fronthaul/
#  5. The joint report of all of them: results/report/report.html and report.pdf.
#  6. The bundled example E2 messages decoded (results/examples).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
cd "$here"
status=0
rm -rf results/e2-live results/a1 results/mplane results/fronthaul results/report   # this run's results only
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
H=.venv/bin/oran-harness
echo "== A1 (A1TS) over HTTP: Near-RT RIC and Non-RT RIC simulators"
$H run testcases/a1ts --dut fixtures/profiles/dut-sim-a1-ric.yaml --dut fixtures/profiles/dut-sim-a1-nonrt-ric.yaml \
  --lab fixtures/profiles/lab-sim-fast.yaml --results results/a1 || status=$?
echo "== Open Fronthaul M-plane (WG4 CONF 3.1) over NETCONF/SSH: O-RU simulator"
$H run testcases/wg4-conf/mplane --dut fixtures/profiles/dut-sim-o-ru.yaml \
  --lab fixtures/profiles/lab-sim-mplane.yaml --results results/mplane || status=$?
echo "== Open Fronthaul CU-plane checks on a generated capture"
$H fronthaul generate results/fronthaul-capture.pcap --packets 20000
$H fronthaul check results/fronthaul-capture.pcap --lab fixtures/profiles/lab-fronthaul.yaml \
  --dut fixtures/profiles/dut-fronthaul-generator.yaml --results results/fronthaul || status=$?
echo "== Joint report"
$H report build results/e2-live results/a1 results/mplane results/fronthaul -o results/report || status=$?
$H examples --out results/examples > results/examples.txt || status=$?
tail -n 1 results/examples.txt
exit $status
