"""Migrations: a database made by an older emovoice is brought up to date, its data kept."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from emovoice.storage.comparison import backfill
from emovoice.storage.db import MIGRATIONS, Database
from emovoice.storage.models import Answer, Base

REPORT = Path(__file__).parents[1] / "data" / "report.json"


def test_migrating_an_old_database_keeps_and_summarises_its_answers(settings):
    database = Database(settings.resolved_database_url())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")  # the first release's schema
        connection.execute(sa.text("INSERT INTO users (id, email, password_hash, created_at) "
                                   "VALUES (1, 'a@example.com', 'x', CURRENT_TIMESTAMP)"))
        report = json.loads(REPORT.read_text())  # a whole report, as 0001 stored them
        report.update(schema_version="1.1", duration_s=9.5, emotion="calm")
        report["pace"]["wpm"], report["fillers"]["count"] = 131.0, 2
        connection.execute(sa.text(
            "INSERT INTO answers (id, user_id, created_at, status, report_json, audio_bytes, attempts, queued_at) "
            "VALUES (1, 1, CURRENT_TIMESTAMP, 'done', :report, 0, 1, CURRENT_TIMESTAMP)"),
            {"report": json.dumps(report)})
    database.migrate()  # what the app does at start
    with database.engine.connect() as connection:
        row = connection.execute(sa.text("SELECT duration_s, emotion, wpm, filler_count, report_json FROM answers"))\
            .one()
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
    # the emotion leaves the list's columns: an answer from before voice checks was heard against actors
    assert tuple(row[:4]) == (9.5, None, 131.0, 2) and json.loads(row[4]) == report
    assert version == ScriptDirectory.from_config(config).get_current_head()
    database.migrate()  # again: nothing to do, nothing breaks
    with database.session() as session:  # what the app does next: count old answers in the comparisons
        assert backfill(session) == 1
        answer = session.get(Answer, 1)
        assert json.loads(answer.figures_json)["wpm"] == 131.0 and json.loads(answer.counted_scopes) == ["all"]
        assert backfill(session) == 0
    database.dispose()


def test_the_migrations_build_exactly_the_models_tables(settings):
    database = Database(settings.resolved_database_url())
    database.migrate()
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.dispose()


def test_emotion_shares_counted_before_0008_are_taken_out_and_the_answers_counted_again(settings):
    """Before 0008, an answer heard against the actors' voices had its emotion shares counted in the
    comparisons; after it, the app's start counts every answer again, by the current rule."""
    from emovoice.storage.models import FigureTotal

    database = Database(settings.resolved_database_url())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    report = json.loads(REPORT.read_text())  # heard against the actors' voices (no voice check)
    assert report["reference"] == "population"
    old_figures = {"wpm": report["pace"]["wpm"], **{f"emotion_{e}": p for e, p in report["probabilities"].items()}}
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0007")
        connection.execute(sa.text("INSERT INTO users (id, email, password_hash, created_at) "
                                   "VALUES (1, 'a@example.com', 'x', CURRENT_TIMESTAMP)"))
        connection.execute(sa.text(
            "INSERT INTO answers (id, user_id, created_at, status, report_json, audio_bytes, attempts, queued_at, "
            "figures_json, counted_scopes) VALUES (1, 1, CURRENT_TIMESTAMP, 'done', :report, 0, 1, "
            "CURRENT_TIMESTAMP, :figures, '[\"all\"]')"), {"report": json.dumps(report),
                                                          "figures": json.dumps(old_figures)})
        for key, value in old_figures.items():
            connection.execute(sa.text("INSERT INTO figure_totals (scope, figure, n, total) VALUES ('all', :k, 1, :v)"),
                               {"k": key, "v": value})
    database.migrate()
    with database.session() as session:
        assert session.scalars(sa.select(FigureTotal)).all() == []
        assert backfill(session) == 1
        figures = json.loads(session.get(Answer, 1).figures_json)
        assert figures["wpm"] == old_figures["wpm"] and not any(k.startswith("emotion_") for k in figures)
        assert "emotion_sad" not in set(session.scalars(sa.select(FigureTotal.figure)))
        assert "wpm" in set(session.scalars(sa.select(FigureTotal.figure)))
    database.dispose()


def test_a_deleted_rows_id_is_never_given_again(settings):
    """SQLite gives a new row the highest id plus one, so deleting the newest answer would hand its id,
    and every old link to it, to the next one; PostgreSQL's sequences never reuse an id."""
    from emovoice.storage.accounts import create_user, delete_user
    from emovoice.storage.answers import create_answer, delete_answer, user_answer
    from emovoice.storage.interviews import create_interview, delete_interview
    from emovoice.storage.questions import load_bank

    database = Database(settings.resolved_database_url())
    database.migrate()
    with database.session() as session:
        load_bank(session)
        user = create_user(session, "ids@example.com", "password123")
        first = create_answer(session, user_id=user.id, question_id=None, audio=b"one", content_type="audio/wav",
                              filename="1.wav").id
        newest = create_answer(session, user_id=user.id, question_id=None, audio=b"two", content_type="audio/wav",
                               filename="2.wav").id
        interview = create_interview(session, user.id).id
        gone_user = create_user(session, "gone@example.com", "password123")
        gone_user_id = gone_user.id
    with database.session() as session:
        assert delete_answer(session, user_id=user.id, answer_id=newest)
        assert delete_interview(session, user_id=user.id, interview_id=interview)
        delete_user(session, session.merge(gone_user))
    with database.session() as session:
        again = create_answer(session, user_id=user.id, question_id=None, audio=b"three",
                              content_type="audio/wav", filename="3.wav").id
        assert again > newest > first
        assert user_answer(session, user_id=user.id, answer_id=newest) is None  # the old link finds nothing
        assert create_interview(session, user.id).id > interview
        assert create_user(session, "new@example.com", "password123").id > gone_user_id
    database.dispose()
