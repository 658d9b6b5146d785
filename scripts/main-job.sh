#!/usr/bin/env bash
# The main job: set up, then run the bundled suites against the built-in
# simulators and write reports under results/. (Until the suites exist, it
# decodes the bundled example E2 messages and writes their JSON.)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
cd "$here"
exec .venv/bin/oran-harness examples --out results/examples "$@"
