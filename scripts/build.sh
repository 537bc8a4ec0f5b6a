#!/usr/bin/env bash
# Builds dist/ for the launcher: src/cmd/main.ts and everything it imports, bundled by esbuild into
# one CommonJS script, dist/cmd/skiff.cjs, started by dist/cmd/main.js (scripts/main-loader.cjs)
# through a V8 code cache. Dynamic imports become lazily initialised modules inside the bundle, so
# a verb still evaluates only its own code. Pure-JS npm packages are bundled too (resolving and
# reading the dozens of files of `yaml` alone cost ~40 ms per start); native addons and the gRPC
# stack of the etcd driver stay external, loaded from node_modules beside dist/. No source maps:
# loading them costs ~80 ms of start-up. Whitespace and syntax are minified (2.7 MB instead of
# 3.9 MB: every start reads and decodes the whole bundle, ~10 ms per MB on this machine kind);
# identifiers are not, so stack traces keep every function's name.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
rm -rf dist/cmd
mkdir -p dist/cmd
node_modules/.bin/esbuild src/cmd/main.ts \
  --bundle --format=cjs --platform=node --target=node20 --charset=ascii \
  --external:etcd3 --external:kubernetes-types \
  --define:import.meta.url=__skiffModuleUrl \
  "--banner:js=var __skiffModuleUrl = require('node:url').pathToFileURL(__filename).href;" \
  --minify-whitespace --minify-syntax \
  --log-level=warning --outfile=dist/cmd/skiff.cjs
# esbuild escapes non-ASCII everywhere but in the comments it keeps: escape those too, so the
# loader can decode the bundle as latin1.
perl -CSD -pi -e 's/([^\x00-\x7f])/sprintf("\\u%04x", ord($1))/ge' dist/cmd/skiff.cjs
# The loader compiles the bundle as one function expression, CommonJS's module wrapper: written
# into the file, so that the loader compiles the string it read instead of a concatenation V8
# would first copy into a flat string (2.7 MB). The wrapper shares the bundle's first line, so
# stack traces keep the bundle's line numbers.
{
  printf '(function (exports, require, module, __filename, __dirname) {'
  cat dist/cmd/skiff.cjs
  printf '\n})'
} > dist/cmd/skiff.cjs.tmp
mv dist/cmd/skiff.cjs.tmp dist/cmd/skiff.cjs
# A dynamic import() left in the bundle (esbuild keeps those of Node's built-in and external
# modules) has no loader in a script compiled from the code cache: use a static import or
# process.getBuiltinModule instead.
if grep -n 'import("' dist/cmd/skiff.cjs; then
  echo "build: dynamic import() of an external module in the bundle (see above)" >&2
  exit 1
fi
# dist/cmd holds CommonJS whatever the package's "type" says.
printf '{ "type": "commonjs" }\n' > dist/cmd/package.json
build_id=$(sha256sum dist/cmd/skiff.cjs | cut -c1-16)
sed "s/__BUILD_ID__/$build_id/" scripts/main-loader.cjs > dist/cmd/main.js
