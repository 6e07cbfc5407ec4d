"""Analysis jobs survive restarts: nothing accepted is lost, nothing stays "running" forever."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile as sf
from fastapi.testclient import TestClient
from sqlalchemy import update

from conftest import wait_for
from emovoice.jobs.queue import MAX_ATTEMPTS, Jobs
from emovoice.storage import answers as store
from emovoice.storage.accounts import create_user
from emovoice.storage.db import Database
from emovoice.storage.models import Answer, utcnow

SAMPLE = Path(str(resources.files("emovoice.samples") / "answer.flac"))


def _long_answer(tmp_path: Path) -> bytes:
    wave, rate = sf.read(SAMPLE, dtype="float32")
    path = tmp_path / "long.flac"
    sf.write(path, np.concatenate([wave] * 4), rate)  # ~38 s: the analysis takes a few seconds
    return path.read_bytes()


def _status(database: Database, answer_id: int) -> Answer:
    with database.session() as session:
        answer = session.get(Answer, answer_id)
        assert answer is not None
        session.expunge(answer)
        return answer


def _wait(database: Database, answer_id: int, statuses: tuple[str, ...], timeout: float) -> Answer:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = _status(database, answer_id)
        if answer.status in statuses:
            return answer
        time.sleep(0.05)
    raise AssertionError(f"answer {answer_id} is {answer.status}, not {statuses}, after {timeout} s")


def test_a_worker_killed_mid_analysis_is_replaced_and_the_answer_finished(settings, tmp_path):
    settings = settings.model_copy(update={"job_stale_s": 3.0})
    database = Database(settings.resolved_database_url())
    database.migrate()
    with database.session() as session:
        user = create_user(session, "ada@example.com", "password123")
        answer_id = store.create_answer(session, user_id=user.id, question_id=None, audio=_long_answer(tmp_path),
                                        content_type="audio/flac", filename="long.flac").id
    Jobs(settings, database).enqueue(answer_id)

    env = {**os.environ, "EMOVOICE_DATA_DIR": str(settings.data_dir), "EMOVOICE_JOB_STALE_S": "3",
           "EMOVOICE_DATABASE_URL": settings.resolved_database_url()}
    command = [sys.executable, "-m", "emovoice", "worker"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        running = _wait(database, answer_id, ("running", "done", "failed"), timeout=120)
        assert running.status == "running", "the analysis ended before the worker could be killed"
        first.send_signal(signal.SIGKILL)  # no goodbye: as a crash or a power cut
        first.wait(10)
    finally:
        first.kill()
    assert _status(database, answer_id).status == "running"  # the dead worker left it so

    second = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        done = _wait(database, answer_id, ("done", "failed"), timeout=180)
    finally:
        second.send_signal(signal.SIGINT)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()
    assert done.status == "done", done.error
    assert done.attempts == 2 and done.report_json
    database.dispose()


def test_an_answer_accepted_before_a_restart_is_analysed_after_it(settings, analyzer):
    from emovoice.web.app import create_app

    with TestClient(create_app(settings, analyzer=analyzer, workers=0)) as client:  # accepts, analyses nothing
        client.post("/api/users", json={"email": "ada@example.com", "password": "password123"})
        token = client.post("/api/login", json={"email": "ada@example.com", "password": "password123"}).json()["token"]
        client.cookies.clear()
        headers = {"Authorization": f"Bearer {token}"}
        accepted = client.post("/api/answers", headers=headers, files={"audio": ("a.flac", SAMPLE.read_bytes())})
        assert accepted.status_code == 202
        time.sleep(1)
        assert client.get(f"/api/answers/{accepted.json()['id']}", headers=headers).json()["status"] == "queued"
    with TestClient(create_app(settings, analyzer=analyzer, workers=1)) as client:  # the app comes back
        assert wait_for(client, accepted.json()["id"], headers)["status"] == "done"


def test_recovery_resends_lost_jobs_and_gives_up_on_repeated_interruptions(settings, analyzer):
    settings = settings.model_copy(update={"job_stale_s": 1.0})
    database = Database(settings.resolved_database_url())
    database.migrate()
    jobs = Jobs(settings, database, analyzer)
    old = utcnow() - dt.timedelta(seconds=30)
    with database.session() as session:
        user = create_user(session, "ada@example.com", "password123")
        ids = [store.create_answer(session, user_id=user.id, question_id=None, audio=SAMPLE.read_bytes(),
                                   content_type="audio/flac", filename="a.flac").id for _ in range(3)]
        lost, interrupted, hopeless = ids
        session.execute(update(Answer).where(Answer.id == lost).values(queued_at=old))  # its task never reached huey
        session.execute(update(Answer).where(Answer.id == interrupted)
                        .values(status="running", heartbeat_at=old, attempts=1))
        session.execute(update(Answer).where(Answer.id == hopeless)
                        .values(status="running", heartbeat_at=old, attempts=MAX_ATTEMPTS))
    assert jobs.recover() == {"resent": 2, "failed": 1}
    assert sorted(task.args[0] for task in jobs.huey.pending()) == sorted([lost, interrupted])
    failed = _status(database, hopeless)
    assert failed.status == "failed" and "interrupted" in failed.error
    assert _status(database, interrupted).status == "queued"
    assert jobs.recover() == {"resent": 0, "failed": 0}  # nothing twice
    jobs.start(1)
    try:
        for answer_id in (lost, interrupted):
            assert _wait(database, answer_id, ("done", "failed"), timeout=120).status == "done"
    finally:
        jobs.stop()
        database.dispose()


def test_the_embedded_consumer_leaves_the_servers_signal_handlers_alone():
    """huey has no public way to start a consumer without taking over SIGINT, SIGTERM and SIGHUP:
    ``Consumer.start()`` always ends with the private ``_set_signal_handlers()``, which the consumer
    inside the web server overrides (pyproject.toml pins huey for it). This fails when a huey
    release renames that method, changes its signature or stops calling it from ``start()``."""
    import inspect

    from huey import MemoryHuey
    from huey.consumer import Consumer

    from emovoice.jobs.queue import _EmbeddedConsumer

    assert list(inspect.signature(Consumer._set_signal_handlers).parameters) == ["self"]
    assert list(inspect.signature(_EmbeddedConsumer._set_signal_handlers).parameters) == ["self"]
    assert "self._set_signal_handlers()" in inspect.getsource(Consumer.start)
    watched = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    before = {s: signal.getsignal(s) for s in watched}
    try:
        for kind, takes_over in ((Consumer, True), (_EmbeddedConsumer, False)):
            consumer = kind(MemoryHuey("signals", results=False), workers=1, worker_type="thread", periodic=False,
                            check_worker_health=False)
            consumer.start()
            consumer.stop()
            changed = {s: signal.getsignal(s) for s in watched} != before
            for s, handler in before.items():
                signal.signal(s, handler)
            assert changed is takes_over, kind  # huey's own consumer takes the signals; the embedded one does not
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
