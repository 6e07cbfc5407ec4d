#!/usr/bin/env bash
# Set up emovoice in .venv (serving dependencies only) and start the interview simulator on its
# embedded defaults (SQLite database and queue in the user's data folder); it prints its address.
# Arguments go to 'emovoice serve' (for example --port 8080 or --host 0.0.0.0).
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -c requirements.lock -e ".[transcribe,web]"  # the tested versions
exec .venv/bin/emovoice serve "$@"
