"""A real browser: Debian's Chromium (new headless mode) with a fake microphone fed from a WAV file
signs up, answers a question by recording it, waits for the report and checks its charts; axe-core
checks every page; the keyboard alone reaches the controls; a missing microphone gets a clear message."""

from __future__ import annotations

import contextlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import postgres  # noqa: E402

import browser as harness  # noqa: E402

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app_url(request, tmp_path_factory):
    """The app as ``emovoice serve`` runs it, on its SQLite default and on a PostgreSQL server."""
    if not Path(harness.CHROMIUM).exists():
        pytest.fail(f"{harness.CHROMIUM} is missing; test.sh installs Debian's chromium")
    data = tmp_path_factory.mktemp("app") / "data"
    data.mkdir()
    with contextlib.ExitStack() as stack:
        env = {}
        if request.param == "postgresql":
            server = stack.enter_context(postgres.throwaway_server())
            env["EMOVOICE_DATABASE_URL"] = postgres.create_database(server)
        yield stack.enter_context(harness.running_app(data, env=env))


@pytest.fixture(scope="module")
def microphone(tmp_path_factory):
    return harness.speech_wav(tmp_path_factory.mktemp("mic") / "answer.wav",
                              "I am a careful person. Um, I like to plan my work, and I finish what I start.")


@pytest.fixture(scope="module")
def human_voice(tmp_path_factory, ravdess_root):
    return harness.human_voice_wav(tmp_path_factory.mktemp("voice") / "voice.wav", ravdess_root)


PHONE = {"width": 390, "height": 844}


def test_voice_check_then_an_answer_heard_against_it(app_url, human_voice):
    """Sign up, record the voice check and an answer through the fake microphone with a real human
    voice; a second Start mid-recording loses nothing; then every page on a phone's screen."""
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=human_voice)
        context = browser.new_context(bypass_csp=True)  # lets the test inject axe-core
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        checked: dict[str, list] = {}

        page.goto(app_url + "/")
        checked["home (visitor)"] = harness.axe_violations(page)
        page.goto(app_url + "/login")
        checked["login"] = harness.axe_violations(page)
        page.goto(app_url + "/signup")
        checked["signup"] = harness.axe_violations(page)
        harness.sign_up(page, app_url, "ada@example.com", then=None)  # straight on to the voice check
        assert "The train to the city" in page.inner_text("#sentences")
        assert page.is_visible("#skip")  # it can be skipped
        checked["voice check"] = harness.axe_violations(page)
        page.click("#begin")
        page.click("#skip-prep")
        page.wait_for_function("document.getElementById('level').value > 0.01", timeout=10_000)
        page.wait_for_timeout(16_000)  # reading the three sentences takes about 15 s
        page.click("#stop")
        page.wait_for_url(re.compile(r".*/voice-check\?saved=1$"), timeout=60_000)
        assert "Your voice check is saved" in page.inner_text("main")
        checked["voice check saved"] = harness.axe_violations(page)

        page.goto(app_url + "/")
        checked["home"] = harness.axe_violations(page)
        page.click("text=Teamwork")
        page.wait_for_url(re.compile(r".*/practice\?category=teamwork"))
        question = page.inner_text("#question")
        suggested = int(re.search(r"about (\d+) s", page.inner_text("main")).group(1))
        assert int(page.input_value("#seconds")) >= suggested  # the question's own length by default
        checked["practice"] = harness.axe_violations(page)
        page.select_option("#seconds", "15")  # the reference design's window stays a choice

        harness.tab_to(page, "begin")  # the keyboard alone starts the recording
        page.keyboard.press("Enter")
        page.wait_for_selector("#prep:not([hidden])")
        assert not page.is_visible("#begin")  # no second Start during the countdown...
        page.keyboard.press("Enter")  # the focus is on "Start recording now"
        page.wait_for_selector("#recording:not([hidden])")
        page.wait_for_function("document.getElementById('level').value > 0.01", timeout=10_000)
        assert not page.is_visible("#begin")  # ...nor during the recording
        page.wait_for_timeout(3000)
        page.evaluate("document.getElementById('begin').click()")  # even a script's click restarts nothing
        assert page.is_visible("#recording") and page.inner_text("#timer") >= "0:03"
        page.wait_for_selector("#progress:not([hidden])", timeout=30_000)  # stops by itself at 15 s
        assert page.evaluate("document.activeElement.id") == "progress-heading"  # the focus follows the answer
        page.wait_for_url(re.compile(r".*/answers/\d+$"), timeout=180_000)  # the report opens by itself
        page.wait_for_selector("body[data-charts='5']", timeout=20_000)

        drawn = harness.charts_drawn(page)
        assert set(drawn) == {"chart-timeline", "chart-mix", "chart-pace", "chart-pitch", "chart-loudness"}
        assert all(drawn.values()), drawn
        for chart in ("chart-pace", "chart-loudness"):  # the shaded target spans the chart, edge to edge
            band = page.evaluate(f"""(() => {{ const c = Chart.getChart(document.getElementById('{chart}'));
                const edge = c.getDatasetMeta(1).data;
                return [edge[0].x, edge[edge.length - 1].x, c.chartArea.left, c.chartArea.right,
                        c.legend.legendItems.map(item => item.text)]; }})()""")
            assert abs(band[0] - band[2]) < 2 and abs(band[1] - band[3]) < 2, (chart, band)
            assert not any(text.endswith(" low") for text in band[4]), band
        main = page.inner_text("main")
        assert question in main
        assert "Heard against your voice check of" in main and "No emotion is named" not in main
        transcript = page.inner_text(".transcript").lower()
        assert "door" in transcript, transcript  # "Kids are talking by the door", "Dogs are sitting by the door"
        answer_id = page.url.rsplit("/", 1)[1]
        report = page.evaluate(f"fetch('/api/answers/{answer_id}').then(r => r.json())")["report"]
        assert 13.5 <= report["duration_s"] <= 16.5, report["duration_s"]  # one recording, stopped at 15 s
        assert report["reference"] == "speaker" and report["baseline"]["kind"] == "speaker"
        pitch = page.evaluate("""(() => { const c = Chart.getChart(document.getElementById('chart-pitch'));
            return [c.options.scales.y.title.text, c.data.datasets[1].data[0].y, c.data.datasets[2].data]; })()""")
        hz = round(report["pitch"]["median_hz"])  # drawn on the scale of the pitch variation figure, which is shaded
        assert pitch[0] == f"semitones from {hz} Hz" and pitch[1] == report["pitch"]["variability_st"], pitch
        assert max(abs(v) for v in pitch[2] if v is not None) < 24, pitch  # semitones, not hertz
        lengths = page.evaluate(f"""Promise.all(['/api/me/voice-check/audio', '/api/answers/{answer_id}/audio']
            .map(url => new Promise(done => {{ const player = new Audio(); player.preload = 'metadata';
                player.onloadedmetadata = () => done([player.duration,
                    player.seekable.length ? player.seekable.end(0) : 0]);
                player.onerror = () => done([-1, 0]); player.src = url; }})))""")
        # the browser's WebM kept stating its length, and the player can seek all through it
        assert all(10 < length < 30 and abs(seekable - length) < 0.5 for length, seekable in lengths), lengths
        checked["report"] = harness.axe_violations(page)

        page.click("text=How you compare with other candidates")
        page.wait_for_selector("text=Reference ranges")
        assert "Real candidates from a published study" in page.inner_text("main")
        checked["compare"] = harness.axe_violations(page)
        page.click("nav >> text=History")
        assert page.locator("table.list tbody tr").count() == 1
        checked["history"] = harness.axe_violations(page)
        page.click("nav >> text=Account")
        assert "Record it again" in page.inner_text("main")
        checked["account"] = harness.axe_violations(page)
        assert not problems, problems
        assert {name: found for name, found in checked.items() if found} == {}

        phone = browser.new_context(viewport=PHONE, storage_state=context.storage_state())
        small = phone.new_page()
        wide = {}
        for path in ("/", "/practice", "/voice-check", f"/answers/{answer_id}", f"/answers/{answer_id}/compare",
                     "/history", "/account", "/interviews"):
            small.goto(app_url + path)
            small.wait_for_load_state("load")
            small.wait_for_timeout(300)  # the charts lay out
            if harness.scrolls_sideways(small):
                wide[path] = small.evaluate("document.documentElement.scrollWidth")
            if path == f"/answers/{answer_id}":  # the timeline is a chart, not a strip above its legend
                box = small.locator("#chart-timeline").bounding_box()
                assert box["height"] >= 0.9 * box["width"], box
        visitor = browser.new_context(viewport=PHONE).new_page()
        for path in ("/", "/login", "/signup"):
            visitor.goto(app_url + path)
            if harness.scrolls_sideways(visitor):
                wide[path] = visitor.evaluate("document.documentElement.scrollWidth")
        assert wide == {}, wide  # no page scrolls sideways on a 390 px screen
        browser.close()


def _answer_by_recording(page, seconds: float = 8.0) -> None:
    """Record ``seconds`` of the looped microphone: 8 s hold over 5 s of speech, enough to be scored."""
    page.click("#begin")
    page.click("#skip-prep")
    page.wait_for_function("document.getElementById('level').value > 0.01", timeout=10_000)
    page.wait_for_timeout(seconds * 1000)
    page.click("#stop")


def test_a_two_question_mock_interview_reaches_its_summary_and_the_trends(app_url, microphone):
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=microphone)
        page = browser.new_context(bypass_csp=True).new_page()
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        harness.sign_up(page, app_url, "erin@example.com")
        page.click("nav >> text=Mock interview")
        found = {"interviews": harness.axe_violations(page)}
        page.fill("#questions", "2")
        page.select_option("#time_limit_s", "15")
        page.click("text=Start the interview")
        page.wait_for_selector("h1:has-text('question 1 of 2')")
        _answer_by_recording(page)
        page.wait_for_selector("h1:has-text('question 2 of 2')", timeout=30_000)  # on without waiting
        _answer_by_recording(page)
        page.wait_for_selector("#answers-heading", timeout=180_000)  # the summary, once both are analysed
        assert page.locator("table.list tbody tr").count() == 2
        # two different stretches of the recording: one is the strongest, unless they tie
        strongest = page.locator("td span.ok", has_text="strongest").count()
        assert strongest == 1 or (strongest == 0 and "No single answer stands out" in page.inner_text("main"))
        assert page.locator("text=first mock interview").count() == 1
        found["summary"] = harness.axe_violations(page)
        page.click("nav >> text=History")
        page.wait_for_selector("body[data-charts='7']", timeout=20_000)
        drawn = harness.charts_drawn(page)
        assert drawn["trend-wpm"] and drawn["trend-fillers_per_min"], drawn
        legends = page.evaluate("[...document.querySelectorAll('canvas')].map(c => Chart.getChart(c).legend"
                                ".options.display)")
        assert legends == [False] * 7, legends  # each caption names its figure and the band: no legend repeats it
        loudness = page.evaluate("(() => { const c = Chart.getChart(document.getElementById('trend-loudness_dbfs'));"
                                 " return {min: c.scales.y.min, max: c.scales.y.max,"
                                 " ticks: c.scales.x.ticks.map(t => t.label)}; })()")
        assert loudness["min"] <= -60 and loudness["max"] == 0, loudness  # room under the band for "too quiet"
        listed = {f"{day} {month[:3]}" for day, month, *_ in  # "4 December 2026, 03:51 UTC" as "4 Dec"
                  (w.split() for w in page.locator("table.list tbody td[data-label='When']").all_inner_texts())}
        ticks = {re.fullmatch(r"(\d{1,2} [A-Z][a-z]{2}) \d\d:\d\d", t) for t in loudness["ticks"]}
        assert None not in ticks and {t.group(1) for t in ticks} <= listed, (listed, loudness)  # as the list says
        assert "too quiet" in page.inner_text("main")
        found["history"] = harness.axe_violations(page)
        summary_url = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)"
                                    ".find(h => /\\/interviews\\/\\d+$/.test(h))")
        phone = browser.new_context(viewport=PHONE, storage_state=page.context.storage_state()).new_page()
        phone.goto(summary_url)
        phone.wait_for_selector("#answers-heading")
        assert not harness.scrolls_sideways(phone), phone.evaluate("document.documentElement.scrollWidth")
        assert not problems, problems
        assert {name: v for name, v in found.items() if v} == {}
        browser.close()


def test_a_recording_under_way_survives_a_wrong_click_a_way_off_the_page_and_a_lost_server(app_url, microphone):
    """Mid-recording, an upload is refused with a reason and leaving the page asks first; a send that
    cannot reach the server, or that the server fails, keeps the recording in the page until it is
    sent again."""
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=microphone)
        page = browser.new_context(bypass_csp=True).new_page()  # lets wait_for_function evaluate
        problems: list[str] = []
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        asked: list[str] = []

        def stay(dialog) -> None:
            asked.append(dialog.type)
            dialog.dismiss()  # "Stay on page"

        page.on("dialog", stay)
        _begin_practice(page, app_url, "fay@example.com")
        page.click("#skip-prep")
        page.wait_for_function("document.getElementById('level').value > 0.01", timeout=10_000)
        page.click("#upload-section summary")
        page.set_input_files("#upload-file", str(microphone))
        page.click("#upload-form button[type=submit]")
        assert "A recording is under way" in page.inner_text("#problem")
        page.click("nav >> text=History")
        page.wait_for_timeout(500)
        assert asked == ["beforeunload"] and "/practice?question_id=" in page.url, (asked, page.url)  # stayed
        assert page.is_visible("#recording")
        page.wait_for_timeout(3000)  # a sentence or more: an answer needs 0.8 s of voice

        page.route("**/api/answers", lambda route: route.abort())  # the server cannot be reached
        page.click("#stop")
        page.wait_for_selector("#resend:not([hidden])", timeout=10_000)
        assert "cannot be reached" in page.inner_text("#problem")
        assert page.evaluate("document.activeElement.id") == "resend"
        page.unroute("**/api/answers")
        page.route("**/api/answers", lambda route: route.fulfill(status=503, content_type="application/json",
                                                                   body='{"detail": "the queue is full"}'))
        page.click("#resend")  # a server that fails did not take it either
        page.wait_for_selector("#problem:has-text('could not take the recording (the queue is full)')")
        assert page.is_visible("#resend")
        page.unroute("**/api/answers")
        page.click("#resend")
        page.wait_for_url(re.compile(r".*/answers/\d+$"), timeout=180_000)
        assert asked == ["beforeunload"]  # the page moved on by itself once the server had it
        page.wait_for_selector("text=What you said", timeout=180_000)
        assert not problems, problems
        browser.close()


def _upload_refused(page, tmp_path) -> str:
    """Upload a text file on the page in view; the refusal it shows."""
    not_audio = tmp_path / "notes.txt"
    not_audio.write_text("these are my notes, not a recording\n")
    page.click("#upload-section summary")
    page.set_input_files("#upload-file", str(not_audio))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#problem:not([hidden])", timeout=30_000)
    return page.inner_text("#problem")


def _begin_practice(page, app_url: str, email: str) -> None:
    """Sign up as ``email``, open a question and press Start."""
    harness.sign_up(page, app_url, email)
    page.goto(app_url + "/practice")
    page.click("#begin")


def test_stop_at_once_sends_nothing_and_a_reload_keeps_the_question_and_says_what_it_lost(app_url, microphone,
                                                                                          tmp_path):
    """Stop at once sent an empty file ("answer.webm: the file is empty (0 bytes)"); a reload drew
    another question, and after a reload in the middle of a recording nothing said it was lost."""
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=microphone)
        page = browser.new_context(bypass_csp=True).new_page()  # lets wait_for_function evaluate
        posted: list[str] = []
        page.on("request", lambda r: posted.append(r.url) if r.method == "POST" and "/api/" in r.url else None)
        harness.sign_up(page, app_url, "quick@example.com", then="/practice?category=teamwork")
        question = page.inner_text("#question")
        assert re.search(r"[?&]question_id=\d+", page.url) and "category=teamwork" in page.url, page.url
        page.click("#begin")
        page.click("#skip-prep")
        page.click("#stop")
        page.wait_for_function("document.getElementById('status').textContent.startsWith('Nothing was recorded')")
        assert posted == [] and page.is_visible("#begin"), posted
        page.reload()
        assert page.inner_text("#question") == question
        assert page.is_hidden("#problem")  # nothing was lost: nothing to say
        # a reload in the middle of a recording, confirmed: the page it comes back to says the take is lost
        page.click("#begin")
        page.click("#skip-prep")
        page.wait_for_function("document.getElementById('level').value > 0.01", timeout=10_000)
        page.on("dialog", lambda dialog: dialog.accept())  # "Leave site?": leave
        page.reload()
        page.wait_for_selector("#problem:not([hidden])")
        assert page.inner_text("#problem").startswith("Your last recording was lost: the page was left (or "
                                                      "reloaded) while it was recording"), page.inner_text("#problem")
        assert page.inner_text("#question") == question and posted == []
        page.reload()
        assert page.is_hidden("#problem")  # said once
        # a file that is not a recording says what to do next ("...: not a recognised audio file." alone did not)
        assert _upload_refused(page, tmp_path) == ("This recording cannot be used: notes.txt: not a recognised audio "
                                                   "file. Choose another file, or press Start to record your answer.")
        browser.close()


def test_without_a_microphone_the_page_says_so_and_offers_the_upload(app_url):
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=None)
        page = browser.new_page()
        _begin_practice(page, app_url, "bob@example.com")
        page.wait_for_selector("#problem:not([hidden])")
        message = page.inner_text("#problem")
        assert "microphone" in message.lower() and "upload" in message.lower(), message
        assert page.evaluate("document.getElementById('upload-section').open")
        browser.close()


def test_a_refused_voice_check_replaces_the_welcome_with_the_reason(app_url, tmp_path):
    """Just signed up, a file that is not a recording is refused: the reason shows, the welcome
    that came before it goes, and a reload does not bring the welcome back."""
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=None)
        page = browser.new_page()
        harness.sign_up(page, app_url, "dora@example.com", then=None)
        assert page.is_visible("#welcome")
        assert _upload_refused(page, tmp_path) == ("notes.txt: not a recognised audio file. Upload another file, "
                                                   "or press Start to record it.")
        assert page.locator("#welcome").count() == 0 and page.url.endswith("/voice-check")
        page.reload()
        assert page.locator("#welcome").count() == 0 and "Voice check" in page.inner_text("h1")
        browser.close()


def test_a_denied_microphone_and_a_silent_one_each_get_a_clear_message(app_url, tmp_path):
    import numpy as np
    import soundfile as sf

    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(48_000 * 6, dtype=np.int16), 48_000, subtype="PCM_16")
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=silent)
        page = browser.new_page()
        _begin_practice(page, app_url, "carol@example.com")
        page.click("#skip-prep")
        page.wait_for_selector("#no-signal:not([hidden])", timeout=10_000)
        assert "hear nothing" in page.inner_text("#no-signal")
        page.click("#restart")  # a way on: start again
        page.wait_for_selector("#setup:not([hidden])")
        assert "discarded" in page.inner_text("#status")
        browser.close()

        browser = p.chromium.launch(executable_path=harness.CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--use-fake-device-for-media-stream",
                                          "--deny-permission-prompts"])
        context = browser.new_context()
        context.clear_permissions()
        page = context.new_page()
        _begin_practice(page, app_url, "dan@example.com")
        page.wait_for_selector("#problem:not([hidden])")
        assert "denied" in page.inner_text("#problem")
        browser.close()


def test_the_accessibility_check_finds_a_violation(tmp_path):
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=None)
        page = browser.new_page()
        page.set_content('<html lang="en"><body><main><img src="x.png"><button></button></main></body></html>')
        found = {v["id"] for v in harness.axe_violations(page)}
        assert {"image-alt", "button-name"} <= found
        browser.close()


def test_the_api_documentation_loads_from_the_app_alone(app_url):
    """/docs loaded Swagger UI from a CDN, which the app's own CSP blocks and an offline laptop cannot reach."""
    with sync_api.sync_playwright() as p:
        browser = harness.launch(p, microphone=None)
        page = browser.new_page()  # the app's Content-Security-Policy applies
        outside: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(app_url) else None)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(app_url + "/docs")
        page.wait_for_selector(".opblock-summary-path", timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert any("/api/me/voice-check" in path for path in paths), paths
        assert outside == [] and errors == [], (outside, errors)

        phone = browser.new_context(viewport=PHONE).new_page()  # every schema opened on a 390 px screen
        phone.goto(app_url + "/docs")
        phone.wait_for_selector("section.models button.json-schema-2020-12-accordion", timeout=20_000)
        schemas = phone.locator("section.models button.json-schema-2020-12-accordion")
        for i in range(schemas.count()):
            schemas.nth(i).click()
        past_the_edge = phone.evaluate("""() => [...document.querySelectorAll('section.models *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => (e.textContent || '').slice(0, 40))""")
        assert past_the_edge == [] and not harness.scrolls_sideways(phone), past_the_edge
        browser.close()
