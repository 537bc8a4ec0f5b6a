#!/usr/bin/env bash
# Installs what Skiff needs on a fresh machine, quietly and idempotently:
#  - npm dependencies when node_modules is missing or older than package-lock.json;
#  - when root, the Debian packages the tests and `skiff up` need (apt-get).
# Usage: scripts/ensure-deps.sh [--npm-only | --node]
#   --node: only the Debian packages a node of `skiff up` needs (runc, conmon, CNI plugins,
#   socat).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "skiff: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

[ "${1:-}" = "--npm-only" ] && exit 0

# The packages a node needs (skiff up); the full list below adds the tests' tools.
node_debs=(
  "runc:runc"
  "conmon:conmon" # each container's monitor: its stdio, log and exit code outlive the kubelet
  "socat:socat" # kubelet port-forward into pod network namespaces
  "/usr/lib/cni/bridge:containernetworking-plugins" # a path: `command -v` checks it is executable
  "nsenter:util-linux"
  "ip:iproute2"
)

# Debian packages: name (or absolute path) of a command each provides, then the package.
debs=(
  "etcd:etcd-server"
  "openssl:openssl"
  "docker-registry:docker-registry"
  "umoci:umoci"
  "skopeo:skopeo"
  "busybox:busybox-static"
  "setfattr:attr"
  "${node_debs[@]}"
)
[ "${1:-}" = "--node" ] && debs=("${node_debs[@]}")
missing=()
for entry in "${debs[@]}"; do
  cmd=${entry%%:*}
  pkg=${entry#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "skiff: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    echo 'man-db man-db/auto-update boolean false' | debconf-set-selections 2>/dev/null || true
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "skiff: missing Debian packages (${missing[*]}); install them as root: apt-get install ${missing[*]}" >&2
  fi
fi
