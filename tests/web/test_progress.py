"""Mock interviews, comparison pages, history with trends, and the export, through the API and pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from test_comparison import add_answer, fake_report

from conftest import cookie_login, wait_for
from emovoice.storage.accounts import create_user
from emovoice.storage.models import Answer, FigureTotal, Question, User

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))


def _db(client):
    return client.app.state.emovoice.database


def _user_id(client, email: str) -> int:
    with _db(client).session() as session:
        return int(session.scalar(select(User.id).where(User.email == email)))


@pytest.mark.parametrize("questions", [1, 2, 3, 5, 7, 12])
def test_a_mock_interview_opens_with_about_you_and_ends_with_closing_at_any_length(app_client, make_user, questions):
    """With 5 questions and 7 categories it ended with whichever category came fifth."""
    from emovoice.storage.interviews import create_interview
    from emovoice.storage.questions import CATEGORIES

    others = len(CATEGORIES) - 2

    make_user("order@example.com")
    user_id = _user_id(app_client, "order@example.com")
    for seed in range(8):
        with _db(app_client).session() as session:
            interview = create_interview(session, user_id, questions=questions, rng=random.Random(seed))
            categories = [session.get(Question, q.question_id).category for q in interview.questions]
            assert len({q.question_id for q in interview.questions}) == questions  # never the same one twice
        assert categories[0] == "about_you" and len(categories) == questions
        assert (categories[-1] == "closing") == (questions > 1), categories
        between = categories[1:-1]
        assert "about_you" not in between[:others] and "closing" not in between[:others]  # while others last
        assert len(set(between[:others])) == len(between[:others])  # a different one each, as far as they go
    with _db(app_client).session() as session:  # one category: all from it
        interview = create_interview(session, user_id, questions=3, category="closing", rng=random.Random(1))
        assert {session.get(Question, q.question_id).category for q in interview.questions} == {"closing"}


def test_a_mock_interview_runs_to_its_summary(app_client, make_user):
    ada = make_user("ada@example.com")
    assert app_client.post("/api/interviews", headers=ada.headers, json={"questions": 13}).status_code == 422
    assert app_client.post("/api/interviews", headers=ada.headers,
                           json={"questions": 2, "category": "gossip"}).status_code == 422
    created = app_client.post("/api/interviews", headers=ada.headers, json={"questions": 2, "time_limit_s": 15})
    assert created.status_code == 201, created.text
    interview = created.json()
    assert [q["position"] for q in interview["questions"]] == [1, 2] and interview["next_position"] == 1
    assert len({q["category"] for q in interview["questions"]}) == 2  # across categories
    assert interview["questions"][0]["category"] == "about_you"  # an interview opens with "about you"

    bad = app_client.post("/api/answers", headers=ada.headers, data={"interview_id": interview["id"], "position": 7},
                          files={"audio": ("a.flac", SAMPLE.read_bytes())})
    assert bad.status_code == 422
    ids = []
    for position in (1, 2):
        accepted = app_client.post("/api/answers", headers=ada.headers,
                                   data={"interview_id": interview["id"], "position": position},
                                   files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
        assert accepted.status_code == 202
        ids.append(accepted.json()["id"])
    for answer_id in ids:
        assert wait_for(app_client, answer_id, ada.headers)["status"] == "done"
    done = app_client.get(f"/api/interviews/{interview['id']}", headers=ada.headers).json()
    assert done["complete"] and done["next_position"] is None
    assert [q["question_id"] for q in done["questions"]] == [q["question_id"] for q in interview["questions"]]
    summary = done["summary"]
    assert [a["answer_id"] for a in summary["answers"]] == ids
    assert all(a["figures"]["wpm"] > 0 for a in summary["answers"])
    assert summary["previous_runs"] == 0 and len(summary["top_tips"]) <= 3
    # the same recording twice: a tie, so neither answer is called the strongest or the weakest
    assert summary["strongest"] is None and summary["weakest"] is None
    assert summary["figures"]["wpm"] == pytest.approx(sum(a["figures"]["wpm"] for a in summary["answers"]) / 2,
                                                      abs=1e-3)

    with cookie_login(app_client, ada.email):
        page = app_client.get(f"/interviews/{interview['id']}").text
        assert "Each answer" in page and "What matters most" in page and "first mock interview" in page
        assert "No single answer stands out: both answers have the same score." in page
        assert "strongest</span>" not in page
        listed = page.split('id="tips-heading"')[1].split("</section>")[0].count("<li>")
        assert listed == len(summary["top_tips"])  # fewer than the three promised say why
        assert ('id="tips-note"' in page) == (0 < listed < 3)
        second = app_client.post("/api/interviews", headers=ada.headers, json={"questions": 1}).json()
        question_page = app_client.get(f"/interviews/{second['id']}").text
        assert "question 1 of 1" in question_page and f'data-interview-id="{second["id"]}"' in question_page
        assert "Time to answer (set for the whole interview)" in question_page
        short = app_client.post("/api/interviews", headers=ada.headers, json={"questions": 1, "time_limit_s": 15})
        bank = {q["id"]: q for q in app_client.get("/api/questions", headers=ada.headers).json()}
        suggested = bank[short.json()["questions"][0]["question_id"]]["suggested_seconds"]
        short_page = app_client.get(f"/interviews/{short.json()['id']}").text
        # the question's own length and the interview's limit, said together where they differ
        assert ("this interview allows 15 s an answer" in short_page) == (suggested > 15), suggested
        assert app_client.delete(f"/api/interviews/{short.json()['id']}", headers=ada.headers).status_code == 204
    accepted = app_client.post("/api/answers", headers=ada.headers, data={"interview_id": second["id"], "position": 1},
                               files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
    wait_for(app_client, accepted.json()["id"], ada.headers)
    again = app_client.get(f"/api/interviews/{second['id']}", headers=ada.headers).json()["summary"]
    assert again["previous_runs"] == 1 and again["previous"]["wpm"] == pytest.approx(summary["figures"]["wpm"])

    assert app_client.delete(f"/api/interviews/{interview['id']}", headers=ada.headers).status_code == 204
    with _db(app_client).session() as session:
        assert session.scalar(select(func.count()).select_from(Answer)) == 1
        assert session.scalar(select(FigureTotal.n).where(FigureTotal.scope == "all",
                                                          FigureTotal.figure == "wpm")) == 1  # uncounted


def _crowd(client, question_id: int, n_candidates: int, per_candidate: int, seed: int = 3) -> list[float]:
    """Other candidates' answers (generated figures) to a question; returns their pace values."""
    rng = random.Random(seed)
    values = []
    with _db(client).session() as session:
        for c in range(n_candidates):
            user = create_user(session, f"crowd{seed}-{c}@example.com", "password123")
            for _ in range(per_candidate):
                report = fake_report(rng)
                values.append(report["pace"]["wpm"])
                add_answer(session, user.id, question_id, report)
    return values


def test_comparison_page_and_api(app_client, make_user):
    ada = make_user("ada@example.com")
    question_id = 1
    _crowd(app_client, question_id, n_candidates=6, per_candidate=5)
    accepted = app_client.post("/api/answers", headers=ada.headers, data={"question_id": question_id},
                               files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
    answer_id = accepted.json()["id"]
    wait_for(app_client, answer_id, ada.headers)
    comparison = app_client.get(f"/api/answers/{answer_id}/comparison", headers=ada.headers).json()
    groups = {g["scope"]: g for g in comparison["groups"]}
    assert set(groups) == {"all", "category:about_you", f"question:{question_id}"}
    question = groups[f"question:{question_id}"]
    assert question["enough"] and question["answers"] == 30 and question["candidates"] == 6
    pace = next(f for f in question["figures"] if f["key"] == "wpm")
    assert 0 <= pace["percentile"] <= 100 and pace["n"] == 30 and pace["histogram"]
    with cookie_login(app_client, ada.email):
        page = app_client.get(f"/answers/{answer_id}/compare").text
    assert "This question" in page and "30 answers from 6 other candidates" in page
    assert "Reference ranges" in page and "Microsoft Speaker Coach" in page
    # heard without a voice check, the answer is compared on its delivery figures only, in each group
    assert page.count('class="dist"') == 3 * 7 and not comparison["emotion_compared"]
    assert "Share of Happy" not in page and 'class="mix"' not in page
    assert "Emotion shares are left out" in page and 'href="/voice-check"' in page
    # an answer heard against a voice check is compared on its emotion shares too
    with _db(app_client).session() as session:
        checked = add_answer(session, _user_id(app_client, ada.email), question_id,
                             fake_report(random.Random(1), checked=True))
    with cookie_login(app_client, ada.email):
        page = app_client.get(f"/answers/{checked}/compare").text
    assert page.count('class="dist"') == 3 * 15 and page.count('class="mix"') == 3
    assert "Share of Happy" in page and "Emotion shares are compared only with other answers" in page


def test_small_groups_never_leak_another_candidates_figures(app_client, make_user):
    ada = make_user("ada@example.com")
    others = _crowd(app_client, 2, n_candidates=2, per_candidate=2, seed=7)  # too few to show
    accepted = app_client.post("/api/answers", headers=ada.headers, data={"question_id": 2},
                               files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
    answer_id = accepted.json()["id"]
    wait_for(app_client, answer_id, ada.headers)
    api = app_client.get(f"/api/answers/{answer_id}/comparison", headers=ada.headers)
    with cookie_login(app_client, ada.email):
        pages = [app_client.get(url).text for url in (f"/answers/{answer_id}/compare", "/history", "/",
                                                      f"/answers/{answer_id}")]
    groups = api.json()["groups"]
    assert all(not g["enough"] and not g["figures"] and not g["emotion_mix"] for g in groups)
    assert "Not enough answers yet: 4 answers from 2 other candidates" in pages[0]
    for text in [api.text, *pages]:
        for value in others:
            assert f"{value:.1f}" not in text and f"{value:.0f} wpm" not in text


def test_history_trends_and_filter(app_client, make_user):
    ada = make_user("ada@example.com")
    user_id = _user_id(app_client, ada.email)
    rng = random.Random(5)
    with _db(app_client).session() as session:
        teamwork = session.scalar(select(Question.id).where(Question.category == "teamwork"))
        closing = session.scalar(select(Question.id).where(Question.category == "closing"))
        start = dt.datetime(2026, 1, 1)
        for i, fillers in enumerate([6.0, 5.8, 6.4, 5.5, 2.5, 2.2, 2.4, 2.1]):
            report = fake_report(rng)
            report["fillers"]["per_minute"] = fillers
            report["loudness"]["level_dbfs"] = -44.0 + 0.1 * (i % 2)  # too quiet, every time
            answer_id = add_answer(session, user_id, teamwork if i % 2 else closing, report)
            session.execute(update(Answer).where(Answer.id == answer_id)
                            .values(created_at=start + dt.timedelta(days=i)))
    progress = app_client.get("/api/me/progress", headers=ada.headers).json()
    assert progress["answers"] == 8
    fillers = next(s for s in progress["series"] if s["key"] == "fillers_per_min")
    assert [p["value"] for p in fillers["points"]] == [6.0, 5.8, 6.4, 5.5, 2.5, 2.2, 2.4, 2.1]
    assert fillers["target"] == [0.0, 3.0]
    assert fillers["trend"]["sentence"] == ("Your filler words fell over your last 8 answers: 5.9 a minute on "
                                            "average in the first 4, 2.3 a minute in the latest 4 (better); inside "
                                            "its target, at most 3.0 a minute.")  # means, said as such
    loudness = next(s for s in progress["series"] if s["key"] == "loudness_dbfs")
    assert loudness["trend"]["sentence"] == ("Your loudness held steady over your last 8 answers, at -44 dBFS on "
                                             "average; under its target, -35 dBFS to -10 dBFS (too quiet).")
    # the longest pause has no target range, yet it is read against the line a report counts long pauses by
    pause = next(s for s in progress["series"] if s["key"] == "longest_pause_s")
    assert pause["mark"] == 1.0 and pause["target"] is None and loudness["mark"] is None
    assert pause["trend"]["sentence"].endswith("; a silence over 1 s counts as a long pause in your reports."), pause
    assert app_client.get("/api/me/progress", headers=ada.headers,
                          params={"category": "teamwork"}).json()["answers"] == 4
    with cookie_login(app_client, ada.email):
        page = app_client.get("/history").text
        assert "5.9 a minute on average in the first 4, 2.3 a minute" in page and 'id="trend-fillers_per_min"' in page
        assert "Longest pause (s); the dashed line is 1 s: a silence over 1 s counts as a long pause" in page
        assert '"mark": 1.0' in page
        filtered = app_client.get("/history", params={"category": "teamwork"}).text
        assert len(re.findall(r'href="/answers/\d+"', filtered)) == 4
        assert app_client.get("/answers", follow_redirects=False).headers["location"] == "/history"


def test_export_holds_everything_of_the_user_and_nothing_else(app_client, make_user):
    ada = make_user("ada@example.com")
    bob = make_user("bob@example.com")
    for user in (ada, bob):
        accepted = app_client.post("/api/answers", headers=user.headers, data={"question_id": 3},
                                   files={"audio": ("mine.flac", SAMPLE.read_bytes(), "audio/flac")})
        wait_for(app_client, accepted.json()["id"], user.headers)
    interview = app_client.post("/api/interviews", headers=ada.headers, json={"questions": 2}).json()
    response = app_client.get("/api/me/export", headers=ada.headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("emovoice-export.json"))
    assert data["user"]["email"] == "ada@example.com" and len(data["answers"]) == 1
    answer = data["answers"][0]
    assert answer["report"]["transcript"]["words"] and answer["figures"]["wpm"] > 0
    assert archive.read(answer["audio"]) == SAMPLE.read_bytes()
    # what a reader needs to read it: the times' zone, a README naming every file and figure, the schema
    assert answer["created_at"].endswith("+00:00") and data["exported_at"].endswith("+00:00")
    readme = archive.read("README.txt").decode()
    assert "ada@example.com" in readme and "audio/answer-<id>" in readme and "wpm" in readme
    assert json.loads(archive.read("report.schema.json"))["properties"]["schema_version"]
    assert archive.getinfo(answer["audio"]).date_time[0] >= 2026  # dated when recorded, not 1980
    [exported] = data["interviews"]
    assert [q["position"] for q in exported["questions"]] == [1, 2] and exported["id"] == interview["id"]
    assert all(q["question"] for q in exported["questions"])  # the questions' words, not only their ids
    assert "bob@example.com" not in response.content.decode("latin-1")
    assert app_client.get("/api/me/export").status_code == 401
