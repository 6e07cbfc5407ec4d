"""The pages, driven as a browser without JavaScript would: forms, redirects, what each page shows."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from conftest import cookie_login, wait_for
from emovoice.storage.models import Answer, AnswerAudio, User

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))


def _csrf(client) -> str:
    client.get("/login")
    return str(client.cookies.get("emovoice_csrf"))


def test_sign_up_practise_and_delete_the_account_through_the_pages(app_client):
    home = app_client.get("/")
    assert home.status_code == 200 and "Sign up" in home.text
    csrf = _csrf(app_client)
    mismatch = app_client.post("/signup", data={"email": "ada@example.com", "password": "password123",
                                                "password_again": "password124", "csrf_token": csrf})
    assert mismatch.status_code == 422 and "differ" in mismatch.text
    created = app_client.post("/signup", data={"email": "ada@example.com", "password": "password123",
                                               "password_again": "password123", "csrf_token": csrf},
                              follow_redirects=False)
    assert created.status_code == 303
    home = app_client.get("/")
    for label in ("Surprise me", "Behavioural", "Strengths and weaknesses", "Teamwork", "Closing"):
        assert label in home.text

    practice = app_client.get("/practice", params={"category": "teamwork"})
    assert practice.status_code == 200
    question_id = int(re.search(r'data-question-id="(\d+)"', practice.text).group(1))
    assert 'id="begin"' in practice.text and "<meter" in practice.text and 'id="upload-file"' in practice.text
    assert all(f'value="{s}"' in practice.text for s in (15, 30, 60, 90, 120))
    offered = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', practice.text))
    assert offered["15"] == "15 seconds (too short for the study comparison)"  # under 50 words at 200 wpm
    assert "137 interviewees of a published study" in practice.text  # which study, said beside it
    assert offered["30"] == "30 seconds"
    suggested = int(re.search(r"a good answer takes about (\d+) s", practice.text).group(1))
    expected = next(s for s in (15, 30, 60, 90, 120) if s >= suggested)  # the question's own length by default
    assert re.search(rf'<option value="{expected}" selected', practice.text), suggested

    upload = app_client.post("/api/answers", headers={"X-CSRF-Token": csrf}, data={"question_id": question_id},
                             files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
    assert upload.status_code == 202
    answer_id = upload.json()["id"]
    pending = app_client.get(f"/answers/{answer_id}")
    assert pending.status_code == 200
    body = wait_for(app_client, answer_id, {"X-CSRF-Token": csrf})
    assert body["status"] == "done"

    report = app_client.get(f"/answers/{answer_id}").text
    for element in ("chart-timeline", "chart-mix", "chart-pace", "chart-pitch", "chart-loudness", "<audio",
                    "Advice", "What you said", "Your figures and their target ranges"):
        assert element in report, element
    first_word = body["report"]["transcript"]["words"][0]["text"]
    assert first_word in report
    assert f"{body['report']['pace']['target']['low']:.0f}–{body['report']['pace']['target']['high']:.0f} wpm" in report

    listing = app_client.get("/answers").text
    assert f'href="/answers/{answer_id}"' in listing

    wrong = app_client.post("/account/delete", data={"password": "nope-nope", "csrf_token": csrf})
    assert wrong.status_code == 401 and "not deleted" in wrong.text
    gone = app_client.post("/account/delete", data={"password": "password123", "csrf_token": csrf},
                           follow_redirects=False)
    assert gone.status_code == 303
    with app_client.app.state.emovoice.database.session() as session:
        for model in (User, Answer, AnswerAudio):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
    assert app_client.get("/answers", follow_redirects=False).status_code == 303


def test_login_page_keeps_where_you_were_going_but_only_inside_the_app(app_client, make_user):
    make_user("ada@example.com")
    redirect = app_client.get("/answers", follow_redirects=False)
    assert redirect.headers["location"] == "/login?next=/answers"
    csrf = _csrf(app_client)
    wrong = app_client.post("/login", data={"email": "ada@example.com", "password": "bad-password",
                                            "csrf_token": csrf, "next": "/answers"})
    assert wrong.status_code == 401 and "Wrong e-mail or password" in wrong.text
    ok = app_client.post("/login", data={"email": "ada@example.com", "password": "password123", "csrf_token": csrf,
                                         "next": "//evil.example/"}, follow_redirects=False)
    assert ok.headers["location"] == "/"
    with cookie_login(app_client, "ada@example.com"):
        assert app_client.get("/answers").status_code == 200


def test_security_headers_and_static_files(app_client):
    response = app_client.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert app_client.get("/static/vendor/chartjs/chart.umd.min.js").status_code == 200
    assert app_client.get("/static/vendor/chartjs/LICENSE.md").status_code == 200
    assert "http://" not in app_client.get("/static/practice.js").text.replace("http://localhost", "")
