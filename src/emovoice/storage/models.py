"""The database tables (SQLAlchemy 2, typed)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Dialect, Float, ForeignKey, Index, LargeBinary, String, Text, event, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from emovoice.storage.enums import AnswerStatus, Difficulty

E = TypeVar("E", bound=StrEnum)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StrEnumText(TypeDecorator[E], Generic[E]):
    """A :class:`~enum.StrEnum` kept as its value in a ``VARCHAR`` (the column the migrations made):
    the database holds the plain string, Python gets the member back."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    sessions: Mapped[list[AuthSession]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                       passive_deletes=True)
    answers: Mapped[list[Answer]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                 passive_deletes=True)
    voice_check: Mapped[VoiceCheck | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    devices: Mapped[list[TrustedDevice]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class AuthSession(Base):
    """A login: the SHA-256 of the token kept in the cookie (or sent as a Bearer token)."""

    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]

    user: Mapped[User] = relationship(back_populates="sessions")


class LoginFailure(Base):
    """A failed login, kept for a while to slow down password guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    device: Mapped[str] = mapped_column(String(64), default="")
    """The SHA-256 of the trusted-device cookie the attempt came with ("" for any other browser)."""


class TrustedDevice(Base):
    """A browser the user has logged in from: the SHA-256 of its device cookie. Failed logins from
    a trusted device are counted apart, so that a stranger's guessing cannot lock its owner out."""

    __tablename__ = "trusted_devices"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Question(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(1000), unique=True)
    category: Mapped[str] = mapped_column(String(40), index=True)
    difficulty: Mapped[Difficulty] = mapped_column(StrEnumText(Difficulty, 10))
    suggested_seconds: Mapped[int]
    origin: Mapped[str] = mapped_column(String(20), default="bank")


class Answer(Base):
    """One recorded answer, its analysis job's state and, when done, its report (the CLI's JSON)."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_user_created", "user_id", "created_at"),
                      Index("ix_answers_status", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[AnswerStatus] = mapped_column(StrEnumText(AnswerStatus, 10), default=AnswerStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    report_json: Mapped[str | None] = mapped_column(Text)
    time_limit_s: Mapped[int | None]
    audio_bytes: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    queued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    # a summary of the report, so that lists never parse reports
    duration_s: Mapped[float | None] = mapped_column(Float)
    emotion: Mapped[str | None] = mapped_column(String(20))
    wpm: Mapped[float | None] = mapped_column(Float)
    filler_count: Mapped[int | None]
    # the headline figures (analysis/figures.py) and the comparison groups they were counted in
    figures_json: Mapped[str | None] = mapped_column(Text)
    counted_scopes: Mapped[str | None] = mapped_column(Text)
    interview_id: Mapped[int | None] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    position: Mapped[int | None]

    user: Mapped[User] = relationship(back_populates="answers")
    question: Mapped[Question | None] = relationship()
    audio: Mapped[AnswerAudio | None] = relationship(back_populates="answer", cascade="all, delete-orphan",
                                                     passive_deletes=True)


class Interview(Base):
    """A mock interview: a run of questions answered one after another."""

    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    category: Mapped[str | None] = mapped_column(String(40))
    time_limit_s: Mapped[int] = mapped_column(default=60)

    questions: Mapped[list[InterviewQuestion]] = relationship(
        order_by="InterviewQuestion.position", cascade="all, delete-orphan", passive_deletes=True)
    answers: Mapped[list[Answer]] = relationship(order_by="Answer.position", viewonly=True)


class InterviewQuestion(Base):
    __tablename__ = "interview_questions"

    interview_id: Mapped[int] = mapped_column(ForeignKey("interviews.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))

    question: Mapped[Question | None] = relationship()


class FigureBin(Base):
    """How many answers in a comparison group have a figure in a bin (kept up to date as answers
    are analysed and deleted). ``scope`` is "all", "category:<key>" or "question:<id>"."""

    __tablename__ = "figure_bins"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    bin: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class FigureTotal(Base):
    """The number and the sum of a figure's values in a comparison group (for means)."""

    __tablename__ = "figure_totals"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    figure: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
    total: Mapped[float] = mapped_column(Float, default=0.0)


class ScopeMember(Base):
    """How many counted answers each candidate has in a comparison group (to count candidates)."""

    __tablename__ = "scope_members"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    answers: Mapped[int] = mapped_column(default=0)


class ScopeCount(Base):
    """The number of candidates with answers in a comparison group (kept up to date)."""

    __tablename__ = "scope_counts"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    candidates: Mapped[int] = mapped_column(default=0)


class AnswerAudio(Base):
    """The recording itself, apart from the answer so that lists never load it."""

    __tablename__ = "answer_audio"

    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    answer: Mapped[Answer] = relationship(back_populates="audio")


class VoiceCheck(Base):
    """A user's current voice check: a recording of plain sentences in their everyday voice and the
    emotion model's baseline made from it (:class:`emovoice.Baseline` as JSON). One per user; a new
    check replaces the old one."""

    __tablename__ = "voice_checks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_s: Mapped[float] = mapped_column(Float)
    speech_s: Mapped[float] = mapped_column(Float)
    level_dbfs: Mapped[float] = mapped_column(Float)
    baseline_json: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    audio: Mapped[bytes] = mapped_column(LargeBinary)


class IdMark(Base):
    """The highest id a table has ever given, for the tables whose ids are in links (answers,
    interviews) or name a person (users).

    SQLite gives a new row the highest id in the table plus one, so deleting the newest answer
    handed its id, and every old link to it, to the next answer. There, each new row takes its id
    from this mark instead (:func:`_never_reused_id`); a table rebuild to ``AUTOINCREMENT`` would
    do the same, but SQLite's rebuild would cascade-delete the recordings that refer to the table.
    PostgreSQL's sequences never give an id twice, so there the mark is not used.
    """

    __tablename__ = "id_marks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last: Mapped[int] = mapped_column()


_NEXT_ID = {table: text(
    f"INSERT INTO id_marks (name, last) VALUES ('{table}', (SELECT coalesce(max(id), 0) + 1 FROM {table})) "
    f"ON CONFLICT (name) DO UPDATE SET last = max(id_marks.last, (SELECT coalesce(max(id), 0) FROM {table})) + 1 "
    "RETURNING last") for table in ("users", "answers", "interviews")}


def _never_reused_id(_mapper: Any, connection: Connection, target: User | Answer | Interview) -> None:
    """On SQLite, give a new row one more than the highest id its table ever gave (in the same
    transaction as the insert, whose write lock the upsert takes first)."""
    if connection.dialect.name == "sqlite" and target.id is None:
        target.id = connection.execute(_NEXT_ID[type(target).__tablename__]).scalar_one()


for _model in (User, Answer, Interview):
    event.listen(_model, "before_insert", _never_reused_id)
