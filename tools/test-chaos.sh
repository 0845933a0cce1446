#!/usr/bin/env bash
# `npm run test:chaos`: builds the service bundles and runs the fault tests
# (apps/platform-e2e/src/*.fault-spec.ts). They start and stop their own RabbitMQ (port 5673) and
# FerretDB (port 27018) with data in .data/chaos. CHAOS_PAUSE_MS sets the time between faults.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/with-node.sh
source tools/ensure-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

echo "[chaos] building service bundles"
npx nx run-many -t build --output-style=static >/dev/null
exec npx jest -c apps/platform-e2e/jest.fault.config.js --runInBand
