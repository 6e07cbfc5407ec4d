"""``emovoice questions list/add/import`` on a real database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _run(tmp_path, *args):
    env = {**os.environ, "EMOVOICE_DATA_DIR": str(tmp_path / "data")}
    env.pop("EMOVOICE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "emovoice", "questions", *args], env=env, capture_output=True,
                          text=True)


def test_list_add_and_import_questions(tmp_path):
    listed = _run(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) >= 60
    closing = _run(tmp_path, "list", "--category", "closing").stdout.splitlines()
    assert closing and all(" closing " in line for line in closing)

    added = _run(tmp_path, "add", "What would your first project here be?", "--category", "situational",
                 "--difficulty", "hard", "--seconds", "90")
    assert added.returncode == 0 and "added 1" in added.stdout
    assert "already" in _run(tmp_path, "add", "What would your first project here be?",
                             "--category", "situational").stdout
    assert "What would your first project here be?" in _run(tmp_path, "list", "--category", "situational").stdout

    bad = _run(tmp_path, "add", "Is this a question?", "--category", "gossip")
    assert bad.returncode == 2 and "unknown category 'gossip'" in bad.stderr

    source = tmp_path / "more.json"
    source.write_text(json.dumps([{"text": "How do you prioritise your week?", "category": "situational"},
                                  {"text": "Tell me about yourself.", "category": "about_you"}]))
    imported = _run(tmp_path, "import", str(source))
    assert imported.returncode == 0 and "imported 1 new question(s) of 2" in imported.stdout
    table = tmp_path / "more.csv"
    table.write_text("text,category,difficulty,suggested_seconds\nWhat is your proudest failure?,behavioural,hard,60\n")
    assert "imported 1" in _run(tmp_path, "import", str(table)).stdout
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps([{"category": "closing"}]))
    failed = _run(tmp_path, "import", str(broken))
    assert failed.returncode == 2 and "needs a text and a category" in failed.stderr
