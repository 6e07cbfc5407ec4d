"""``/api/answers``: upload an answer, follow its analysis, read its report, delete it.

Every lookup is by (answer id, current user): another user's answer is 404, like a missing one.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, File, Form, Header, HTTPException, Response, UploadFile, status

from emovoice.storage import answers as store
from emovoice.storage.comparison import compare
from emovoice.storage.enums import AnswerStatus
from emovoice.storage.interviews import user_interview
from emovoice.storage.models import Answer, Question
from emovoice.storage.questions import CATEGORIES
from emovoice.web.api.schemas import AnswerAccepted, AnswerOut, AnswerSummary, ComparisonOut, ErrorOut
from emovoice.web.deps import MAX_ID, CsrfChecked, CurrentUser, PathId, SessionDep, StateDep
from emovoice.web.recordings import recording_response
from emovoice.web.uploads import ALLOWED_TIME_LIMITS, check_upload

router = APIRouter(prefix="/answers", tags=["answers"])
NOT_FOUND = "no such answer"
RETRY_AFTER_S = 60


def answer_out(answer: Answer) -> AnswerOut:
    return AnswerOut(id=answer.id, question_id=answer.question_id,
                     question=answer.question.text if answer.question else None, created_at=answer.created_at,
                     time_limit_s=answer.time_limit_s, status=answer.status,
                     error=answer.error, report=store.report_of(answer))


def _summary(answer: Answer) -> AnswerSummary:
    return AnswerSummary(id=answer.id, question_id=answer.question_id,
                         question=answer.question.text if answer.question else None, created_at=answer.created_at,
                         status=answer.status,
                         duration_s=answer.duration_s, emotion=answer.emotion, wpm=answer.wpm,
                         fillers=answer.filler_count)


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=AnswerAccepted, dependencies=[CsrfChecked],
             responses={413: {"model": ErrorOut}, 422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
def upload_answer(user: CurrentUser, session: SessionDep, state: StateDep,
                  audio: Annotated[UploadFile, File(description="the recording, any common format")],
                  question_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
                  time_limit_s: Annotated[int | None, Form()] = None,
                  interview_id: Annotated[int | None, Form(ge=1, le=MAX_ID,
                                                           description="answering a mock interview")] = None,
                  position: Annotated[int | None, Form(ge=1, le=MAX_ID, description="which of its questions")] = None,
                  ) -> AnswerAccepted:
    """Accept a recorded answer and queue its analysis (202); poll ``GET /api/answers/{id}``.

    In a mock interview, send ``interview_id`` and ``position``: the question is the interview's.
    """
    settings = state.settings
    if interview_id is not None:
        interview = user_interview(session, user_id=user.id, interview_id=interview_id)
        item = next((q for q in interview.questions if q.position == position), None) if interview else None
        if item is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                f"no question {position} in your interview {interview_id}")
        question_id = item.question_id
    if question_id is not None and session.get(Question, question_id) is None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"no question {question_id}")
    if time_limit_s is not None and time_limit_s not in ALLOWED_TIME_LIMITS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            f"time_limit_s must be one of {', '.join(map(str, ALLOWED_TIME_LIMITS))}")
    waiting = store.count_waiting(session)
    if waiting >= settings.max_queued:  # overloaded: say when to come back, never queue without bound
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"the analysers are busy ({waiting} answers are waiting); try again in a minute",
                            headers={"Retry-After": str(RETRY_AFTER_S)})
    max_bytes = int(settings.max_upload_mb * 1e6)
    data = audio.file.read(max_bytes + 1)
    checked = check_upload(data, filename=audio.filename or "answer", content_type=audio.content_type or "",
                           max_bytes=max_bytes, max_seconds=settings.max_answer_s)  # refused: UploadError
    answer = store.create_answer(session, user_id=user.id, question_id=question_id, audio=checked.data,
                                 content_type=checked.content_type, filename=checked.filename,
                                 time_limit_s=time_limit_s)
    if interview_id is not None:
        answer.interview_id, answer.position = interview_id, position
    session.commit()
    state.jobs.enqueue(answer.id)  # if this is lost, recovery sends the queued answer again
    return AnswerAccepted(id=answer.id, status=AnswerStatus.QUEUED)


@router.get("", response_model=list[AnswerSummary])
def my_answers(user: CurrentUser, session: SessionDep) -> list[AnswerSummary]:
    """The user's own answers, newest first."""
    return [_summary(a) for a in store.user_answers(session, user.id)]


@router.get("/{answer_id}", response_model=AnswerOut, responses={404: {"model": ErrorOut}})
def get_answer(answer_id: PathId, user: CurrentUser, session: SessionDep) -> AnswerOut:
    answer = store.user_answer(session, user_id=user.id, answer_id=answer_id)
    if answer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return answer_out(answer)


@router.get("/{answer_id}/comparison", response_model=ComparisonOut,
            responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
def get_comparison(answer_id: PathId, user: CurrentUser, session: SessionDep) -> ComparisonOut:
    """Where the answer stands among other candidates' answers: for all answers, its question's
    category and its question, each figure's percentile, distribution and the others' mean, or
    "not enough answers yet" with the counts; and the published reference ranges."""
    answer = store.user_answer(session, user_id=user.id, answer_id=answer_id)
    if answer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    if answer.status != AnswerStatus.DONE:
        raise HTTPException(status.HTTP_409_CONFLICT, f"the answer is {answer.status}; compare it once analysed")
    return ComparisonOut.model_validate(asdict(compare(session, answer, category_labels=CATEGORIES)))


@router.get("/{answer_id}/audio", response_class=Response, responses={404: {"model": ErrorOut}})
def get_audio(answer_id: PathId, user: CurrentUser, session: SessionDep,
              range_header: Annotated[str | None, Header(alias="Range")] = None) -> Response:
    """The recording as it was stored, whole or the one byte range asked for (206), so players can seek."""
    answer = store.user_answer(session, user_id=user.id, answer_id=answer_id)
    audio = store.playable_audio(session, answer) if answer is not None else None
    if audio is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    session.commit()  # an old recording remuxed to state its length is kept so
    return recording_response(audio.data, content_type=audio.content_type, range_header=range_header)


@router.delete("/{answer_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[CsrfChecked],
               responses={404: {"model": ErrorOut}})
def delete_answer(answer_id: PathId, user: CurrentUser, session: SessionDep, state: StateDep) -> Response:
    """Delete the answer, its recording and its report, for good."""
    if not store.delete_answer(session, user_id=user.id, answer_id=answer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    session.commit()
    state.database.scrub()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
