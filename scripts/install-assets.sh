#!/usr/bin/env bash
# Front-end assets come from npm registry packages and are served by the app (no CDN):
# `npm ci` installs exactly what web/package-lock.json pins, then copy-vendor.js copies the
# files the pages use into web/static/vendor/ (git-ignored). Any failure stops with a message.
set -euo pipefail
cd "$(dirname "$0")/../web"
fail() { echo "install-assets: $*" >&2; exit 1; }
# A bare Debian has no Node.js: install it (and npm) from Debian's packages when missing.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  echo "install-assets: installing Node.js and npm from Debian's packages" >&2
  $SUDO apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null \
    || fail "could not install Node.js and npm (apt-get install nodejs npm)"
fi
[ -f package.json ] || fail "web/package.json is missing"
[ -f package-lock.json ] || fail "web/package-lock.json is missing; run 'npm install' in web/ and commit it"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error || fail "npm ci failed (is the npm registry reachable?)"
fi
node copy-vendor.js || fail "copying vendor files failed"
