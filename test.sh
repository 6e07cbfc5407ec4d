#!/usr/bin/env bash
# Set up everything the tests need (system packages, .venv with the training and test extras) and run them.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v sox >/dev/null || missing+=(sox)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q && $SUDO apt-get install -y -q "${missing[@]}"
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# torch is pinned (2.13.0, CPU wheel) so that pip never pulls a CUDA build.
.venv/bin/python -m pip install --quiet -e ".[transcribe,train,test,dev]"
.venv/bin/python -m pytest "$@"
