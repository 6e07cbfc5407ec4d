"""Request and response bodies of the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


class Credentials(BaseModel):
    email: str = Field(max_length=320, examples=["ada@example.com"])
    password: str = Field(max_length=1024, examples=["correct horse battery"])


class UserOut(BaseModel):
    id: int
    email: str
    created_at: dt.datetime


class TokenOut(BaseModel):
    token: str = Field(description="send as 'Authorization: Bearer <token>'; the same login as the cookie")


class QuestionOut(BaseModel):
    id: int
    text: str
    category: str
    difficulty: str
    suggested_seconds: int


class AnswerAccepted(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed"]


class AnswerOut(BaseModel):
    id: int
    question_id: int | None
    question: str | None = None
    created_at: dt.datetime
    time_limit_s: int | None = None
    status: Literal["queued", "running", "done", "failed"]
    error: str | None
    report: dict[str, Any] | None = Field(None, description="the JSON of 'emovoice analyze --json' once done")


class AnswerSummary(BaseModel):
    id: int
    question_id: int | None
    question: str | None
    created_at: dt.datetime
    status: Literal["queued", "running", "done", "failed"]
    duration_s: float | None = None
    emotion: str | None = Field(None, description="the emotion heard, only where it can be named: heard against "
                                                  "the user's voice check, and the model not unsure")
    wpm: float | None = None
    fillers: int | None = None


class ErrorOut(BaseModel):
    detail: str


class InterviewIn(BaseModel):
    questions: int = Field(5, ge=1, le=12, description="how many questions")
    category: str | None = Field(None, description="all from one category; default: across categories")
    time_limit_s: Literal[15, 30, 60, 90, 120] = 60


class InterviewQuestionOut(BaseModel):
    position: int
    question_id: int | None
    question: str | None
    category: str | None
    answer_id: int | None
    status: str


class InterviewOut(BaseModel):
    id: int
    created_at: dt.datetime
    category: str | None
    time_limit_s: int
    questions: list[InterviewQuestionOut]
    next_position: int | None = Field(description="the first question not answered yet; null when all are")
    complete: bool = Field(description="every question answered and analysed")
    summary: dict[str, Any] | None = Field(None, description="once complete: headline figures, strongest and "
                                                             "weakest answers, top tips, the run against earlier runs")


class VoiceCheckOut(BaseModel):
    created_at: dt.datetime
    duration_s: float = Field(description="length of the recording")
    speech_s: float = Field(description="seconds of voiced speech in it")
    level_dbfs: float = Field(description="its active speech level")
    baseline: dict[str, Any] | None = Field(
        description="what the baseline holds (kind, speech_s, windows, sources, created, frontend); null when it "
                    "was made for an emotion model no longer installed")
