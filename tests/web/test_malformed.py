"""Malformed and hostile requests on both databases: each gets a 4xx with a clear message, never a
5xx, and an upload the check accepts is one the worker can analyse."""

from __future__ import annotations

import io
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from conftest import all_routes, cookie_login, wait_for

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))
HUGE_IDS = (2**31, 2**63, 10**30)


def _float_wav(value: float) -> bytes:
    wave = np.random.default_rng(1).normal(0, 0.1, 32_000).astype(np.float32)
    wave[5_000:5_050] = value
    out = io.BytesIO()
    sf.write(out, wave, 16_000, format="WAV", subtype="FLOAT")
    return out.getvalue()


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_a_float_wav_with_non_numbers_is_refused_at_once(app_client, make_user, value):
    user = make_user("nan@example.com")
    refused = app_client.post("/api/answers", headers=user.headers,
                              files={"audio": ("nan.wav", _float_wav(value), "audio/wav")})
    assert refused.status_code == 422 and "not numbers" in refused.json()["detail"], refused.text
    check = app_client.put("/api/me/voice-check", headers=user.headers,
                           files={"audio": ("nan.wav", _float_wav(value), "audio/wav")})
    assert check.status_code == 422
    assert app_client.get("/api/answers", headers=user.headers).status_code == 200  # the service carries on


def test_ids_past_the_databases_range_are_4xx_on_every_route(app_client, make_user):
    user = make_user("ids@example.com")
    routes = [(m, p) for m, p in all_routes(app_client.app) if "{answer_id}" in p or "{interview_id}" in p]
    assert len(routes) >= 11
    with cookie_login(app_client, user.email) as csrf:
        for method, path in routes:
            for big in HUGE_IDS:
                url = path.replace("{answer_id}", str(big)).replace("{interview_id}", str(big))
                response = app_client.request(method, url, headers={"X-CSRF-Token": csrf}, follow_redirects=False,
                                              data={"csrf_token": csrf} if method == "POST" else None)
                assert 400 <= response.status_code < 500, (method, url, response.status_code)
        for big in HUGE_IDS:
            page = app_client.get("/practice", params={"question_id": big})
            assert 400 <= page.status_code < 500, (big, page.status_code)
            for field in ("question_id", "interview_id"):
                upload = app_client.post("/api/answers", headers={"X-CSRF-Token": csrf},
                                         data={field: str(big), "position": "1"},
                                         files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
                assert upload.status_code == 422, (field, big, upload.text)


def test_nul_characters_are_refused_alike_on_both_databases(app_client, make_user):
    signed = app_client.post("/api/users", json={"email": "a\u0000b@e.co", "password": "password123"})
    assert signed.status_code == 422 and "valid e-mail" in signed.json()["detail"]
    login = app_client.post("/api/login", json={"email": "a\u0000b@e.co", "password": "password123"})
    assert login.status_code == 401
    app_client.get("/signup")
    csrf = app_client.cookies.get("emovoice_csrf")
    page = app_client.post("/signup", data={"email": "a\u0000b@e.co", "password": "password123",
                                            "password_again": "password123", "csrf_token": csrf})
    assert page.status_code == 422
    user = make_user("nul@example.com")
    boundary = "emovoice-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a\x00b/../..\\evil.flac\"\r\n"
            f"Content-Type: audio/fl\x00ac\r\n\r\n").encode() + SAMPLE.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    odd = app_client.post("/api/answers", content=body,  # raw bytes: a client library refuses to send a NUL
                          headers={**user.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert odd.status_code == 202, odd.text
    done = wait_for(app_client, odd.json()["id"], user.headers)
    assert done["status"] == "done"
    served = app_client.get(f"/api/answers/{done['id']}/audio", headers=user.headers)
    assert served.headers["content-type"] == "audio/flac"  # from the name; the odd type is never stored


def test_an_upload_the_check_accepts_is_one_the_worker_analyses(app_client, make_user):
    user = make_user("flac@example.com")
    damaged = bytearray(SAMPLE.read_bytes())
    damaged[:16] = bytes(16)  # the FLAC header's first bytes overwritten: decodable with its name's hint
    accepted = app_client.post("/api/answers", headers=user.headers,
                               files={"audio": ("x.flac", bytes(damaged), "application/octet-stream")})
    assert accepted.status_code == 202, accepted.text
    assert wait_for(app_client, accepted.json()["id"], user.headers)["status"] == "done"
    unnamed = app_client.post("/api/answers", headers=user.headers,
                              files={"audio": ("x.bin", bytes(damaged), "application/octet-stream")})
    assert unnamed.status_code == 422  # without the hint it is refused at once, not accepted and failed


def test_a_stranger_guessing_a_password_cannot_lock_its_owner_out(app_client, make_user):
    from emovoice.storage.accounts import MAX_FAILED_LOGINS

    make_user("owner@example.com")
    owner = app_client.post("/api/login", json={"email": "owner@example.com", "password": "password123"})
    device = owner.cookies.get("emovoice_device")
    assert device, owner.headers  # the owner's browser is remembered
    app_client.cookies.clear()
    for _ in range(MAX_FAILED_LOGINS + 2):  # a stranger, from a browser never used to log in
        guess = app_client.post("/api/login", json={"email": "owner@example.com", "password": "guess-guess"})
        assert guess.status_code in (401, 429)
    assert guess.status_code == 429  # the stranger is slowed down...
    app_client.cookies.clear()
    app_client.cookies.set("emovoice_device", device)
    again = app_client.post("/api/login", json={"email": "owner@example.com", "password": "password123"})
    assert again.status_code == 200, again.text  # ...the owner on their browser is not
    app_client.cookies.clear()
    app_client.cookies.set("emovoice_device", "forged-" + device[:20])
    forged = app_client.post("/api/login", json={"email": "owner@example.com", "password": "password123"})
    assert forged.status_code == 429  # a made-up device cookie counts as any stranger's browser


def _tcp_buffer_max(name: str) -> int:
    """The largest TCP buffer the kernel gives a socket (``tcp_rmem`` or ``tcp_wmem``; 8 MB when unknown)."""
    try:
        return int(Path(f"/proc/sys/net/ipv4/{name}").read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return 8_000_000


def test_a_chunked_upload_past_the_limit_is_stopped_while_it_streams(tmp_path):
    """A large upload with no Content-Length was read whole before the 413; against the real server,
    the answer comes once the body passes the limit, while the client is still sending."""
    import select
    import socket
    import urllib.parse

    import browser as harness  # tools/, on the path through conftest

    data = tmp_path / "data"
    data.mkdir()
    with harness.running_app(data, env={"EMOVOICE_MAX_UPLOAD_MB": "1"}, workers=0) as url:
        address = urllib.parse.urlsplit(url)
        with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
            connection.sendall(b"POST /api/answers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                               b"Content-Type: multipart/form-data; boundary=b\r\n\r\n")
            head = b'--b\r\nContent-Disposition: form-data; name="audio"; filename="big.wav"\r\n\r\n'
            connection.sendall(b"%x\r\n%s\r\n" % (len(head), head))
            chunk = bytes(65_536)
            sent, answer = 0, b""
            # what the kernel may hold between the client and the server without the server reading it
            in_flight = _tcp_buffer_max("tcp_rmem") + _tcp_buffer_max("tcp_wmem")
            bound = 2_000_000 + in_flight  # the 1 MB limit and its slack, read; the buffers, full
            total = max(60_000_000, 2 * bound)  # a server that read it all would be far past the bound
            while sent < total:
                try:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                except OSError:
                    break  # the server closed the connection after answering
                sent += len(chunk)
                if select.select([connection], [], [], 0)[0]:
                    break
            connection.settimeout(10)
            try:
                while b"\r\n\r\n" not in answer and (piece := connection.recv(65_536)):
                    answer += piece
            except OSError:
                pass
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < bound, (sent, bound)  # answered after about the limit, not after the whole body


def test_a_file_part_without_a_file_name_is_told_in_words(app_client, make_user):
    user = make_user("nameless@example.com")
    body = (b"--b\r\nContent-Disposition: form-data; name=\"audio\"\r\n"  # no filename: a text field
            b"Content-Type: audio/flac\r\n\r\n" + SAMPLE.read_bytes() + b"\r\n--b--\r\n")
    response = app_client.post("/api/answers", content=body,
                               headers={**user.headers, "Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 422 and "with a file name" in response.json()["detail"], response.text
    assert "UploadFile" not in response.json()["detail"]


def test_pages_with_personal_data_are_not_kept_by_caches(app_client, make_user):
    user = make_user("cache@example.com")
    with cookie_login(app_client, user.email):
        for path in ("/", "/history", "/account", "/voice-check", "/practice"):
            response = app_client.get(path)
            assert response.headers["cache-control"] == "private, no-store", path


def test_overload_is_answered_with_503_and_retry_after(settings, analyzer):
    from fastapi.testclient import TestClient

    from conftest import User
    from emovoice.web.app import create_app

    crowded = settings.model_copy(update={"max_queued": 2})
    with TestClient(create_app(crowded, analyzer=analyzer, workers=0)) as client:  # no analyser takes them
        user = User(client, "busy@example.com")
        codes = [client.post("/api/answers", headers=user.headers,
                             files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")}) for _ in range(4)]
        assert [r.status_code for r in codes] == [202, 202, 503, 503]
        assert codes[-1].headers["retry-after"] == "60" and "busy" in codes[-1].json()["detail"]
        assert len(client.get("/api/answers", headers=user.headers).json()) == 2  # nothing extra stored


def test_a_csrf_token_in_any_unicode_is_a_403(app_client):
    app_client.get("/signup")
    response = app_client.post("/signup", data={"email": "a@e.co", "password": "password123",
                                                "password_again": "password123", "csrf_token": "🎤" * 20})
    assert response.status_code == 403  # it was a 500: compare_digest refuses non-ASCII strings


def test_a_mistyped_address_and_a_forms_address_opened_again_are_pages(app_client, make_user):
    """'/nonexistent' showed {"detail":"Not Found"}; '/account/delete' opened again, {"detail":"Method Not Allowed"}."""
    user = make_user("lost@example.com")
    with cookie_login(app_client, user.email):
        missing = app_client.get("/nonexistent")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
        assert "There is no page at this address." in missing.text
        for form, page in (("/account/delete", "/account"), ("/logout", "/"), ("/voice-check/delete", "/voice-check")):
            again = app_client.get(form, follow_redirects=False)
            assert again.status_code == 303 and again.headers["location"] == page, (form, again.status_code)
        # an id that cannot be one read "Answer_id: Input should be a valid integer, unable to parse string..."
        for address, thing in (("/answers/abc", "answer"), ("/answers/0/compare", "answer"),
                               ("/interviews/99999999999999999999", "interview")):
            bad = app_client.get(address)
            assert bad.status_code == 404 and f"No such {thing}." in bad.text, (address, bad.status_code)
            assert "Input should be" not in bad.text
    api = app_client.get("/api/nonexistent")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}  # the API stays JSON
    assert app_client.get("/api/answers/abc", headers=user.headers).status_code == 422  # and says what was wrong
