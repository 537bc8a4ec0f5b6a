#!/usr/bin/env bash
# `npm test`: format check, lint, typecheck (tests included), unit tests, integration tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/ensure-deps.sh
step() { printf '\n== %s\n' "$1"; }
step "format";      npx --no-install prettier --check . --log-level warn
step "lint";        npx --no-install eslint --max-warnings 0 .
step "typecheck";   npx --no-install tsc -p tsconfig.json --noEmit
step "unit";        bash scripts/run-tests.sh unit
step "integration"; bash scripts/run-tests.sh integration
