#!/usr/bin/env bash
# Front-end assets come from npm registry packages and are served by the app (no CDN):
# `npm ci` installs exactly what web/package-lock.json pins, then copy-vendor.js copies the
# files the pages use into web/static/vendor/ (git-ignored). Any failure stops with a message.
set -euo pipefail
cd "$(dirname "$0")/../web"
fail() { echo "install-assets: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 || fail "Node.js is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || fail "npm is not installed (apt-get install npm)"
[ -f package.json ] || fail "web/package.json is missing"
[ -f package-lock.json ] || fail "web/package-lock.json is missing; run 'npm install' in web/ and commit it"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed (is the npm registry reachable?)"
fi
node copy-vendor.js || fail "copying vendor files failed"
