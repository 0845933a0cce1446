#!/usr/bin/env bash
# Runs a command on Node 24 LTS. When the machine's node is older than the project's minimum
# (engines: >=22), Node 24 is installed from the npm registry's `node` package into .tools/node
# (git-ignored) and put first on PATH. Can also be sourced to set PATH for the calling script.
set -euo pipefail
_WFP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_WFP_NODE_VERSION="24.21.0"
_WFP_NODE_DIR="$_WFP_ROOT/.tools/node"

_wfp_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if ! command -v node >/dev/null 2>&1 || [ "$(_wfp_node_major node)" -lt 22 ]; then
  _wfp_node_bin="$_WFP_NODE_DIR/node_modules/node/bin"
  if [ ! -x "$_wfp_node_bin/node" ] || [ "$("$_wfp_node_bin/node" -v)" != "v$_WFP_NODE_VERSION" ]; then
    echo "[node] machine node is $(node -v 2>/dev/null || echo missing); installing Node $_WFP_NODE_VERSION into .tools/node" >&2
    mkdir -p "$_WFP_NODE_DIR"
    # The `node` package fetches its platform binary in a preinstall script, so that one
    # package's script is allowed here (npm blocks dependency install scripts otherwise).
    printf '{ "name": "project-node-runtime", "private": true, "allowScripts": { "node": true } }\n' > "$_WFP_NODE_DIR/package.json"
    (cd "$_WFP_NODE_DIR" && npm install --no-audit --no-fund --loglevel=error --no-package-lock "node@$_WFP_NODE_VERSION" >&2)
  fi
  export PATH="$_wfp_node_bin:$PATH"
fi

# Nothing here may send telemetry: opt out of the analytics some dependencies ship.
export SCARF_ANALYTICS=false DO_NOT_TRACK=1 NX_NO_CLOUD=true

# Sourced: leave PATH set for the caller. Executed: run the given command.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then exec "$@"; fi
