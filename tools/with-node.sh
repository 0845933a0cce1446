#!/usr/bin/env bash
# Runs a command on Node 24 LTS. When the machine's node is older than the
# project's minimum (engines: >=22), Node 24 is installed from the npm
# registry's `node` package into .tools/node (git-ignored) and put first on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="24.21.0"
NODE_DIR="$ROOT/.tools/node"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || [ "$(node_major node)" -lt 22 ]; then
  if [ ! -x "$NODE_DIR/node_modules/node/bin/node" ] ||
     [ "$("$NODE_DIR/node_modules/node/bin/node" -v)" != "v$NODE_VERSION" ]; then
    echo "[with-node] machine node is $(node -v 2>/dev/null || echo missing); installing Node $NODE_VERSION into .tools/node" >&2
    mkdir -p "$NODE_DIR"
    # The `node` package fetches its platform binary in a preinstall script,
    # so that one script is allowed here (npm blocks install scripts otherwise).
    cat > "$NODE_DIR/package.json" <<JSON
{ "name": "project-node-runtime", "private": true, "allowScripts": { "node": true } }
JSON
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error --no-package-lock "node@$NODE_VERSION" >&2)
  fi
  export PATH="$NODE_DIR/node_modules/node/bin:$PATH"
fi
exec "$@"
