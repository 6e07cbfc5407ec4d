"""``/api/questions``: the question bank."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from emovoice.storage.models import Question
from emovoice.storage.questions import CATEGORIES, list_questions, random_question
from emovoice.web.api.schemas import QuestionOut
from emovoice.web.deps import SessionDep

router = APIRouter(prefix="/questions", tags=["questions"])
CategoryQuery = Annotated[str | None, Query(description=f"one of: {', '.join(CATEGORIES)}")]


def question_out(question: Question) -> QuestionOut:
    return QuestionOut(id=question.id, text=question.text, category=question.category,
                       difficulty=question.difficulty, suggested_seconds=question.suggested_seconds)


def _check(category: str | None) -> None:
    if category and category not in CATEGORIES:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"unknown category {category!r}; choose one of {', '.join(CATEGORIES)}")


@router.get("", response_model=list[QuestionOut])
def questions(session: SessionDep, category: CategoryQuery = None) -> list[QuestionOut]:
    _check(category)
    return [question_out(q) for q in list_questions(session, category=category)]


@router.get("/random", response_model=QuestionOut)
def random(session: SessionDep, category: CategoryQuery = None) -> QuestionOut:
    _check(category)
    question = random_question(session, category=category)
    if question is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no questions in this category")
    return question_out(question)
