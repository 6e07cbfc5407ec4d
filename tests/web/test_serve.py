"""``emovoice serve`` (what run.sh ends with) starts the app on its defaults and prints its address."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from browser import free_port  # tools/, put on the path by conftest


def test_serve_prints_its_address_and_serves(tmp_path):
    port = free_port()
    env = {**os.environ, "EMOVOICE_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    env.pop("EMOVOICE_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "emovoice", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first_line = process.stdout.readline()
        assert f"http://localhost:{port}/" in first_line, first_line
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    assert response.status == 200 and b"Practise interview answers" in response.read()
                break
            except OSError:
                assert time.monotonic() < deadline, "the app did not answer"
                time.sleep(0.2)
        assert (tmp_path / "data" / "emovoice.sqlite3").is_file()  # the embedded default, in the data folder
    finally:
        process.terminate()
        process.wait(15)
