"""Regenerate the screenshots of every page into docs/screens/ (shown in the README).

    .venv/bin/python tools/screens.py

Starts the app on a fresh data folder, signs up, records the voice check and an answer through
Chromium's fake microphone (one espeak-ng voice for both, so the check hears the answer's speaker),
waits for the report and photographs each page, on a desktop and on a 390 px phone screen.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import browser as harness

OUT = Path(__file__).resolve().parents[1] / "docs" / "screens"
ANSWER = ("So, um, I would say my greatest strength is that I stay calm under pressure. "
          "In my last job I planned the launch of a new product, and, uh, we finished it a week early.")


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        microphone = harness.speech_wav(Path(tmp) / "answer.wav", ANSWER)
        with harness.running_app(data) as url, sync_playwright() as p:
            browser = harness.launch(p, microphone=microphone)
            context = browser.new_context(viewport={"width": 1200, "height": 860}, device_scale_factor=1,
                                          bypass_csp=True)  # lets Playwright evaluate its waits
            page = context.new_page()

            def shot(name: str, full: bool = False) -> None:
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
                print(f"wrote docs/screens/{name}.png")

            page.goto(url + "/")
            shot("1-welcome")
            harness.sign_up(page, url, "ada@example.com", then=None)
            shot("2a-voice-check", full=True)
            page.click("#begin")  # the same voice as the answers below: the check hears its speaker
            page.click("#skip-prep")
            page.wait_for_function("document.getElementById('level').value > 0.05", timeout=10_000)
            page.wait_for_timeout(15_000)
            page.click("#stop")
            page.wait_for_url(re.compile(r".*/voice-check\?saved=1$"), timeout=60_000)
            shot("2b-voice-check-saved")
            page.goto(url + "/")
            shot("2-home")
            page.goto(url + "/practice?category=strengths_weaknesses")
            shot("3-question")
            page.select_option("#seconds", "15")
            page.click("#begin")
            page.click("#skip-prep")
            page.wait_for_function("document.getElementById('level').value > 0.05", timeout=10_000)
            page.wait_for_timeout(3000)
            shot("4-recording")
            page.wait_for_selector("#progress:not([hidden])", timeout=30_000)
            shot("5-analysing")
            page.wait_for_url(re.compile(r".*/answers/\d+$"), timeout=180_000)
            page.wait_for_selector("body[data-charts='5']", timeout=20_000)
            shot("6-report", full=True)
            report_url = page.url
            page.goto(report_url + "/compare")
            shot("7-compare-fresh", full=True)
            seed_crowd(data)
            page.goto(report_url + "/compare")
            page.wait_for_selector("body[data-charts]")
            shot("8-compare-generated-crowd", full=True)

            page.goto(url + "/interviews")
            shot("9-mock-interview")
            page.fill("#questions", "3")
            page.select_option("#time_limit_s", "15")
            page.click("text=Start the interview")
            for position in (1, 2, 3):
                page.wait_for_selector(f"h1:has-text('question {position} of 3')", timeout=30_000)
                if position == 2:
                    shot("10-interview-question")
                page.click("#begin")
                page.click("#skip-prep")
                page.wait_for_timeout(10_000)  # over the 5 s of speech an answer needs to be scored
                page.click("#stop")
            page.wait_for_selector("text=Each answer", timeout=240_000)
            shot("11-interview-summary", full=True)
            page.goto(url + "/history")
            page.wait_for_selector("body[data-charts='7']")
            shot("12-history", full=True)
            page.goto(url + "/account")
            shot("13-account")
            phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                                        storage_state=context.storage_state()).new_page()
            phone.goto(report_url)
            phone.wait_for_selector("body[data-charts='5']", timeout=20_000)
            phone.screenshot(path=str(OUT / "14-phone-report.png"), full_page=True)
            phone.goto(url + "/history")
            phone.wait_for_timeout(500)
            phone.screenshot(path=str(OUT / "15-phone-history.png"), full_page=True)
            print("wrote docs/screens/14-phone-report.png, 15-phone-history.png")
            browser.close()


def seed_crowd(data: Path) -> None:
    """Answers of generated candidates (marked "generated" in their e-mail and report) to every question,
    so that the comparison page can be shown with its charts. Screenshots only."""
    import random

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "web"))
    from sqlalchemy import select
    from test_comparison import add_answer, fake_report

    from emovoice.storage.accounts import create_user
    from emovoice.storage.db import Database
    from emovoice.storage.models import Question

    rng = random.Random(4)
    database = Database(f"sqlite:///{data / 'emovoice.sqlite3'}")
    with database.session() as session:
        questions = list(session.scalars(select(Question.id)))
        for c in range(8):
            user = create_user(session, f"generated-{c}@screens.invalid", "generated-password")
            for question in questions:
                add_answer(session, user.id, question, {**fake_report(rng), "generated": True})
    database.dispose()


if __name__ == "__main__":
    main()
