#!/usr/bin/env bash
# Set up, lint, then run the test suite.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/bootstrap.sh"
cd "$here"
# Lint the library before the tests (config in pyproject.toml); any finding fails the run.
# tests/ is not linted yet: pytest's plain asserts and the test fixtures' subprocess calls
# would need a rule set of their own.
echo "lint: ruff check harness" >&2
.venv/bin/ruff check --quiet harness
echo "lint: mypy harness" >&2
.venv/bin/mypy harness
echo "lint: lint-imports (the layers and the one-package-per-interface contracts)" >&2
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest -q "$@"
