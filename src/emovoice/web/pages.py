"""Server-rendered pages (Jinja2): sign up, log in, practise, the answers and their reports, the account."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from emovoice import thresholds as th
from emovoice.analysis import wording
from emovoice.analysis.figures import FIGURES, MAIN_FIGURES
from emovoice.analysis.report import Report, ReportFormatError, Tip
from emovoice.analysis.voice_check import SENTENCES
from emovoice.errors import ParameterError
from emovoice.labels import EMOTIONS
from emovoice.storage import answers as store
from emovoice.storage.accounts import (
    AccountError,
    TooManyAttemptsError,
    authenticate,
    close_session,
    create_user,
    delete_user,
    open_session,
    trust_device,
)
from emovoice.storage.comparison import compare
from emovoice.storage.history import answers_with_figures, figures_by_answer, series
from emovoice.storage.interviews import (
    create_interview,
    delete_interview,
    interview_answers,
    next_position,
    summarise,
    user_interview,
    user_interviews,
)
from emovoice.storage.models import Answer, Question, User, VoiceCheck
from emovoice.storage.questions import CATEGORIES, random_question
from emovoice.storage.voice_checks import baseline_of, current_check, delete_check
from emovoice.web.cookies import DEVICE_COOKIE, clear_session_cookie, set_device_cookie, set_session_cookie
from emovoice.web.deps import (
    MAX_ID,
    CsrfChecked,
    OptionalUser,
    PathId,
    SessionDep,
    SettingsDep,
    StateDep,
    csrf_token,
    session_token,
)
from emovoice.web.uploads import ALLOWED_TIME_LIMITS, time_limit_for

VOICE_CHECK_RECORD_S = 25
"""The voice check's recording stops by itself after this long (reading its sentences takes about 15 s)."""

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]  # messages start lower case
templates.env.filters["day"] = lambda when: wording.long_date(when.date().isoformat())  # "1 December 2026"
templates.env.filters["when"] = lambda when: f"{wording.long_date(when.date().isoformat())}, {when:%H:%M} UTC"
router = APIRouter(include_in_schema=False)

EMOTION_COLOURS = {"neutral": "#7f7f7f", "calm": "#2ca02c", "happy": "#e6a817", "sad": "#1f77b4",
                   "angry": "#d62728", "fearful": "#9467bd", "disgust": "#8c564b", "surprised": "#e377c2"}


def render(request: Request, name: str, user: User | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, "csrf": csrf_token(request),
                                                      "categories": CATEGORIES, **context},
                                      status_code=status_code)


def render_error(request: Request, status_code: int, message: str) -> Response:
    if status_code == status.HTTP_401_UNAUTHORIZED:
        return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=status.HTTP_303_SEE_OTHER)
    titles = {403: "Not allowed", 404: "Not found", 413: "Too large", 422: "Cannot use this", 503: "Busy"}
    return render(request, "error.html", None, status_code=status_code, title=titles.get(status_code, "Error"),
                  message=message)


def _login_required(user: User | None) -> User:
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "log in first")
    return user


def _own_answer(session: Session, user: User, answer_id: int) -> Answer:
    """The user's answer; another user's is "not found", like a missing one."""
    answer = store.user_answer(session, user.id, answer_id)
    if answer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such answer")
    return answer


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    recent = store.user_answers(session, user.id, limit=5) if user else []
    return render(request, "home.html", user, recent=recent)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, user: OptionalUser) -> Response:
    return render(request, "signup.html", user, error=None, email="")


@router.post("/signup", dependencies=[CsrfChecked])
def signup(request: Request, session: SessionDep, settings: SettingsDep,
           email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
           password_again: Annotated[str, Form(max_length=1024)]) -> Response:
    try:
        if password != password_again:
            raise AccountError("the two passwords differ")
        user = create_user(session, email, password)
    except AccountError as exc:
        return render(request, "signup.html", None, status_code=422, error=str(exc), email=email)
    token = open_session(session, user)
    device = trust_device(session, user, None)
    session.commit()
    response = RedirectResponse("/voice-check?welcome=1", status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, token, settings)
    set_device_cookie(response, device, settings)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str = "/") -> Response:
    return render(request, "login.html", user, error=None, email="", next=_safe_next(next))


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, session: SessionDep, settings: SettingsDep,
          email: Annotated[str, Form(max_length=320)], password: Annotated[str, Form(max_length=1024)],
          next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    try:
        user = authenticate(session, email, password, device=request.cookies.get(DEVICE_COOKIE))
    except AccountError as exc:
        code = 429 if isinstance(exc, TooManyAttemptsError) else 401
        return render(request, "login.html", None, status_code=code, error=str(exc), email=email,
                      next=_safe_next(next))
    token = open_session(session, user)
    device = trust_device(session, user, request.cookies.get(DEVICE_COOKIE))
    session.commit()
    response = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    set_session_cookie(response, token, settings)
    set_device_cookie(response, device, settings)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: SessionDep) -> Response:
    close_session(session, session_token(request))
    session.commit()
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response


@router.get("/practice", response_class=HTMLResponse)
def practice(request: Request, user: OptionalUser, session: SessionDep, category: str | None = None,
             question_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
             seconds: int | None = None) -> Response:
    user = _login_required(user)
    if category is not None and category not in CATEGORIES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no category {category!r}")
    question = session.get(Question, question_id) if question_id else random_question(session, category=category)
    if question is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such question")
    if seconds not in ALLOWED_TIME_LIMITS:  # by default, the question's own suggested length
        seconds = time_limit_for(question.suggested_seconds)
    return render(request, "practice.html", user, question=question, seconds=seconds,
                  time_limits=ALLOWED_TIME_LIMITS, category=category)


@router.get("/answers")
def answers_page(user: OptionalUser) -> Response:
    _login_required(user)
    return RedirectResponse("/history", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, user: OptionalUser, session: SessionDep, category: str | None = None) -> Response:
    user = _login_required(user)
    if category is not None and category not in CATEGORIES:
        category = None
    listed = store.user_answers(session, user.id)
    if category:
        listed = [a for a in listed if a.question is not None and a.question.category == category]
    analysed = answers_with_figures(session, user.id, category=category)
    figures = figures_by_answer(analysed)
    trends = series(analysed, figures)
    return render(request, "history.html", user, answers=listed, figures=figures, category=category,
                  trends=trends, interviews=user_interviews(session, user.id),
                  charts={"series": [{"key": t.key, "label": t.label, "unit": t.unit, "points": t.points,
                                      "target": t.target} for t in trends]})


@router.get("/answers/{answer_id}/compare", response_class=HTMLResponse)
def comparison_page(request: Request, answer_id: PathId, user: OptionalUser, session: SessionDep) -> Response:
    user = _login_required(user)
    answer = _own_answer(session, user, answer_id)
    if answer.status != "done":
        return RedirectResponse(f"/answers/{answer_id}", status_code=status.HTTP_303_SEE_OTHER)
    result = compare(session, answer, category_labels=CATEGORIES)
    main = list(MAIN_FIGURES)
    charts = {"groups": [{"scope": g.scope, "enough": g.enough,
                          "figures": [asdict(f) for f in g.figures],
                          "mix": g.emotion_mix} for g in result.groups],
              "yours": {e: result.figures.get(f"emotion_{e}") for e in EMOTIONS}, "colours": EMOTION_COLOURS}
    return render(request, "compare.html", user, answer=answer, comparison=result, main=main, charts=charts,
                  labels={f.key: f.label for f in FIGURES}, formats={f.key: f for f in FIGURES})


@router.get("/interviews", response_class=HTMLResponse)
def interviews_page(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    user = _login_required(user)
    return render(request, "interviews.html", user, interviews=user_interviews(session, user.id),
                  time_limits=ALLOWED_TIME_LIMITS, default_questions=th.INTERVIEW_QUESTIONS,
                  max_questions=th.MAX_INTERVIEW_QUESTIONS, error=None)


@router.post("/interviews", dependencies=[CsrfChecked])
def start_interview_page(request: Request, user: OptionalUser, session: SessionDep,
                         questions: Annotated[int, Form()] = th.INTERVIEW_QUESTIONS,
                         category: Annotated[str, Form()] = "", time_limit_s: Annotated[int, Form()] = 60) -> Response:
    user = _login_required(user)
    try:
        if time_limit_s not in ALLOWED_TIME_LIMITS:
            raise ParameterError(f"the time per answer must be one of {ALLOWED_TIME_LIMITS}")
        interview = create_interview(session, user.id, questions=questions, category=category or None,
                                     time_limit_s=time_limit_s)
    except ParameterError as exc:
        return render(request, "interviews.html", user, status_code=422, interviews=user_interviews(session, user.id),
                      time_limits=ALLOWED_TIME_LIMITS, default_questions=th.INTERVIEW_QUESTIONS,
                      max_questions=th.MAX_INTERVIEW_QUESTIONS, error=str(exc))
    session.commit()
    return RedirectResponse(f"/interviews/{interview.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/interviews/{interview_id}", response_class=HTMLResponse)
def interview_page(request: Request, interview_id: PathId, user: OptionalUser, session: SessionDep) -> Response:
    """The next question of the run, or (when all are answered) the run's summary."""
    user = _login_required(user)
    interview = user_interview(session, user.id, interview_id)
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
    previous = {k: summary.previous.get(k) for k in MAIN_FIGURES}
    return render(request, "interview_summary.html", user, interview=interview, summary=summary,
                  main=MAIN_FIGURES, formats={f.key: f for f in FIGURES}, previous=previous)


@router.post("/interviews/{interview_id}/delete", dependencies=[CsrfChecked])
def delete_interview_page(interview_id: PathId, user: OptionalUser, session: SessionDep) -> Response:
    user = _login_required(user)
    if not delete_interview(session, user.id, interview_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such interview")
    session.commit()
    return RedirectResponse("/interviews", status_code=status.HTTP_303_SEE_OTHER)


@dataclass(frozen=True)
class ReportWording:
    """The sentences of a report page (all from :mod:`emovoice.analysis.wording`)."""

    emotion_sentence: str
    reference: str | None
    named_reference: bool
    since: str | None
    sentiment: str
    tips: list[Tip]


def report_wording(report: Report, check: VoiceCheck | None) -> ReportWording:
    """What the report page says; ``check`` is the user's current voice check, to tell whether the
    answer was heard against an earlier one."""
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
                         reference=wording.reference_sentence(emotion), named_reference=emotion.reference == "speaker",
                         since=since, sentiment=sentiment, tips=wording.shown_tips(report))


def speech_seconds(curve: list[float], regions: list[list[float]]) -> list[float | None]:
    """A per-second curve with the seconds that hold no speech as gaps (None): a silent second's
    level (-100 dBFS) is not the speaker's loudness."""
    return [value if any(start < second + 1 and end > second for start, end in regions) else None
            for second, value in enumerate(curve)]


def chart_data(report: Report) -> dict[str, Any]:
    """What the report page's charts draw, with every target range taken from the report."""
    data: dict[str, Any] = {
        "emotions": list(EMOTIONS), "colours": EMOTION_COLOURS,
        "timeline": {"seconds": [s.start for s in report.timeline],
                     "probabilities": {e: [s.probabilities.get(e, 0.0) for s in report.timeline] for e in EMOTIONS}},
        "mix": report.probabilities,
    }
    delivery = report.delivery
    if delivery is not None:
        data["pace"] = {"curve": delivery.pace.curve, "target": [delivery.pace.target.low, delivery.pace.target.high]}
        data["pitch"] = {"curve": delivery.pitch.curve}
        data["loudness"] = {"curve": speech_seconds(delivery.loudness.curve, delivery.flow.speech_regions),
                            "target": [delivery.loudness.target.low, delivery.loudness.target.high]}
    return data


def again_url(answer: Answer) -> str:
    """Where "Try again" leads: the same question with the same answer time."""
    query = {k: v for k, v in (("question_id", answer.question_id), ("seconds", answer.time_limit_s)) if v}
    return "/practice" + ("?" + urlencode(query) if query else "")


@router.get("/answers/{answer_id}", response_class=HTMLResponse)
def answer_page(request: Request, answer_id: PathId, user: OptionalUser, session: SessionDep) -> Response:
    user = _login_required(user)
    answer = _own_answer(session, user, answer_id)
    report = None
    if answer.status == "done" and answer.report_json:
        try:
            report = Report.from_dict(json.loads(answer.report_json))
        except ReportFormatError as exc:
            return render(request, "error.html", user, status_code=500, title="Cannot show this report",
                          message=str(exc))
    words = report_wording(report, current_check(session, user.id)) if report is not None else None
    return render(request, "report.html", user, answer=answer, report=report, wording=words,
                  charts=chart_data(report) if report else None, again_url=again_url(answer))


@router.post("/answers/{answer_id}/delete", dependencies=[CsrfChecked])
def delete_answer_page(answer_id: PathId, user: OptionalUser, session: SessionDep, state: StateDep) -> Response:
    user = _login_required(user)
    if not store.delete_answer(session, user.id, answer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such answer")
    session.commit()
    state.database.scrub()
    return RedirectResponse("/history?deleted=1", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/voice-check", response_class=HTMLResponse)
def voice_check_page(request: Request, user: OptionalUser, session: SessionDep, welcome: bool = False,
                     saved: bool = False) -> Response:
    user = _login_required(user)
    return render(request, "voice_check.html", user, check=current_check(session, user.id), welcome=welcome,
                  saved=saved, sentences=SENTENCES, max_seconds=VOICE_CHECK_RECORD_S)


@router.post("/voice-check/delete", dependencies=[CsrfChecked])
def delete_voice_check_page(user: OptionalUser, session: SessionDep, state: StateDep,
                            back: Annotated[str, Form(max_length=20)] = "/account") -> Response:
    user = _login_required(user)
    delete_check(session, user.id)
    session.commit()
    state.database.scrub()
    page = back if back in ("/account", "/voice-check") else "/account"  # back where the button was
    return RedirectResponse(f"{page}?voice_check_deleted=1", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    user = _login_required(user)
    return render(request, "account.html", user, answer_count=store.count_user_answers(session, user.id),
                  error=None, check=current_check(session, user.id))


@router.post("/account/delete", dependencies=[CsrfChecked])
def delete_account(request: Request, user: OptionalUser, session: SessionDep, state: StateDep,
                   password: Annotated[str, Form(max_length=1024)]) -> Response:
    user = _login_required(user)
    try:
        authenticate(session, user.email, password, device=request.cookies.get(DEVICE_COOKIE))
    except AccountError:
        return render(request, "account.html", user, status_code=401,
                      answer_count=store.count_user_answers(session, user.id), check=current_check(session, user.id),
                      error="wrong password: the account was not deleted")
    delete_user(session, session.merge(user))
    session.commit()
    state.database.scrub()
    response = RedirectResponse("/?deleted=1", status_code=status.HTTP_303_SEE_OTHER)
    clear_session_cookie(response)
    return response
