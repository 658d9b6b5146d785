#!/usr/bin/env bash
# The main job: set up, then run the bundled suites against the built-in simulators, both DUT
# roles (the Near-RT RIC simulator, then the E2 node simulator), writing results under results/;
# then decode the bundled example E2 messages (results/examples).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
cd "$here"
status=0
.venv/bin/oran-harness run \
  --dut fixtures/profiles/dut-sim-near-rt-ric.yaml \
  --dut fixtures/profiles/dut-sim-e2-node.yaml \
  --results results/e2-sim "$@" || status=$?
.venv/bin/oran-harness examples --out results/examples > results/examples.txt || status=$?
tail -n 1 results/examples.txt
exit $status
