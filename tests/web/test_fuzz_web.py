"""The short, seeded version of ``bench/fuzz.py`` that CI runs: generated uploads (Hypothesis) and
malformed requests at every route, on both databases; none may get a 5xx."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from fuzz import fuzzed_routes, malformed_requests

from conftest import User

SAMPLE = (resources.files("emovoice.samples") / "answer.flac").read_bytes()
def _user(client) -> User:
    """One user per app (Hypothesis calls the test many times with the same app)."""
    if not hasattr(client.app.state, "fuzz_user"):
        client.app.state.fuzz_user = User(client, "fuzz@example.com")
    return client.app.state.fuzz_user


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(name=st.text(max_size=200), head=st.binary(max_size=64), cut=st.integers(0, len(SAMPLE)),
       kind=st.text(max_size=60), field=st.sampled_from(["question_id", "time_limit_s", "interview_id", "position"]),
       value=st.text(max_size=30))
def test_generated_uploads_get_a_4xx_or_are_accepted(app_client, name, head, cut, kind, field, value):
    data = head + SAMPLE[len(head):cut]  # a damaged head, cut anywhere
    try:
        response = app_client.post("/api/answers", headers=_user(app_client).headers,
                                   files={"audio": (name, data, kind)}, data={field: value})
    except ValueError:  # the client library refuses to send it (a NUL or newline in a header)
        assume(False)
        return
    assert response.status_code in (202, 400, 413, 422), (response.status_code, response.text[:200])


def test_malformed_requests_at_every_route_get_no_5xx(app_client):
    user = _user(app_client)
    rng = np.random.default_rng(18)
    routes = fuzzed_routes(app_client.app)
    requests = malformed_requests(rng, routes)
    server_errors = []
    for _ in range(3 * len(routes)):
        method, url, options = next(requests)
        headers = {**user.headers, **options.pop("headers", {})}
        try:
            response = app_client.request(method, url, headers=headers, follow_redirects=False, **options)
        except ValueError:
            continue
        if response.status_code >= 500:
            server_errors.append((method, url[:80], response.status_code))
    assert server_errors == []
    assert app_client.get("/login").status_code == 200  # still serving (the user may have deleted itself)


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
