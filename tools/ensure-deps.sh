#!/usr/bin/env bash
# Installs the workspace's npm packages when they are missing or the lockfile changed since the
# last install. Sourced by the start and test scripts. `npm install` (which follows the lockfile)
# rather than `npm ci`: npm 11's `ci` rejects the lockfile's entries for platform-specific optional
# packages that this registry does not serve (e.g. @swc/core for other operating systems).
set -euo pipefail
_WFP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_stamp="$_WFP_ROOT/node_modules/.install-stamp"
_lock_hash="$(sha256sum "$_WFP_ROOT/package-lock.json" | cut -d' ' -f1)-$(node -v)"
if [ ! -f "$_stamp" ] || [ "$(cat "$_stamp")" != "$_lock_hash" ]; then
  echo "[deps] installing npm packages" >&2
  (cd "$_WFP_ROOT" && npm install --no-audit --no-fund --loglevel=error >&2)
  echo "$_lock_hash" > "$_stamp"
fi
