#!/usr/bin/env bash
# Builds dist/ for the launcher: src/cmd/main.ts and everything it imports, bundled by esbuild into
# ES modules under dist/cmd/, split at dynamic imports (a verb's code, each datastore driver, the
# API server) so a process loads only what it runs. npm packages stay external (native addons,
# and node_modules is beside dist/). No source maps: loading them costs ~80 ms of start-up, and
# the bundle is plain, readable ES (stack traces name our functions).
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
node_modules/.bin/esbuild src/cmd/main.ts \
  --bundle --splitting --format=esm --platform=node --target=node20 \
  --packages=external --log-level=warning \
  --outdir=dist/cmd --chunk-names='[name]-[hash]'
