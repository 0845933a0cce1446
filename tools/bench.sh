#!/usr/bin/env bash
# `npm run bench`: installs what is missing, starts (or reuses) RabbitMQ and the store, builds the
# service bundles and runs tools/bench/bench.mjs. Progress goes to stderr, the figures (one JSON
# object) to stdout.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/with-node.sh
source tools/ensure-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

node tools/infra/infra.mjs up >&2
set -a; source .data/infra.env; set +a
echo "[bench] building service bundles" >&2
npx nx run-many -t build --output-style=static >/dev/null
exec node tools/bench/bench.mjs
