#!/usr/bin/env bash
# Front-end assets come from npm registry packages and are served by the app (no CDN).
set -euo pipefail
cd "$(dirname "$0")/../web"
[ -f package.json ] || exit 0
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p static/vendor
node copy-vendor.js 2>/dev/null || true
