#!/usr/bin/env bash
# Set up emovoice in .venv (serving dependencies only) and analyse the bundled sample answer.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[transcribe]"
.venv/bin/emovoice demo "$@"
