#!/usr/bin/env bash
# `npm test`: unit, integration and end-to-end tests against real RabbitMQ and FerretDB.
# Installs what is missing, starts (or reuses) the infrastructure, builds the four service
# bundles, type-checks and lints, runs every Jest project once, and ends with
# "N passed, N failed[, N skipped]". Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source tools/with-node.sh
source tools/ensure-deps.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}"

node tools/infra/infra.mjs up
# The operations page is tested in Debian's chromium through playwright-core (no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "[test] installing Debian's chromium for the operations page test"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
  else
    echo "[test] chromium is missing and this is not root: run apt-get install -y chromium" >&2
  fi
fi
set -a; source .data/infra.env; set +a

echo "[test] building service bundles"
npx nx run-many -t build --output-style=static >/dev/null
echo "[test] type-checking"
npx tsc -p tsconfig.check.json
echo "[test] linting (module boundaries included) and formatting"
npx nx run-many -t lint --output-style=static >/dev/null
npx prettier --check --log-level=warn "apps/**/*.ts" "libs/**/*.ts" "tools/**/*.{ts,mjs,js}"

results=".data/jest-results.json"
rm -f "$results"
status=0
npx jest --ci --json --outputFile="$results" "$@" || status=$?
node -e '
  const r = require(require("node:path").resolve(process.argv[1]));
  const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$results"
exit "$status"
