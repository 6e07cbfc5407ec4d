#!/usr/bin/env bash
# Set up everything the tests need (system packages, .venv with every extra, axe-core from npm)
# and run them. The web tests run against SQLite and against a throwaway PostgreSQL server they
# start themselves; the browser test drives Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
command -v chromium >/dev/null || missing+=(chromium chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is pinned (2.13.0, CPU wheel) so that pip never pulls a CUDA build.
.venv/bin/python -m pip install --quiet -e ".[transcribe,web,train,test,dev]"
# axe-core (the accessibility check the browser test runs), pinned in package-lock.json
npm ci --silent --no-audit --no-fund
.venv/bin/python -m pytest "$@"
