"""The analysis queue, on huey.

Why huey: it is a small, well-kept task queue that runs embedded on a laptop (its
queue is an SQLite file, no server to install) and, with the same task code, on a
shared storage when several machines serve one deployment (here the deployment's
PostgreSQL database, through huey's SQL storage; Redis would do too). DBOS was the
other candidate: durable workflows are more than an analysis job needs, and its
recovery is tied to executor identities that a plain ``emovoice worker`` on
another machine does not have.

Huey forgets a task once a worker has taken it, so a job's state lives on the
answer row: ``queued`` -> ``running`` (with a heartbeat) -> ``done`` or ``failed``.
A worker that dies stops beating; :meth:`Jobs.recover`, run by every worker at
start and then periodically, puts such answers back in the queue (at most
``MAX_ATTEMPTS`` times in all, then marks them failed) and re-sends queued answers
whose task was lost. Nothing accepted is lost, nothing stays "running" forever.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
from pathlib import Path
from typing import Any, BinaryIO

from huey import Huey, MemoryHuey, SqliteHuey
from huey.consumer import Consumer
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from emovoice.analysis.analyzer import Analyzer
from emovoice.analysis.report import Report
from emovoice.audio import Limits, named_bytes
from emovoice.errors import EmovoiceError
from emovoice.features.baseline import Baseline, BaselineMismatchError
from emovoice.settings import Settings
from emovoice.storage import answers
from emovoice.storage.db import Database
from emovoice.storage.models import Answer
from emovoice.storage.voice_checks import baseline_of, current_check

log = logging.getLogger("emovoice.jobs")

MAX_ATTEMPTS = 2
"""An answer whose analysis was interrupted this many times is marked failed instead of retried."""

WORKER_NICENESS = 10
"""How much lower than the web server's the analysis threads' CPU priority is (Unix nice)."""

HEARTBEAT_S = 5.0
"""A running analysis marks its answer alive this often (or four times per ``job_stale_s``, if shorter)."""
TASK_NAME = "emovoice.analyze_answer"
INTERRUPTED = ("the analysis was interrupted {n} times (the server restarted or ran out of memory); "
               "record the answer again or upload it once more")
STALE_VOICE_CHECK = ("your voice check was made for an earlier emotion model, so this answer was not heard "
                     "against it: record the voice check again from your account page")
UNEXPECTED = "the analysis failed unexpectedly; try again, or upload the recording in another format"


def _voice_check_of(session: Session, answer_id: int) -> Baseline | None:
    """The baseline of the answer's owner's current voice check (None without one)."""
    answer = session.get(Answer, answer_id)
    check = current_check(session, answer.user_id) if answer is not None else None
    return baseline_of(check) if check is not None else None


def make_huey(settings: Settings, database_url: str) -> Huey:
    """The huey instance: ``EMOVOICE_QUEUE_URL``, else an SQLite queue beside an SQLite database,
    else the PostgreSQL database itself (huey's SQL storage)."""
    url = settings.queue_url
    if url is None:
        parsed = make_url(database_url)
        if parsed.get_backend_name() == "sqlite":
            folder = Path(parsed.database).parent if parsed.database and parsed.database != ":memory:" \
                else settings.data_dir
            url = f"sqlite:///{folder / 'queue.sqlite3'}"
        else:
            url = database_url
    if url == "memory":
        return MemoryHuey("emovoice", results=False, utc=True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "queue.sqlite3")
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("emovoice", filename=str(path), results=False, utc=True, timeout=30)
    if parsed.get_backend_name() == "postgresql":
        from huey.contrib.sql_huey import SqlHuey
        from peewee import PostgresqlDatabase

        options: dict[str, Any] = {k: v for k, v in parsed.query.items() if isinstance(v, str)}
        options.setdefault("host", parsed.host)
        options.setdefault("port", parsed.port)
        database = PostgresqlDatabase(parsed.database, user=parsed.username, password=parsed.password,
                                      **{k: v for k, v in options.items() if v is not None})
        return SqlHuey("emovoice", database=database, results=False, utc=True)
    raise EmovoiceError(f"EMOVOICE_QUEUE_URL: unsupported queue {parsed.get_backend_name()!r} "
                        "(use an sqlite:/// file, a postgresql:// database, or 'memory')")


_niced = threading.local()


def _yield_to_the_server() -> None:
    """Lower this worker thread's CPU priority (Linux: per thread; the model threads it starts inherit it),
    so that pages served by the same machine stay quick while analyses run."""
    if getattr(_niced, "done", False):
        return
    _niced.done = True
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed: normal priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """huey's consumer inside the web process: the server owns the signals.

    huey offers no public switch for this: ``Consumer.start()`` always ends by installing its
    handlers for SIGINT, SIGTERM and SIGHUP through the private ``_set_signal_handlers()``, which
    this class overrides. pyproject.toml pins huey for it, and ``tests/web/test_jobs.py`` fails if a
    huey release renames the method, changes its signature or stops calling it from ``start()``.
    """

    def _set_signal_handlers(self) -> None:
        pass


class Jobs:
    """Send answers to analysis and run the analyses.

    Parameters
    ----------
    settings : Settings
    database : Database
    analyzer : Analyzer or None
        The analyzer workers use (default: the shipped models, loaded on first job).
    """

    def __init__(self, settings: Settings, database: Database, analyzer: Analyzer | None = None) -> None:
        self.settings = settings
        self.database = database
        self.huey = make_huey(settings, database.url)
        self._analyzer = analyzer
        self._analyzer_lock = threading.Lock()
        self._task = self.huey.task(name=TASK_NAME)(self.run)
        self._stop = threading.Event()
        self._consumer: Consumer | None = None
        self._sweeper: threading.Thread | None = None

    @property
    def analyzer(self) -> Analyzer:
        with self._analyzer_lock:
            if self._analyzer is None:
                self._analyzer = Analyzer(transcriber=self.settings.whisper_model,
                                          limits=Limits(max_duration_s=self.settings.max_answer_s))
            return self._analyzer

    # --- the web side -----------------------------------------------------------------------
    def enqueue(self, answer_id: int) -> None:
        """Send a stored, queued answer to the workers."""
        self._task(answer_id)

    # --- the worker side --------------------------------------------------------------------
    def run(self, answer_id: int) -> None:
        """Analyse one answer (the task body): claim it, analyse its audio, store report or error."""
        _yield_to_the_server()
        with self.database.session() as session:
            if not answers.claim(session, answer_id):
                return  # deleted, or another worker has it
            audio = answers.audio_of(session, answer_id)
            data, filename = (audio.data, audio.filename) if audio else (b"", "")
            baseline = _voice_check_of(session, answer_id)
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(answer_id, stop), daemon=True,
                                name=f"emovoice-heartbeat-{answer_id}")
        beat.start()
        report: dict[str, Any] | None = None
        error: str | None = None
        try:
            result = self._analyze(named_bytes(data, filename or "answer"), baseline)
            report = result.to_dict()
            report["file"] = filename or None
        except EmovoiceError as exc:
            error = str(exc)
        except Exception:
            log.exception("analysis of answer %s failed", answer_id)
            error = UNEXPECTED
        finally:
            stop.set()
            beat.join()
        with self.database.session() as session:
            answers.finish(session, answer_id, report=report, error=error)

    def _analyze(self, data: BinaryIO, baseline: Baseline | None) -> Report:
        """The answer heard against the user's voice check; one made for another emotion model is
        left aside, and the report says so."""
        try:
            return self.analyzer.analyze(data, baseline=baseline)
        except BaselineMismatchError:
            data.seek(0)
            report = self.analyzer.analyze(data)
            report.source.notes.append(STALE_VOICE_CHECK)
            return report

    def _beat(self, answer_id: int, stop: threading.Event) -> None:
        interval = min(HEARTBEAT_S, self.settings.job_stale_s / 4)  # several beats fit in the stale time
        while not stop.wait(interval):
            try:
                with self.database.session() as session:
                    answers.heartbeat(session, answer_id)
            except Exception:  # a missed beat is retried; recovery waits several beats
                log.warning("heartbeat of answer %s failed", answer_id, exc_info=True)

    def recover(self) -> dict[str, int]:
        """Re-send interrupted and lost jobs; mark failed those interrupted too often."""
        stale = dt.timedelta(seconds=self.settings.job_stale_s)
        pending = {task.args[0] for task in self.huey.pending() if task.args}
        resend: list[int] = []
        failed = 0
        with self.database.session() as session:
            for answer in answers.stale_running(session, older_than=stale):
                if answer.attempts >= MAX_ATTEMPTS:
                    answers.fail(session, answer.id, INTERRUPTED.format(n=answer.attempts))
                    failed += 1
                else:
                    answers.requeue(session, answer.id)
                    resend.append(answer.id)
            resend += [a.id for a in answers.waiting(session, older_than=stale) if a.id not in pending]
        for answer_id in resend:
            self.enqueue(answer_id)
        if resend or failed:
            log.info("recovered jobs: %d sent again, %d marked failed", len(resend), failed)
        return {"resent": len(resend), "failed": failed}

    def _sweep(self) -> None:
        interval = max(1.0, self.settings.job_stale_s / 2)
        while True:
            try:
                self.recover()
            except Exception:
                log.warning("job recovery failed; trying again in %.0f s", interval, exc_info=True)
            if self._stop.wait(interval):
                return

    def start(self, workers: int) -> None:
        """Run ``workers`` analysis threads and the recovery sweep in this process (non-blocking)."""
        self._stop.clear()
        self._sweeper = threading.Thread(target=self._sweep, daemon=True, name="emovoice-recovery")
        self._sweeper.start()
        if workers > 0:
            self._consumer = _EmbeddedConsumer(self.huey, workers=workers, worker_type="thread", periodic=False,
                                               check_worker_health=False, max_delay=1.0)
            self._consumer.start()

    def stop(self) -> None:
        self._stop.set()
        if self._consumer is not None:
            self._consumer.stop(graceful=False)
            self._consumer = None

    def run_worker(self, workers: int) -> None:
        """Run a worker until interrupted (``emovoice worker``): load the models, then take jobs."""
        with contextlib.suppress(AttributeError, OSError):
            os.nice(WORKER_NICENESS)  # a web server on the same machine stays responsive
        self.analyzer.warm_up()
        self._stop.clear()
        self._sweeper = threading.Thread(target=self._sweep, daemon=True, name="emovoice-recovery")
        self._sweeper.start()
        consumer = Consumer(self.huey, workers=workers, worker_type="thread", periodic=False, max_delay=1.0)
        try:
            consumer.run()
        finally:
            self._stop.set()
