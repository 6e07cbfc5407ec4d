"""``/api/interviews``: mock interviews, a run of questions answered one after another."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy.orm import Session

from emovoice.storage.interviews import (
    UNANSWERED,
    create_interview,
    delete_interview,
    interview_answers,
    next_position,
    summarise,
    user_interview,
    user_interviews,
)
from emovoice.storage.models import Interview
from emovoice.web.api.schemas import ErrorOut, InterviewIn, InterviewOut, InterviewQuestionOut, InterviewSummaryOut
from emovoice.web.deps import CsrfChecked, CurrentUser, PathId, SessionDep

router = APIRouter(prefix="/interviews", tags=["interviews"])
NOT_FOUND = "no such interview"


def interview_out(session: Session, interview: Interview) -> InterviewOut:
    answers = interview_answers(session, interview)
    summary = summarise(session, interview, answers)
    questions = [InterviewQuestionOut(position=item.position, question_id=item.question_id,
                                      question=item.question.text if item.question else None,
                                      category=item.question.category if item.question else None,
                                      answer_id=answers[item.position].id if item.position in answers else None,
                                      status=answers[item.position].status if item.position in answers
                                      else UNANSWERED)
                 for item in interview.questions]
    return InterviewOut(id=interview.id, created_at=interview.created_at, category=interview.category,
                        time_limit_s=interview.time_limit_s, questions=questions,
                        next_position=next_position(interview, answers), complete=summary.complete,
                        summary=InterviewSummaryOut.model_validate(asdict(summary)) if summary.complete else None)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InterviewOut, dependencies=[CsrfChecked],
             responses={422: {"model": ErrorOut}})
def start_interview(body: InterviewIn, user: CurrentUser, session: SessionDep) -> InterviewOut:
    """Start a mock interview; answer its questions with ``POST /api/answers`` (``interview_id``, ``position``)."""
    interview = create_interview(session, user.id, questions=body.questions, category=body.category,
                                 time_limit_s=body.time_limit_s)  # refused: ParameterError
    session.commit()
    found = user_interview(session, user_id=user.id, interview_id=interview.id)
    assert found is not None
    return interview_out(session, found)


@router.get("", response_model=list[InterviewOut])
def my_interviews(user: CurrentUser, session: SessionDep) -> list[InterviewOut]:
    return [interview_out(session, i) for i in user_interviews(session, user.id)]


@router.get("/{interview_id}", response_model=InterviewOut, responses={404: {"model": ErrorOut}})
def get_interview(interview_id: PathId, user: CurrentUser, session: SessionDep) -> InterviewOut:
    interview = user_interview(session, user_id=user.id, interview_id=interview_id)
    if interview is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return interview_out(session, interview)


@router.delete("/{interview_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[CsrfChecked],
               responses={404: {"model": ErrorOut}})
def remove_interview(interview_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """Delete the interview with its answers, recordings and reports."""
    if not delete_interview(session, user_id=user.id, interview_id=interview_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
