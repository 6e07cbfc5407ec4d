"""Web fixtures: the app over a real SQLite file and over a real PostgreSQL server started for the tests."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from emovoice.analysis.analyzer import Analyzer
from emovoice.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server (Debian's ``postgresql``) for the session; yields its URL template."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(postgres.throwaway_server())
        except FileNotFoundError as exc:
            pytest.fail(str(exc))
        yield url


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    """One analyzer with the shipped models for every app in the session (loaded once)."""
    return Analyzer()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    url = None
    if backend == "postgresql":
        url = postgres.create_database(request.getfixturevalue("postgres_server"))
    return Settings(data_dir=tmp_path / "data", cache_dir=tmp_path / "cache", database_url=url, workers=1,
                    job_stale_s=60)


@pytest.fixture
def app_client(settings: Settings, analyzer: Analyzer) -> Iterator[TestClient]:
    from emovoice.web.app import create_app

    app = create_app(settings, analyzer=analyzer)
    with TestClient(app, base_url="http://testserver") as client:
        yield client


class User:
    """A signed-up user of the test app, with a Bearer token and a cookie-carrying client."""

    def __init__(self, client: TestClient, email: str, password: str = "password123") -> None:
        self.email, self.password = email, password
        response = client.post("/api/users", json={"email": email, "password": password})
        assert response.status_code == 201, response.text
        login = client.post("/api/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        self.token = login.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}
        client.cookies.clear()


@pytest.fixture
def make_user(app_client: TestClient):
    def make(email: str) -> User:
        return User(app_client, email)
    return make


def wait_for(client: TestClient, answer_id: int, headers: dict[str, str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/answers/{answer_id}", headers=headers).json()
        if body["status"] in ("done", "failed"):
            return dict(body)
        time.sleep(0.2)
    raise AssertionError(f"answer {answer_id} still {body['status']} after {timeout} s")


@contextlib.contextmanager
def cookie_login(client: TestClient, email: str, password: str = "password123") -> Iterator[str]:
    """Log in through the page form (as a browser does); yields the CSRF token the pages carry."""
    client.cookies.clear()
    client.get("/login")
    csrf = client.cookies.get("emovoice_csrf")
    assert csrf
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    try:
        yield csrf
    finally:
        client.cookies.clear()


def all_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every HTTP route, with included routers flattened."""
    found = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        items = list(contexts() if callable(contexts) else contexts) if contexts is not None else [route]
        for item in items:
            path = getattr(item, "path", None)
            for method in sorted(getattr(item, "methods", None) or ()):
                if path and method != "HEAD":
                    found.append((method, path))
    return found
