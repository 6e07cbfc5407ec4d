"""``/practice``: one question to answer out loud, recorded in the browser."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from emovoice.storage.models import Question
from emovoice.storage.questions import CATEGORIES, random_question
from emovoice.web.deps import MAX_ID, CurrentUser, SessionDep
from emovoice.web.templating import render
from emovoice.web.uploads import ALLOWED_TIME_LIMITS, time_limit_for

router = APIRouter()


@router.get("/practice", response_class=HTMLResponse)
def practice(request: Request, user: CurrentUser, session: SessionDep, category: str | None = None,
             question_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
             seconds: int | None = None) -> Response:
    if category is not None and category not in CATEGORIES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no category {category!r}")
    question = session.get(Question, question_id) if question_id else random_question(session, category=category)
    if question is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such question")
    if seconds not in ALLOWED_TIME_LIMITS:  # by default, the question's own suggested length
        seconds = time_limit_for(question.suggested_seconds)
    return render(request, "practice.html", user, question=question, seconds=seconds,
                  time_limits=ALLOWED_TIME_LIMITS, category=category)
