"""``/answers``: an answer's report page, how it compares with other candidates, deleting it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, ClassVar
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from emovoice.analysis import wording
from emovoice.analysis.figures import FIGURES, MAIN_FIGURES
from emovoice.analysis.report import Report, ReportFormatError, Tip
from emovoice.analysis.speech import PHRASE_FILLERS
from emovoice.labels import EMOTIONS
from emovoice.presentation.palette import EMOTION_COLOURS
from emovoice.storage import answers as store
from emovoice.storage.comparison import compare
from emovoice.storage.enums import AnswerStatus
from emovoice.storage.models import Answer, User, VoiceCheck
from emovoice.storage.questions import CATEGORIES
from emovoice.storage.voice_checks import baseline_of, current_check
from emovoice.web.deps import CsrfChecked, CurrentUser, PathId, SessionDep, StateDep
from emovoice.web.templating import render

router = APIRouter()



def _own_answer(session: Session, user: User, answer_id: int) -> Answer:
    """The user's answer; another user's is "not found", like a missing one."""
    answer = store.user_answer(session, user_id=user.id, answer_id=answer_id)
    if answer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such answer")
    return answer


@router.get("/answers")
def answers_page(user: CurrentUser) -> Response:
    return RedirectResponse("/history", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/answers/{answer_id}/compare", response_class=HTMLResponse)
def comparison_page(request: Request, answer_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    answer = _own_answer(session, user, answer_id)
    if answer.status != AnswerStatus.DONE:
        return RedirectResponse(f"/answers/{answer_id}", status_code=status.HTTP_303_SEE_OTHER)
    result = compare(session, answer, category_labels=CATEGORIES)
    main = list(MAIN_FIGURES)
    charts = {"groups": [{"scope": g.scope, "enough": g.enough,
                          "figures": [asdict(f) for f in g.figures],
                          "mix": g.emotion_mix} for g in result.groups],
              "yours": {e: result.figures.get(f"emotion_{e}") for e in EMOTIONS}, "colours": EMOTION_COLOURS,
              "names": wording.EMOTION_WORDS}
    return render(request, "compare.html", user, answer=answer, comparison=result, main=main, charts=charts,
                  labels={f.key: f.label for f in FIGURES}, formats={f.key: f for f in FIGURES},
                  phrase_fillers=", ".join(f"“{' '.join('I' if w == 'i' else w for w in words)}”"
                                           for words in PHRASE_FILLERS))


@dataclass(frozen=True)
class ReportWording:
    """The sentences of a report page (all from :mod:`emovoice.analysis.wording`)."""

    emotion_sentence: str
    reference: str | None
    named_reference: bool
    since: str | None
    sentiment: str
    tips: list[Tip]
    answer_time: str | None
    not_scored: str | None
    """Why a sentence's figures are not compared or counted in the trends (None for an answer)."""
    raw_output_note: ClassVar[str] = wording.RAW_OUTPUT_NOTE
    raw_output_label: ClassVar[str] = wording.RAW_OUTPUT_LABEL
    units: ClassVar[tuple[tuple[str, str], ...]] = wording.UNITS


def report_wording(report: Report, check: VoiceCheck | None, *, time_limit_s: int | None = None) -> ReportWording:
    """What the report page says; ``check`` is the user's current voice check, to tell whether the
    answer was heard against an earlier one; ``time_limit_s``, the time the answer had."""
    emotion = report.emotion_report
    used = emotion.baseline
    since = None
    if emotion.reference == "speaker" and used is not None:
        if check is None:
            since = "That voice check has been deleted since; this answer keeps the reading it got then."
        elif (current := baseline_of(check)) is None or current.describe() != asdict(used):
            since = "You have recorded a new voice check since; this answer keeps the reading it got then."
    sentiment = "" if report.delivery is None else wording.sentiment_sentence(
        report.delivery.sentiment, voice_named=wording.is_named(emotion))
    return ReportWording(emotion_sentence=wording.emotion_sentence(emotion),
                         reference=wording.reference_sentence(emotion), named_reference=wording.shows_reading(emotion),
                         since=since, sentiment=sentiment, tips=wording.shown_tips(report, below_headline=True),
                         answer_time=wording.answer_time_sentence(duration_s=report.duration_s,
                                                                  time_limit_s=time_limit_s),
                         not_scored=wording.not_scored_sentence(report))


def speech_seconds(curve: list[float], regions: list[list[float]]) -> list[float | None]:
    """A per-second curve with the seconds that hold no speech as gaps (None): a silent second's
    level (-100 dBFS) is not the speaker's loudness."""
    return [value if any(start < second + 1 and end > second for start, end in regions) else None
            for second, value in enumerate(curve)]


def chart_data(report: Report) -> dict[str, Any]:
    """What the report page's charts draw, with every target range taken from the report."""
    data: dict[str, Any] = {
        "emotions": list(EMOTIONS), "colours": EMOTION_COLOURS, "names": wording.EMOTION_WORDS,
        "timeline": {"seconds": [s.start for s in report.timeline],
                     "probabilities": {e: [s.probabilities.get(e, 0.0) for s in report.timeline] for e in EMOTIONS}},
        "mix": report.probabilities,
    }
    delivery = report.delivery
    if delivery is not None:
        data["pace"] = {"curve": delivery.pace.curve, "target": [delivery.pace.target.low, delivery.pace.target.high]}
        data["pitch"] = {"curve": delivery.pitch.curve, "median_hz": delivery.pitch.median_hz,
                         "spread_st": delivery.pitch.variability_st}
        data["loudness"] = {"curve": speech_seconds(delivery.loudness.curve, delivery.flow.speech_regions),
                            "target": [delivery.loudness.target.low, delivery.loudness.target.high]}
    return data


def again_url(answer: Answer) -> str:
    """Where "Try again" leads: the same question with the same answer time."""
    query = {k: v for k, v in (("question_id", answer.question_id), ("seconds", answer.time_limit_s)) if v}
    return "/practice" + ("?" + urlencode(query) if query else "")


@router.get("/answers/{answer_id}", response_class=HTMLResponse)
def answer_page(request: Request, answer_id: PathId, user: CurrentUser, session: SessionDep) -> Response:
    answer = _own_answer(session, user, answer_id)
    report = None
    if answer.status == AnswerStatus.DONE and answer.report_json:
        try:
            report = Report.from_dict(json.loads(answer.report_json))
        except ReportFormatError as exc:
            return render(request, "error.html", user, status_code=500, title="Cannot show this report",
                          message=str(exc))
    words = (report_wording(report, current_check(session, user.id), time_limit_s=answer.time_limit_s)
             if report is not None else None)
    return render(request, "report.html", user, answer=answer, report=report, wording=words,
                  charts=chart_data(report) if report else None, again_url=again_url(answer))


@router.post("/answers/{answer_id}/delete", dependencies=[CsrfChecked])
def delete_answer_page(answer_id: PathId, user: CurrentUser, session: SessionDep, state: StateDep) -> Response:
    if not store.delete_answer(session, user_id=user.id, answer_id=answer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such answer")
    session.commit()
    state.database.scrub()
    return RedirectResponse("/history?deleted=1", status_code=status.HTTP_303_SEE_OTHER)
