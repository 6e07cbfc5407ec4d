"""A user's history: answers with their headline figures over time, trends, and an export of everything."""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from emovoice.analysis.figures import BY_KEY, FIGURES, MAIN_FIGURES
from emovoice.analysis.trends import MARKS, Trend, trend
from emovoice.storage.answers import playable_audio
from emovoice.storage.enums import AnswerStatus
from emovoice.storage.models import Answer, AnswerAudio, Interview, Question, User, VoiceCheck
from emovoice.storage.voice_checks import playable_check

EXPORT_IN_MEMORY_BYTES = 16_000_000
"""An export larger than this is spooled to a temporary file instead of memory."""


def answers_with_figures(session: Session, user_id: int, *, category: str | None = None) -> list[Answer]:
    """The user's analysed answers, oldest first, optionally of one question category."""
    query = (select(Answer).where(Answer.user_id == user_id, Answer.status == AnswerStatus.DONE,
                                  Answer.figures_json.is_not(None))
             .options(defer(Answer.report_json), selectinload(Answer.question))
             .order_by(Answer.created_at, Answer.id))
    if category:
        query = query.join(Question, Answer.question_id == Question.id).where(Question.category == category)
    return list(session.scalars(query))


class Point(TypedDict):
    """One answer's value of a figure: ``time`` is when it was recorded (ISO 8601, to the minute)."""

    answer_id: int
    time: str
    value: float


@dataclass
class Series:
    """One main figure over the user's answers, with its target range and its trend."""

    key: str
    label: str
    unit: str
    points: list[Point]
    target: tuple[float, float] | None
    trend: Trend | None
    mark: float | None = None
    """A line the figure is judged against where it has no target range (:data:`~emovoice.analysis.trends.MARKS`)."""


@dataclass
class Progress:
    """Each main figure over the user's analysed answers (optionally of one question category)."""

    answers: int
    category: str | None
    series: list[Series]


def figures_by_answer(answers: list[Answer]) -> dict[int, dict[str, float]]:
    """Each answer's stored headline figures, by answer id."""
    return {a.id: json.loads(a.figures_json or "{}") for a in answers}


def series(answers: list[Answer], figures: dict[int, dict[str, float]]) -> list[Series]:
    """Each main figure over time with its target range and its trend sentence.

    ``figures`` are the answers' figures (:func:`figures_by_answer`).
    """
    out = []
    for key in MAIN_FIGURES:
        figure = BY_KEY[key]
        timed = [(answer, figures[answer.id][key]) for answer in answers if key in figures[answer.id]]
        points: list[Point] = [{"answer_id": answer.id, "time": answer.created_at.isoformat(timespec="minutes"),
                                "value": value} for answer, value in timed]
        target = (figure.reference.low, figure.reference.high) if figure.reference else None
        mark = MARKS.get(key)
        out.append(Series(key=key, label=figure.label, unit=figure.unit, points=points, target=target,
                          trend=trend(figure, [value for _, value in timed]), mark=mark.value if mark else None))
    return out


def progress(session: Session, user_id: int, *, category: str | None = None) -> Progress:
    """The user's progress: each main figure over their analysed answers, oldest first."""
    answers = answers_with_figures(session, user_id, category=category)
    return Progress(answers=len(answers), category=category, series=series(answers, figures_by_answer(answers)))


def _extension(audio: AnswerAudio) -> str:
    suffix = Path(audio.filename).suffix
    return suffix if suffix else (mimetypes.guess_extension(audio.content_type) or ".audio")


def _utc(when: dt.datetime) -> str:
    """A stored time (naive UTC) as ISO 8601 with its offset, to the second."""
    return when.replace(tzinfo=dt.UTC).isoformat(timespec="seconds")


def _entry(name: str, when: dt.datetime) -> zipfile.ZipInfo:
    """A ZIP entry dated when its content was made (not 1 January 1980)."""
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED  # recordings are written stored: they are compressed already
    return info


def _export_readme(email: str, made: dt.datetime) -> str:
    def unit(key: str, unit: str) -> str:
        if unit:
            return f" ({unit})"
        return " (the model's probability, 0 to 1)" if key.startswith("emotion_") else " (a fraction, 0 to 1)"

    figures = "\n".join(f"  {f.key:<22} {f.label}{unit(f.key, f.unit)}" for f in FIGURES)
    return f"""emovoice: everything it holds of {email}, exported {_utc(made)}

emovoice-export.json      all of it as data: your account, each answer (its question, status,
                          headline figures and full report), your mock interviews (their questions
                          in order) and your voice check with the baseline made from it
audio/answer-<id>.<ext>   each answer's recording, as your browser recorded it or you uploaded it
audio/voice-check.<ext>   your voice check's recording
report.schema.json        the JSON schema of each answer's "report" (its version is the report's
                          "schema_version")

Times are UTC. An answer's "figures" are the headline figures the history and comparison pages use:
{figures}
The emotion probabilities are what the model heard; the answer's report says against whose voice
("reference"): "speaker", your voice check, or "population", the training actors' average voice,
against which the app names no emotion (an ordinary voice is often misread then, most often as sad).
The voice check's "baseline" holds the mean features of your voice as the emotion model hears it
("features_f32_base64": little-endian float32, in the shape given); they mean something only to
the model that made them (its front end is named beside them). The recordings are the files as they
were sent, except that a browser's WebM is rewritten to state its length (the same audio, not
re-encoded).
"""


def export(session: Session, user: User, out: BinaryIO) -> None:
    """Write everything the user has into a ZIP: ``emovoice-export.json``, ``audio/answer-<id>.<ext>``,
    the voice check's recording ``audio/voice-check.<ext>`` (its baseline is in the JSON), a
    ``README.txt`` saying what each file and figure is, and the report's JSON schema."""
    made = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    answers = list(session.scalars(select(Answer).where(Answer.user_id == user.id).order_by(Answer.id)
                                   .options(selectinload(Answer.question))))
    interviews = list(session.scalars(select(Interview).where(Interview.user_id == user.id).order_by(Interview.id)
                                      .options(selectinload(Interview.questions))))
    data: dict[str, Any] = {
        "format": "emovoice export 1",
        "exported_at": _utc(made),
        "user": {"email": user.email, "created_at": _utc(user.created_at)},
        "answers": [], "interviews": [
            {"id": i.id, "created_at": _utc(i.created_at), "category": i.category,
             "time_limit_s": i.time_limit_s, "question_ids": [q.question_id for q in i.questions],
             "questions": [{"position": q.position, "question_id": q.question_id,
                            "question": q.question.text if q.question else None} for q in i.questions]}
            for i in interviews],
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        check = session.get(VoiceCheck, user.id)
        data["voice_check"] = None
        if check is not None:
            check = playable_check(session, check)
            check_name = f"audio/voice-check{Path(check.filename).suffix or '.audio'}"
            data["voice_check"] = {"created_at": _utc(check.created_at), "duration_s": check.duration_s,
                                   "speech_s": check.speech_s, "level_dbfs": check.level_dbfs, "audio": check_name,
                                   "baseline": json.loads(check.baseline_json)}
            archive.writestr(_entry(check_name, check.created_at), check.audio, compress_type=zipfile.ZIP_STORED)
        for answer in answers:
            audio = playable_audio(session, answer)  # a WebM stored before the remux states its length now
            audio_name = f"audio/answer-{answer.id}{_extension(audio)}" if audio else None
            data["answers"].append({
                "id": answer.id, "created_at": _utc(answer.created_at), "status": answer.status,
                "error": answer.error, "question": answer.question.text if answer.question else None,
                "category": answer.question.category if answer.question else None,
                "interview_id": answer.interview_id, "position": answer.position,
                "time_limit_s": answer.time_limit_s, "audio": audio_name,
                "figures": json.loads(answer.figures_json) if answer.figures_json else None,
                "report": json.loads(answer.report_json) if answer.report_json else None})
            if audio is not None and audio_name:
                archive.writestr(_entry(audio_name, answer.created_at), audio.data, compress_type=zipfile.ZIP_STORED)
        archive.writestr(_entry("emovoice-export.json", made), json.dumps(data, indent=1))
        archive.writestr(_entry("README.txt", made), _export_readme(user.email, made))
        schema = resources.files("emovoice.schemas") / "report.schema.json"
        archive.writestr(_entry("report.schema.json", made), schema.read_text(encoding="utf-8"))


def export_file(session: Session, user: User) -> BinaryIO:
    """The export in a temporary file (in memory while small), rewound; the caller closes it."""
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_IN_MEMORY_BYTES)  # noqa: SIM115
    export(session, user, spool)  # type: ignore[arg-type]
    spool.seek(0)
    return spool  # type: ignore[return-value]
