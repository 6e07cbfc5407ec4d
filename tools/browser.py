"""Drive the web app in a real browser: Debian's Chromium through Playwright, with a fake
microphone fed from a WAV file. Used by the browser test and by ``tools/screens.py``."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("EMOVOICE_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "practise-daily-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(data_dir: Path, *, env: dict[str, str] | None = None, workers: int = 1) -> Iterator[str]:
    """``emovoice serve`` on a free port with its data in ``data_dir``; yields the base URL."""
    port = free_port()
    environment = {**os.environ, "EMOVOICE_DATA_DIR": str(data_dir), "EMOVOICE_WORKERS": str(workers), **(env or {})}
    log = open(data_dir.parent / f"serve-{port}.log", "w")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, "-m", "emovoice", "serve", "--port", str(port)], env=environment,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/login", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"emovoice serve did not start: {Path(log.name).read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def speech_wav(path: Path, text: str) -> Path:
    """Speech for the fake microphone: espeak-ng, then 48 kHz 16-bit mono (what Chromium reads)."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run([shutil.which("espeak-ng") or "espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text],
                   check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-b", "16", "-c", "1", str(path), "pad", "0.5", "0.5"], check=True)
    raw.unlink()
    return path


def launch(playwright: Any, *, microphone: Path | None, headless: bool = True) -> Any:
    """Chromium in its new headless mode (the old headless shell refuses the microphone)."""
    args = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
    if microphone is not None:
        args += ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                 f"--use-file-for-fake-audio-capture={microphone}"]
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=headless, args=args)


def sign_up(page: Any, url: str, email: str, *, then: str = "/") -> None:
    """Sign up; the app offers the voice check next, and ``then`` is opened (None: stay there)."""
    page.goto(url + "/signup")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#password_again", PASSWORD)
    page.press("#password_again", "Enter")
    page.wait_for_url(url + "/voice-check?welcome=1")
    if then is not None:
        page.goto(url + then)


def human_voice_wav(path: Path, ravdess_root: Path, actor: str = "Actor_12") -> Path:
    """A real voice for the fake microphone: one RAVDESS actor's plain clips (neutral and calm,
    normal intensity) one after another, about 19 s, as 48 kHz 16-bit mono."""
    clips = sorted((ravdess_root / actor).glob("03-01-0[12]-01-*.flac"))
    if not clips:
        raise FileNotFoundError(f"no RAVDESS clips of {actor} under {ravdess_root}")
    subprocess.run(["sox", *map(str, clips), "-r", "48000", "-b", "16", "-c", "1", str(path)], check=True)
    return path


def scrolls_sideways(page: Any) -> bool:
    """Whether the page is wider than the window (so it scrolls sideways)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1"))


def tab_to(page: Any, element_id: str, limit: int = 40) -> None:
    """Move the focus with the Tab key alone until ``element_id`` has it."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical accessibility violations on the current page (axe-core)."""
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: run 'npm ci' (test.sh does)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:3]}
            for v in result if v["impact"] in ("serious", "critical")]


def charts_drawn(page: Any) -> dict[str, bool]:
    """For each chart canvas: whether anything was painted on it."""
    return dict(page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('canvas')].map(c => {
        const ctx = c.getContext('2d');
        const pixels = ctx.getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return [c.id, painted > 100];
    }))"""))
