"""The voice check: recorded through the API and the pages, checked, used for every later answer,
exported, and deleted for good (with the account, too) on both databases."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import cookie_login, wait_for
from emovoice.audio import load_audio

ACTOR = "Actor_03"  # any real voice will do: these tests check the plumbing, not accuracy


def _wav(samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    sf.write(out, samples, 16_000, format="WAV", subtype="PCM_16")
    return out.getvalue()


@pytest.fixture(scope="module")
def voice(ravdess_root: Path) -> dict[str, bytes]:
    """One actor's plain (neutral and calm, normal intensity) clips joined: about 19 s of a real voice,
    one clip of theirs alone (too short for a check), and another clip of theirs as an answer."""
    plain = sorted((ravdess_root / ACTOR).glob("03-01-0[12]-01-*.flac"))
    joined = np.concatenate([load_audio(path).samples for path in plain])
    answer = load_audio(ravdess_root / ACTOR / f"03-01-03-01-01-01-{ACTOR[-2:]}.flac").samples
    return {"check": _wav(joined), "short": _wav(load_audio(plain[0]).samples), "answer": _wav(np.tile(answer, 3)),
            "another": _wav(joined[: joined.size * 3 // 4])}


def _put(client, user, data: bytes, name: str = "check.wav"):
    return client.put("/api/me/voice-check", headers=user.headers, files={"audio": (name, data, "audio/wav")})


def _answer(client, user, data: bytes) -> dict:
    accepted = client.post("/api/answers", headers=user.headers, files={"audio": ("answer.wav", data, "audio/wav")})
    assert accepted.status_code == 202, accepted.text
    body = wait_for(client, accepted.json()["id"], user.headers)
    assert body["status"] == "done", body
    return body


def test_every_answer_is_heard_against_the_current_voice_check(app_client, make_user, voice):
    user = make_user("vera@example.com")
    missing = app_client.get("/api/me/voice-check", headers=user.headers)
    assert missing.status_code == 404 and "no voice check" in missing.json()["detail"]
    before = _answer(app_client, user, voice["answer"])["report"]
    assert before["baseline"] is None and before["reference"] == "population"

    short = _put(app_client, user, voice["short"])
    assert short.status_code == 422 and "too short" in short.json()["detail"], short.text
    silent = _put(app_client, user, _wav(np.zeros(16_000 * 12, dtype=np.float32)))
    assert silent.status_code == 422 and "silent" in silent.json()["detail"], silent.text
    assert app_client.get("/api/me/voice-check", headers=user.headers).status_code == 404  # nothing kept

    saved = _put(app_client, user, voice["check"])
    assert saved.status_code == 200, saved.text
    held = saved.json()
    assert 18 < held["duration_s"] < 20 and held["speech_s"] >= 4 and held["baseline"]["kind"] == "speaker"
    assert app_client.get("/api/me/voice-check", headers=user.headers).json() == held
    played = app_client.get("/api/me/voice-check/audio", headers=user.headers)
    assert played.status_code == 200 and played.content == voice["check"]

    report = _answer(app_client, user, voice["answer"])["report"]
    assert report["reference"] == "speaker"
    assert report["baseline"] == held["baseline"]  # the report carries the baseline it was heard against
    assert report["probabilities"] != before["probabilities"]

    assert app_client.delete("/api/me/voice-check", headers=user.headers).status_code == 204
    assert app_client.get("/api/me/voice-check", headers=user.headers).status_code == 404
    after = _answer(app_client, user, voice["answer"])["report"]
    assert after["baseline"] is None and after["reference"] == "population"
    other = make_user("otto@example.com")  # one user's check is never another's
    assert app_client.get("/api/me/voice-check", headers=other.headers).status_code == 404


def test_the_voice_check_is_exported_and_deleted_with_the_account(app_client, make_user, voice):
    user = make_user("wanda@example.com")
    assert _put(app_client, user, voice["check"]).status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(app_client.get("/api/me/export", headers=user.headers).content))
    listed = json.loads(archive.read("emovoice-export.json"))["voice_check"]
    assert archive.read(listed["audio"]) == voice["check"]
    assert listed["baseline"]["features_f32_base64"] and listed["speech_s"] >= 4
    assert app_client.delete("/api/users/me", headers=user.headers).status_code == 204
    with app_client.app.state.emovoice.database.session() as session:
        from sqlalchemy import func, select

        from emovoice.storage.models import VoiceCheck

        assert session.scalar(select(func.count()).select_from(VoiceCheck)) == 0


def test_the_pages_offer_the_voice_check_and_the_report_names_no_emotion_without_one(app_client, make_user, voice):
    client = app_client
    client.get("/signup")
    csrf = client.cookies.get("emovoice_csrf")
    signed = client.post("/signup", data={"email": "page@example.com", "password": "password123",
                                          "password_again": "password123", "csrf_token": csrf},
                         follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/voice-check?welcome=1"
    client.cookies.clear()
    user = make_user("pia@example.com")
    with cookie_login(client, user.email) as csrf:
        page = client.get("/voice-check").text
        assert "The train to the city" in page and "Skip for now" in page
        plain = _answer(client, user, voice["answer"])
        report = client.get(f"/answers/{plain['id']}").text
        assert "No emotion is named" in report and 'href="/voice-check"' in report
        assert "sounded mostly" not in report and "may have sounded" not in report
        assert "Your words were" in report and "words +" not in report  # sentiment in plain words
        assert '<details id="units">' in report and "<dt>dBFS</dt>" in report  # the units in plain words
        account = client.get("/account").text
        assert "You have no voice check" in account

        saved = client.put("/api/me/voice-check", headers={"X-CSRF-Token": csrf},
                           files={"audio": ("check.wav", voice["check"], "audio/wav")})
        assert saved.status_code == 200, saved.text
        quiet = saved.json()["level_dbfs"]
        assert quiet < -35 and 'id="quiet-check"' in client.get("/voice-check").text  # RAVDESS: about -39 dBFS
        louder = _wav(np.clip(sf.read(io.BytesIO(voice["check"]), dtype="float32")[0] * 4, -1, 1))  # +12 dB
        assert client.put("/api/me/voice-check", headers={"X-CSRF-Token": csrf},
                          files={"audio": ("check.wav", louder, "audio/wav")}).json()["level_dbfs"] > -35
        assert 'id="quiet-check"' not in client.get("/voice-check").text
        heard = _answer(client, user, voice["answer"])
        report = client.get(f"/answers/{heard['id']}").text
        assert "Heard against your voice check of" in report and "No emotion is named" not in report
        assert "Record it again" in client.get("/account").text
        redone = client.put("/api/me/voice-check", headers={"X-CSRF-Token": csrf},
                            files={"audio": ("again.wav", voice["another"], "audio/wav")})
        assert redone.status_code == 200
        report = client.get(f"/answers/{heard['id']}").text
        assert "Heard against your voice check of" in report and "new voice check since" in report
        deleted = client.post("/voice-check/delete", data={"csrf_token": csrf}, follow_redirects=False)
        assert deleted.status_code == 303
        assert "You have no voice check" in client.get("/account").text
        report = client.get(f"/answers/{heard['id']}").text  # the old report keeps its reading, and says so
        assert "Heard against your voice check of" in report and "has been deleted since" in report


def _files_holding(folder: Path, needle: bytes) -> list[str]:
    return sorted(str(p.name) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes())


def test_deleted_means_gone_from_the_database_files(app_client, make_user, voice, backend, settings):
    if backend != "sqlite":
        pytest.skip("the database files are SQLite's; PostgreSQL's are the server's")
    user = make_user("gone@example.com")
    answer = _answer(app_client, user, voice["answer"])
    assert _put(app_client, user, voice["check"]).status_code == 200
    answer_bytes, check_bytes = voice["answer"][20_000:20_256], voice["check"][90_000:90_256]
    assert _files_holding(settings.data_dir, answer_bytes) and _files_holding(settings.data_dir, check_bytes)

    assert app_client.delete(f"/api/answers/{answer['id']}", headers=user.headers).status_code == 204
    assert _files_holding(settings.data_dir, answer_bytes) == []  # not in the file, not in the write-ahead log
    assert app_client.delete("/api/me/voice-check", headers=user.headers).status_code == 204
    assert _files_holding(settings.data_dir, check_bytes) == []

    assert app_client.post("/api/login", json={"email": user.email, "password": "wrong-password"}).status_code == 401
    assert _put(app_client, user, voice["check"]).status_code == 200
    assert app_client.delete("/api/users/me", headers=user.headers).status_code == 204
    assert _files_holding(settings.data_dir, check_bytes) == []
    assert _files_holding(settings.data_dir, user.email.encode()) == []  # the login-failure records too
