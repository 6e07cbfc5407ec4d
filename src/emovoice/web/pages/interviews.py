"""``/interviews``: mock interviews, a run of questions answered one after another, and the run's summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from emovoice import thresholds as th
from emovoice.analysis.figures import FIGURES, MAIN_FIGURES
from emovoice.errors import ParameterError
from emovoice.storage.interviews import (
    create_interview,
    delete_interview,
    interview_answers,
    next_position,
    summarise,
    user_interview,
    user_interviews,
)
from emovoice.storage.models import User
from emovoice.web.deps import CsrfChecked, CurrentUser, PathId, SessionDep
from emovoice.web.templating import render
from emovoice.web.uploads import ALLOWED_TIME_LIMITS

router = APIRouter()


def _interviews_page(request: Request, user: User, session: Session, *, status_code: int = 200,
                     error: str | None = None) -> Response:
    return render(request, "interviews.html", user, status_code=status_code,
                  interviews=user_interviews(session, user.id), time_limits=ALLOWED_TIME_LIMITS,
                  default_questions=th.INTERVIEW_QUESTIONS, max_questions=th.MAX_INTERVIEW_QUESTIONS, error=error)


@router.get("/interviews", response_class=HTMLResponse)
def interviews_page(request: Request, user: CurrentUser, session: SessionDep) -> Response:
    return _interviews_page(request, user, session)


@router.post("/interviews", dependencies=[CsrfChecked])
def start_interview_page(request: Request, user: CurrentUser, session: SessionDep,
                         questions: Annotated[int, Form()] = th.INTERVIEW_QUESTIONS,
                         category: Annotated[str, Form()] = "", time_limit_s: Annotated[int, Form()] = 60) -> Response:
    try:
        if time_limit_s not in ALLOWED_TIME_LIMITS:
            raise ParameterError(f"the time per answer must be one of {ALLOWED_TIME_LIMITS}")
        interview = create_interview(session, user.id, questions=questions, category=category or None,
                                     time_limit_s=time_limit_s)
    except ParameterError as exc:  # the form again, with what to change
        return _interviews_page(request, user, session, status_code=422, error=str(exc))
    session.commit()
    return RedirectResponse(f"/interviews/{interview.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(request: Request, interview_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    """The next question of the run, or (when all are answered) the run's summary."""
    interview = user_interview(session, user_id=user.id, interview_id=interview_id)
    if interview is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such interview")
    answered = interview_answers(session, interview)
    position = next_position(interview, answered)
    if position is not None:
        item = next(q for q in interview.questions if q.position == position)
        if item.question is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "this question was removed from the bank")
        return render(request, "practice.html", user, question=item.question, seconds=interview.time_limit_s,
                      time_limits=ALLOWED_TIME_LIMITS, category=None, interview=interview, position=position,
                      total=len(interview.questions))
    summary = summarise(session, interview, answered)
    formats = {f.key: f for f in FIGURES}
    # each column of figures (and each pair, this run against earlier ones) to one number of decimals
    columns = {key: formats[key].format_together([row["figures"].get(key) for row in summary.answers])
               for key in MAIN_FIGURES}
    shown = {row["position"]: {key: columns[key][k] for key in MAIN_FIGURES}
             for k, row in enumerate(summary.answers)}
    against = {key: formats[key].format_together([summary.figures.get(key), summary.previous.get(key)])
               for key in MAIN_FIGURES}
    return render(request, "interview_summary.html", user, interview=interview, summary=summary,
                  main=MAIN_FIGURES, formats=formats, shown=shown, against=against)


@router.post("/interviews/{interview_id}/delete", dependencies=[CsrfChecked])
def delete_interview_page(interview_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    if not delete_interview(session, user_id=user.id, interview_id=interview_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such interview")
    session.commit()
    return RedirectResponse("/interviews", status_code=status.HTTP_303_SEE_OTHER)
