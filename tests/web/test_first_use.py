"""What a first-time user met in the browser, each fixed and held by a test: the answer time, "Try
again", silence in the loudness chart, the interview summary's words, the favicon, and the
comparison with real candidates from a published study."""

from __future__ import annotations

import re
import subprocess
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import select

import emovoice
from conftest import cookie_login, wait_for
from emovoice.analysis.norms import MIT_INTERVIEW_FILLERS, compare_fillers, percentile_among
from emovoice.storage.models import User
from emovoice.web.pages.answers import chart_data

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))


def test_every_page_has_an_icon(app_client):
    icon = app_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert 'rel="icon"' in app_client.get("/login").text


def test_the_answer_time_starts_at_the_questions_own_length_and_try_again_keeps_it(app_client, make_user):
    user = make_user("time@example.com")
    questions = app_client.get("/api/questions").json()
    by_length = {q["suggested_seconds"]: q for q in questions}
    assert {30, 60, 90} <= set(by_length)
    with cookie_login(app_client, user.email) as csrf:
        for seconds, question in by_length.items():
            page = app_client.get("/practice", params={"question_id": question["id"]}).text
            expected = next(s for s in (15, 30, 60, 90, 120) if s >= seconds)
            assert re.search(rf'<option value="{expected}" selected', page), (seconds, page[:200])
        chosen = app_client.get("/practice", params={"question_id": by_length[60]["id"], "seconds": 15}).text
        assert re.search(r'<option value="15" selected', chosen)  # 15 s stays a choice
        done = app_client.post("/api/answers", headers={"X-CSRF-Token": csrf},
                               data={"question_id": by_length[60]["id"], "time_limit_s": 30},
                               files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
        wait_for(app_client, done.json()["id"], {"X-CSRF-Token": csrf})
        page = app_client.get(f"/answers/{done.json()['id']}").text
        assert f'/practice?question_id={by_length[60]["id"]}&amp;seconds=30' in page
        # the report says how long the answer was against the time it had (a 9.6 s recording)
        assert '<p class="muted" id="answer-time">Your recording lasts 10 s of the 30 s allowed: an answer this ' \
               'short gives an interviewer little to go on, so aim to use most of the time.</p>' in page


def test_the_answer_time_sentence_says_stopped_early_cut_or_longer():
    from emovoice.analysis.wording import answer_time_sentence

    assert answer_time_sentence(duration_s=32.4, time_limit_s=60) == "Your recording lasts 32 s of the 60 s allowed."
    assert answer_time_sentence(duration_s=4.7, time_limit_s=60) == (
        "Your recording lasts 5 s of the 60 s allowed: an answer this short gives an interviewer little to go on, so "
        "aim to use most of the time.")
    assert answer_time_sentence(duration_s=59.8, time_limit_s=60).startswith("Your recording reached the 60 s "
                                                                             "allowed: if you were still speaking")
    assert answer_time_sentence(duration_s=95.0, time_limit_s=60) == ("Your recording lasts 95 s, longer than the "
                                                                      "60 s chosen; all of it was analysed.")
    assert answer_time_sentence(duration_s=20.0, time_limit_s=None) is None


def test_silent_seconds_are_gaps_in_the_loudness_chart(tmp_path):
    raw, padded = tmp_path / "speech.raw.wav", tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), "I plan my work and I finish it."], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", str(padded), "pad", "0", "3"], check=True)
    report = emovoice.analyze(str(padded), transcribe=False)
    curve = chart_data(report)["loudness"]["curve"]
    assert report.delivery.loudness.curve[-1] < -90  # the analysis measures the silence...
    assert curve[-2:] == [None, None]  # ...the chart leaves it out
    assert all(v > -60 for v in curve if v is not None)


def test_the_interview_summary_speaks_plainly(app_client, make_user):
    user = make_user("summary@example.com")
    created = app_client.post("/api/interviews", headers=user.headers, json={"questions": 1, "time_limit_s": 15})
    interview = created.json()
    accepted = app_client.post("/api/answers", headers=user.headers,
                               data={"interview_id": interview["id"], "position": 1},
                               files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
    wait_for(app_client, accepted.json()["id"], user.headers)
    with cookie_login(app_client, user.email):
        page = app_client.get(f"/interviews/{interview['id']}").text
    assert "1 question ·" in page and "1 questions" not in page
    assert "of 1 answers" not in page
    tips = re.findall(r"<li><strong>([^<]+)</strong> \(([^)]+)\)", page)
    assert tips, page
    for label, where in tips:
        assert label[0].isupper() and where == "in your answer", (label, where)
    assert not re.search(r"<td[^>]*>[+-]\d\.\d\d</td>", page)  # a sentiment score comes with its word
    assert "0.0 s</td>" not in page


@pytest.mark.parametrize(("value", "percentile", "beyond"), [
    (3.65, 50, None), (2.20, 25, None), (4.46, 62.5, None), (0.5, 10, "below"), (9.0, 90, "above")])
def test_a_percentile_among_the_published_interviewees(value, percentile, beyond):
    found, side = percentile_among(value, MIT_INTERVIEW_FILLERS.percentiles)
    assert found == pytest.approx(percentile, abs=0.5) and side == beyond


def _report_with(words: list[str]) -> dict:
    return {"transcript": {"available": True,
                           "words": [{"text": w, "start": i, "end": i + 0.5} for i, w in enumerate(words)]}}


def test_fillers_are_counted_as_the_study_counts_them():
    words = ("so um I think uh the team like it and you know we shipped " * 6).split()  # 6 um + 6 uh
    result = compare_fillers(_report_with(words))
    others = len(words) - 12
    assert others > 50
    assert result.value == pytest.approx(100 * 12 / others, abs=0.01)  # "you know", "like" are not um/uh
    assert result.percentile is not None and "MIT Interview Dataset" in result.sentence
    short = compare_fillers(_report_with(["um", "I", "did", "it"]))
    assert short.percentile is None and "over 50" in short.sentence
    none = compare_fillers(_report_with(("we shipped it " * 20).split()))  # it read "fewer than at least 90 %"
    assert none.sentence.startswith("You said no um or uh at all: at least 90\u00a0% of the 137 interviewees") \
        and none.sentence.endswith("said them more often."), none.sentence


def test_the_comparison_page_compares_with_real_candidates_from_the_first_answer(app_client, make_user):
    user = make_user("first@example.com")
    accepted = app_client.post("/api/answers", headers=user.headers,
                               files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
    answer = wait_for(app_client, accepted.json()["id"], user.headers)
    comparison = app_client.get(f"/api/answers/{answer['id']}/comparison", headers=user.headers).json()
    (published,) = comparison["published"]
    assert "Naim" in published["source"] and published["people"] == 137
    assert not any(g["enough"] for g in comparison["groups"])  # alone on this server...
    with cookie_login(app_client, user.email):
        page = app_client.get(f"/answers/{answer['id']}/compare").text
    assert "Real candidates from a published study" in page and "Naim" in page  # ...yet compared, with the source
    said = " ".join(page.split())
    assert "also count the phrases “you know”, “I mean”, “kind of”, “sort of”, per minute" in said  # why they differ
    assert "thresholds.py" not in page


def _stored_answer(app_client, email: str, report: dict) -> int:
    """A finished answer of the user ``email`` holding ``report`` (no recording is analysed)."""
    from emovoice.storage import answers as store

    with app_client.app.state.emovoice.database.session() as session:
        user_id = session.scalar(select(User.id).where(User.email == email))
        answer = store.create_answer(session, user_id=user_id, question_id=None, audio=b"x",
                                     content_type="audio/wav", filename="a.wav")
        assert store.claim(session, answer.id) and store.finish(session, answer.id, report=report)
        return answer.id


@pytest.mark.parametrize(("fillers", "place"), [(0, "no um or uh, at the very start of the scale"),
                                                 (3, "the 71st percentile")])
def test_the_place_among_the_study_is_said_in_words_beside_its_meter(app_client, make_user, fillers, place):
    """With no um or uh, the meter was an empty bar whose text read "10th percentile"."""
    import json

    user = make_user("meter@example.com")
    report = json.loads((Path(__file__).parents[1] / "data" / "report.json").read_text())
    said = ["um"] * fillers + ("we shipped the new release on time and the team " * 6).split()
    report["transcript"].update(available=True, words=[{"text": w, "start": i * 0.4, "end": i * 0.4 + 0.3,
                                                        "probability": 0.9, "filler": w == "um"}
                                                       for i, w in enumerate(said)])
    answer_id = _stored_answer(app_client, user.email, report)
    with cookie_login(app_client, user.email):
        page = app_client.get(f"/answers/{answer_id}/compare").text
    assert f'aria-valuetext="{place}">{place}</meter>' in page and f"You: {place}." in page


def test_a_take_of_three_words_is_too_short_for_an_answer_yet_the_library_analyses_it(app_client, make_user,
                                                                                        tmp_path):
    """A 1.5 s take with 0.3 s of voice got a full report (217 wpm, 'slow down') and moved the trends."""
    from emovoice.features.presence import seconds_under
    from emovoice.storage.models import Answer

    raw, take = tmp_path / "take.raw.wav", tmp_path / "take.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), "I think so."], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", str(take), "pad", "0.3", "0.3"], check=True)
    assert emovoice.analyze(str(take), transcribe=False).speech.voiced_speech_s < 0.8  # the library hears it...
    user = make_user("brief@example.com")
    refused = app_client.post("/api/answers", headers=user.headers, files={"audio": ("take.wav", take.read_bytes())})
    assert refused.status_code == 422  # ...an answer needs a sentence
    assert re.fullmatch(r"take\.wav: too short for an answer: we heard only 0\.\d+ s of voice, and an answer needs "
                        r"at least 0\.8 s \(a short sentence\)\. Record again and say a full sentence or more",
                        refused.json()["detail"]), refused.json()["detail"]
    with app_client.app.state.emovoice.database.session() as session:
        assert session.query(Answer).count() == 0
    assert seconds_under(0.29, 0.3) == "0.29" and seconds_under(0.24, 0.3) == "0.2"  # never "0.3 s ... at least 0.3"


def test_a_share_just_outside_its_target_is_never_shown_on_its_edge():
    """'Time speaking 60 % | 60-95 % | too low': the value was 0.599."""
    from emovoice.analysis.figures import BY_KEY
    from emovoice.analysis.wording import percent
    from emovoice.thresholds import SPEAKING_RATIO

    assert percent(0.599, within=SPEAKING_RATIO) == "59.9\u00a0%" and percent(0.599) == "60\u00a0%"
    assert percent(0.62, within=SPEAKING_RATIO) == "62\u00a0%" and percent(0.6, within=SPEAKING_RATIO) == "60\u00a0%"
    assert percent(0.9504, within=SPEAKING_RATIO) == "95.04\u00a0%"
    assert BY_KEY["speaking_ratio"].format(0.599) == "59.9\u00a0%"  # the summary, comparison and history tables
    assert BY_KEY["sentiment"].format(-0.001) == "neutral (+0.00)"  # it read "neutral (-0.00)"


def test_the_sentiment_line_never_names_an_emotion_beside_the_headline():
    """'Your voice sounded mostly surprised (68 %)' sat above 'your voice sounded neutral'."""
    from emovoice.analysis.sentiment import Sentiment, Tone
    from emovoice.analysis.wording import sentiment_sentence

    lines = {(text, valence): sentiment_sentence(Sentiment(text_score=0.0, text_verdict=text, voice_valence=valence,
                                                           verdict="negative"), voice_named=True)
             for text in (Tone.NEGATIVE, Tone.NEUTRAL, None) for valence in (-0.5, 0.0, 0.5)}
    assert not [line for line in lines.values() if "sounded" in line], lines
    assert lines[(Tone.NEGATIVE, 0.0)] == ("Your words were negative and the tone of your voice was neither positive "
                                           "nor negative: negative overall.")
    assert lines[(Tone.NEUTRAL, 0.0)] == ("Your words were neutral, and the tone of your voice was neither positive "
                                          "nor negative.")


def test_a_recording_without_a_voice_is_told_as_a_person_would(app_client, make_user):
    """It read "no speech found: 0.0 s of voice (at least 0.3 s is needed); ... an unvoiced sound"."""
    import io

    import numpy as np
    import soundfile as sf

    user = make_user("quiet@example.com")
    hiss = io.BytesIO()
    sf.write(hiss, np.random.default_rng(7).normal(0, 0.01, 16_000 * 5).astype(np.float32), 16_000, format="WAV")
    refused = app_client.post("/api/answers", headers=user.headers, files={"audio": ("hiss.wav", hiss.getvalue())})
    assert refused.status_code == 422  # at once: no failed answer is stored
    error = refused.json()["detail"]
    assert "heard no voice" in error and "microphone" in error and "record again" in error, error
    assert "0.0 s" not in error and "unvoiced" not in error and "at least" not in error


def test_rounding_noise_is_neither_a_trend_nor_a_strongest_answer():
    """History read 'Your time speaking fell ...: 60 % on average in the first 2, 59.9 % in the latest 2
    (worse)' and 'Your longest pause rose ...: 1.02 s ..., 1.1 s'; the mock interview's summary called
    one answer the strongest for 60.4 % against 59.5 % of the time speaking."""
    from emovoice.analysis.figures import BY_KEY
    from emovoice.analysis.trends import trend
    from emovoice.storage.interviews import answer_score, standout

    ratio, pause = BY_KEY["speaking_ratio"], BY_KEY["longest_pause_s"]
    assert trend(ratio, [0.60, 0.61, 0.598, 0.599]).sentence == (
        "Your time speaking held steady over your last 4 answers, at 60\u00a0% on average; inside its target, "
        "60\u00a0% to 95\u00a0%, though of these 4 answers 2 were under it.")
    assert "held steady" in trend(pause, [1.02, 1.02, 1.1, 1.1]).sentence
    # a real change is still one, its two figures to the same decimals
    assert trend(pause, [1.02, 1.02, 1.6, 1.6]).sentence.startswith(
        "Your longest pause rose over your last 4 answers: 1.02 s on average in the first 2, 1.60 s in the latest 2 "
        "(worse)")
    assert ratio.format_together([0.595, 0.7, None]) == ["59.5\u00a0%", "70.0\u00a0%", "n/a"]
    # a mean inside the target says so of the answers outside it ("held steady ... inside its target"
    # beside three answers each marked "too quiet")
    assert trend(BY_KEY["loudness_dbfs"], [-33.9, -35.5, -35.2, -35.6, -34.0]).sentence.endswith(
        "; inside its target, -35 dBFS to -10 dBFS, though of these 5 answers 3 were under it.")

    def answer(position: int, **figures: float) -> dict:
        base = {"wpm": 130.0, "fillers_per_min": 1.0, "speaking_ratio": 0.8, "pitch_variability_st": 4.0,
                "loudness_dbfs": -20.0}
        return {"position": position, "figures": base | figures, "score": answer_score(base | figures)}

    hair = [answer(1, speaking_ratio=0.604), answer(2, speaking_ratio=0.595)]
    assert answer_score(hair[0]["figures"]) == answer_score(hair[1]["figures"]) == 4.5
    assert standout(hair, strongest=True) is None and standout(hair, strongest=False) is None
    clear = [answer(1, speaking_ratio=0.75), answer(2, speaking_ratio=0.45)]
    assert standout(clear, strongest=True) == 1 and standout(clear, strongest=False) == 2
    # tied on the score: fewer filler words decide, by half a filler a minute or more
    assert standout([answer(1, fillers_per_min=1.0), answer(2, fillers_per_min=1.2)], strongest=True) is None
    assert standout([answer(1, fillers_per_min=1.0), answer(2, fillers_per_min=2.0)], strongest=True) == 1


def test_the_report_names_an_emotion_one_way_and_says_it_once(app_client, make_user):
    """The summary said 'disgusted' and the table 'disgust'; the 'In short' sentence came again as the
    first tip of the advice."""
    import json

    from emovoice.analysis.feedback import emotion_tips
    from emovoice.analysis.report import Report
    from emovoice.analysis.wording import emotion_sentence

    user = make_user("disgust@example.com")
    report = json.loads((Path(__file__).parents[1] / "data" / "report.json").read_text())
    mix = {"neutral": 0.1, "calm": 0.05, "happy": 0.05, "sad": 0.02, "angry": 0.03, "fearful": 0.02,
           "disgust": 0.7, "surprised": 0.03}
    report.update(emotion="disgust", probabilities=mix, reference="speaker",
                  confidence={"top": 0.7, "margin": 0.6, "level": "confident", "runner_up": "neutral"},
                  baseline={"kind": "speaker", "speech_s": 12.0, "windows": 10, "sources": 2,
                            "created": "2026-11-30", "frontend": {"name": "whisper_pooled", "version": 1}})
    emotion = Report.from_dict(report).emotion_report
    (tip,) = emotion_tips(emotion)
    headline = emotion_sentence(emotion)
    assert tip.text.startswith(headline) and "disgusted" in headline
    report["feedback"] = [{"kind": tip.kind, "metric": tip.metric, "text": tip.text}, *report["feedback"]]
    answer_id = _stored_answer(app_client, user.email, report)
    with cookie_login(app_client, user.email):
        page = app_client.get(f"/answers/{answer_id}").text
        history = app_client.get("/history").text
    assert page.count(headline) == 1  # in the summary, not again in the advice...
    assert "relax your face" in page  # ...whose emotion tip keeps its advice
    assert "<td>disgusted</td>" in page and "<td>disgust</td>" not in page
    assert '"names": {' in page and ">disgusted<" in history


def test_a_sentence_is_shown_but_not_scored_and_the_sentiment_figure_is_the_words_without_a_voice(tmp_path):
    """A 4 s one-sentence answer was named a mock interview's strongest and its 'no pause' (0 s) made
    history's longest pause fall; the summary showed 'negative (-0.08)' beside a report whose words
    'were neutral' (the actors' voices pulled the fused score down)."""
    from emovoice.analysis.figures import headline_figures
    from emovoice.analysis.wording import not_scored_sentence
    from emovoice.thresholds import SCORED_ANSWER_MIN_SPEECH_S

    raw, sentence = tmp_path / "one.raw.wav", tmp_path / "one.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-w", str(raw), "I plan my work and I finish it."], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", str(sentence), "pad", "0.3", "0.3"], check=True)
    short = emovoice.analyze(str(sentence), transcribe=False)
    assert short.delivery.flow.speaking_s < SCORED_ANSWER_MIN_SPEECH_S and headline_figures(short) == {}
    assert not_scored_sentence(short).startswith("With ") and not_scored_sentence(emovoice.analyze(
        str(SAMPLE), transcribe=False)) is None
    answer = emovoice.analyze(str(SAMPLE))  # 8.9 s of speech, heard without a voice check
    figures = headline_figures(answer)
    assert answer.emotion_report.reference == "population" and figures["wpm"] > 0
    assert figures["sentiment"] == answer.delivery.sentiment.text_score != answer.delivery.sentiment.fused_score


def test_the_mock_interview_leaves_a_sentence_out_of_its_scores_and_counts_each_tip_as_itself(app_client, make_user):
    import json

    from emovoice.storage.models import Answer

    user = make_user("brief@example.com")
    interview = app_client.post("/api/interviews", headers=user.headers, json={"questions": 3}).json()
    report = json.loads((Path(__file__).parents[1] / "data" / "report.json").read_text())
    pauses = "You paused for over 1 s 6 times (the longest 1.8 s), more than the 4 an answer of this length holds."
    speaking = "You were speaking 49 % of the time between your first and last word (aim for 60 % or more)."
    tips = {1: [pauses], 2: [speaking], 3: [pauses.replace("6 times", "5 times")]}
    for position in (1, 2, 3):
        one = json.loads(json.dumps(report))
        one["feedback"] = [{"kind": "improve", "metric": "flow", "text": t} for t in tips[position]]
        if position == 3:
            one["flow"]["speaking_s"] = 2.1  # one sentence
        answer_id = _stored_answer(app_client, user.email, one)
        with app_client.app.state.emovoice.database.session() as session:
            stored = session.get(Answer, answer_id)
            stored.interview_id, stored.position = interview["id"], position
            session.commit()
    summary = app_client.get(f"/api/interviews/{interview['id']}", headers=user.headers).json()["summary"]
    assert summary["answers"][2]["figures"] == {} and summary["weakest"] != 3 and summary["strongest"] != 3
    assert any("Answer 3 had under 5 s of speech" in note for note in summary["notes"]), summary["notes"]
    # the pause tip in answers 1 and 3, the time-speaking tip in answer 2: two tips, each with its own count
    assert [(t["where"], t["text"][:20]) for t in summary["top_tips"]] == [
        ("in 2 of 3 answers", "You paused for over "), ("in 1 of 3 answers", "You were speaking 49")]
    with cookie_login(app_client, user.email):
        page = app_client.get(f"/interviews/{interview['id']}").text
        brief = app_client.get(f"/answers/{answer_id}").text  # the last: answer 3
    assert "not scored</span>" in page
    assert ('<p class="notice" id="not-scored">With 2.1 s of speech this is a sentence rather than an answer: its '
            'figures are shown here, but they are not compared') in brief


def test_the_same_advice_is_counted_together_and_other_advice_apart():
    from emovoice.storage.interviews import tip_kind

    fast = "You spoke at 169 words per minute; aim for 100-165. Slow down and let key points land."
    slow = "You spoke at 88 words per minute; aim for 100-165. Speed up a little and keep going."
    assert tip_kind(fast) == tip_kind(fast.replace("169", "181")) != tip_kind(slow)
    assert tip_kind('You used 4 filler words (5.1 a minute), mostly "um"; aim for under 3 a minute.') == tip_kind(
        'You used 9 filler words (6.0 a minute), mostly "so"; aim for under 3 a minute.')
    assert tip_kind("You paused for over 1 s once (the longest 2.1 s), more than the 0 an answer holds.") == \
        tip_kind("You paused for over 1 s 6 times (the longest 1.8 s), more than the 4 an answer holds.")
