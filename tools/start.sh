#!/usr/bin/env bash
# `npm start`: installs what is missing, starts (or reuses) RabbitMQ and FerretDB, builds the
# four services, runs them, seeds a demo organization and prints where the API listens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/with-node.sh
source tools/ensure-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

node tools/infra/infra.mjs up
set -a; source .data/infra.env; set +a
echo "[start] building service bundles"
npx nx run-many -t build --output-style=static >/dev/null
exec node tools/demo/start-platform.mjs
