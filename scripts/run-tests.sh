#!/usr/bin/env bash
# Runs one tier of the test suite with node:test through tsx.
#   unit         src/**/*.test.ts except *.integration.test.ts (pure, fast, no root)
#   integration  src/**/*.integration.test.ts and test/e2e/**/*.test.ts (real SQLite files, real etcd, ...)
# Extra arguments are passed to node (e.g. --test-name-pattern). Each test gets at most
# SKIFF_TEST_TIMEOUT_MS (default 10 min) so that a hang fails the run instead of stalling CI.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tier=${1:?unit or integration}
shift
case "$tier" in
  unit) mapfile -t files < <(find src -name '*.test.ts' ! -name '*.integration.test.ts' | sort) ;;
  integration) mapfile -t files < <({ find src -name '*.integration.test.ts'; find test -name '*.test.ts' 2>/dev/null; } | sort) ;;
  *) echo "unknown tier: $tier" >&2; exit 2 ;;
esac
if [ ${#files[@]} -eq 0 ]; then
  echo "no $tier tests found" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${SKIFF_TEST_CONCURRENCY:-2}" --test-timeout="${SKIFF_TEST_TIMEOUT_MS:-600000}" --test-reporter=spec "$@" "${files[@]}"
