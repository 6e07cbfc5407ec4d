#!/usr/bin/env bash
# Set up everything the tests need (system packages, .venv with every extra, axe-core from npm)
# and run them. The web tests run against SQLite and against a throwaway PostgreSQL server they
# start themselves; the browser test drives Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
# A capability, not a command: Debian's sox writes MP3 only with libsox-fmt-mp3, which the MP3 tests need.
sox_mp3=$(mktemp --suffix=.mp3)
sox -n -r 16000 -c 1 "$sox_mp3" synth 0.1 sine 440 >/dev/null 2>&1 || missing+=(sox libsox-fmt-mp3)
rm -f "$sox_mp3"
command -v chromium >/dev/null || missing+=(chromium chromium-driver)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  sox -n -r 16000 -c 1 "$sox_mp3" synth 0.1 sine 440 || { echo "test.sh: sox still cannot write MP3" >&2; exit 1; }
  rm -f "$sox_mp3"
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is pinned (2.13.0, CPU wheel) so that pip never pulls a CUDA build.
.venv/bin/python -m pip install --quiet -c requirements.lock -e ".[transcribe,web,train,test,dev]"  # exact versions: requirements.lock
# axe-core (the accessibility check the browser test runs), pinned in package-lock.json
npm ci --silent --no-audit --no-fund --ignore-scripts  # no install scripts: swagger-ui-dist pulls in a telemetry one
[ "${1:-}" = "--setup-only" ] && exit 0  # .ci/run sets up first, then lints, then tests
.venv/bin/python -m pytest "$@"
