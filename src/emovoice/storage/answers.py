"""Answers: the recording, the state of its analysis and the report, always looked up per user."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, defer, selectinload

from emovoice.analysis.wording import can_name
from emovoice.audio import with_stated_duration
from emovoice.storage.comparison import count_answer, uncount_answer
from emovoice.storage.enums import AnswerStatus
from emovoice.storage.models import Answer, AnswerAudio, utcnow


def create_answer(session: Session, *, user_id: int, question_id: int | None, audio: bytes, content_type: str,
                  filename: str, time_limit_s: int | None = None) -> Answer:
    """Store a new answer with its recording, queued for analysis."""
    answer = Answer(user_id=user_id, question_id=question_id, status=AnswerStatus.QUEUED, time_limit_s=time_limit_s,
                    audio_bytes=len(audio))
    answer.audio = AnswerAudio(content_type=content_type[:100], filename=filename[:255], data=audio)
    session.add(answer)
    session.flush()
    return answer


def user_answer(session: Session, *, user_id: int, answer_id: int) -> Answer | None:
    """The answer if it belongs to ``user_id``; another user's answer is None, like a missing one."""
    return session.scalar(select(Answer).where(Answer.id == answer_id, Answer.user_id == user_id))


def user_answers(session: Session, user_id: int, *, limit: int = 500) -> list[Answer]:
    query = (select(Answer).where(Answer.user_id == user_id).order_by(Answer.created_at.desc(), Answer.id.desc())
             .options(defer(Answer.report_json), selectinload(Answer.question)).limit(limit))
    return list(session.scalars(query))


def count_waiting(session: Session) -> int:
    """Answers queued for analysis, all users together."""
    queued = select(func.count()).select_from(Answer).where(Answer.status == AnswerStatus.QUEUED)
    return int(session.scalar(queued) or 0)


def count_user_answers(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(Answer).where(Answer.user_id == user_id)) or 0)


def delete_answer(session: Session, *, user_id: int, answer_id: int) -> bool:
    """Delete the user's answer, its recording and its share of the comparison aggregates;
    False when there is no such answer of theirs."""
    answer = user_answer(session, user_id=user_id, answer_id=answer_id)
    if answer is None:
        return False
    uncount_answer(session, answer)
    session.flush()
    session.execute(delete(Answer).where(Answer.id == answer_id, Answer.user_id == user_id))
    return True


def audio_of(session: Session, answer_id: int) -> AnswerAudio | None:
    return session.get(AnswerAudio, answer_id)


def playable_audio(session: Session, answer: Answer) -> AnswerAudio | None:
    """The answer's recording, stating its length: a browser's WebM stored before uploads were
    remuxed (:func:`emovoice.audio.with_stated_duration`) is remuxed the first time it is asked for,
    once its length is known from the analysis, and kept so."""
    audio = audio_of(session, answer.id)
    if audio is not None and answer.duration_s is not None:
        stated = with_stated_duration(audio.data, duration_s=answer.duration_s)
        if stated is not audio.data:
            audio.data, answer.audio_bytes = stated, len(stated)
            session.flush()
    return audio


def report_of(answer: Answer) -> dict[str, Any] | None:
    return json.loads(answer.report_json) if answer.report_json else None


# --- the analysis job's side ---------------------------------------------------------------

def claim(session: Session, answer_id: int) -> bool:
    """Mark a queued answer running (one more attempt); False if it is gone or not queued."""
    now = utcnow()
    result = session.execute(update(Answer).where(Answer.id == answer_id, Answer.status == AnswerStatus.QUEUED)
                             .values(status=AnswerStatus.RUNNING, started_at=now, heartbeat_at=now,
                                     attempts=Answer.attempts + 1))
    return bool(getattr(result, "rowcount", 0))


def heartbeat(session: Session, answer_id: int) -> None:
    session.execute(update(Answer).where(Answer.id == answer_id, Answer.status == AnswerStatus.RUNNING)
                    .values(heartbeat_at=utcnow()))


def finish(session: Session, answer_id: int, *, report: dict[str, Any] | None = None,
           error: str | None = None) -> bool:
    """Store the report (done) or the error (failed); False if the answer was deleted meanwhile."""
    values: dict[str, Any] = {"finished_at": utcnow(), "heartbeat_at": None}
    if report is not None:
        values.update(status=AnswerStatus.DONE, report_json=json.dumps(report), error=None, **summary(report))
    else:
        values.update(status=AnswerStatus.FAILED, error=error or "the analysis failed")
    result = session.execute(update(Answer).where(Answer.id == answer_id, Answer.status == AnswerStatus.RUNNING)
                             .values(**values))
    finished = bool(getattr(result, "rowcount", 0))
    if finished and report is not None:
        answer = session.get(Answer, answer_id)
        if answer is not None:
            count_answer(session, answer, report)
    return finished


def named_emotion(report: dict[str, Any]) -> str | None:
    """The emotion a list may show: only one heard against the user's voice check, and not unsure."""
    named = can_name(str(report.get("reference")), str((report.get("confidence") or {}).get("level")))
    return report.get("emotion") if named else None


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The columns that let lists show an answer without reading its report."""
    return {"duration_s": report.get("duration_s"), "emotion": named_emotion(report),
            "wpm": (report.get("pace") or {}).get("wpm"), "filler_count": (report.get("fillers") or {}).get("count")}


def stale_running(session: Session, *, older_than: dt.timedelta) -> list[Answer]:
    """Running answers whose worker stopped beating (it died or was restarted)."""
    cutoff = utcnow() - older_than
    return list(session.scalars(select(Answer).where(Answer.status == AnswerStatus.RUNNING,
                                                      Answer.heartbeat_at < cutoff)))


def waiting(session: Session, *, older_than: dt.timedelta) -> list[Answer]:
    """Answers queued for longer than ``older_than``."""
    cutoff = utcnow() - older_than
    return list(session.scalars(select(Answer).where(Answer.status == AnswerStatus.QUEUED,
                                                      Answer.queued_at < cutoff)))


def requeue(session: Session, answer_id: int) -> None:
    session.execute(update(Answer).where(Answer.id == answer_id)
                    .values(status=AnswerStatus.QUEUED, queued_at=utcnow(), heartbeat_at=None))


def fail(session: Session, answer_id: int, error: str) -> None:
    session.execute(update(Answer).where(Answer.id == answer_id)
                    .values(status=AnswerStatus.FAILED, error=error, finished_at=utcnow(), heartbeat_at=None))
