"""The JSON API over a real database (SQLite file and PostgreSQL server) with real analyses."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
import soundfile as sf
from sqlalchemy import func, select

from conftest import cookie_login, wait_for
from emovoice.storage.models import Answer, AnswerAudio, AuthSession, User
from encoded import encode

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))


def _count(client, model) -> int:
    with client.app.state.emovoice.database.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def test_sign_up_log_in_and_the_session_cookie(app_client):
    created = app_client.post("/api/users", json={"email": "Ada@Example.com", "password": "password123"})
    assert created.status_code == 201 and created.json()["email"] == "ada@example.com"
    again = app_client.post("/api/users", json={"email": "ada@example.com", "password": "password123"})
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    assert app_client.post("/api/users", json={"email": "not-an-email", "password": "password123"}).status_code == 422
    short = app_client.post("/api/users", json={"email": "b@example.com", "password": "short"})
    assert short.status_code == 422 and "8 characters" in short.json()["detail"]

    wrong = app_client.post("/api/login", json={"email": "ada@example.com", "password": "wrong-password"})
    assert wrong.status_code == 401
    login = app_client.post("/api/login", json={"email": "ada@example.com", "password": "password123"})
    assert login.status_code == 200
    cookie = login.headers["set-cookie"].lower()
    assert "emovoice_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    token = login.json()["token"]
    assert app_client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).json()["email"] == \
        "ada@example.com"
    with app_client.app.state.emovoice.database.session() as session:
        stored = session.scalar(select(User.password_hash))
    assert stored.startswith("$argon2") and "password123" not in stored


def test_question_bank(app_client):
    questions = app_client.get("/api/questions").json()
    assert len(questions) >= 60
    categories = {q["category"] for q in questions}
    assert categories >= {"about_you", "behavioural", "situational", "motivation", "strengths_weaknesses",
                          "teamwork", "closing"}
    assert all(q["difficulty"] in ("easy", "medium", "hard") and q["suggested_seconds"] > 0 for q in questions)
    teamwork = app_client.get("/api/questions", params={"category": "teamwork"}).json()
    assert teamwork and all(q["category"] == "teamwork" for q in teamwork)
    drawn = {app_client.get("/api/questions/random", params={"category": "closing"}).json()["id"] for _ in range(15)}
    assert len(drawn) > 1 and drawn <= {q["id"] for q in questions if q["category"] == "closing"}
    assert app_client.get("/api/questions", params={"category": "nonsense"}).status_code == 422


def test_an_answer_is_analysed_stored_served_and_deleted(app_client, make_user):
    ada = make_user("ada@example.com")
    question = app_client.get("/api/questions/random").json()
    data = SAMPLE.read_bytes()
    accepted = app_client.post("/api/answers", headers=ada.headers, data={"question_id": question["id"]},
                               files={"audio": ("answer.flac", data, "audio/flac")})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] in ("queued", "running")
    answer_id = accepted.json()["id"]

    body = wait_for(app_client, answer_id, ada.headers)
    assert body["status"] == "done", body["error"]
    assert body["question_id"] == question["id"] and body["error"] is None
    schema = json.loads((resources.files("emovoice.schemas") / "report.schema.json").read_text())
    jsonschema.validate(body["report"], schema)
    assert body["report"]["transcript"]["available"] and body["report"]["transcript"]["words"]

    audio = app_client.get(f"/api/answers/{answer_id}/audio", headers=ada.headers)
    assert audio.status_code == 200 and audio.content == data and audio.headers["content-type"] == "audio/flac"
    assert audio.headers["accept-ranges"] == "bytes"  # a player may seek
    url, size = f"/api/answers/{answer_id}/audio", len(data)
    for asked, (start, end) in (("bytes=0-99", (0, 99)), ("bytes=1000-", (1000, size - 1)),
                                ("bytes=-10", (size - 10, size - 1)), (f"bytes=5-{size + 50}", (5, size - 1))):
        part = app_client.get(url, headers={**ada.headers, "Range": asked})
        assert part.status_code == 206 and part.content == data[start:end + 1], asked
        assert part.headers["content-range"] == f"bytes {start}-{end}/{size}", asked
    past = app_client.get(url, headers={**ada.headers, "Range": f"bytes={size}-"})
    assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}"
    for ignored in ("bytes=0-1,5-9", "lines=1-2", "bytes=-"):  # not one byte range: the whole file
        assert app_client.get(url, headers={**ada.headers, "Range": ignored}).content == data, ignored
    listed = app_client.get("/api/answers", headers=ada.headers).json()
    assert [a["id"] for a in listed] == [answer_id]
    assert listed[0]["emotion"] is None  # no voice check: the list names no emotion either

    assert app_client.delete(f"/api/answers/{answer_id}", headers=ada.headers).status_code == 204
    assert app_client.get(f"/api/answers/{answer_id}", headers=ada.headers).status_code == 404
    assert _count(app_client, Answer) == 0 and _count(app_client, AnswerAudio) == 0  # the audio is gone too


def test_a_browsers_webm_is_kept_stating_its_length(app_client, make_user):
    """MediaRecorder's WebM states no duration; the stored recording does (the same audio packets),
    so the report's player shows its length and can seek, and the analysis hears it all."""
    import io

    import av

    wave, rate = sf.read(SAMPLE, dtype="float32")
    live = encode(wave, rate, fmt="webm", codec="libopus", options={"live": "1"})  # as a browser writes it
    ada = make_user("ada@example.com")
    accepted = app_client.post("/api/answers", headers=ada.headers,
                               files={"audio": ("blob", live, "audio/webm;codecs=opus")})
    assert accepted.status_code == 202, accepted.text
    body = wait_for(app_client, accepted.json()["id"], ada.headers)
    assert body["status"] == "done" and abs(body["report"]["duration_s"] - wave.size / rate) < 0.1
    audio = app_client.get(f"/api/answers/{body['id']}/audio", headers=ada.headers)
    assert audio.headers["content-type"] == "audio/webm"
    with av.open(io.BytesIO(audio.content)) as container:
        assert container.duration is not None and abs(container.duration / 1e6 - wave.size / rate) < 0.1


def test_a_live_webm_stored_before_the_remux_states_its_length_once_asked_for(app_client, make_user):
    """Recordings stored by an older emovoice are as the browser wrote them, with no length."""
    import io
    import zipfile

    import av

    from emovoice.storage.models import VoiceCheck

    def stated_s(data: bytes) -> float | None:
        with av.open(io.BytesIO(data)) as container:
            return None if container.duration is None else container.duration / 1e6

    wave, rate = sf.read(SAMPLE, dtype="float32")
    live = encode(wave, rate, fmt="webm", codec="libopus", options={"live": "1"})
    assert stated_s(live) is None
    ada = make_user("ada@example.com")
    assert app_client.put("/api/me/voice-check", headers=ada.headers,
                          files={"audio": ("check.flac", SAMPLE.read_bytes(), "audio/flac")}).status_code == 200
    accepted = app_client.post("/api/answers", headers=ada.headers,
                               files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
    answer_id = wait_for(app_client, accepted.json()["id"], ada.headers)["id"]
    with app_client.app.state.emovoice.database.session() as session:  # as an older emovoice stored them
        session.get(AnswerAudio, answer_id).data = live
        session.scalar(select(VoiceCheck)).audio = live
    for url in (f"/api/answers/{answer_id}/audio", "/api/me/voice-check/audio"):
        first = app_client.get(url, headers=ada.headers).content
        assert abs(stated_s(first) - wave.size / rate) < 0.1, url
        assert app_client.get(url, headers=ada.headers).content == first  # kept: remuxed once
    with app_client.app.state.emovoice.database.session() as session:
        session.get(AnswerAudio, answer_id).data = live  # the export states it too
    export = zipfile.ZipFile(io.BytesIO(app_client.get("/api/me/export", headers=ada.headers).content))
    recording = next(n for n in export.namelist() if n.startswith("audio/answer-"))
    assert abs(stated_s(export.read(recording)) - wave.size / rate) < 0.1


def _cli_message(path: Path, *options: str) -> str:
    result = subprocess.run([sys.executable, "-m", "emovoice", "analyze", "--emotion-only", *options, path.name],
                            capture_output=True, text=True, cwd=path.parent)
    assert result.returncode == 2
    return result.stderr.strip().removeprefix("emovoice: error: ")


def test_bad_uploads_get_the_clis_message(app_client, make_user, tmp_path):
    ada = make_user("ada@example.com")

    def post(name: str, data: bytes):
        return app_client.post("/api/answers", headers=ada.headers, files={"audio": (name, data, "audio/wav")})

    text = tmp_path / "notes.wav"
    text.write_text("this is not a recording at all, just words in a file\n" * 20)
    response = post("notes.wav", text.read_bytes())
    assert response.status_code == 422
    assert response.json()["detail"] == _cli_message(text)

    empty = post("empty.wav", b"")
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]

    silence = tmp_path / "silence.wav"
    sf.write(silence, np.zeros(16_000 * 3, dtype=np.float32), 16_000)
    response = post("silence.wav", silence.read_bytes())
    assert response.status_code == 422 and response.json()["detail"] == _cli_message(silence)

    truncated = SAMPLE.read_bytes()[:300]
    assert post("cut.flac", truncated).status_code == 422
    assert _count(app_client, Answer) == 0  # nothing refused was stored


def test_too_big_and_too_long_uploads_are_refused(settings, tmp_path, analyzer):
    from fastapi.testclient import TestClient

    from emovoice.web.app import create_app

    small = settings.model_copy(update={"max_upload_mb": 0.2, "max_answer_s": 5, "workers": 0})
    with TestClient(create_app(small, analyzer=analyzer)) as client:
        client.post("/api/users", json={"email": "a@example.com", "password": "password123"})
        token = client.post("/api/login", json={"email": "a@example.com", "password": "password123"}).json()["token"]
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}"}
        wave = (0.1 * np.sin(np.arange(16_000 * 8) / 16_000 * 2 * np.pi * 220)).astype(np.float32)
        long = tmp_path / "long.flac"
        sf.write(long, wave, 16_000)  # 8 s of tone, small as FLAC
        response = client.post("/api/answers", headers=headers, files={"audio": ("long.flac", long.read_bytes())})
        assert response.status_code == 413
        assert response.json()["detail"] == _cli_message(long, "--max-duration", "5")
        big = client.post("/api/answers", headers=headers, files={"audio": ("big.wav", b"\0" * 1_500_000)})
        assert big.status_code == 413 and big.json()["detail"].startswith("the file is at least 1.5 MB, over the ")
        assert "send a shorter answer, or a compressed one" in big.json()["detail"]


def test_a_recording_without_speech_is_refused_at_once_and_never_stored(app_client, make_user, tmp_path):
    """It was accepted, queued, and stored as a failed answer in the history."""
    ada = make_user("ada@example.com")
    tone = tmp_path / "tone.wav"
    t = np.arange(16_000 * 4) / 16_000
    sf.write(tone, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16_000)
    refused = app_client.post("/api/answers", headers=ada.headers, files={"audio": ("tone.wav", tone.read_bytes())})
    assert refused.status_code == 422
    assert refused.json()["detail"] == _cli_message(tone)  # the CLI's words: "no speech found: ... steady tone"
    assert "steady tone" in refused.json()["detail"]
    assert _count(app_client, Answer) == 0 and _count(app_client, AnswerAudio) == 0
    assert app_client.get("/api/answers", headers=ada.headers).json() == []


def test_a_failed_answer_says_why_in_a_sentence(app_client, make_user):
    from emovoice.storage import answers as store

    ada = make_user("ada@example.com")
    with app_client.app.state.emovoice.database.session() as session:  # as answers refused by the worker were
        user_id = session.scalar(select(User.id).where(User.email == "ada@example.com"))
        answer_id = store.create_answer(session, user_id=user_id, question_id=None, audio=SAMPLE.read_bytes(),
                                        content_type="audio/flac", filename="answer.flac").id
        store.fail(session, answer_id, "answer.webm: too little speech: we heard only 0.2 s of voice, and at "
                                       "least 0.3 s is needed. Record again and say a full sentence or more")
    body = app_client.get(f"/api/answers/{answer_id}", headers=ada.headers).json()
    assert body["status"] == "failed" and "speech" in body["error"] and body["report"] is None
    with cookie_login(app_client, "ada@example.com"):  # the report page says it as a sentence
        page = app_client.get(f"/answers/{answer_id}").text
        said = re.search(r'<p class="error" role="alert">([^<]+)</p>', page).group(1)
        assert said[0].isupper() and said.endswith(".") and not said.endswith(".."), said


def test_deleting_the_account_deletes_everything(app_client, make_user):
    ada = make_user("ada@example.com")
    bob = make_user("bob@example.com")
    for user in (ada, bob):
        accepted = app_client.post("/api/answers", headers=user.headers,
                                   files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
        wait_for(app_client, accepted.json()["id"], user.headers)
    assert app_client.delete("/api/users/me", headers=ada.headers).status_code == 204
    assert app_client.get("/api/answers", headers=ada.headers).status_code == 401  # the token died with it
    assert _count(app_client, User) == 1 and _count(app_client, AuthSession) == 1
    assert _count(app_client, Answer) == 1 and _count(app_client, AnswerAudio) == 1  # bob's only
    assert len(app_client.get("/api/answers", headers=bob.headers).json()) == 1


def test_openapi_documents_the_api(app_client):
    spec = app_client.get("/openapi.json").json()
    for path in ("/api/users", "/api/login", "/api/users/me", "/api/questions", "/api/questions/random",
                 "/api/answers", "/api/answers/{answer_id}", "/api/answers/{answer_id}/audio"):
        assert path in spec["paths"], path
    assert app_client.get("/docs").status_code == 200


def test_expired_logins_are_refused_and_swept(app_client, make_user):
    import datetime as dt

    from sqlalchemy import update

    ada = make_user("ada@example.com")
    with app_client.app.state.emovoice.database.session() as session:
        session.execute(update(AuthSession).values(expires_at=dt.datetime(2020, 1, 1)))
    assert app_client.get("/api/users/me", headers=ada.headers).status_code == 401
    make_user("bob@example.com")  # any login sweeps the expired ones
    assert _count(app_client, AuthSession) == 1


def test_password_guessing_is_slowed_down(app_client, make_user):
    from emovoice.storage.accounts import MAX_FAILED_LOGINS

    make_user("ada@example.com")
    for _ in range(MAX_FAILED_LOGINS):
        wrong = app_client.post("/api/login", json={"email": "ada@example.com", "password": "guess-guess"})
        assert wrong.status_code == 401
    blocked = app_client.post("/api/login", json={"email": "ada@example.com", "password": "password123"})
    assert blocked.status_code == 429 and "too many failed logins" in blocked.json()["detail"]
    other = app_client.post("/api/login", json={"email": "nobody@example.com", "password": "password123"})
    assert other.status_code == 401  # other addresses are not affected
