"""Walk every page and endpoint that names an answer as a second user and as a visitor:
no one reads, changes or deletes another's answers. CSRF guards cookie-borne requests."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from conftest import all_routes, cookie_login, wait_for

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))


@pytest.fixture
def ada_answer(app_client, make_user):
    ada = make_user("ada@example.com")
    accepted = app_client.post("/api/answers", headers=ada.headers, data={"question_id": "1"},
                               files={"audio": ("answer.flac", SAMPLE.read_bytes(), "audio/flac")})
    body = wait_for(app_client, accepted.json()["id"], ada.headers)
    assert body["status"] == "done"
    return ada, body


def _owned_routes(app) -> list[tuple[str, str]]:
    return [(method, path) for method, path in all_routes(app) if "{answer_id}" in path or "{interview_id}" in path]


def test_another_user_and_a_visitor_cannot_reach_an_answer(app_client, make_user, ada_answer):
    ada, body = ada_answer
    bob = make_user("bob@example.com")
    interview = app_client.post("/api/interviews", headers=ada.headers, json={"questions": 2}).json()
    routes = _owned_routes(app_client.app)
    assert {("GET", "/api/answers/{answer_id}"), ("GET", "/api/answers/{answer_id}/audio"),
            ("GET", "/api/answers/{answer_id}/comparison"), ("DELETE", "/api/answers/{answer_id}"),
            ("GET", "/answers/{answer_id}"), ("GET", "/answers/{answer_id}/compare"),
            ("POST", "/answers/{answer_id}/delete"), ("GET", "/api/interviews/{interview_id}"),
            ("DELETE", "/api/interviews/{interview_id}"), ("GET", "/interviews/{interview_id}"),
            ("POST", "/interviews/{interview_id}/delete")} <= set(routes)
    secret_words = [w["text"] for w in body["report"]["transcript"]["words"]][:3]

    for method, path in routes:
        url = path.replace("{answer_id}", str(body["id"])).replace("{interview_id}", str(interview["id"]))
        is_api = path.startswith("/api/")
        # bob by token (API) and by cookie (pages, with a valid CSRF token)
        if is_api:
            response = app_client.request(method, url, headers=bob.headers)
        else:
            with cookie_login(app_client, bob.email) as csrf:
                response = app_client.request(method, url, data={"csrf_token": csrf} if method == "POST" else None,
                                              follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
        assert not any(word in response.text for word in secret_words if len(word) > 4)
        # a visitor
        app_client.cookies.clear()
        response = app_client.request(method, url, follow_redirects=False)
        if is_api:
            assert response.status_code in (401, 403), (method, path)
        else:
            assert response.status_code in (303, 403), (method, path)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login")

    assert [a["id"] for a in app_client.get("/api/answers", headers=bob.headers).json()] == []
    assert app_client.get("/api/interviews", headers=bob.headers).json() == []
    foreign = app_client.post("/api/answers", headers=bob.headers,
                              data={"interview_id": interview["id"], "position": 1},
                              files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
    assert foreign.status_code == 422  # bob cannot answer into ada's interview
    assert app_client.get(f"/api/interviews/{interview['id']}", headers=ada.headers).status_code == 200
    still = app_client.get(f"/api/answers/{body['id']}", headers=ada.headers)
    assert still.status_code == 200 and still.json()["report"] == body["report"]
    assert app_client.get(f"/api/answers/{body['id']}/audio", headers=ada.headers).content == SAMPLE.read_bytes()


def test_every_api_route_but_sign_up_login_and_questions_needs_a_login(app_client):
    open_routes = {"/api/users", "/api/login", "/api/logout", "/api/questions", "/api/questions/random"}
    api = [(m, p) for m, p in all_routes(app_client.app) if p.startswith("/api/") and p not in open_routes]
    assert len(api) >= 6
    for method, path in api:
        url = path.replace("{answer_id}", "1").replace("{interview_id}", "1")
        assert app_client.request(method, url).status_code == 401, (method, path)


def test_pages_need_a_login(app_client):
    for page in ("/practice", "/answers", "/account", "/answers/1"):
        response = app_client.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), page


def test_cookie_requests_need_the_csrf_token(app_client, ada_answer):
    ada, body = ada_answer
    with cookie_login(app_client, ada.email) as csrf:
        url = f"/api/answers/{body['id']}"
        assert app_client.delete(url).status_code == 403
        assert app_client.delete(url, headers={"X-CSRF-Token": "forged"}).status_code == 403
        upload = app_client.post("/api/answers", files={"audio": ("a.flac", SAMPLE.read_bytes(), "audio/flac")})
        assert upload.status_code == 403
        assert app_client.post("/logout", data={}, follow_redirects=False).status_code == 403
        assert app_client.post(f"/answers/{body['id']}/delete", data={"csrf_token": "forged"}).status_code == 403
        assert app_client.get(url).status_code == 200  # reading needs no token
        assert app_client.delete(url, headers={"X-CSRF-Token": csrf}).status_code == 204
    # a form posted from elsewhere without the cookie's token cannot log anyone in either
    app_client.cookies.clear()
    response = app_client.post("/login", data={"email": ada.email, "password": ada.password}, follow_redirects=False)
    assert response.status_code == 403
