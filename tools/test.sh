#!/usr/bin/env bash
# `npm test`: unit, integration and end-to-end tests against real RabbitMQ and FerretDB.
# Installs what is missing, starts (or reuses) the infrastructure, builds the four service
# bundles, type-checks and lints, runs every Jest project once, and always ends with
# "N passed, N failed[, N skipped]" (tools/test-summary.mjs): also when a step before Jest fails,
# Jest crashes or leaves no results, or the run is interrupted. Exits non-zero when anything failed.
# A failed type-check, lint or format check is counted and reported, and the tests still run; a
# step the tests need (Node, packages, infrastructure, the bundles) ends the run at once.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

results=".data/jest-results.json"
step_log=".data/test-step.log"
failed_checks=0
jest_ran=0
jest_status=0
current_step="installing Node"

finish() {
  trap - EXIT
  if [ "$jest_ran" = 0 ] && [ "$failed_checks" = 0 ]; then echo "[test] FAILED: $current_step"; fi
  if command -v node >/dev/null 2>&1 && [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 22 ]; then
    node tools/test-summary.mjs "$results" "$failed_checks" "$jest_ran" "$jest_status"
    exit $?
  fi
  echo "[test] Node 22+ is not available, so no test ran"
  echo "0 passed, 1 failed"
  exit 1
}
trap finish EXIT
trap 'echo "[test] interrupted"; [ "$jest_ran" = 1 ] || failed_checks=$((failed_checks + 1)); exit 130' INT TERM

mkdir -p .data
rm -f "$results"

# Runs a step with its output kept in a log; on failure prints the log's end and counts it.
run_step() {
  local what=$1
  shift
  current_step=$what
  echo "[test] $what"
  if "$@" >"$step_log" 2>&1; then return 0; fi
  tail -n 60 "$step_log"
  echo "[test] FAILED: $what"
  failed_checks=$((failed_checks + 1))
  return 1
}

# The sourced scripts turn on `set -e`: a failure there ends the run (and finish reports it).
# shellcheck source=/dev/null
source tools/with-node.sh
current_step="installing npm packages"
# shellcheck source=/dev/null
source tools/ensure-deps.sh
set +e
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}"

run_step "starting (or reusing) RabbitMQ and the store" node tools/infra/infra.mjs up || exit 1
cat "$step_log"
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
set -a
# shellcheck source=/dev/null
source .data/infra.env
set +a

run_step "building service bundles" npx nx run-many -t build --output-style=static || exit 1
run_step "type-checking" npx tsc -p tsconfig.check.json
run_step "linting (module boundaries included)" npx nx run-many -t lint --output-style=static
run_step "checking formatting" npx prettier --check --log-level=warn "apps/**/*.ts" "libs/**/*.ts" "tools/**/*.{ts,mjs,js}"

jest_ran=1
current_step="running Jest"
npx jest --ci --json --outputFile="$results" "$@"
jest_status=$?
exit 0
